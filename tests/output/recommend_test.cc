// Tests of Recommend: ordering, exclusion of rated and untrained items, errors.
#include "hogmf/recommend.h"

#include "model/model_internal.h"
#include "testing/status_matchers.h"

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

}  // namespace
}  // namespace hogmf
