// Tests of Model: predictions, seen flags and rated items.
#include "hogmf/model.h"
#include "model/model_internal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace hogmf {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// 2 users x 3 items, k = 2, everything seen, mean 3.
Model SmallModel() {
  Model model(2, IdMap::Identity(2), IdMap::Identity(3));
  internal::ModelInternal::set_mean(model, 3.0f);
  for (uint32_t u = 0; u < 2; ++u) {
    internal::ModelInternal::user_factors(model).row(u)[0] = 1.0f + u;
    internal::ModelInternal::user_factors(model).row(u)[1] = 0.5f;
    internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < 3; ++i) {
    internal::ModelInternal::item_factors(model).row(i)[0] = static_cast<float>(i);
    internal::ModelInternal::item_factors(model).row(i)[1] = 2.0f;
    internal::ModelInternal::set_item_seen(model, i, true);
  }
  return model;
}

TEST(ModelTest, NewModelHasZeroFactorsAndNothingSeen) {
  IdMap users;
  users.Intern("a");
  users.Intern("b");
  Model model(4, std::move(users), IdMap::Identity(5));
  EXPECT_EQ(model.k(), 4);
  EXPECT_EQ(model.num_users(), 2u);
  EXPECT_EQ(model.num_items(), 5u);
  EXPECT_EQ(model.users().Find("b"), 1u);
  EXPECT_FALSE(model.user_seen(0));
  EXPECT_FALSE(model.item_seen(4));
  EXPECT_EQ(model.user_factors().AsEigen().squaredNorm(), 0.0f);
  internal::ModelInternal::set_mean(model, 2.5f);
  EXPECT_EQ(model.Predict(1, 3), 2.5f);
  EXPECT_FALSE(model.has_rated_items());
  EXPECT_EQ(model.rated_items().num_users(), 0u);
  EXPECT_THAT(model.rated_items().Decode(0), IsEmpty());
}

TEST(ModelTest, PredictIsTheDotProductOfSeenRows) {
  const Model model = SmallModel();
  EXPECT_FLOAT_EQ(model.Predict(0, 0), 1.0f);             // 1*0 + 0.5*2
  EXPECT_FLOAT_EQ(model.Predict(1, 2), 2.0f * 2 + 1.0f);  // 2*2 + 0.5*2
}

TEST(ModelTest, PredictIsTheMeanForUnseenUnknownAndOutOfRangeRows) {
  Model model = SmallModel();
  internal::ModelInternal::set_user_seen(model, 1, false);
  internal::ModelInternal::set_item_seen(model, 0, false);
  EXPECT_EQ(model.Predict(1, 1), 3.0f);
  EXPECT_EQ(model.Predict(0, 0), 3.0f);
  EXPECT_EQ(model.Predict(2, 1), 3.0f);
  EXPECT_EQ(model.Predict(0, 3), 3.0f);
  EXPECT_EQ(model.Predict(kUnknownIndex, 1), 3.0f);
  EXPECT_EQ(model.Predict(0, kUnknownIndex), 3.0f);
  EXPECT_NE(model.Predict(0, 1), 3.0f);
}

TEST(ModelTest, KeepsTheRatedItemsIndex) {
  Model model(1, IdMap::Identity(3), IdMap::Identity(10));
  std::vector<Rating> training = {
      {2, 7, 1.0f}, {0, 3, 1.0f}, {2, 1, 1.0f}, {2, 7, 5.0f}, {0, 0, 1.0f}, {2, 9, 2.0f},
  };
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, model.num_users()));
  ASSERT_TRUE(model.has_rated_items());
  EXPECT_THAT(model.rated_items().Decode(0), ElementsAre(0u, 3u));
  EXPECT_THAT(model.rated_items().Decode(1), IsEmpty());
  EXPECT_THAT(model.rated_items().Decode(2), ElementsAre(1u, 7u, 9u));
  EXPECT_THAT(model.rated_items().Decode(3), IsEmpty());
  EXPECT_EQ(model.rated_items().num_entries(), 5u);
}

