// Tests of the in-place arrangements: DistributeInPlace in one and two passes,
// GroupByUser, InterleaveRuns.
#include "ratings/arrange.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include <gtest/gtest.h>

namespace hogmf {
namespace {

std::vector<Rating> RandomRatings(size_t count, uint32_t users, uint32_t items, uint64_t seed) {
  internal::Rng rng(seed, 1);
  std::vector<Rating> ratings(count);
  for (size_t j = 0; j < count; ++j) {
    ratings[j] = Rating{static_cast<uint32_t>(rng.Below(users)),
                        static_cast<uint32_t>(rng.Below(items)), static_cast<float>(j)};
  }
  return ratings;
}

bool SameMultiset(std::vector<Rating> a, std::vector<Rating> b) {
  const auto less = [](const Rating& x, const Rating& y) {
    return std::tie(x.user, x.item, x.value) < std::tie(y.user, y.item, y.value);
  };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Rating& x, const Rating& y) {
    return x.user == y.user && x.item == y.item && x.value == y.value;
  });
}

void ExpectDistributed(size_t num_buckets, size_t count) {
  SCOPED_TRACE(testing::Message() << num_buckets << " buckets, " << count << " ratings");
  const std::vector<Rating> original = RandomRatings(count, 100000, 50, num_buckets);
  std::vector<Rating> ratings = original;
  const auto bucket_of = [num_buckets](const Rating& r) -> size_t {
    return (r.user * 7919u) % num_buckets;
  };
  const std::vector<size_t> bounds =
      DistributeInPlace(std::span<Rating>(ratings), num_buckets, bucket_of);
  ASSERT_EQ(bounds.size(), num_buckets + 1);
  EXPECT_EQ(bounds.front(), 0u);
  EXPECT_EQ(bounds.back(), count);
  std::vector<size_t> expected_sizes(num_buckets, 0);
  for (const Rating& r : original) ++expected_sizes[bucket_of(r)];
  for (size_t b = 0; b < num_buckets; ++b) {
    ASSERT_EQ(bounds[b + 1] - bounds[b], expected_sizes[b]) << "bucket " << b;
    for (size_t j = bounds[b]; j < bounds[b + 1]; ++j) {
      ASSERT_EQ(bucket_of(ratings[j]), b) << "position " << j;
    }
  }
  EXPECT_TRUE(SameMultiset(original, ratings));
}

TEST(DistributeInPlaceTest, OnePass) {
  ExpectDistributed(1, 100);
  ExpectDistributed(7, 1000);
  ExpectDistributed(1024, 20000);
}

TEST(DistributeInPlaceTest, TwoPassesWithUnevenLastRange) {
  ExpectDistributed(1025, 20000);
  ExpectDistributed(5000, 30000);
  ExpectDistributed(65537, 200000);
}

TEST(DistributeInPlaceTest, EmptyBucketsAndEmptyInput) {
  ExpectDistributed(3000, 10);  // most buckets empty
  ExpectDistributed(3000, 0);
}

TEST(GroupByUserTest, EveryUserContiguousAndOnce) {
  const std::vector<Rating> original = RandomRatings(50000, 3000, 40, 5);
  std::vector<Rating> ratings = original;
  internal::Rng rng(9, 2);
  const std::vector<size_t> bounds = GroupByUser(std::span<Rating>(ratings), 3000, rng);
  ASSERT_EQ(bounds.size(), 3001u);
  std::set<uint32_t> seen;
  for (size_t g = 0; g + 1 < bounds.size(); ++g) {
    if (bounds[g] == bounds[g + 1]) continue;
    const uint32_t user = ratings[bounds[g]].user;
    EXPECT_TRUE(seen.insert(user).second) << "user " << user << " in two groups";
    for (size_t j = bounds[g]; j < bounds[g + 1]; ++j) ASSERT_EQ(ratings[j].user, user);
  }
  EXPECT_TRUE(SameMultiset(original, ratings));
}

