// Tests of EvaluateRanking: every metric on a hand-computed example, the
// relevant threshold, exclusion of training items, raw (unclipped) scores,
// a brute-force reference on a random model, the same bits for any thread
// count, and the popularity baseline.
#include "hogmf/ranking_metrics.h"

#include <algorithm>
#include <cmath>

#include "model/model_internal.h"
#include "testing/status_matchers.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;

// k = 1; item i has q_i = 0.9 - 0.1 i (items 0 .. 7). User 0 (p = 1) ranks by
// increasing index, user 1 (p = -1) by decreasing index, user 3 (p = 1) like
// user 0; user 2 was never trained. Item 7 was never trained. In training,
// user 0 rated item 1 and user 3 rated item 0.
Model HandModel() {
  Model model(1, IdMap::Identity(4), IdMap::Identity(8));
  const float p[4] = {1, -1, 0, 1};
  for (uint32_t u = 0; u < 4; ++u) {
    internal::ModelInternal::user_factors(model).row(u)[0] = p[u];
    internal::ModelInternal::set_user_seen(model, u, u != 2);
  }
  for (uint32_t i = 0; i < 8; ++i) {
    internal::ModelInternal::item_factors(model).row(i)[0] = 0.9f - 0.1f * static_cast<float>(i);
    internal::ModelInternal::set_item_seen(model, i, i != 7);
  }
  const std::vector<Rating> training = {{0, 1, 5.0f}, {3, 0, 5.0f}};
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, 4));
  return model;
}

// With threshold 4:
//   user 0: candidates 0, 2, 3, 4, 5, 6 (item 1 rated, 7 untrained) at ranks
//     1 .. 6; relevant {2, 4} at ranks 2 and 4 (item 1 was rated in training,
//     item 7 never trained, item 0 is below the threshold: non-relevant).
//     @3: 1 hit: P 1/3, R 1/2, DCG 1/log2(3) = 0.6309298, IDCG 1 + 0.6309298,
//         NDCG 0.3868528, AP (1/2) / 2 = 0.25.
//     @5: 2 hits: P 2/5, R 1, DCG 0.6309298 + 1/log2(5) = 1.0616064,
//         NDCG 0.6509209, AP (1/2 + 2/4) / 2 = 0.5.
//     non-relevant 0, 3, 5, 6: item 2 is above 3 of the 4, item 4 above 2:
//     AUC 5/8 = 0.625; percentile ranks 1/4 and 2/4.
//   user 1: candidates 0 .. 6, ranked 6, 5, ..., 0; relevant {6} at rank 1:
//     @3 and @5: P 1/3 and 1/5, R 1, NDCG 1, AP 1; AUC 1; percentile rank 0.
//   user 2 (never trained) and user 3 (its only test item was rated in
//   training) are skipped.
// Means over the 2 users: @3 P 1/3, R 0.75, NDCG 0.6934264, MAP 0.625;
// @5 P 0.3, R 1, NDCG 0.8254605, MAP 0.75; AUC 0.8125; MPR over the 3
// relevant entries (0.25 + 0.5 + 0) / 3 = 0.25.
std::vector<Rating> HandTest() {
  return {{0, 2, 5.0f}, {0, 4, 4.0f}, {0, 1, 5.0f}, {0, 7, 5.0f},
          {0, 0, 2.0f}, {1, 6, 5.0f}, {2, 3, 5.0f}, {3, 0, 5.0f}};
}

