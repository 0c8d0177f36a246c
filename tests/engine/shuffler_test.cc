// Tests of the Shuffler: every order visits every rating exactly once per
// epoch, in chunks, freshly ordered each epoch, reproducibly from the seed.
#include "engine/shuffler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace hogmf::engine {
namespace {

// Ratings whose value encodes their original position.
std::vector<Rating> Numbered(size_t n, uint32_t users) {
  std::vector<Rating> ratings(n);
  for (size_t i = 0; i < n; ++i) {
    ratings[i] = Rating{static_cast<uint32_t>(i % users), static_cast<uint32_t>(i / users),
                        static_cast<float>(i)};
  }
  return ratings;
}

// The values visited by one epoch, in visiting order, checking chunk sizes.
std::vector<float> Epoch(Shuffler& shuffler, size_t chunk_size,
                         std::vector<std::vector<uint32_t>>* chunk_users = nullptr) {
  shuffler.StartEpoch();
  std::vector<float> seen;
  for (Chunk chunk = shuffler.Next(); chunk.count > 0; chunk = shuffler.Next()) {
    EXPECT_LE(chunk.count, chunk_size);
    std::vector<uint32_t> users;
    for (size_t j = 0; j < chunk.count; ++j) {
      const Rating& r = chunk.ratings[chunk.order ? chunk.order[j] : j];
      seen.push_back(r.value);
      users.push_back(r.user);
    }
    if (chunk_users) chunk_users->push_back(users);
  }
  return seen;
}

class ShufflerOrderTest : public ::testing::TestWithParam<RatingOrder> {};

TEST_P(ShufflerOrderTest, EachEpochVisitsEveryRatingOnceInAFreshOrder) {
  std::vector<Rating> ratings = Numbered(1000, 37);
  Shuffler shuffler(std::span<Rating>(ratings), GetParam(), /*chunk_size=*/64, /*seed=*/3);
  const std::vector<float> first = Epoch(shuffler, 64);
  const std::vector<float> second = Epoch(shuffler, 64);
  ASSERT_EQ(first.size(), 1000u);
  std::vector<float> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < 1000; ++i) EXPECT_EQ(sorted[i], static_cast<float>(i));
  EXPECT_NE(first, second);
  // Not the input order.
  std::vector<float> identity(1000);
  for (size_t i = 0; i < 1000; ++i) identity[i] = static_cast<float>(i);
  EXPECT_NE(first, identity);
}

TEST_P(ShufflerOrderTest, SameSeedSameOrders) {
  std::vector<Rating> a = Numbered(500, 10), b = Numbered(500, 10), c = Numbered(500, 10);
  Shuffler sa(std::span<Rating>(a), GetParam(), 16, 11);
  Shuffler sb(std::span<Rating>(b), GetParam(), 16, 11);
  Shuffler sc(std::span<Rating>(c), GetParam(), 16, 12);
  EXPECT_EQ(Epoch(sa, 16), Epoch(sb, 16));
  EXPECT_EQ(Epoch(sa, 16), Epoch(sb, 16));
  EXPECT_NE(Epoch(sa, 16), Epoch(sc, 16));
}

INSTANTIATE_TEST_SUITE_P(AllOrders, ShufflerOrderTest,
                         ::testing::Values(RatingOrder::kShuffle, RatingOrder::kChunks,
                                           RatingOrder::kUserChunks));

TEST(ShufflerTest, UserChunksKeepEachUsersRatingsTogether) {
  std::vector<Rating> ratings = Numbered(4000, 50);  // 80 ratings per user
  Shuffler shuffler(std::span<Rating>(ratings), RatingOrder::kUserChunks, 80, 5);
  std::vector<std::vector<uint32_t>> chunk_users;
  Epoch(shuffler, 80, &chunk_users);
  // Each user's 80 ratings lie in at most two chunks, and a chunk of 80 holds
  // at most two users: the grouping survives the interleaving.
  std::map<uint32_t, std::set<size_t>> chunks_of_user;
  for (size_t c = 0; c < chunk_users.size(); ++c) {
    const std::set<uint32_t> users(chunk_users[c].begin(), chunk_users[c].end());
    EXPECT_LE(users.size(), 2u) << "chunk " << c;
    for (uint32_t u : users) chunks_of_user[u].insert(c);
  }
  EXPECT_EQ(chunks_of_user.size(), 50u);
  for (const auto& [user, chunks] : chunks_of_user) EXPECT_LE(chunks.size(), 2u) << "user " << user;
  // Users are not in index order.
  EXPECT_NE(ratings.front().user, 0u);
}

TEST(ShufflerTest, UserChunksInterleaveUsersInsideAChunk) {
  std::vector<Rating> ratings = Numbered(8000, 200);  // 40 ratings per user
  Shuffler shuffler(std::span<Rating>(ratings), RatingOrder::kUserChunks, 800, 6);
  std::vector<std::vector<uint32_t>> chunk_users;
  Epoch(shuffler, 800, &chunk_users);
  // A chunk of 800 holds 20 users; cut into 4 runs of 200 and interleaved, the
  // next step is almost never the same user's (grouped, it would be 39 times
  // in 40).
  size_t same_as_previous = 0, steps = 0;
  for (const std::vector<uint32_t>& users : chunk_users) {
    for (size_t j = 1; j < users.size(); ++j, ++steps) same_as_previous += users[j] == users[j - 1];
  }
  EXPECT_LT(same_as_previous, steps / 100);
}

}  // namespace
}  // namespace hogmf::engine
