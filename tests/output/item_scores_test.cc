// Tests of ItemScorer and TopItems: block scores against Model::Score over a
// k sweep with and without biases, whole or an item range; the excluded
// items; the bounded top-N selection against a full sort, with ties,
// -infinity and NaN, offered whole or in pieces.
#include "output/item_scores.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "model/model_internal.h"
#include "util/random.h"

namespace hogmf::internal {
namespace {

Model RandomModel(int k, uint32_t users, uint32_t items, bool biases, uint64_t seed) {
  Rng rng(seed);
  Model model(k, IdMap::Identity(users), IdMap::Identity(items));
  if (biases) {
    ModelInternal::AddBiases(model);
    ModelInternal::set_mean(model, 3.5f);
  }
  for (uint32_t u = 0; u < users; ++u) {
    for (int d = 0; d < k; ++d) {
      ModelInternal::user_factors(model).row(u)[d] = rng.UniformFloat() - 0.5f;
    }
    if (biases) ModelInternal::user_biases(model)[u] = rng.UniformFloat() - 0.5f;
    ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < items; ++i) {
    for (int d = 0; d < k; ++d) {
      ModelInternal::item_factors(model).row(i)[d] = rng.UniformFloat() - 0.5f;
    }
    if (biases) ModelInternal::item_biases(model)[i] = rng.UniformFloat() - 0.5f;
    ModelInternal::set_item_seen(model, i, true);
  }
  return model;
}

TEST(ItemScorerTest, BlockScoresEqualModelScoreToRounding) {
  for (int k : {1, 3, 16, 17, 33}) {
    for (bool biases : {false, true}) {
      const Model model = RandomModel(k, 40, 70, biases, static_cast<uint64_t>(k));
      const ItemScorer scorer(model);
      const std::vector<uint32_t> users = {5, 0, 39, 5, 17};
      Eigen::MatrixXf scores;
      scorer.ScoreBlock(users, &scores);
      ASSERT_EQ(scores.rows(), 96);  // 70 padded to a multiple of 32
      ASSERT_EQ(scores.cols(), 5);
      for (size_t b = 0; b < users.size(); ++b) {
        for (uint32_t i = 0; i < 70; ++i) {
          const float expected = model.Score(users[b], i);
          EXPECT_NEAR(scores(i, static_cast<Eigen::Index>(b)), expected, 1e-5f)
              << "k " << k << " biases " << biases << " user " << users[b] << " item " << i;
        }
      }
    }
  }
}

TEST(ItemScorerTest, AnItemRangeScoresAsTheWhole) {
  const Model model = RandomModel(9, 10, 50, true, 3);
  const ItemScorer scorer(model);
  const std::vector<uint32_t> users = {1, 7, 2};
  Eigen::MatrixXf whole;
  Eigen::MatrixXf part;
  scorer.ScoreBlock(users, &whole);
  scorer.ScoreItems(users, 32, 45, &part);
  ASSERT_EQ(part.rows(), 32);  // 13 padded
  ASSERT_EQ(part.cols(), 3);
  for (Eigen::Index b = 0; b < 3; ++b) {
    for (Eigen::Index i = 0; i < 13; ++i) EXPECT_EQ(part(i, b), whole(32 + i, b));
  }
}

TEST(ItemScorerTest, ExcludedItemsAreRatedAndUntrainedItemsSorted) {
  Model model = RandomModel(4, 2, 30, false, 7);
  ModelInternal::set_item_seen(model, 3, false);
  ModelInternal::set_item_seen(model, 20, false);
  const std::vector<Rating> training = {{0, 29, 1.0f}, {0, 10, 1.0f}, {1, 0, 1.0f}};
  ModelInternal::set_rated_items(model, RatedItems::Build(training, 2));
  const ItemScorer scorer(model);
  std::vector<uint32_t> items = {99};
  scorer.ExcludedItems(0, &items);
  EXPECT_EQ(items, (std::vector<uint32_t>{3, 10, 20, 29}));
  scorer.ExcludedItems(1, &items);
  EXPECT_EQ(items, (std::vector<uint32_t>{0, 3, 20}));
  std::vector<uint32_t> visited;
  scorer.ForEachExcluded(0, [&](uint32_t item) { visited.push_back(item); });
  std::sort(visited.begin(), visited.end());
  EXPECT_EQ(visited, (std::vector<uint32_t>{3, 10, 20, 29}));
}

TEST(TopItemsTest, MatchesAFullSortWithTiesAndSkipsInfinityAndNan) {
  Rng rng(11);
  const float kInf = std::numeric_limits<float>::infinity();
  for (uint32_t n : {0u, 1u, 5u, 15u, 16u, 17u, 33u, 200u}) {
    std::vector<float> scores(n);
    // Few distinct values, so ties are common; some excluded.
    for (float& s : scores) {
      const uint64_t draw = rng.Below(12);
      s = draw == 0 ? -kInf : (draw == 1 ? std::nanf("") : static_cast<float>(draw % 5));
    }
    std::vector<Recommendation> all;
    for (uint32_t i = 0; i < n; ++i) {
      if (scores[i] > -kInf) all.push_back({i, scores[i]});
    }
    std::sort(all.begin(), all.end(), [](const Recommendation& a, const Recommendation& b) {
      return a.score != b.score ? a.score > b.score : a.item < b.item;
    });
    for (int top_n : {1, 3, 16, 1000}) {
      // Offered whole, and in pieces of 7 (the object reused); with the
      // scalar scan and the SIMD one a scorer uses.
      const ItemScorer scorer(RandomModel(1, 1, 1, false, 1));
      for (TopItems top : {TopItems(top_n), scorer.MakeTopItems(top_n)}) {
        top.Offer(scores.data(), 0, n);
        const std::vector<Recommendation> whole = top.Take();
        for (uint32_t first = 0; first < n; first += 7) {
          top.Offer(scores.data() + first, first, std::min(7u, n - first));
        }
        std::vector<Recommendation> pieces = {{99, 1.0f}};  // appended to
        top.TakeInto(&pieces);
        pieces.erase(pieces.begin());
        const size_t expected = std::min<size_t>(all.size(), static_cast<size_t>(top_n));
        ASSERT_EQ(whole.size(), expected) << n << " " << top_n;
        ASSERT_EQ(pieces.size(), expected) << n << " " << top_n;
        for (size_t j = 0; j < expected; ++j) {
          EXPECT_EQ(whole[j].item, all[j].item) << n << " " << top_n << " " << j;
          EXPECT_EQ(whole[j].score, all[j].score);
          EXPECT_EQ(pieces[j].item, all[j].item) << n << " " << top_n << " " << j;
        }
      }
    }
  }
}

}  // namespace
}  // namespace hogmf::internal