TEST(RankingMetricsTest, EveryMetricByHand) {
  RankingOptions options;
  options.cutoffs = {3, 5};
  options.relevant_threshold = 4.0f;
  absl::StatusOr<RankingResult> r = EvaluateRankingAligned(HandModel(), HandTest(), options);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->users, 2u);
  EXPECT_EQ(r->auc_users, 2u);
  EXPECT_EQ(r->relevant, 3u);
  EXPECT_EQ(r->skipped_users, 2u);
  ASSERT_EQ(r->at.size(), 2u);
  EXPECT_EQ(r->at[0].n, 3);
  EXPECT_NEAR(r->at[0].precision, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(r->at[0].recall, 0.75, 1e-12);
  EXPECT_NEAR(r->at[0].ndcg, (1.0 / std::log2(3.0) / (1.0 + 1.0 / std::log2(3.0)) + 1.0) / 2.0,
              1e-12);
  EXPECT_NEAR(r->at[0].ndcg, 0.6934264, 1e-7);
  EXPECT_NEAR(r->at[0].map, 0.625, 1e-12);
  EXPECT_EQ(r->at[1].n, 5);
  EXPECT_NEAR(r->at[1].precision, 0.3, 1e-12);
  EXPECT_NEAR(r->at[1].recall, 1.0, 1e-12);
  EXPECT_NEAR(r->at[1].ndcg, 0.8254605, 1e-7);
  EXPECT_NEAR(r->at[1].map, 0.75, 1e-12);
  EXPECT_NEAR(r->auc, 0.8125, 1e-12);
  EXPECT_NEAR(r->mpr, 0.25, 1e-12);
}

// Without a threshold item 0 (rated 2) is relevant too: user 0's relevant
// items sit at ranks 1, 2 and 4, so @3 it has 2 hits: P 2/3, R 2/3; user 1
// is unchanged (P 1/3, R 1). AUC of user 0: non-relevant 3, 5, 6; items 0
// and 2 are above all 3, item 4 above 2: 8/9.
TEST(RankingMetricsTest, WithoutAThresholdEveryTestEntryIsRelevant) {
  RankingOptions options;
  options.cutoffs = {3};
  absl::StatusOr<RankingResult> r = EvaluateRankingAligned(HandModel(), HandTest(), options);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->relevant, 4u);
  EXPECT_NEAR(r->at[0].precision, 0.5, 1e-12);
  EXPECT_NEAR(r->at[0].recall, 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(r->auc, (8.0 / 9.0 + 1.0) / 2.0, 1e-12);
  // A threshold above every value leaves nobody to rank.
  options.relevant_threshold = 6.0f;
  r = EvaluateRankingAligned(HandModel(), HandTest(), options);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->users, 0u);
  EXPECT_EQ(r->skipped_users, 4u);
  EXPECT_EQ(r->at[0].precision, 0.0);
}

// A training item in the test set is neither relevant nor a candidate; with
// the index of rated items dropped it is both, and the ranks move.
TEST(RankingMetricsTest, TrainingItemsAreExcluded) {
  RankingOptions options;
  options.cutoffs = {2};
  options.relevant_threshold = 4.0f;
  const std::vector<Rating> with_rated = {{0, 1, 5.0f}, {0, 3, 5.0f}};
  const std::vector<Rating> without = {{0, 3, 5.0f}};
  const Model model = HandModel();
  absl::StatusOr<RankingResult> a = EvaluateRankingAligned(model, with_rated, options);
  absl::StatusOr<RankingResult> b = EvaluateRankingAligned(model, without, options);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  // Item 3 is third among candidates 0, 2, 3, 4, 5, 6: no hit @2; 2 of the
  // 5 non-relevant candidates are above it.
  EXPECT_EQ(a->relevant, 1u);
  EXPECT_EQ(a->at[0].recall, 0.0);
  EXPECT_NEAR(a->auc, 3.0 / 5.0, 1e-12);
  EXPECT_EQ(a->auc, b->auc);
  EXPECT_EQ(a->mpr, b->mpr);
  // Without the index item 1 (second) is relevant and a hit @2: recall 1/2.
  Model forgetful = HandModel();
  internal::ModelInternal::set_rated_items(forgetful, RatedItems::Build({}, 4));
  absl::StatusOr<RankingResult> c = EvaluateRankingAligned(forgetful, with_rated, options);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->relevant, 2u);
  EXPECT_NEAR(c->at[0].recall, 0.5, 1e-12);
}

