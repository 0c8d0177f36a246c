// Tests of the Shuffler: every epoch is a permutation, fresh each epoch, seeded.
#include "engine/shuffler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace hogmf::engine {
namespace {

std::vector<uint32_t> Epoch(Shuffler& shuffler, size_t chunk_size) {
  shuffler.StartEpoch();
  std::vector<uint32_t> seen;
  for (auto chunk = shuffler.NextChunk(); !chunk.empty(); chunk = shuffler.NextChunk()) {
    EXPECT_LE(chunk.size(), chunk_size);
    seen.insert(seen.end(), chunk.begin(), chunk.end());
  }
  return seen;
}

TEST(ShufflerTest, EachEpochIsAFreshPermutationInChunks) {
  Shuffler shuffler(100, /*seed=*/3, /*chunk_size=*/7);
  const std::vector<uint32_t> first = Epoch(shuffler, 7);
  const std::vector<uint32_t> second = Epoch(shuffler, 7);
  ASSERT_EQ(first.size(), 100u);
  std::vector<uint32_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(first, second);
}

TEST(ShufflerTest, SameSeedSameOrders) {
  Shuffler a(1000, 11, 64), b(1000, 11, 64), c(1000, 12, 64);
  EXPECT_EQ(Epoch(a, 64), Epoch(b, 64));
  EXPECT_EQ(Epoch(a, 64), Epoch(b, 64));
  EXPECT_NE(Epoch(a, 64), Epoch(c, 64));
}

}  // namespace
}  // namespace hogmf::engine
