// Balanced bands (partition.h).
#include "distributed/partition.h"

#include <algorithm>

#include "util/check.h"

namespace hogmf::distributed {

std::vector<uint32_t> BalancedBands(std::span<const uint32_t> counts, int bands) {
  HOGMF_CHECK(bands >= 1);
  uint64_t total = 0;
  for (uint32_t c : counts) total += c;
  std::vector<uint32_t> bounds(static_cast<size_t>(bands) + 1, 0);
  // Band b ends at the first row where the running count reaches
  // (b + 1) / bands of the total.
  uint64_t running = 0;
  size_t row = 0;
  for (int b = 0; b + 1 < bands; ++b) {
    const uint64_t target = total * static_cast<uint64_t>(b + 1) / static_cast<uint64_t>(bands);
    while (row < counts.size() && running < target) running += counts[row++];
    bounds[static_cast<size_t>(b) + 1] = static_cast<uint32_t>(row);
  }
  bounds[static_cast<size_t>(bands)] = static_cast<uint32_t>(counts.size());
  return bounds;
}

int BandOf(std::span<const uint32_t> bounds, uint32_t row) {
  const auto it = std::upper_bound(bounds.begin(), bounds.end(), row);
  HOGMF_CHECK(it != bounds.begin() && it != bounds.end());
  return static_cast<int>(it - bounds.begin()) - 1;
}

}  // namespace hogmf::distributed