// Ranking uses raw scores: a model that clips every prediction to 3 still
// ranks by mean + b_u + b_i + p.q, where the item biases reverse the order.
TEST(RankingMetricsTest, RanksByRawScoresWithBiases) {
  Model model = HandModel();
  internal::ModelInternal::AddBiases(model);
  internal::ModelInternal::set_mean(model, 3.0f);
  for (uint32_t i = 0; i < 8; ++i) {
    internal::ModelInternal::item_biases(model)[i] = static_cast<float>(i);  // outweighs p.q
  }
  internal::ModelInternal::set_value_range(model, 3.0f, 3.0f, /*clips=*/true);
  // User 0 now ranks 6, 5, 4, 3, 2, 0: item 6 first.
  const std::vector<Rating> test = {{0, 6, 5.0f}};
  RankingOptions options;
  options.cutoffs = {1};
  absl::StatusOr<RankingResult> r = EvaluateRankingAligned(model, test, options);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->at[0].precision, 1.0);
  EXPECT_EQ(r->auc, 1.0);
  EXPECT_EQ(r->mpr, 0.0);
}

TEST(RankingMetricsTest, IdsAreAlignedToTheModel) {
  IdMap users;
  users.Intern("ann");
  IdMap items;
  for (const char* name : {"a", "b", "c"}) items.Intern(name);
  Model model(1, std::move(users), std::move(items));
  internal::ModelInternal::user_factors(model).row(0)[0] = 1.0f;
  internal::ModelInternal::set_user_seen(model, 0, true);
  for (uint32_t i = 0; i < 3; ++i) {
    internal::ModelInternal::item_factors(model).row(i)[0] = static_cast<float>(i);
    internal::ModelInternal::set_item_seen(model, i, true);
  }
  Ratings test;
  const uint32_t zed = test.mutable_users().Intern("zed");  // not in the model
  const uint32_t ann = test.mutable_users().Intern("ann");
  const uint32_t c = test.mutable_items().Intern("c");
  const uint32_t x = test.mutable_items().Intern("x");  // not in the model
  test.Add(ann, c, 1.0f);
  test.Add(ann, x, 1.0f);
  test.Add(zed, c, 1.0f);
  RankingOptions options;
  options.cutoffs = {1};
  absl::StatusOr<RankingResult> r = EvaluateRanking(model, test, options);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->users, 1u);
  EXPECT_EQ(r->relevant, 1u);
  EXPECT_EQ(r->at[0].precision, 1.0);  // "c" scores 2, the best
}

