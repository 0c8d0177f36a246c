// Partition: how hogmf-mpi cuts the rating matrix. Users are cut into one band
// per rank and items into two bands per rank, each band a range of
// consecutive indices holding about the same number of ratings; block (r, j)
// is the ratings of user band r and item band j.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hogmf::distributed {

// Bounds of `bands` ranges of consecutive rows over counts.size() rows, each
// holding about sum(counts) / bands: band b is rows [bounds[b], bounds[b+1]).
// bounds has bands + 1 entries, bounds[0] = 0 and bounds[bands] = rows; a
// band may be empty (when there are fewer rows, or a row is heavier than a
// band's share). bands >= 1.
std::vector<uint32_t> BalancedBands(std::span<const uint32_t> counts, int bands);

// The band of `row` (< bounds.back()).
int BandOf(std::span<const uint32_t> bounds, uint32_t row);

// The item band rank `rank` of `ranks` runs at step `step` of an epoch (2
// ranks' bands per rank, so 2 * ranks steps): no two ranks run the same band
// at one step, every rank runs every band once an epoch, and the band a rank
// runs at step s is the one its right neighbour (rank + 1) ran at step s - 2.
inline int BandAtStep(int rank, int ranks, int step) { return (2 * rank + step) % (2 * ranks); }

}  // namespace hogmf::distributed
