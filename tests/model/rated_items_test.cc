// Tests of RatedItems: building in place from ratings, decoding, appending,
// the encoded size, and item indices at both ends of the uint32 range.
#include "hogmf/rated_items.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

#include "model/rated_items_internal.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr uint32_t kMaxItem = UINT32_MAX;

// Each user's sorted, distinct items, computed the obvious way.
std::vector<std::vector<uint32_t>> Expected(const std::vector<Rating>& ratings,
                                            uint32_t num_users) {
  std::vector<std::set<uint32_t>> sets(num_users);
  for (const Rating& r : ratings) sets[r.user].insert(r.item);
  std::vector<std::vector<uint32_t>> lists;
  for (const std::set<uint32_t>& s : sets) lists.emplace_back(s.begin(), s.end());
  return lists;
}

size_t VarintBytes(uint32_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

// Bytes of the delta encoding of `lists`.
size_t EncodedBytes(const std::vector<std::vector<uint32_t>>& lists) {
  size_t bytes = 0;
  for (const std::vector<uint32_t>& items : lists) {
    uint32_t previous = 0;
    for (uint32_t item : items) {
      bytes += VarintBytes(item - previous);
      previous = item;
    }
  }
  return bytes;
}

void ExpectLists(const RatedItems& rated, const std::vector<std::vector<uint32_t>>& expected) {
  ASSERT_EQ(rated.num_users(), expected.size());
  uint64_t entries = 0;
  std::vector<uint32_t> decoded;
  for (uint32_t u = 0; u < expected.size(); ++u) {
    rated.Decode(u, &decoded);
    ASSERT_EQ(decoded, expected[u]) << "user " << u;
    entries += expected[u].size();
  }
  EXPECT_EQ(rated.num_entries(), entries);
}

auto Key(const Rating& r) { return std::make_tuple(r.user, r.item, r.value); }

// Users with no ratings, repeated pairs, items at 0 and near 2^32 - 1, users
// with one item, and one user with many; ratings in random order.
std::vector<Rating> RandomRatings(uint32_t num_users, uint64_t seed) {
  internal::Rng rng(seed);
  std::vector<Rating> ratings;
  for (uint32_t u = 0; u < num_users; ++u) {
    if (u % 7 == 3) continue;  // no ratings
    const uint64_t count = u == num_users / 2 ? 30000 : rng.Below(40);
    for (uint64_t j = 0; j < count; ++j) {
      uint32_t item;
      switch (rng.Below(8)) {
        case 0:
          item = static_cast<uint32_t>(rng.Below(3));  // 0, 1, 2
          break;
        case 1:
          item = kMaxItem - static_cast<uint32_t>(rng.Below(3));
          break;
        case 2:
          item = static_cast<uint32_t>(rng.Next());  // anywhere
          break;
        default:
          item = static_cast<uint32_t>(rng.Below(5000));
      }
      ratings.push_back({u, item, static_cast<float>(j)});
      if (rng.Below(10) == 0) ratings.push_back({u, item, -1.0f});  // a repeat
    }
  }
  for (size_t i = ratings.size(); i > 1; --i) std::swap(ratings[i - 1], ratings[rng.Below(i)]);
  return ratings;
}

TEST(RatedItemsTest, BuildDecodesToEachUsersSortedDistinctItems) {
  // 300 users take one distribution pass, 5000 take two.
  for (uint32_t num_users : {1u, 2u, 300u, 5000u}) {
    const std::vector<Rating> original = RandomRatings(num_users, num_users);
    std::vector<Rating> ratings = original;
    const RatedItems rated = RatedItems::Build(ratings, num_users);
    const std::vector<std::vector<uint32_t>> expected = Expected(original, num_users);
    ExpectLists(rated, expected);
    EXPECT_EQ(rated.memory_bytes(),
              EncodedBytes(expected) + (static_cast<size_t>(num_users) + 1) * sizeof(size_t))
        << num_users << " users";
  }
}

TEST(RatedItemsTest, BuildConsumingGivesTheSameIndexAsBuild) {
  // 5000 users fill 5 coarse user ranges, 300 users 300 ranges of one user;
  // an odd and an even number of ratings.
  for (uint32_t num_users : {300u, 5000u}) {
    std::vector<Rating> original = RandomRatings(num_users, 9);
    for (int parity = 0; parity < 2; ++parity) {
      original.push_back({num_users - 1, 17, 1.0f});
      const std::vector<Rating> copy = original;
      const RatedItems built = RatedItems::Build(copy, num_users);
      EXPECT_TRUE(std::equal(copy.begin(), copy.end(), original.begin(), original.end(),
                             [](const Rating& x, const Rating& y) { return Key(x) == Key(y); }));
      std::vector<Rating> scratch = original;
      const RatedItems consumed = internal::RatedItemsInternal::BuildConsuming(scratch, num_users);
      EXPECT_EQ(consumed, built);
      ExpectLists(consumed, Expected(original, num_users));
    }
  }
}

TEST(RatedItemsTest, BuildConsumingPackedRatingsGivesTheSameIndexAsBuild) {
  // Fewer users than ranges, and more; items up to 2^20 (20 item bits).
  for (uint32_t num_users : {1u, 300u, 5000u}) {
    std::vector<Rating> original = RandomRatings(num_users, 10);
    for (Rating& r : original) {
      r.item &= (1u << 20) - 1;
      r.value = r.value < 0 ? 1.0f : 2.5f;
    }
    const RatedItems built = RatedItems::Build(original, num_users);
    std::vector<Rating> working = original;
    std::optional<PackedRatings> packed = PackedRatings::Pack(working, 1u << 20);
    ASSERT_TRUE(packed.has_value());
    const RatedItems consumed = internal::RatedItemsInternal::BuildConsuming(*packed, num_users);
    EXPECT_EQ(consumed, built) << num_users << " users";
    EXPECT_EQ(consumed.memory_bytes(), built.memory_bytes());
    EXPECT_EQ(packed->size(), 0u);
    ExpectLists(consumed, Expected(original, num_users));
  }
}

// Enough ratings for several slices per half, built on 1 and on 4 threads.
TEST(RatedItemsTest, BuildConsumingIsTheSameOnAnyNumberOfThreads) {
  constexpr uint32_t kUsers = 3000;
  internal::Rng rng(3);
  std::vector<Rating> original;
  for (int j = 0; j < 700001; ++j) {
    original.push_back({static_cast<uint32_t>(rng.Below(kUsers)),
                        static_cast<uint32_t>(rng.Below(j % 2 == 0 ? 1000 : 3000000)), 1.0f});
  }
  const std::vector<std::vector<uint32_t>> expected = Expected(original, kUsers);
  RatedItems built[2];
  for (int threads : {1, 4}) {
    tbb::task_arena arena(threads);
    std::vector<Rating> scratch = original;
    built[threads == 4] = arena.execute(
        [&] { return internal::RatedItemsInternal::BuildConsuming(scratch, kUsers); });
  }
  ExpectLists(built[0], expected);
  EXPECT_EQ(built[1], built[0]);
}

// Items below 2^17: bitmaps for 63 users at a time, 128 users per coarse
// range, so a range takes several blocks.
TEST(RatedItemsTest, BuildConsumingWithSeveralBlocksOfBitmapsPerRange) {
  constexpr uint32_t kUsers = 100000;
  internal::Rng rng(5);
  std::vector<Rating> original;
  for (int j = 0; j < 300000; ++j) {
    original.push_back({static_cast<uint32_t>(rng.Below(kUsers)),
                        static_cast<uint32_t>(rng.Below(j % 3 == 0 ? 50 : 1u << 17)), 1.0f});
  }
  original.push_back({kUsers - 1, (1u << 17) - 1, 1.0f});
  std::vector<Rating> scratch = original;
  ExpectLists(internal::RatedItemsInternal::BuildConsuming(scratch, kUsers),
              Expected(original, kUsers));
}

// Wide item indices (sorted, not marked) with 2 users per coarse range, where
// one user's encoding takes more than 4 bytes per rating and the other's not.
TEST(RatedItemsTest, BuildConsumingWhenAnEncodingOutgrowsItsRatings) {
  std::vector<Rating> original;
  for (uint32_t u = 0; u < 2000; ++u) {
    if (u % 2 == 0) {
      original.push_back({u, 5, 1.0f});
      original.push_back({u, 7, 1.0f});
    } else {
      original.push_back({u, kMaxItem - u, 1.0f});  // 5 bytes for one rating
    }
  }
  std::vector<Rating> scratch = original;
  ExpectLists(internal::RatedItemsInternal::BuildConsuming(scratch, 2000),
              Expected(original, 2000));
}

// Every split of up to 7 ratings into halves and a spare.
TEST(RatedItemsTest, FewRatings) {
  const std::vector<Rating> all = {{1, 9, 1}, {0, 4, 1},        {1, 2, 1}, {2, 0, 1},
                                   {1, 9, 1}, {0, kMaxItem, 1}, {2, 1, 1}};
  for (size_t n = 0; n <= all.size(); ++n) {
    std::vector<Rating> ratings(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    const std::vector<std::vector<uint32_t>> expected = Expected(ratings, 3);
    ExpectLists(internal::RatedItemsInternal::BuildConsuming(ratings, 3), expected);
  }
}

TEST(RatedItemsTest, EncodesDifferencesAsVarints) {
  std::vector<Rating> ratings = {
      {0, 0, 1},
      {0, 127, 1},
      {0, 128, 1},  // 0, 127, 1: 3 bytes
      {2, 300, 1},  // 300: 2 bytes
      {3, kMaxItem, 1},
      {3, 0, 1},  // 0, 2^32 - 1: 1 + 5 bytes
      {3, kMaxItem, 2},
      {4, 1u << 28, 1},        // 5 bytes for one rating
      {5, (1u << 28) - 1, 1},  // 4 bytes
  };
  const RatedItems rated = RatedItems::Build(ratings, 6);
  EXPECT_THAT(rated.Decode(0), ElementsAre(0u, 127u, 128u));
  EXPECT_THAT(rated.Decode(1), IsEmpty());
  EXPECT_THAT(rated.Decode(2), ElementsAre(300u));
  EXPECT_THAT(rated.Decode(3), ElementsAre(0u, kMaxItem));
  EXPECT_THAT(rated.Decode(4), ElementsAre(1u << 28));
  EXPECT_THAT(rated.Decode(5), ElementsAre((1u << 28) - 1));
  EXPECT_EQ(rated.num_entries(), 8u);
  EXPECT_EQ(rated.memory_bytes(), 3 + 2 + 6 + 5 + 4 + 7 * sizeof(size_t));
}

TEST(RatedItemsTest, UsersOutOfRangeAndEmptyIndexesHaveNoItems) {
  const RatedItems none;
  EXPECT_EQ(none.num_users(), 0u);
  EXPECT_THAT(none.Decode(0), IsEmpty());
  std::vector<Rating> no_ratings;
  const RatedItems empty = RatedItems::Build(no_ratings, 3);
  EXPECT_EQ(empty.num_users(), 3u);
  EXPECT_EQ(empty.num_entries(), 0u);
  for (uint32_t u = 0; u < 4; ++u) EXPECT_THAT(empty.Decode(u), IsEmpty());
  EXPECT_EQ(RatedItems::Build(no_ratings, 0).num_users(), 0u);
  std::vector<Rating> one = {{1, 5, 1}};
  const RatedItems rated = RatedItems::Build(one, 2);
  int visits = 0;
  rated.ForEachItem(2, [&](uint32_t) { ++visits; });
  rated.ForEachItem(UINT32_MAX, [&](uint32_t) { ++visits; });
  EXPECT_EQ(visits, 0);
}

TEST(RatedItemsTest, AppendingUsersMatchesBuilding) {
  const std::vector<Rating> original = RandomRatings(120, 4);
  std::vector<Rating> ratings = original;
  const RatedItems built = RatedItems::Build(ratings, 120);
  const std::vector<std::vector<uint32_t>> expected = Expected(original, 120);
  RatedItems appended;
  appended.Reserve(120, 1000);
  for (const std::vector<uint32_t>& items : expected) appended.AppendUser(items);
  ExpectLists(appended, expected);
  EXPECT_EQ(appended, built);
  RatedItems one;
  one.AppendUser({});
  EXPECT_EQ(one.num_users(), 1u);
  EXPECT_THAT(one.Decode(0), IsEmpty());
}

TEST(RatedItemsTest, CopiesAreEqualAndIndependent) {
  std::vector<Rating> ratings = {{0, 4, 1}, {1, 2, 1}};
  RatedItems a = RatedItems::Build(ratings, 2);
  const RatedItems b = a;
  EXPECT_EQ(a, b);
  a.AppendUser(std::vector<uint32_t>{7});
  EXPECT_NE(a, b);
  EXPECT_EQ(b.num_users(), 2u);
  EXPECT_THAT(b.Decode(1), ElementsAre(2u));
}

}  // namespace
}  // namespace hogmf
