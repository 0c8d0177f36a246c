// Tests of hogmf-mpi's partition: balanced bands and the ring's schedule of
// item bands (no MPI needed).
#include "distributed/partition.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace hogmf::distributed {
namespace {

TEST(BalancedBandsTest, BandsHoldAboutEqualCounts) {
  std::vector<uint32_t> counts(1000);
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = 1 + static_cast<uint32_t>(i % 7);
  uint64_t total = 0;
  for (uint32_t c : counts) total += c;
  for (int bands : {1, 2, 3, 4, 8}) {
    const std::vector<uint32_t> bounds = BalancedBands(counts, bands);
    ASSERT_EQ(bounds.size(), static_cast<size_t>(bands) + 1);
    EXPECT_EQ(bounds.front(), 0u);
    EXPECT_EQ(bounds.back(), counts.size());
    for (int b = 0; b < bands; ++b) {
      uint64_t held = 0;
      for (uint32_t row = bounds[b]; row < bounds[b + 1]; ++row) held += counts[row];
      // Within one row's count (at most 7) of an equal share.
      EXPECT_NEAR(static_cast<double>(held), static_cast<double>(total) / bands, 7.0)
          << bands << " bands, band " << b;
    }
  }
}

TEST(BalancedBandsTest, FewRowsLeaveEmptyBands) {
  const std::vector<uint32_t> counts = {5, 0, 9};
  const std::vector<uint32_t> bounds = BalancedBands(counts, 6);
  ASSERT_EQ(bounds.size(), 7u);
  EXPECT_EQ(bounds.back(), 3u);
  for (size_t b = 1; b < bounds.size(); ++b) EXPECT_LE(bounds[b - 1], bounds[b]);
  // Every row lands in exactly one band, found by BandOf.
  for (uint32_t row = 0; row < 3; ++row) {
    const int band = BandOf(bounds, row);
    EXPECT_LE(bounds[band], row);
    EXPECT_LT(row, bounds[band + 1]);
  }
}

TEST(BalancedBandsTest, EmptyCountsGiveEmptyBands) {
  const std::vector<uint32_t> bounds = BalancedBands({}, 4);
  EXPECT_EQ(bounds, std::vector<uint32_t>(5, 0));
}

TEST(BandAtStepTest, NoTwoRanksShareABandAndEveryRankRunsEveryBand) {
  for (int ranks = 1; ranks <= 6; ++ranks) {
    const int bands = 2 * ranks;
    for (int step = 0; step < bands; ++step) {
      std::set<int> at_step;
      for (int rank = 0; rank < ranks; ++rank) at_step.insert(BandAtStep(rank, ranks, step));
      EXPECT_EQ(at_step.size(), static_cast<size_t>(ranks)) << ranks << " ranks, step " << step;
    }
    for (int rank = 0; rank < ranks; ++rank) {
      std::set<int> seen;
      for (int step = 0; step < bands; ++step) seen.insert(BandAtStep(rank, ranks, step));
      EXPECT_EQ(seen.size(), static_cast<size_t>(bands));
      // It starts with its home bands and gets the next from its right
      // neighbour, which ran it two steps before.
      EXPECT_EQ(BandAtStep(rank, ranks, 0), 2 * rank);
      EXPECT_EQ(BandAtStep(rank, ranks, 1), 2 * rank + 1);
      for (int step = 2; step < bands + 2; ++step) {
        EXPECT_EQ(BandAtStep(rank, ranks, step), BandAtStep((rank + 1) % ranks, ranks, step - 2));
      }
      // After a whole epoch the home bands come back.
      EXPECT_EQ(BandAtStep(rank, ranks, bands), 2 * rank);
    }
  }
}

}  // namespace
}  // namespace hogmf::distributed
