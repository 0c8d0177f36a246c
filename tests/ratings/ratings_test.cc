// Tests of IdMap, Ratings and AlignTo.
#include "hogmf/ratings.h"

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ratings/ratings_internal.h"
#include "testing/status_matchers.h"
#include "util/file.h"

namespace hogmf {
namespace {

using ::hogmf::testing::TempDir;

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

TEST(IdMapTest, CopiesAreIndependent) {
  IdMap original;
  original.Intern("alice");
  original.Intern("bob");
  IdMap copy = original;
  EXPECT_EQ(copy.Intern("carol"), 2u);
  EXPECT_EQ(copy.Find("bob"), 1u);
  EXPECT_EQ(original.size(), 2u);
  EXPECT_EQ(original.Find("carol"), std::nullopt);
  EXPECT_EQ(original.names(), (std::vector<std::string>{"alice", "bob"}));

  IdMap assigned;
  assigned.Intern("zed");
  assigned = copy;
  EXPECT_EQ(assigned.size(), 3u);
  EXPECT_EQ(assigned.Find("zed"), std::nullopt);
  EXPECT_EQ(assigned.Find("carol"), 2u);
  EXPECT_EQ(assigned.Intern("dave"), 3u);
  EXPECT_EQ(copy.size(), 3u);

  const IdMap identity = IdMap::Identity(4);
  IdMap identity_copy = identity;
  EXPECT_TRUE(identity_copy.is_identity());
  EXPECT_EQ(identity_copy.Find("3"), 3u);
}

TEST(IdMapTest, AMovedFromMapIsAnEmptyStringMap) {
  IdMap original;
  original.Intern("alice");
  original.Intern("bob");
  IdMap moved = std::move(original);
  EXPECT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved.Find("bob"), 1u);
  EXPECT_EQ(original.size(), 0u);  // NOLINT(bugprone-use-after-move): the contract says so
  EXPECT_FALSE(original.is_identity());
  EXPECT_EQ(original.Find("alice"), std::nullopt);
  EXPECT_EQ(original.Intern("carol"), 0u);

  IdMap identity = IdMap::Identity(5);
  IdMap target;
  target.Intern("x");
  target = std::move(identity);
  EXPECT_TRUE(target.is_identity());
  EXPECT_EQ(target.size(), 5u);
  EXPECT_FALSE(identity.is_identity());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(identity.size(), 0u);
  EXPECT_EQ(identity.Intern("y"), 0u);
}

TEST(RatingsTest, AViewReleasesItsStorageWhenItsEntriesAreMovedOut) {
  auto storage =
      std::make_shared<std::vector<Rating>>(std::vector<Rating>{{0, 1, 2.5f}, {1, 0, 4.0f}});
  Ratings view = Ratings::View(*storage, storage, IdMap::Identity(2), IdMap::Identity(2));
  EXPECT_FALSE(view.owns_entries());
  EXPECT_EQ(storage.use_count(), 2);
  const std::vector<Rating> entries = view.ReleaseEntries();
  EXPECT_EQ(storage.use_count(), 1);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].user, 1u);
  EXPECT_EQ(entries[1].value, 4.0f);
  EXPECT_TRUE(view.empty());
  EXPECT_EQ(view.num_users(), 2u);
}

TEST(RatingsTest, AFileBackedViewCopiesTheMappedEntriesOut) {
  std::vector<Rating> written(3000);
  for (uint32_t i = 0; i < written.size(); ++i) written[i] = {i % 7, i % 11, 0.5f * i};
  TempDir dir;
  const std::string path =
      dir.Write("ratings.raw", std::string_view(reinterpret_cast<const char*>(written.data()),
                                                written.size() * sizeof(Rating)));
  absl::StatusOr<std::shared_ptr<const internal::MappedFile>> file =
      internal::MappedFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::span<const Rating> mapped(reinterpret_cast<const Rating*>((*file)->data()),
                                       written.size());
  std::weak_ptr<const internal::MappedFile> watch = *file;
  Ratings view = internal::RatingsInternal::FileBackedView(mapped, std::move(*file),
                                                           IdMap::Identity(7), IdMap::Identity(11));
  EXPECT_FALSE(view.owns_entries());
  const std::vector<Rating> entries = view.ReleaseEntries();
  EXPECT_TRUE(watch.expired());
  ASSERT_EQ(entries.size(), written.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    ASSERT_EQ(entries[i].user, written[i].user);
    ASSERT_EQ(entries[i].item, written[i].item);
    ASSERT_EQ(entries[i].value, written[i].value);
  }
  EXPECT_TRUE(view.owns_entries());
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
