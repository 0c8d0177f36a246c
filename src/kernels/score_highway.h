// Block dot products for ranking: the scores of a block of users over a range
// of items, every item against every user, as an outer-product loop over an
// item-major copy of Q (Q^T), so no horizontal sums are needed. Q^T is kept in
// panels of kScoreItemPad items: panel j holds items 32j .. 32j + 31 as k rows
// of 32 floats (row d: factor d of each item), the panels back to back, so
// the loop over d reads one contiguous block (one page at k = 32). A scalar
// reference and a Highway version compiled for every target of this build,
// the best one this CPU runs (or the one HOGMF_ISA names) picked at run time.
//
//   const kernels::BlockDotsKernel kernel = kernels::SelectBlockDots();
//   // out[b * out_stride + i] = sum over d < k of rows[b][d] * (factor d of item i)
//   kernel.fn(panels, items, rows, users, k, out, out_stride);
//   size_t next = kernel.first_above(scores, count, floor);
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hogmf::kernels {

// Items per panel; `items` is a multiple of it, and `panels` (items / 32
// panels of k x 32 floats) starts 64-byte aligned.
inline constexpr size_t kScoreItemPad = 32;

// The float offset of factor d of item i in panels of k rows.
inline size_t PanelOffset(size_t item, int d, int k) {
  return (item / kScoreItemPad) * static_cast<size_t>(k) * kScoreItemPad +
         static_cast<size_t>(d) * kScoreItemPad + item % kScoreItemPad;
}

using BlockDotsFn = void (*)(const float* panels, size_t items, const float* const* user_rows,
                             size_t users, int k, float* out, size_t out_stride);

// The reference: each sum in float, in increasing d.
void BlockDotsScalar(const float* panels, size_t items, const float* const* user_rows, size_t users,
                     int k, float* out, size_t out_stride);

// The first i < count with scores[i] > floor (NaN never is), or count: how
// a top-N list skips the items that cannot enter it.
using FirstAboveFn = size_t (*)(const float* scores, size_t count, float floor);
size_t FirstAboveScalar(const float* scores, size_t count, float floor);

// Every compiled Highway version this CPU runs, best first: lane-wise fused
// multiply-adds in increasing d, so only the fusing differs from the scalar.
struct BlockDotsKernel {
  int64_t target = 0;  // one HWY_* target bit
  BlockDotsFn fn = nullptr;
  FirstAboveFn first_above = nullptr;
};
std::vector<BlockDotsKernel> SupportedBlockDots();

// The first of SupportedBlockDots(), unless the HOGMF_ISA environment variable
// (kernels/kernel_registry.h) names another kernel: "scalar" (the scalar
// functions, target 0) or a target this binary has and the CPU runs (any
// other name is ignored).
BlockDotsKernel SelectBlockDots();

}  // namespace hogmf::kernels