TEST(RankingMetricsTest, Errors) {
  RankingOptions options;
  options.cutoffs = {10, 0};
  EXPECT_THAT(EvaluateRankingAligned(HandModel(), HandTest(), options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.cutoffs = {10};
  options.threads = -1;
  EXPECT_THAT(EvaluateRankingAligned(HandModel(), HandTest(), options),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A random model (k = 1, so the block product equals Model::Score exactly),
// with biases, rated items and untrained rows, against the metrics computed
// from their definitions with Model::Score and a full sort.
struct Random {
  Model model;
  std::vector<Rating> test;
};

Random RandomCase(uint64_t seed) {
  constexpr uint32_t kUsers = 150;
  constexpr uint32_t kItems = 90;
  internal::Rng rng(seed);
  Random c{Model(1, IdMap::Identity(kUsers), IdMap::Identity(kItems)), {}};
  internal::ModelInternal::AddBiases(c.model);
  internal::ModelInternal::set_mean(c.model, 3.0f);
  for (uint32_t u = 0; u < kUsers; ++u) {
    internal::ModelInternal::user_factors(c.model).row(u)[0] = rng.UniformFloat() * 2 - 1;
    internal::ModelInternal::user_biases(c.model)[u] = rng.UniformFloat() - 0.5f;
    internal::ModelInternal::set_user_seen(c.model, u, rng.Below(10) != 0);
  }
  for (uint32_t i = 0; i < kItems; ++i) {
    internal::ModelInternal::item_factors(c.model).row(i)[0] = rng.UniformFloat() * 2 - 1;
    internal::ModelInternal::item_biases(c.model)[i] = rng.UniformFloat() - 0.5f;
    internal::ModelInternal::set_item_seen(c.model, i, rng.Below(15) != 0);
  }
  std::vector<Rating> training;
  for (uint32_t u = 0; u < kUsers; ++u) {
    for (uint32_t i = 0; i < kItems; ++i) {
      const uint64_t draw = rng.Below(10);
      const float value = static_cast<float>(1 + rng.Below(5));
      if (draw == 0) training.push_back({u, i, value});
      if (draw == 1 || draw == 2) c.test.push_back({u, i, value});
    }
  }
  internal::ModelInternal::set_rated_items(c.model, RatedItems::Build(training, kUsers));
  return c;
}

RankingResult BruteForce(const Model& model, const std::vector<Rating>& test, int cutoff,
                         float threshold) {
  RankingResult result;
  double precision = 0, recall = 0, ndcg = 0, map = 0, auc = 0, mpr = 0;
  size_t mpr_count = 0;
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    if (!model.user_seen(u)) continue;
    std::vector<uint32_t> rated = model.rated_items().Decode(u);
    std::vector<uint32_t> candidates;
    for (uint32_t i = 0; i < model.num_items(); ++i) {
      if (model.item_seen(i) && !std::binary_search(rated.begin(), rated.end(), i)) {
        candidates.push_back(i);
      }
    }
    std::vector<uint8_t> relevant(model.num_items(), 0);
    size_t r = 0;
    for (const Rating& e : test) {
      if (e.user != u || e.value < threshold) continue;
      if (std::find(candidates.begin(), candidates.end(), e.item) == candidates.end()) continue;
      r += !relevant[e.item];
      relevant[e.item] = 1;
    }
    if (r == 0) continue;
    std::sort(candidates.begin(), candidates.end(), [&](uint32_t a, uint32_t b) {
      const float sa = model.Score(u, a), sb = model.Score(u, b);
      return sa != sb ? sa > sb : a < b;
    });
    size_t hits = 0, seen_relevant = 0, right_pairs = 0, non_relevant_above = 0;
    double dcg = 0, idcg = 0, ap = 0, percentile = 0;
    const size_t nn = candidates.size() - r;
    for (size_t pos = 0; pos < candidates.size(); ++pos) {
      if (relevant[candidates[pos]]) {
        ++seen_relevant;
        right_pairs += nn - non_relevant_above;
        if (nn > 0) percentile += static_cast<double>(non_relevant_above) / nn;
        if (pos < static_cast<size_t>(cutoff)) {
          ++hits;
          dcg += 1.0 / std::log2(pos + 2.0);
          ap += static_cast<double>(seen_relevant) / (pos + 1.0);
        }
      } else {
        ++non_relevant_above;
      }
    }
    for (size_t p = 0; p < std::min<size_t>(r, cutoff); ++p) idcg += 1.0 / std::log2(p + 2.0);
    ++result.users;
    precision += static_cast<double>(hits) / cutoff;
    recall += static_cast<double>(hits) / r;
    ndcg += dcg / idcg;
    map += ap / std::min<size_t>(r, cutoff);
    if (nn > 0) {
      auc += static_cast<double>(right_pairs) / (static_cast<double>(r) * nn);
      ++result.auc_users;
      mpr += percentile;
      mpr_count += r;
    }
  }
  result.at.push_back({cutoff, precision / result.users, recall / result.users, ndcg / result.users,
                       map / result.users});
  result.auc = auc / result.auc_users;
  result.mpr = mpr / mpr_count;
  return result;
}

TEST(RankingMetricsTest, MatchesTheDefinitionsOnARandomModel) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const Random c = RandomCase(seed);
    for (float threshold : {0.0f, 4.0f}) {
      RankingOptions options;
      options.cutoffs = {7};
      options.relevant_threshold = threshold;
      absl::StatusOr<RankingResult> r = EvaluateRankingAligned(c.model, c.test, options);
      ASSERT_THAT(r, IsOk());
      const RankingResult expected = BruteForce(c.model, c.test, 7, threshold);
      ASSERT_GT(expected.users, 50u);
      EXPECT_EQ(r->users, expected.users);
      EXPECT_EQ(r->auc_users, expected.auc_users);
      EXPECT_NEAR(r->at[0].precision, expected.at[0].precision, 1e-12) << seed;
      EXPECT_NEAR(r->at[0].recall, expected.at[0].recall, 1e-12) << seed;
      EXPECT_NEAR(r->at[0].ndcg, expected.at[0].ndcg, 1e-12) << seed;
      EXPECT_NEAR(r->at[0].map, expected.at[0].map, 1e-12) << seed;
      EXPECT_NEAR(r->auc, expected.auc, 1e-12) << seed;
      EXPECT_NEAR(r->mpr, expected.mpr, 1e-12) << seed;
    }
  }
}

TEST(RankingMetricsTest, SameBitsForAnyThreadCount) {
  const Random c = RandomCase(9);
  RankingOptions options;
  options.cutoffs = {5, 20};
  options.threads = 1;
  absl::StatusOr<RankingResult> one = EvaluateRankingAligned(c.model, c.test, options);
  options.threads = 3;
  absl::StatusOr<RankingResult> three = EvaluateRankingAligned(c.model, c.test, options);
  ASSERT_THAT(one, IsOk());
  ASSERT_THAT(three, IsOk());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(one->at[i].precision, three->at[i].precision);
    EXPECT_EQ(one->at[i].recall, three->at[i].recall);
    EXPECT_EQ(one->at[i].ndcg, three->at[i].ndcg);
    EXPECT_EQ(one->at[i].map, three->at[i].map);
  }
  EXPECT_EQ(one->auc, three->auc);
  EXPECT_EQ(one->mpr, three->mpr);
}

