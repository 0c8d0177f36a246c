// Tests of IdMap, Ratings and AlignTo.
#include "hogmf/ratings.h"

#include <gtest/gtest.h>

namespace hogmf {
namespace {

TEST(IdMapTest, StringIdsGetIndicesInOrderOfFirstAppearance) {
  IdMap map;
  EXPECT_EQ(map.Intern("alice"), 0u);
  EXPECT_EQ(map.Intern("bob"), 1u);
  EXPECT_EQ(map.Intern("alice"), 0u);
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.Name(1), "bob");
  EXPECT_EQ(map.Find("bob"), 1u);
  EXPECT_EQ(map.Find("carol"), std::nullopt);
}

TEST(IdMapTest, IdentityMapParsesDecimalIds) {
  IdMap map = IdMap::Identity(3);
  map.GrowTo(5);
  EXPECT_EQ(map.size(), 5u);
  EXPECT_EQ(map.Find("4"), 4u);
  EXPECT_EQ(map.Find("5"), std::nullopt);
  EXPECT_EQ(map.Find("-1"), std::nullopt);
  EXPECT_EQ(map.Find("2x"), std::nullopt);
  EXPECT_EQ(map.Find(""), std::nullopt);
  EXPECT_EQ(map.Name(3), "3");
}

TEST(IdMapTest, FromNamesRefusesRepeatedIds) {
  EXPECT_FALSE(IdMap::FromNames({"a", "b", "a"}).has_value());
  std::optional<IdMap> map = IdMap::FromNames({"x", "y"});
  ASSERT_TRUE(map.has_value());
  EXPECT_EQ(map->Find("y"), 1u);
}

TEST(RatingsTest, MeanAndSizes) {
  Ratings ratings;
  const uint32_t u = ratings.mutable_users().Intern("u");
  const uint32_t a = ratings.mutable_items().Intern("a");
  const uint32_t b = ratings.mutable_items().Intern("b");
  ratings.Add(u, a, 4.0f);
  ratings.Add(u, b, 2.0f);
  EXPECT_EQ(ratings.size(), 2u);
  EXPECT_EQ(ratings.num_users(), 1u);
  EXPECT_EQ(ratings.num_items(), 2u);
  EXPECT_DOUBLE_EQ(ratings.Mean(), 3.0);
}

TEST(RatingsTest, AlignToMapsIdsAndCountsUnknownPairs) {
  Ratings train;
  train.mutable_users().Intern("u1");
  train.mutable_users().Intern("u2");
  train.mutable_items().Intern("i1");
  Ratings test;
  const uint32_t u2 = test.mutable_users().Intern("u2");
  const uint32_t u9 = test.mutable_users().Intern("u9");
  const uint32_t i1 = test.mutable_items().Intern("i1");
  test.Add(u2, i1, 3.0f);
  test.Add(u9, i1, 1.0f);
  size_t unknown = 0;
  std::vector<Rating> aligned = AlignTo(test, train.users(), train.items(), &unknown);
  ASSERT_EQ(aligned.size(), 2u);
  EXPECT_EQ(aligned[0].user, 1u);
  EXPECT_EQ(aligned[0].item, 0u);
  EXPECT_EQ(aligned[1].user, kUnknownIndex);
  EXPECT_EQ(unknown, 1u);
}

}  // namespace
}  // namespace hogmf