TEST(GroupByUserTest, SeededOrderOfUsersAndWithinUsers) {
  const std::vector<Rating> original = RandomRatings(20000, 500, 1000, 6);
  const auto arrange = [&](uint64_t seed) {
    std::vector<Rating> ratings = original;
    internal::Rng rng(seed, 2);
    GroupByUser(std::span<Rating>(ratings), 500, rng);
    return ratings;
  };
  const auto same = [](const std::vector<Rating>& a, const std::vector<Rating>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), [](const Rating& x, const Rating& y) {
      return x.user == y.user && x.item == y.item && x.value == y.value;
    });
  };
  EXPECT_TRUE(same(arrange(1), arrange(1)));
  const std::vector<Rating> a = arrange(1);
  const std::vector<Rating> b = arrange(2);
  EXPECT_FALSE(same(a, b));
  // Users come in a random order, not by id.
  EXPECT_FALSE(std::is_sorted(a.begin(), a.end(),
                              [](const Rating& x, const Rating& y) { return x.user < y.user; }));
  // Within a user, the order is not the input order: the first user's ratings
  // (values are input positions) are not all increasing for both seeds.
  const auto increasing_within_users = [](const std::vector<Rating>& ratings) {
    for (size_t j = 1; j < ratings.size(); ++j) {
      if (ratings[j].user == ratings[j - 1].user && ratings[j].value < ratings[j - 1].value) {
        return false;
      }
    }
    return true;
  };
  EXPECT_FALSE(increasing_within_users(a));
  EXPECT_FALSE(increasing_within_users(b));
}

std::vector<Rating> Numbered(size_t count) {
  std::vector<Rating> ratings(count);
  for (size_t j = 0; j < count; ++j) ratings[j] = Rating{static_cast<uint32_t>(j), 0, 0.0f};
  return ratings;
}

std::vector<uint32_t> Users(const std::vector<Rating>& ratings) {
  std::vector<uint32_t> users;
  for (const Rating& r : ratings) users.push_back(r.user);
  return users;
}

TEST(InterleaveRunsTest, TakesOneFromEachRunInTurn) {
  std::vector<Rating> ratings = Numbered(12);
  std::vector<Rating> scratch;
  InterleaveRuns(std::span<Rating>(ratings), 4, scratch);
  EXPECT_EQ(Users(ratings), (std::vector<uint32_t>{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}));
}

TEST(InterleaveRunsTest, UnequalRunsEndInTurnToo) {
  // 10 in 4 runs: [0,2) [2,5) [5,7) [7,10); the longer runs finish last.
  std::vector<Rating> ratings = Numbered(10);
  std::vector<Rating> scratch;
  InterleaveRuns(std::span<Rating>(ratings), 4, scratch);
  EXPECT_EQ(Users(ratings), (std::vector<uint32_t>{0, 2, 5, 7, 1, 3, 6, 8, 4, 9}));
}

TEST(InterleaveRunsTest, FewerRatingsThanWaysAndOneWayKeepTheOrder) {
  std::vector<Rating> scratch;
  for (size_t count : {0, 1, 3}) {
    std::vector<Rating> ratings = Numbered(count);
    InterleaveRuns(std::span<Rating>(ratings), 4, scratch);
    EXPECT_EQ(Users(ratings), Users(Numbered(count))) << count;
  }
  std::vector<Rating> ratings = Numbered(9);
  InterleaveRuns(std::span<Rating>(ratings), 1, scratch);
  EXPECT_EQ(Users(ratings), Users(Numbered(9)));
}

TEST(InterleaveRunsTest, IsAPermutationForManyShapes) {
  std::vector<Rating> scratch;
  for (size_t count : {5, 64, 1000, 4097}) {
    for (size_t ways : {2, 3, 4, 7}) {
      const std::vector<Rating> original = RandomRatings(count, 50, 50, count * ways);
      std::vector<Rating> ratings = original;
      InterleaveRuns(std::span<Rating>(ratings), ways, scratch);
      EXPECT_TRUE(SameMultiset(original, ratings)) << count << " ratings, " << ways << " ways";
    }
  }
}

}  // namespace
}  // namespace hogmf
