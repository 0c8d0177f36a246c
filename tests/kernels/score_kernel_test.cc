// Tests of BlockDots: every Highway target this CPU runs against the scalar
// reference over a k sweep that hits the tails (1 .. 64) and user counts on
// both sides of the four-user tile, within a tolerance for fused
// multiply-adds; exact for k = 1; FirstAbove against the scalar one over
// lengths around the vector sizes; the HOGMF_ISA override.
#include "kernels/score_highway.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "hogmf/factor_matrix.h"
#include "kernels/kernel_registry.h"
#include "util/random.h"

namespace hogmf::kernels {
namespace {

TEST(BlockDotsTest, EveryTargetMatchesTheScalarReference) {
  const std::vector<BlockDotsKernel> kernels = SupportedBlockDots();
  ASSERT_FALSE(kernels.empty());
  internal::Rng rng(5);
  for (int k : {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64}) {
    for (size_t users : {size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{9}}) {
      constexpr size_t kItems = 3 * kScoreItemPad;
      // Three panels, as one aligned row each.
      FactorMatrix panels(kItems / kScoreItemPad, k * static_cast<int>(kScoreItemPad));
      FactorMatrix p(static_cast<uint32_t>(users), k);
      for (int d = 0; d < k; ++d) {
        for (size_t i = 0; i < kItems; ++i) {
          panels.data()[PanelOffset(i, d, k)] = rng.UniformFloat() * 2 - 1;
        }
      }
      std::vector<const float*> rows(users);
      for (uint32_t b = 0; b < users; ++b) {
        for (int d = 0; d < k; ++d) p.row(b)[d] = rng.UniformFloat() * 2 - 1;
        rows[b] = p.row(b);
      }
      const size_t out_stride = kItems + 5;  // not a multiple of anything
      std::vector<float> expected(users * out_stride, -7.0f);
      BlockDotsScalar(panels.data(), kItems, rows.data(), users, k, expected.data(), out_stride);
      for (const BlockDotsKernel& kernel : kernels) {
        const std::string name = HighwayTargetKernelName(kernel.target);
        std::vector<float> out(users * out_stride, -7.0f);
        kernel.fn(panels.data(), kItems, rows.data(), users, k, out.data(), out_stride);
        for (size_t b = 0; b < users; ++b) {
          for (size_t i = 0; i < out_stride; ++i) {
            const float want = expected[b * out_stride + i];
            const float got = out[b * out_stride + i];
            if (i >= kItems) {
              ASSERT_EQ(got, -7.0f) << name << ": wrote past the items";
            } else if (k == 1) {
              ASSERT_EQ(got, want) << name;
            } else {
              // |error| <= k ulp-sized roundings of terms of size <= 1.
              ASSERT_NEAR(got, want, 1e-6f * static_cast<float>(k))
                  << name << " k " << k << " users " << users << " b " << b << " i " << i;
            }
          }
        }
      }
    }
  }
}

TEST(FirstAboveTest, EveryTargetFindsTheFirstScoreAboveTheFloor) {
  internal::Rng rng(8);
  for (size_t count : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{31},
                       size_t{32}, size_t{33}, size_t{64}, size_t{65}, size_t{200}}) {
    for (size_t hot : {size_t{0}, count / 2, count > 0 ? count - 1 : 0, count}) {
      // Scores below 1 but one above it at `hot` (none when hot == count),
      // NaNs sprinkled in.
      std::vector<float> scores(count);
      for (float& s : scores) s = rng.Below(5) == 0 ? std::nanf("") : rng.UniformFloat();
      if (hot < count) scores[hot] = 2.0f;
      ASSERT_EQ(FirstAboveScalar(scores.data(), count, 1.0f), hot);
      for (const BlockDotsKernel& kernel : SupportedBlockDots()) {
        EXPECT_EQ(kernel.first_above(scores.data(), count, 1.0f), hot)
            << HighwayTargetKernelName(kernel.target) << " count " << count;
        // A score equal to the floor is not above it.
        EXPECT_EQ(kernel.first_above(scores.data(), count, 2.0f), count);
      }
    }
  }
}

TEST(BlockDotsTest, HogmfIsaSelectsTheKernel) {
  const char* before = std::getenv(kIsaEnvVar);
  const std::string saved = before != nullptr ? before : "";
  setenv(kIsaEnvVar, "scalar", 1);
  EXPECT_EQ(SelectBlockDots().fn, &BlockDotsScalar);
  EXPECT_EQ(SelectBlockDots().first_above, &FirstAboveScalar);
  const std::vector<BlockDotsKernel> kernels = SupportedBlockDots();
  const BlockDotsKernel& last = kernels.back();
  setenv(kIsaEnvVar, HighwayTargetKernelName(last.target).c_str(), 1);
  EXPECT_EQ(SelectBlockDots().fn, last.fn);
  unsetenv(kIsaEnvVar);
  EXPECT_EQ(SelectBlockDots().fn, kernels.front().fn);
  if (before != nullptr) setenv(kIsaEnvVar, saved.c_str(), 1);
}

}  // namespace
}  // namespace hogmf::kernels