// k = 1 with q_i = 0.1 i, so the model ranks by decreasing index, every item
// and user trained. In training: user 0 rated {0, 2, 4}, user 1 {2, 4, 5},
// user 2 {4, 5}, user 3 {3}: popularity (users per item) 1, 0, 2, 1, 3, 2,
// so the popularity order is 4, 2, 5, 0, 3, 1 (ties to the lower index).
Model PopularityModel(float user_factor) {
  Model model(1, IdMap::Identity(4), IdMap::Identity(6));
  for (uint32_t u = 0; u < 4; ++u) {
    internal::ModelInternal::user_factors(model).row(u)[0] = user_factor;
    internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < 6; ++i) {
    internal::ModelInternal::item_factors(model).row(i)[0] = 0.1f * static_cast<float>(i);
    internal::ModelInternal::set_item_seen(model, i, true);
  }
  const std::vector<Rating> training = {{0, 0, 1}, {0, 2, 1}, {0, 4, 1}, {1, 2, 1}, {1, 4, 1},
                                        {1, 5, 1}, {2, 4, 1}, {2, 5, 1}, {3, 3, 1}};
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, 4));
  return model;
}

// Every entry relevant; by popularity:
//   user 0: candidates 1, 3, 5 ranked 5, 3, 1; relevant {1} at rank 3.
//     @1 nothing; @3 P 1/3, R 1, NDCG 1/log2(4) = 0.5, AP 1/3; AUC 0; MPR 1.
//   user 1: candidates 0, 1, 3 ranked 0, 3, 1; relevant {0} at rank 1.
//     @1 P 1, R 1, NDCG 1, AP 1; @3 P 1/3, R 1, NDCG 1, AP 1; AUC 1; MPR 0.
//   user 2: its only test item (4) was rated in training: skipped.
//   user 3: candidates 0, 1, 2, 4, 5 ranked 4, 2, 5, 0, 1; relevant {2, 0} at
//     ranks 2 and 4. @1 nothing; @3 P 1/3, R 1/2, NDCG (1/log2(3)) /
//     (1 + 1/log2(3)) = 0.3868528, AP (1/2) / 2 = 0.25; item 2 is below 1 of
//     the 3 non-relevant (4, 5, 1), item 0 below 2: AUC 3/6; MPR 1/3, 2/3.
// Means over 3 users: @1 P, R, NDCG, MAP 1/3; @3 P 1/3, R 5/6, NDCG
// 0.6289509, MAP 0.5277778; AUC 0.5; MPR (1 + 0 + 1/3 + 2/3) / 4 = 0.5.
std::vector<Rating> PopularityTest() {
  return {{0, 1, 1}, {1, 0, 1}, {2, 4, 1}, {3, 2, 1}, {3, 0, 1}};
}

