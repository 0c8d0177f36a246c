// Tests of Recommend: ordering, exclusion of rated and untrained items, errors.
#include "hogmf/recommend.h"

#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;

// One user with p = (1, 0); items score 5, 1, 4, 3, 2 by their first factor.
Model ScoredModel() {
  Model model(2, IdMap::Identity(2), IdMap::Identity(6));
  model.user_factors().row(0)[0] = 1.0f;
  model.set_user_seen(0, true);
  const float scores[6] = {5, 1, 4, 3, 2, 9};
  for (uint32_t i = 0; i < 6; ++i) {
    model.item_factors().row(i)[0] = scores[i];
    model.set_item_seen(i, i != 5);  // item 5 was never trained
  }
  model.SetRatedItems(std::vector<Rating>{{0, 2, 4.0f}});
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

TEST(RecommendTest, Errors) {
  const Model model = ScoredModel();
  EXPECT_THAT(Recommend(model, "7", 3), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Recommend(model, "0", 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Recommend(model, "1", 3), StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace hogmf
