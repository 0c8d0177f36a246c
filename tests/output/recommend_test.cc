// Tests of Recommend and RecommendForUsers: ordering, exclusion of rated and
// untrained items, raw scores with biases, many users at once against one at
// a time, errors.
#include "hogmf/recommend.h"

#include <cmath>
#include <limits>

#include "model/model_internal.h"
#include "testing/status_matchers.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;

// One user with p = (1, 0); items score 5, 1, 4, 3, 2 by their first factor.
Model ScoredModel() {
  Model model(2, IdMap::Identity(2), IdMap::Identity(6));
  internal::ModelInternal::user_factors(model).row(0)[0] = 1.0f;
  internal::ModelInternal::set_user_seen(model, 0, true);
  const float scores[6] = {5, 1, 4, 3, 2, 9};
  for (uint32_t i = 0; i < 6; ++i) {
    internal::ModelInternal::item_factors(model).row(i)[0] = scores[i];
    internal::ModelInternal::set_item_seen(model, i, i != 5);  // item 5 was never trained
  }
  std::vector<Rating> training = {{0, 2, 4.0f}};
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, model.num_users()));
  return model;
}

TEST(RecommendTest, BestFirstExcludingRatedAndUntrainedItems) {
  const Model model = ScoredModel();
  absl::StatusOr<std::vector<Recommendation>> top = Recommend(model, "0", 3);
  ASSERT_THAT(top, IsOk());
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ((*top)[0].item, 0u);
  EXPECT_FLOAT_EQ((*top)[0].score, 5.0f);
  EXPECT_EQ((*top)[1].item, 3u);  // item 2 (score 4) was rated
  EXPECT_EQ((*top)[2].item, 4u);
}

TEST(RecommendTest, AskingForMoreThanThereAreReturnsAll) {
  absl::StatusOr<std::vector<Recommendation>> top = Recommend(ScoredModel(), "0", 100);
  ASSERT_THAT(top, IsOk());
  EXPECT_EQ(top->size(), 4u);
}

// A model in memory with a NaN item row (model files with one are refused at
// load): that item is never recommended, in either path, and every score
// returned is a number.
TEST(RecommendTest, ItemsWithNaNScoresAreSkipped) {
  Model model = ScoredModel();
  internal::ModelInternal::item_factors(model).row(0)[0] = std::numeric_limits<float>::quiet_NaN();
  internal::ModelInternal::item_factors(model).row(4)[0] = std::numeric_limits<float>::infinity();
  absl::StatusOr<std::vector<Recommendation>> top = Recommend(model, "0", 100);
  ASSERT_THAT(top, IsOk());
  ASSERT_EQ(top->size(), 3u);  // items 4 (inf), 3, 1; 0 is NaN, 2 rated, 5 untrained
  for (const Recommendation& r : *top) {
    EXPECT_NE(r.item, 0u);
    EXPECT_FALSE(std::isnan(r.score));
  }
  const uint32_t user = 0;
  std::vector<Recommendation> many;
  ASSERT_THAT(RecommendForUsers(model, std::span<const uint32_t>(&user, 1), RecommendOptions(),
                                [&](std::span<const UserRecommendations> lists) {
                                  for (const UserRecommendations& list : lists) {
                                    many.insert(many.end(), list.items.begin(), list.items.end());
                                  }
                                }),
              IsOk());
  ASSERT_EQ(many.size(), top->size());
  for (size_t j = 0; j < many.size(); ++j) EXPECT_EQ(many[j].item, (*top)[j].item);
}

// Scores equal to the item index; without an index of rated items nothing is
// excluded, with one every rated item is, however far apart their indices.
TEST(RecommendTest, ExcludesEveryItemOfALargeRatedIndex) {
  Model model(1, IdMap::Identity(1), IdMap::Identity(400));
  internal::ModelInternal::user_factors(model).row(0)[0] = 1.0f;
  internal::ModelInternal::set_user_seen(model, 0, true);
  for (uint32_t i = 0; i < 400; ++i) {
    internal::ModelInternal::item_factors(model).row(i)[0] = static_cast<float>(i);
    internal::ModelInternal::set_item_seen(model, i, true);
  }
  auto items_of = [](const std::vector<Recommendation>& top) {
    std::vector<uint32_t> items;
    for (const Recommendation& r : top) items.push_back(r.item);
    return items;
  };
  absl::StatusOr<std::vector<Recommendation>> top = RecommendForIndex(model, 0, 3);
  ASSERT_THAT(top, IsOk());
  EXPECT_THAT(items_of(*top), ::testing::ElementsAre(399u, 398u, 397u));
  std::vector<Rating> training = {{0, 0, 1.0f}};
  for (uint32_t i = 399; i >= 100; --i) {
    if (i != 250) training.push_back({0, i, 1.0f});
  }
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, 1));
  top = RecommendForIndex(model, 0, 3);
  ASSERT_THAT(top, IsOk());
  EXPECT_THAT(items_of(*top), ::testing::ElementsAre(250u, 99u, 98u));
}

