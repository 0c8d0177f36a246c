// BlockDots (kernels/score_highway.h) with Google Highway, compiled for every
// target this build enables (foreach_target re-includes this file once per
// target), and the scalar reference.
//
// FirstAbove tests four vectors at a time while no score beats the floor.
//
// The inner loop runs over d < k: two vectors of the panel's row d (2 x lanes
// items) times each of four users' factor d, broadcast, into 8 accumulators;
// the tile's scores are stored once at the end. A tile of one user takes the
// block's last users when their count is not a multiple of four.

#include "kernels/score_highway.h"

#include <cstdlib>
#include <iterator>
#include <string>

#include "absl/strings/ascii.h"
#include "kernels/kernel_registry.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/score_highway.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must come after foreach_target.h.
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace hogmf::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most 16 lanes: two vectors never pass kScoreItemPad items.
using D = hn::CappedTag<float, 16>;

void BlockDotsHighway(const float* panels, size_t items, const float* const* user_rows,
                      size_t users, int k, float* out, size_t out_stride) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const size_t panel_floats = static_cast<size_t>(k) * kScoreItemPad;
  for (size_t i = 0; i < items; i += 2 * lanes) {
    // Row 0 of this tile's items in their panel; row j is j * 32 further.
    const float* tile = panels + (i / kScoreItemPad) * panel_floats + i % kScoreItemPad;
    size_t b = 0;
    for (; b + 4 <= users; b += 4) {
      const float* p0 = user_rows[b];
      const float* p1 = user_rows[b + 1];
      const float* p2 = user_rows[b + 2];
      const float* p3 = user_rows[b + 3];
      auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
      auto c0 = hn::Zero(d), c1 = hn::Zero(d), c2 = hn::Zero(d), c3 = hn::Zero(d);
      for (int j = 0; j < k; ++j) {
        const float* row = tile + static_cast<size_t>(j) * kScoreItemPad;
        const auto q0 = hn::Load(d, row);
        const auto q1 = hn::Load(d, row + lanes);
        const auto u0 = hn::Set(d, p0[j]);
        const auto u1 = hn::Set(d, p1[j]);
        const auto u2 = hn::Set(d, p2[j]);
        const auto u3 = hn::Set(d, p3[j]);
        a0 = hn::MulAdd(u0, q0, a0);
        c0 = hn::MulAdd(u0, q1, c0);
        a1 = hn::MulAdd(u1, q0, a1);
        c1 = hn::MulAdd(u1, q1, c1);
        a2 = hn::MulAdd(u2, q0, a2);
        c2 = hn::MulAdd(u2, q1, c2);
        a3 = hn::MulAdd(u3, q0, a3);
        c3 = hn::MulAdd(u3, q1, c3);
      }
      float* o = out + b * out_stride + i;
      hn::StoreU(a0, d, o);
      hn::StoreU(c0, d, o + lanes);
      hn::StoreU(a1, d, o + out_stride);
      hn::StoreU(c1, d, o + out_stride + lanes);
      hn::StoreU(a2, d, o + 2 * out_stride);
      hn::StoreU(c2, d, o + 2 * out_stride + lanes);
      hn::StoreU(a3, d, o + 3 * out_stride);
      hn::StoreU(c3, d, o + 3 * out_stride + lanes);
    }
    for (; b < users; ++b) {
      const float* p = user_rows[b];
      auto a = hn::Zero(d), c = hn::Zero(d);
      for (int j = 0; j < k; ++j) {
        const float* row = tile + static_cast<size_t>(j) * kScoreItemPad;
        const auto u = hn::Set(d, p[j]);
        a = hn::MulAdd(u, hn::Load(d, row), a);
        c = hn::MulAdd(u, hn::Load(d, row + lanes), c);
      }
      float* o = out + b * out_stride + i;
      hn::StoreU(a, d, o);
      hn::StoreU(c, d, o + lanes);
    }
  }
}

size_t FirstAboveHighway(const float* scores, size_t count, float floor) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  const auto limit = hn::Set(d, floor);
  size_t i = 0;
  // Four vectors per test while nothing is found: one branch per 4 lanes.
  for (; i + 4 * lanes <= count; i += 4 * lanes) {
    const auto m0 = hn::Gt(hn::LoadU(d, scores + i), limit);
    const auto m1 = hn::Gt(hn::LoadU(d, scores + i + lanes), limit);
    const auto m2 = hn::Gt(hn::LoadU(d, scores + i + 2 * lanes), limit);
    const auto m3 = hn::Gt(hn::LoadU(d, scores + i + 3 * lanes), limit);
    if (!hn::AllFalse(d, hn::Or(hn::Or(m0, m1), hn::Or(m2, m3)))) break;
  }
  for (; i + lanes <= count; i += lanes) {
    const intptr_t found = hn::FindFirstTrue(d, hn::Gt(hn::LoadU(d, scores + i), limit));
    if (found >= 0) return i + static_cast<size_t>(found);
  }
  for (; i < count; ++i) {
    if (scores[i] > floor) return i;
  }
  return count;
}

}  // namespace HWY_NAMESPACE
}  // namespace hogmf::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hogmf::kernels {

HWY_EXPORT(BlockDotsHighway);
HWY_EXPORT(FirstAboveHighway);

size_t FirstAboveScalar(const float* scores, size_t count, float floor) {
  for (size_t i = 0; i < count; ++i) {
    if (scores[i] > floor) return i;
  }
  return count;
}

void BlockDotsScalar(const float* panels, size_t items, const float* const* user_rows, size_t users,
                     int k, float* out, size_t out_stride) {
  for (size_t b = 0; b < users; ++b) {
    for (size_t i = 0; i < items; ++i) {
      float sum = 0;
      for (int j = 0; j < k; ++j) sum += user_rows[b][j] * panels[PanelOffset(i, j, k)];
      out[b * out_stride + i] = sum;
    }
  }
}

std::vector<BlockDotsKernel> SupportedBlockDots() {
  std::vector<BlockDotsKernel> kernels;
  const int64_t supported = hwy::SupportedTargets();
  constexpr size_t kTableSize = std::size(HWY_DISPATCH_TABLE(BlockDotsHighway));
  for (int64_t targets = HWY_TARGETS; targets != 0; targets &= targets - 1) {
    const int64_t target = targets & -targets;
    if ((supported & target) == 0) continue;
    size_t index = 0;
    if constexpr (kTableSize > 1) {
      hwy::ChosenTarget chosen;
      chosen.Update(target);
      index = chosen.GetIndex();
    }
    BlockDotsKernel kernel{target, HWY_DISPATCH_TABLE(BlockDotsHighway)[index],
                           HWY_DISPATCH_TABLE(FirstAboveHighway)[index]};
    if (kernel.fn != nullptr && kernel.first_above != nullptr) kernels.push_back(kernel);
  }
  return kernels;
}

BlockDotsKernel SelectBlockDots() {
  const BlockDotsKernel scalar{0, BlockDotsScalar, FirstAboveScalar};
  const std::vector<BlockDotsKernel> kernels = SupportedBlockDots();
  const char* env = std::getenv(kIsaEnvVar);
  const std::string wanted = env != nullptr ? absl::AsciiStrToLower(env) : "";
  if (wanted == "scalar") return scalar;
  for (const BlockDotsKernel& kernel : kernels) {
    if (!wanted.empty() && HighwayTargetKernelName(kernel.target) == wanted) return kernel;
  }
  return kernels.empty() ? scalar : kernels.front();
}

}  // namespace hogmf::kernels
#endif  // HWY_ONCE