TEST(RankingMetricsTest, PopularityBaselineByHand) {
  RankingOptions options;
  options.cutoffs = {1, 3};
  options.scorer = RankingScorer::kPopularity;
  // The model's factors play no part.
  for (float user_factor : {1.0f, -1.0f}) {
    absl::StatusOr<RankingResult> r =
        EvaluateRankingAligned(PopularityModel(user_factor), PopularityTest(), options);
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->users, 3u);
    EXPECT_EQ(r->auc_users, 3u);
    EXPECT_EQ(r->relevant, 4u);
    EXPECT_EQ(r->skipped_users, 1u);
    ASSERT_EQ(r->at.size(), 2u);
    EXPECT_NEAR(r->at[0].precision, 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(r->at[0].recall, 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(r->at[0].ndcg, 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(r->at[0].map, 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(r->at[1].precision, 1.0 / 3.0, 1e-12);
    EXPECT_NEAR(r->at[1].recall, 5.0 / 6.0, 1e-12);
    EXPECT_NEAR(r->at[1].ndcg, 0.6289509, 1e-7);
    EXPECT_NEAR(r->at[1].map, (1.0 / 3.0 + 1.0 + 0.25) / 3.0, 1e-12);
    EXPECT_NEAR(r->auc, 0.5, 1e-12);
    EXPECT_NEAR(r->mpr, 0.5, 1e-12);
  }
  // The model's own order (decreasing index) differs: user 1 ranks 3, 1, 0.
  options.scorer = RankingScorer::kModel;
  absl::StatusOr<RankingResult> own =
      EvaluateRankingAligned(PopularityModel(1.0f), PopularityTest(), options);
  ASSERT_THAT(own, IsOk());
  EXPECT_NEAR(own->at[1].recall, (1.0 + 1.0 + 0.5) / 3.0, 1e-12);  // user 3: 2 at rank 3
  EXPECT_NEAR(own->auc, (0.0 + 0.0 + 1.0 / 6.0) / 3.0, 1e-12);
}

// On the random case the baseline equals the model ranking of a model whose
// score is the item's count of training users (k = 1, p = 1, q = count, no
// bias), across many blocks of users and with untrained items.
TEST(RankingMetricsTest, PopularityBaselineEqualsScoringByCounts) {
  Random c = RandomCase(4);
  RankingOptions options;
  options.cutoffs = {5, 20};
  options.scorer = RankingScorer::kPopularity;
  absl::StatusOr<RankingResult> baseline = EvaluateRankingAligned(c.model, c.test, options);
  ASSERT_THAT(baseline, IsOk());
  std::vector<float> counts(c.model.num_items(), 0);
  for (uint32_t u = 0; u < c.model.num_users(); ++u) {
    for (uint32_t item : c.model.rated_items().Decode(u)) counts[item] += 1;
  }
  internal::ModelInternal::set_mean(c.model, 0);
  for (uint32_t u = 0; u < c.model.num_users(); ++u) {
    internal::ModelInternal::user_factors(c.model).row(u)[0] = 1;
    internal::ModelInternal::user_biases(c.model)[u] = 0;
  }
  for (uint32_t i = 0; i < c.model.num_items(); ++i) {
    internal::ModelInternal::item_factors(c.model).row(i)[0] = counts[i];
    internal::ModelInternal::item_biases(c.model)[i] = 0;
  }
  options.scorer = RankingScorer::kModel;
  absl::StatusOr<RankingResult> by_counts = EvaluateRankingAligned(c.model, c.test, options);
  ASSERT_THAT(by_counts, IsOk());
  EXPECT_GT(baseline->users, 100u);
  EXPECT_EQ(baseline->users, by_counts->users);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(baseline->at[i].precision, by_counts->at[i].precision);
    EXPECT_EQ(baseline->at[i].recall, by_counts->at[i].recall);
    EXPECT_EQ(baseline->at[i].ndcg, by_counts->at[i].ndcg);
    EXPECT_EQ(baseline->at[i].map, by_counts->at[i].map);
  }
  EXPECT_EQ(baseline->auc, by_counts->auc);
  EXPECT_EQ(baseline->mpr, by_counts->mpr);
}

TEST(RankingMetricsTest, PopularityBaselineNeedsRatedItems) {
  Model model(1, IdMap::Identity(2), IdMap::Identity(2));
  RankingOptions options;
  options.scorer = RankingScorer::kPopularity;
  const std::vector<Rating> test = {{0, 1, 1}};
  EXPECT_THAT(EvaluateRankingAligned(model, test, options),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace hogmf
