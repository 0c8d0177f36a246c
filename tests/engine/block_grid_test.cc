// Tests of the BlockGrid: the arrangement into blocks, one run of every block
// per epoch, and that blocks in flight never share a user or item band.
#include "engine/block_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <tbb/task_arena.h>

#include "ratings/arrange.h"

namespace hogmf::engine {
namespace {

std::vector<Rating> AllPairs(uint32_t users, uint32_t items) {
  std::vector<Rating> ratings;
  for (uint32_t u = 0; u < users; ++u) {
    for (uint32_t i = 0; i < items; ++i)
      ratings.push_back({u, i, static_cast<float>(u * items + i)});
  }
  return ratings;
}

TEST(BlockGridTest, BlocksPartitionTheRatingsByBandsInInterleavedUserRuns) {
  // 4 user bands x 3 item bands; 160 ratings per block, a multiple of the ways.
  std::vector<Rating> ratings = AllPairs(64, 30);
  BlockGrid grid(std::span<Rating>(ratings), 64, 30, 4, 3, 1);
  ASSERT_EQ(grid.num_blocks(), 12u);
  std::map<uint32_t, uint32_t> band_of_user, band_of_item;
  size_t total = 0;
  const auto by_user = [](const Rating& x, const Rating& y) { return x.user < y.user; };
  for (size_t b = 0; b < grid.num_blocks(); ++b) {
    const auto block = grid.block(b);
    total += block.size();
    // The block is kInterleaveWays user-sorted runs taken in turn: every
    // kInterleaveWays-th rating from each start is sorted by user, and the
    // runs follow one another (run w's users all come before run w + 1's).
    std::vector<std::vector<Rating>> runs(kInterleaveWays);
    for (size_t j = 0; j < block.size(); ++j) runs[j % kInterleaveWays].push_back(block[j]);
    for (size_t w = 0; w < kInterleaveWays; ++w) {
      EXPECT_TRUE(std::is_sorted(runs[w].begin(), runs[w].end(), by_user))
          << "block " << b << " run " << w;
      if (w > 0) {
        EXPECT_LE(runs[w - 1].back().user, runs[w].front().user) << "block " << b;
      }
    }
    // So consecutive steps never update the same user (sorted, 9 in 10 would).
    size_t same_as_previous = 0;
    for (size_t j = 1; j < block.size(); ++j)
      same_as_previous += block[j].user == block[j - 1].user;
    EXPECT_EQ(same_as_previous, 0u) << "block " << b;
    for (const Rating& r : block) {
      // A user (item) always lands in the same user (item) band.
      auto [u, u_new] = band_of_user.emplace(r.user, b / 3);
      EXPECT_EQ(u->second, b / 3);
      auto [i, i_new] = band_of_item.emplace(r.item, b % 3);
      EXPECT_EQ(i->second, b % 3);
    }
    // Bands are equal in size: 16 users x 10 items per block.
    EXPECT_EQ(block.size(), 160u);
  }
  EXPECT_EQ(total, 1920u);
  EXPECT_EQ(band_of_user.size(), 64u);
  EXPECT_EQ(band_of_item.size(), 30u);
  // Bands are runs of consecutive ids.
  for (const auto& [user, band] : band_of_user) EXPECT_EQ(band, user / 16) << "user " << user;
  for (const auto& [item, band] : band_of_item) EXPECT_EQ(band, item / 10) << "item " << item;
}

TEST(BlockGridTest, BandsBalanceRatingCountsNotIds) {
  // Users 0 and 1 hold half the ratings between them; the other 48 users
  // hold one rating each (on a band's worth of 8 items).
  std::vector<Rating> ratings;
  for (uint32_t u = 0; u < 2; ++u) {
    for (int n = 0; n < 24; ++n) ratings.push_back({u, static_cast<uint32_t>(n % 8), 1.0f});
  }
  for (uint32_t u = 2; u < 50; ++u) ratings.push_back({u, u % 8, 1.0f});
  BlockGrid grid(std::span<Rating>(ratings), 50, 8, 2, 1, 7);
  ASSERT_EQ(grid.num_blocks(), 2u);
  // Band 0 is users 0..1 (48 ratings), band 1 users 2..49 (48 ratings).
  EXPECT_EQ(grid.block(0).size(), 48u);
  EXPECT_EQ(grid.block(1).size(), 48u);
  for (const Rating& r : grid.block(0)) EXPECT_LT(r.user, 2u);
  for (const Rating& r : grid.block(1)) EXPECT_GE(r.user, 2u);
}

std::vector<Rating> Arranged(uint64_t seed, int threads) {
  std::vector<Rating> ratings = AllPairs(64, 30);
  tbb::task_arena arena(threads);
  arena.execute([&] { BlockGrid grid(std::span<Rating>(ratings), 64, 30, 4, 3, seed); });
  return ratings;
}

bool SameOrder(const std::vector<Rating>& a, const std::vector<Rating>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Rating& x, const Rating& y) {
    return x.user == y.user && x.item == y.item;
  });
}

