// Tests of the BlockGrid: the arrangement into blocks, one run of every block
// per epoch, and that blocks in flight never share a user or item band.
#include "engine/block_grid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

namespace hogmf::engine {
namespace {

std::vector<Rating> AllPairs(uint32_t users, uint32_t items) {
  std::vector<Rating> ratings;
  for (uint32_t u = 0; u < users; ++u) {
    for (uint32_t i = 0; i < items; ++i) ratings.push_back({u, i, static_cast<float>(u * items + i)});
  }
  return ratings;
}

TEST(BlockGridTest, BlocksPartitionTheRatingsByBandsSortedByUser) {
  std::vector<Rating> ratings = AllPairs(60, 40);
  BlockGrid grid(std::span<Rating>(ratings), 60, 40, 4, 1);
  ASSERT_EQ(grid.num_blocks(), 16u);
  std::map<uint32_t, uint32_t> band_of_user, band_of_item;
  size_t total = 0;
  for (size_t b = 0; b < grid.num_blocks(); ++b) {
    const auto block = grid.block(b);
    total += block.size();
    EXPECT_TRUE(std::is_sorted(block.begin(), block.end(),
                               [](const Rating& x, const Rating& y) { return x.user < y.user; }));
    for (const Rating& r : block) {
      // A user (item) always lands in the same user (item) band.
      auto [u, u_new] = band_of_user.emplace(r.user, b / 4);
      EXPECT_EQ(u->second, b / 4);
      auto [i, i_new] = band_of_item.emplace(r.item, b % 4);
      EXPECT_EQ(i->second, b % 4);
    }
    // Bands are equal in size: 15 users x 10 items per block.
    EXPECT_EQ(block.size(), 150u);
  }
  EXPECT_EQ(total, 2400u);
}

TEST(BlockGridTest, EveryBlockRunsOncePerEpoch) {
  std::vector<Rating> ratings = AllPairs(30, 30);
  BlockGrid grid(std::span<Rating>(ratings), 30, 30, 5, 2);
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
  BlockGrid grid(std::span<Rating>(ratings), 90, 90, 9, 3);
  StopState stop;
  std::mutex mutex;
  std::set<int> user_bands, item_bands;
  std::atomic<int> conflicts{0}, runs{0};
  grid.StartEpoch();
  auto worker = [&] {
    for (int b = grid.Acquire(stop); b >= 0; b = grid.Acquire(stop)) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!user_bands.insert(b / 9).second || !item_bands.insert(b % 9).second) ++conflicts;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      {
        std::lock_guard<std::mutex> lock(mutex);
        user_bands.erase(b / 9);
        item_bands.erase(b % 9);
      }
      ++runs;
      grid.Release(b);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  EXPECT_EQ(conflicts.load(), 0);
  EXPECT_EQ(runs.load(), 81);
}

TEST(BlockGridTest, StopEndsTheHandOut) {
  std::vector<Rating> ratings = AllPairs(10, 10);
  BlockGrid grid(std::span<Rating>(ratings), 10, 10, 2, 4);
  StopState stop;
  grid.StartEpoch();
  EXPECT_GE(grid.Acquire(stop), 0);
  stop.Raise(StopSignal::kTimeLimit);
  EXPECT_EQ(grid.Acquire(stop), -1);
}

}  // namespace
}  // namespace hogmf::engine