TEST(ModelTest, AnIndexOfNoRatingsIsKeptAsEmptyLists) {
  Model model(1, IdMap::Identity(2), IdMap::Identity(2));
  std::vector<Rating> none;
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(none, 2));
  EXPECT_TRUE(model.has_rated_items());
  EXPECT_THAT(model.rated_items().Decode(0), IsEmpty());
  EXPECT_THAT(model.rated_items().Decode(1), IsEmpty());
}

TEST(ModelTest, CopiesAreIndependent) {
  Model a = SmallModel();
  Model b = a;
  internal::ModelInternal::user_factors(a).row(0)[0] = 100.0f;
  internal::ModelInternal::set_user_seen(a, 1, false);
  EXPECT_FLOAT_EQ(b.Predict(0, 1), 1.0f * 1 + 0.5f * 2);
  EXPECT_TRUE(b.user_seen(1));
  std::vector<Rating> training = {{0, 2, 1.0f}};
  internal::ModelInternal::set_rated_items(a, RatedItems::Build(training, 2));
  EXPECT_FALSE(b.has_rated_items());
  const Model c = a;
  EXPECT_TRUE(c.has_rated_items());
  EXPECT_EQ(c.rated_items(), a.rated_items());
}

// A one-class model scores a user without a row by the mean trained user
// row: users 0 (1, 0.5) and 1 (2, 0.5) average to (1.5, 0.5); item 2 is
// (2, 2), so the cold score is 1.5 * 2 + 0.5 * 2 = 4. Other models keep the
// mean, and a model whose rows are untrained has no cold user.
TEST(ModelTest, OneClassModelsScoreUnseenUsersByTheMeanUserRow) {
  Model model = SmallModel();
  Model grown(2, IdMap::Identity(3), IdMap::Identity(3));
  internal::ModelInternal::user_factors(grown).row(0)[0] = 1.0f;
  internal::ModelInternal::user_factors(grown).row(0)[1] = 0.5f;
  internal::ModelInternal::user_factors(grown).row(1)[0] = 2.0f;
  internal::ModelInternal::user_factors(grown).row(1)[1] = 0.5f;
  internal::ModelInternal::user_factors(grown).row(2)[0] = 100.0f;  // unseen: not averaged
  internal::ModelInternal::set_user_seen(grown, 0, true);
  internal::ModelInternal::set_user_seen(grown, 1, true);
  internal::ModelInternal::item_factors(grown) = model.item_factors();
  for (uint32_t i = 0; i < 3; ++i) internal::ModelInternal::set_item_seen(grown, i, true);
  internal::ModelInternal::set_mean(grown, 1.0f);
  internal::ModelInternal::UpdateColdUser(grown);
  EXPECT_TRUE(grown.cold_user().empty());  // squared loss
  EXPECT_EQ(grown.Score(2, 2), 1.0f);
  internal::ModelInternal::set_loss(grown, Loss::kBprRow);
  internal::ModelInternal::UpdateColdUser(grown);
  EXPECT_THAT(grown.cold_user(), ElementsAre(1.5f, 0.5f));
  EXPECT_EQ(grown.Score(2, 2), 4.0f);
  EXPECT_EQ(grown.Score(kUnknownIndex, 2), 4.0f);
  EXPECT_EQ(grown.Score(0, 2), 1.0f * 2 + 0.5f * 2);  // a trained user: its own row
  for (uint32_t u = 0; u < 3; ++u) internal::ModelInternal::set_user_seen(grown, u, false);
  internal::ModelInternal::UpdateColdUser(grown);
  EXPECT_TRUE(grown.cold_user().empty());
  EXPECT_EQ(grown.Score(2, 2), 1.0f);
}

}  // namespace
}  // namespace hogmf
