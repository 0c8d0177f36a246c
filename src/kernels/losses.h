// The losses of the SGD kernels, written once: for each pointwise loss the
// gradient a step uses (g = -dL/dy) and the value the fit pass sums; the BPR
// gradient and value; the one-class targets; and the negative sampler. The
// scalar spec (sgd_scalar.cc) and every Highway target (sgd_highway.cc) call
// these same functions, so given the same prediction every kernel steps with
// the same float g and draws the same negatives.
//
// Adding a pointwise loss: a case in PointwiseGradient and PointwiseLoss
// (and its name in include/hogmf/loss.h and src/model/loss.cc); the kernels
// and their tests pick it up from there (docs/design.md, Adding a loss).
//
//   const float y = prediction;
//   const float g = PointwiseGradient(Loss::kLogistic, r.value, y);   // = r / (1 + exp(r y))
//   NegativeSampler sampler(args.seed, first.user, first.item, count);
//   const uint32_t j = sampler.Below(args.num_items);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "hogmf/loss.h"

namespace hogmf::kernels {

// How the chunk loop steps for a loss.
enum class LossShape {
  kPointwise,       // one step on (u, i) per rating from g(r, y)
  kOneClass,        // a step towards 1 on (u, i), then towards 0 on sampled (u, j)
  kPairwiseRow,     // one BPR step on p_u, q_i and a sampled q_j
  kPairwiseColumn,  // one BPR step on q_i, p_u and a sampled p_v
};

constexpr LossShape ShapeOf(Loss loss) {
  switch (loss) {
    case Loss::kBprRow:
      return LossShape::kPairwiseRow;
    case Loss::kBprColumn:
      return LossShape::kPairwiseColumn;
    case Loss::kOneClassSquared:
      return LossShape::kOneClass;
    default:
      return LossShape::kPointwise;
  }
}

// The KL loss clamps its prediction to at least this in the gradient and value.
inline constexpr float kKlMinPrediction = 1e-6f;

// g = -dL/dy of a pointwise loss at value r and prediction y, in float.
// 0 for the losses that are not pointwise (they step through the functions below).
inline float PointwiseGradient(Loss loss, float r, float y) {
  switch (loss) {
    case Loss::kSquared:  // (r - y)^2
      return 2.0f * (r - y);
    case Loss::kAbsolute: {  // |r - y|: its sign, 0 at 0
      const float e = r - y;
      return e > 0.0f ? 1.0f : (e < 0.0f ? -1.0f : 0.0f);
    }
    case Loss::kKl:  // r log(r / y) - r + y
      return r / std::max(y, kKlMinPrediction) - 1.0f;
    case Loss::kLogistic:  // log(1 + exp(-r y))
      return r / (1.0f + std::exp(r * y));
    case Loss::kSquaredHinge:  // max(0, 1 - r y)^2
      return 2.0f * r * std::max(0.0f, 1.0f - r * y);
    case Loss::kHinge:  // max(0, 1 - r y)
      return r * y < 1.0f ? r : 0.0f;
    default:
      return 0.0f;
  }
}

// The value of a pointwise loss at value r and prediction y, in double (the
// fit pass sums it over ratings). Stable for large margins.
inline double PointwiseLoss(Loss loss, float r, float y) {
  const double rd = r;
  const double yd = y;
  switch (loss) {
    case Loss::kSquared: {
      const double e = rd - yd;
      return e * e;
    }
    case Loss::kAbsolute:
      return std::fabs(rd - yd);
    case Loss::kKl: {
      const double yc = std::max(yd, static_cast<double>(kKlMinPrediction));
      return (rd == 0.0 ? 0.0 : rd * std::log(rd / yc)) - rd + yc;
    }
    case Loss::kLogistic: {  // log(1 + exp(m)), m = -r y
      const double m = -rd * yd;
      return m > 0.0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m));
    }
    case Loss::kSquaredHinge: {
      const double h = std::max(0.0, 1.0 - rd * yd);
      return h * h;
    }
    case Loss::kHinge:
      return std::max(0.0, 1.0 - rd * yd);
    default:
      return 0.0;
  }
}

// One-class squared: the positive's target is 1 whatever its value; each
// sampled negative's target is 0 and its loss is weighted by w.
inline float OneClassPositiveGradient(float y) {
  return PointwiseGradient(Loss::kSquared, 1.0f, y);
}
inline float OneClassNegativeGradient(float w, float y) {
  return w * PointwiseGradient(Loss::kSquared, 0.0f, y);
}

// BPR: with x = y_positive - y_negative and L = log(1 + exp(-x)),
// s = -dL/dx = 1 / (1 + exp(x)), in float.
inline float BprGradient(float x) { return 1.0f / (1.0f + std::exp(x)); }
// L = log(1 + exp(-x)) in double, stable for large |x|.
inline double BprLoss(float x) {
  const double m = -static_cast<double>(x);
  return m > 0.0 ? m + std::log1p(std::exp(-m)) : std::log1p(std::exp(m));
}

// The splitmix64 output function of state z.
constexpr uint64_t SplitMixOutput(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline constexpr uint64_t kSplitMixIncrement = 0x9e3779b97f4a7c15ULL;

// A value in [0, n) from the high 32 bits of a 64-bit draw, by multiply-shift
// (0 when n == 0).
constexpr uint32_t BelowFromBits(uint64_t bits, uint32_t n) {
  return static_cast<uint32_t>(((bits >> 32) * static_cast<uint64_t>(n)) >> 32);
}

// The sampler of a chunk's negatives: a splitmix64 stream seeded from the
// epoch's seed, the chunk's first rating and its length, so that every kernel
// (scalar and each SIMD target) draws the same sequence for the same chunk,
// and chunks of one epoch draw different ones.
class NegativeSampler {
 public:
  NegativeSampler(uint64_t seed, uint32_t user, uint32_t item, size_t count)
      : state_(SplitMixOutput(SplitMixOutput(seed + kSplitMixIncrement) ^
                              ((static_cast<uint64_t>(user) << 32) | item)) ^
               static_cast<uint64_t>(count)) {}

  // Uniform in [0, n); n > 0.
  uint32_t Below(uint32_t n) {
    state_ += kSplitMixIncrement;
    return BelowFromBits(SplitMixOutput(state_), n);
  }

 private:
  uint64_t state_;
};

// The t-th negative of rating (u, i) for the fit pass, in [0, n): a pure
// function of (seed, u, i, t), so the loss of a model is the same figure
// however the ratings are split into chunks and from one epoch to the next
// (for a fixed seed). Draw t of a splitmix64 stream started at
// SplitMixOutput(SplitMixOutput(seed + increment) ^ (u << 32 | i)).
constexpr uint32_t DeterministicNegative(uint64_t seed, uint32_t u, uint32_t i, uint32_t t,
                                         uint32_t n) {
  const uint64_t start = SplitMixOutput(SplitMixOutput(seed + kSplitMixIncrement) ^
                                        ((static_cast<uint64_t>(u) << 32) | i));
  return BelowFromBits(SplitMixOutput(start + (static_cast<uint64_t>(t) + 1) * kSplitMixIncrement),
                       n);
}

}  // namespace hogmf::kernels