TEST(RecommendTest, Errors) {
  const Model model = ScoredModel();
  EXPECT_THAT(Recommend(model, "7", 3), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Recommend(model, "0", 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Recommend(model, "1", 3), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Item biases outweigh p.q and reverse user 0's order; the model clips every
// prediction to [3, 3], but recommendations rank and report raw scores.
// A one-class model ranks a user it has no row for by its cold_user row (the
// mean trained user): (1, 0) and (0, 1) average to (0.5, 0.5), which scores
// items (2, 0), (0, 3), (1, 1) as 1, 1.5, 1. A squared-loss model refuses.
TEST(RecommendTest, OneClassModelsRankUnseenUsersByTheColdUser) {
  Model model(2, IdMap::Identity(3), IdMap::Identity(3));
  const float p[2][2] = {{1, 0}, {0, 1}};
  const float q[3][2] = {{2, 0}, {0, 3}, {1, 1}};
  for (uint32_t u = 0; u < 2; ++u) {
    for (int d = 0; d < 2; ++d) internal::ModelInternal::user_factors(model).row(u)[d] = p[u][d];
    internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < 3; ++i) {
    for (int d = 0; d < 2; ++d) internal::ModelInternal::item_factors(model).row(i)[d] = q[i][d];
    internal::ModelInternal::set_item_seen(model, i, true);
  }
  internal::ModelInternal::set_rated_items(model, RatedItems::Build({}, 3));
  EXPECT_THAT(RecommendForIndex(model, 2, 3).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  internal::ModelInternal::set_loss(model, Loss::kBprRow);
  internal::ModelInternal::UpdateColdUser(model);
  absl::StatusOr<std::vector<Recommendation>> top = RecommendForIndex(model, 2, 3);
  ASSERT_THAT(top.status(), IsOk());
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ((*top)[0].item, 1u);
  EXPECT_EQ((*top)[0].score, 1.5f);
  EXPECT_EQ((*top)[1].item, 0u);  // ties by lower index
  EXPECT_EQ((*top)[2].item, 2u);
  EXPECT_EQ((*top)[1].score, model.Score(2, 0));
}

TEST(RecommendTest, BiasesChangeTheOrderAndScoresAreNotClipped) {
  Model model = ScoredModel();
  internal::ModelInternal::AddBiases(model);
  internal::ModelInternal::set_mean(model, 1.0f);
  internal::ModelInternal::user_biases(model)[0] = 0.5f;
  const float item_bias[6] = {-10, 0, 0, 0, 10, 0};
  for (uint32_t i = 0; i < 6; ++i) internal::ModelInternal::item_biases(model)[i] = item_bias[i];
  internal::ModelInternal::set_value_range(model, 3.0f, 3.0f, /*clips=*/true);
  absl::StatusOr<std::vector<Recommendation>> top = RecommendForIndex(model, 0, 4);
  ASSERT_THAT(top, IsOk());
  ASSERT_EQ(top->size(), 4u);
  // Scores 1 + 0.5 + b_i + p.q: item 4: 13.5, item 3: 4.5, item 1: 2.5, item 0: -3.5.
  EXPECT_EQ((*top)[0].item, 4u);
  EXPECT_FLOAT_EQ((*top)[0].score, 13.5f);
  EXPECT_EQ((*top)[1].item, 3u);
  EXPECT_EQ((*top)[2].item, 1u);
  EXPECT_EQ((*top)[3].item, 0u);
  EXPECT_FLOAT_EQ((*top)[3].score, -3.5f);
  for (const Recommendation& r : *top) EXPECT_FLOAT_EQ(r.score, model.Score(0, r.item));
}

// A random model (k = 13, biases, untrained rows, rated items).
Model RandomModel(uint64_t seed) {
  constexpr uint32_t kUsers = 300;
  constexpr uint32_t kItems = 77;
  constexpr int kK = 13;
  internal::Rng rng(seed);
  Model model(kK, IdMap::Identity(kUsers), IdMap::Identity(kItems));
  internal::ModelInternal::AddBiases(model);
  internal::ModelInternal::set_mean(model, 3.0f);
  for (uint32_t u = 0; u < kUsers; ++u) {
    for (int d = 0; d < kK; ++d) {
      internal::ModelInternal::user_factors(model).row(u)[d] = rng.UniformFloat() - 0.5f;
    }
    internal::ModelInternal::user_biases(model)[u] = rng.UniformFloat() - 0.5f;
    internal::ModelInternal::set_user_seen(model, u, rng.Below(8) != 0);
  }
  for (uint32_t i = 0; i < kItems; ++i) {
    for (int d = 0; d < kK; ++d) {
      internal::ModelInternal::item_factors(model).row(i)[d] = rng.UniformFloat() - 0.5f;
    }
    internal::ModelInternal::item_biases(model)[i] = rng.UniformFloat() - 0.5f;
    internal::ModelInternal::set_item_seen(model, i, rng.Below(10) != 0);
  }
  std::vector<Rating> training;
  for (uint32_t u = 0; u < kUsers; ++u) {
    for (uint32_t i = 0; i < kItems; ++i) {
      if (rng.Below(6) == 0) training.push_back({u, i, 1.0f});
    }
  }
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, kUsers));
  return model;
}

std::vector<uint32_t> TrainedUsers(const Model& model) {
  std::vector<uint32_t> users;
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    if (model.user_seen(u)) users.push_back(u);
  }
  return users;
}

TEST(RecommendForUsersTest, MatchesRecommendForIndexForEveryUser) {
  const Model model = RandomModel(3);
  const std::vector<uint32_t> users = TrainedUsers(model);
  ASSERT_GT(users.size(), 200u);
  for (const RecommendOptions options :
       {RecommendOptions{.top_n = 10}, RecommendOptions{.top_n = 100, .threads = 3},
        RecommendOptions{.top_n = 1, .threads = 1, .block_users = 7}}) {
    size_t next = 0;
    absl::Status status =
        RecommendForUsers(model, users, options, [&](std::span<const UserRecommendations> block) {
          for (const UserRecommendations& list : block) {
            ASSERT_LT(next, users.size());
            ASSERT_EQ(list.user, users[next++]);
            absl::StatusOr<std::vector<Recommendation>> one =
                RecommendForIndex(model, list.user, options.top_n);
            ASSERT_THAT(one, IsOk());
            ASSERT_EQ(list.items.size(), one->size());
            std::vector<uint32_t> rated = model.rated_items().Decode(list.user);
            for (size_t j = 0; j < one->size(); ++j) {
              EXPECT_EQ(list.items[j].item, (*one)[j].item) << list.user << " " << j;
              EXPECT_NEAR(list.items[j].score, (*one)[j].score, 1e-5f);
              EXPECT_NEAR(list.items[j].score, model.Score(list.user, list.items[j].item), 1e-5f);
              EXPECT_TRUE(model.item_seen(list.items[j].item));
              EXPECT_FALSE(std::binary_search(rated.begin(), rated.end(), list.items[j].item));
            }
          }
        });
    ASSERT_THAT(status, IsOk());
    EXPECT_EQ(next, users.size());
  }
}

// Every trained, unrated item comes out when top_n exceeds them: the lists
// hold exactly the candidates.
TEST(RecommendForUsersTest, ListsHoldEveryCandidateWhenTopIsLarge) {
  const Model model = RandomModel(5);
  const std::vector<uint32_t> users = TrainedUsers(model);
  size_t lists = 0;
  ASSERT_THAT(RecommendForUsers(model, users, {.top_n = 1000},
                                [&](std::span<const UserRecommendations> block) {
                                  for (const UserRecommendations& list : block) {
                                    size_t candidates = 0;
                                    std::vector<uint32_t> rated =
                                        model.rated_items().Decode(list.user);
                                    for (uint32_t i = 0; i < model.num_items(); ++i) {
                                      candidates +=
                                          model.item_seen(i) &&
                                          !std::binary_search(rated.begin(), rated.end(), i);
                                    }
                                    EXPECT_EQ(list.items.size(), candidates);
                                    ++lists;
                                  }
                                }),
              IsOk());
  EXPECT_EQ(lists, users.size());
}

// Many items (scored in several chunks), k = 1 with biases, so the scores
// are exactly Model::Score: the lists equal a full sort of every candidate.
TEST(RecommendForUsersTest, MatchesAFullSortAcrossItemChunks) {
  constexpr uint32_t kUsers = 20;
  constexpr uint32_t kItems = 5000;
  internal::Rng rng(17);
  Model model(1, IdMap::Identity(kUsers), IdMap::Identity(kItems));
  internal::ModelInternal::AddBiases(model);
  internal::ModelInternal::set_mean(model, 3.0f);
  for (uint32_t u = 0; u < kUsers; ++u) {
    internal::ModelInternal::user_factors(model).row(u)[0] = rng.UniformFloat() * 2 - 1;
    internal::ModelInternal::user_biases(model)[u] = rng.UniformFloat();
    internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < kItems; ++i) {
    // Few distinct values: ties across chunks.
    internal::ModelInternal::item_factors(model).row(i)[0] =
        static_cast<float>(rng.Below(50)) / 50.0f;
    internal::ModelInternal::item_biases(model)[i] = static_cast<float>(rng.Below(4)) / 4.0f;
    internal::ModelInternal::set_item_seen(model, i, rng.Below(20) != 0);
  }
  std::vector<Rating> training;
  for (uint32_t u = 0; u < kUsers; ++u) {
    for (uint32_t i = 0; i < kItems; ++i) {
      if (rng.Below(3) == 0) training.push_back({u, i, 1.0f});
    }
  }
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, kUsers));
  const std::vector<uint32_t> users = TrainedUsers(model);
  size_t lists = 0;
  ASSERT_THAT(RecommendForUsers(
                  model, users, {.top_n = 300, .block_users = 6},
                  [&](std::span<const UserRecommendations> block) {
                    for (const UserRecommendations& list : block) {
                      ++lists;
                      std::vector<uint32_t> rated = model.rated_items().Decode(list.user);
                      std::vector<Recommendation> all;
                      for (uint32_t i = 0; i < kItems; ++i) {
                        if (model.item_seen(i) &&
                            !std::binary_search(rated.begin(), rated.end(), i)) {
                          all.push_back({i, model.Score(list.user, i)});
                        }
                      }
                      std::sort(all.begin(), all.end(),
                                [](const Recommendation& a, const Recommendation& b) {
                                  return a.score != b.score ? a.score > b.score : a.item < b.item;
                                });
                      ASSERT_EQ(list.items.size(), 300u);
                      for (size_t j = 0; j < 300; ++j) {
                        ASSERT_EQ(list.items[j].item, all[j].item) << list.user << " " << j;
                        ASSERT_EQ(list.items[j].score, all[j].score);
                      }
                    }
                  }),
              IsOk());
  EXPECT_EQ(lists, kUsers);
}

TEST(RecommendForUsersTest, ErrorsBeforeAnyList) {
  const Model model = RandomModel(3);
  uint32_t untrained = 0;
  while (model.user_seen(untrained)) ++untrained;
  bool called = false;
  const auto consume = [&](std::span<const UserRecommendations>) { called = true; };
  const std::vector<uint32_t> trained = TrainedUsers(model);
  const std::vector<uint32_t> with_untrained = {trained[0], untrained};
  const std::vector<uint32_t> with_unknown = {trained[0], 300};
  EXPECT_THAT(RecommendForUsers(model, with_untrained, {}, consume),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::HasSubstr("at position 1")));
  EXPECT_THAT(RecommendForUsers(model, with_unknown, {}, consume),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(RecommendForUsers(model, trained, {.top_n = 0}, consume),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RecommendForUsers(model, trained, {.threads = -2}, consume),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RecommendForUsers(model, trained, {.block_users = 0}, consume),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(called);
  EXPECT_THAT(RecommendForUsers(model, {}, {}, consume), IsOk());
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace hogmf
