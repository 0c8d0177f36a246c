// Tests of model setup: fresh draws, id merging and rated-items merging.
#include "engine/model_setup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace hogmf::engine {
namespace {

using ::hogmf::testing::StatusIs;
using ::testing::ElementsAre;

TEST(ModelSetupTest, NewModelMarksSeenRowsAndTakesTheMean) {
  const std::vector<Rating> entries = {{0, 1, 2}, {2, 1, 4}};
  TrainParams params = TrainParams::Seed();
  params.k = 3;
  Model model = NewModel(entries, IdMap::Identity(3), IdMap::Identity(2), params);
  EXPECT_TRUE(model.user_seen(0));
  EXPECT_FALSE(model.user_seen(1));
  EXPECT_TRUE(model.item_seen(1));
  EXPECT_FALSE(model.item_seen(0));
  EXPECT_FLOAT_EQ(model.mean(), 3.0f);
  const float scale = InitScale(params, 3.0, /*biases=*/false);
  EXPECT_FLOAT_EQ(scale, static_cast<float>(2 * std::sqrt(1.0)));
  for (uint32_t u = 0; u < 3; ++u) {
    for (int d = 0; d < 3; ++d) {
      EXPECT_GE(model.user_factors().row(u)[d], 0.0f);
      EXPECT_LT(model.user_factors().row(u)[d], scale);
    }
    EXPECT_EQ(model.user_factors().row(u)[3], 0.0f);  // padding
  }
}

TEST(ModelSetupTest, MergeIdsKeepsIdentityMapsIdentity) {
  IdMap into = IdMap::Identity(3);
  const std::vector<uint32_t> remap = MergeIds(into, IdMap::Identity(5));
  EXPECT_TRUE(into.is_identity());
  EXPECT_EQ(into.size(), 5u);
  EXPECT_THAT(remap, ElementsAre(0, 1, 2, 3, 4));
  IdMap bigger = IdMap::Identity(6);
  MergeIds(bigger, IdMap::Identity(2));
  EXPECT_EQ(bigger.size(), 6u);
}

TEST(ModelSetupTest, MergeIdsInternsNewNamesAfterTheOldOnes) {
  IdMap into = *IdMap::FromNames({"a", "b"});
  const IdMap from = *IdMap::FromNames({"c", "a"});
  EXPECT_THAT(MergeIds(into, from), ElementsAre(2, 0));
  EXPECT_EQ(into.names(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ModelSetupTest, MergeIdsTurnsAnIdentityMapIntoNames) {
  IdMap into = IdMap::Identity(2);
  EXPECT_THAT(MergeIds(into, *IdMap::FromNames({"1", "x"})), ElementsAre(1, 2));
  EXPECT_FALSE(into.is_identity());
  EXPECT_EQ(into.names(), (std::vector<std::string>{"0", "1", "x"}));
}

TEST(ModelSetupTest, ContinueModelGrowsRowsAndRewritesEntries) {
  TrainParams params = TrainParams::Seed();
  params.k = 2;
  Model initial = NewModel(std::vector<Rating>{{0, 0, 1}}, *IdMap::FromNames({"u"}),
                           *IdMap::FromNames({"i"}), params);
  const float kept = initial.user_factors().row(0)[1];
  std::vector<Rating> entries = {{0, 0, 5}, {1, 0, 3}};  // "v" rates "i", "u" rates "i"
  absl::StatusOr<WarmStart> warm = ContinueModel(
      std::move(initial), entries, *IdMap::FromNames({"v", "u"}), *IdMap::FromNames({"i"}), params);
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_EQ(warm->new_users, 1u);
  EXPECT_EQ(warm->new_items, 0u);
  EXPECT_EQ(warm->model.num_users(), 2u);
  EXPECT_EQ(warm->model.user_factors().row(0)[1], kept);
  EXPECT_EQ(entries[0].user, 1u);  // "v" is new: index 1
  EXPECT_EQ(entries[1].user, 0u);
  EXPECT_TRUE(warm->model.user_seen(1));
  EXPECT_FLOAT_EQ(warm->model.mean(), 4.0f);

  params.k = 3;
  std::vector<Rating> more = {{0, 0, 1}};
  EXPECT_THAT(ContinueModel(warm->model, more, IdMap::Identity(1), IdMap::Identity(1), params),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ModelSetupTest, MergeRatedItemsIsTheUnionPerUser) {
  const RatedItems a = RatedItems::Build(std::vector<Rating>{{0, 1, 1}, {0, 5, 1}, {1, 2, 1}}, 2);
  const RatedItems b = RatedItems::Build(std::vector<Rating>{{0, 3, 1}, {0, 5, 1}, {2, 7, 1}}, 3);
  const RatedItems merged = MergeRatedItems(a, b, 3);
  EXPECT_EQ(merged.num_users(), 3u);
  EXPECT_THAT(merged.Decode(0), ElementsAre(1, 3, 5));
  EXPECT_THAT(merged.Decode(1), ElementsAre(2));
  EXPECT_THAT(merged.Decode(2), ElementsAre(7));
  EXPECT_EQ(merged.num_entries(), 5u);
}

}  // namespace
}  // namespace hogmf::engine