// Each user's items run in an order drawn from the seed, the same for any
// thread count, whatever order the input had (AllPairs is sorted by item).
TEST(BlockGridTest, ArrangementDependsOnTheSeedOnly) {
  const std::vector<Rating> one_thread = Arranged(5, 1);
  EXPECT_TRUE(SameOrder(one_thread, Arranged(5, 2)));
  EXPECT_FALSE(SameOrder(one_thread, Arranged(6, 1)));
  size_t items_in_order = 0, pairs = 0;
  for (size_t j = kInterleaveWays; j < one_thread.size(); ++j) {
    if (one_thread[j].user != one_thread[j - kInterleaveWays].user) continue;
    ++pairs;
    items_in_order += one_thread[j].item > one_thread[j - kInterleaveWays].item;
  }
  ASSERT_GT(pairs, 1000u);
  EXPECT_LT(items_in_order, pairs * 3 / 4);  // sorted input would give all of them
}

TEST(BlockGridTest, EveryBlockRunsOncePerEpoch) {
  std::vector<Rating> ratings = AllPairs(30, 30);
  BlockGrid grid(std::span<Rating>(ratings), 30, 30, 5, 5, 2);
  StopState stop;
  for (int epoch = 0; epoch < 2; ++epoch) {
    grid.StartEpoch();
    std::vector<int> seen;
    for (int b = grid.Acquire(stop); b >= 0; b = grid.Acquire(stop)) {
      seen.push_back(b);
      grid.Release(b);
    }
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen.size(), 25u);
    for (int b = 0; b < 25; ++b) EXPECT_EQ(seen[b], b);
  }
}

TEST(BlockGridTest, ConcurrentBlocksShareNoBand) {
  std::vector<Rating> ratings = AllPairs(90, 90);
  BlockGrid grid(std::span<Rating>(ratings), 90, 90, 9, 5, 3);  // 9 user x 5 item bands
  StopState stop;
  std::mutex mutex;
  std::set<int> user_bands, item_bands;
  std::atomic<int> conflicts{0}, runs{0};
  grid.StartEpoch();
  auto worker = [&] {
    for (int b = grid.Acquire(stop); b >= 0; b = grid.Acquire(stop)) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!user_bands.insert(b / 5).second || !item_bands.insert(b % 5).second) ++conflicts;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      {
        std::lock_guard<std::mutex> lock(mutex);
        user_bands.erase(b / 5);
        item_bands.erase(b % 5);
      }
      ++runs;
      grid.Release(b);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  EXPECT_EQ(conflicts.load(), 0);
  EXPECT_EQ(runs.load(), 45);
}

TEST(BlockGridTest, StopEndsTheHandOut) {
  std::vector<Rating> ratings = AllPairs(10, 10);
  BlockGrid grid(std::span<Rating>(ratings), 10, 10, 2, 2, 4);
  StopState stop;
  grid.StartEpoch();
  EXPECT_GE(grid.Acquire(stop), 0);
  stop.Raise(StopReason::kTimeLimit);
  EXPECT_EQ(grid.Acquire(stop), -1);
}

}  // namespace
}  // namespace hogmf::engine
