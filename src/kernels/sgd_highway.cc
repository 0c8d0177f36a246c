// The SGD chunk loops, the padded-row dot product and the fit pass over a
// chunk, written once with Google Highway and compiled for every target this
// build enables (foreach_target re-includes this file once per target, each
// copy in its own N_<TARGET> namespace). Same steps as SgdChunkScalar, from
// the row values before the step, with the same g (losses.h), the same
// negatives (NegativeSampler) and the same sums as LossSumScalar; only the dot
// products' and the AdaGrad sums' summation order differs (lane-wise partial
// sums, then a horizontal sum), and multiply-adds may be fused.
//
// Each chunk picks its loop once, from the loss and the options:
//   - squared loss without L1 or clamp (the engine's default path): a loop
//     templated on biases (on/off) and AdaGrad (on/off);
//   - every other pointwise loss and one-class-squared, or L1, or the clamp:
//     the general loop (runtime vector count, options read per chunk);
//   - BPR (row or column): the pairwise loop.
//
// Loops run over whole vectors of the padded row, ceil(k / lanes) of them,
// never over the vectors that are padding only. In the last vector the lanes
// past k see a g (or s) of exactly 0 (the broadcast is masked there), so with
// finite rates and weights the padding stays +0 after every step, whatever
// the error: x_pad <- 0 + rate (0 * 0 - l2 * 0) = 0, and the soft threshold
// and the clamp keep +0; the padding adds exactly 0 to the AdaGrad sums.
//
// Per rating the loop prefetches the P and Q rows of the rating
// `prefetch_distance` positions ahead (kHighwayPrefetchDistance for the
// engine's entry point), with biases and AdaGrad also their entries, and with
// an order array the rating record twice as far ahead (a random order makes
// that load a miss as well). Sampled negatives are not prefetched.
//
// In the squared-loss loop, rows of 1, 2, 4 or 8 vectors (k up to 16, 32, 64,
// 128 with 16 lanes; up to 4 vectors on targets with 16 vector registers) get
// a loop with the vector count fixed at compile time; rows of k <= 4 or k <= 8
// use vectors of that many lanes. Rows of 1 or 2 vectors stay in registers
// between the dot product and the update, one step at a time. Rows of 4 or 8
// vectors, and every k on the loop with a runtime vector count, are
// pipelined: one step's chain (dot product, horizontal sum, g, then both row
// updates) leaves the vector units waiting at large k, so while it updates
// the rows of rating j it also computes the dot product of rating j + 1, when
// j + 1 shares neither user nor item with j. Then j's step writes nothing
// that j + 1's dot product, biases or AdaGrad sums read, and that dot product
// is computed with the operations and in the order of the one-rating step
// (DotVecs), so the loop's results are bit for bit those of the steps taken
// one at a time in chunk order. When j + 1 shares a row with j, its dot
// product waits for j's step. The pipelined loop reads the rows from L1 for
// each pass; with 4 or 8 vectors the count is a constant and the passes are
// unrolled.
//
// The fit pass reads ratings in sequence and prefetches the rows
// `prefetch_distance` ratings ahead (kHighwayLossPrefetchDistance for the
// engine's entry point). For pointwise losses its fixed-count loops compute
// the dot product exactly as the step's do (the same partial sums in the same
// order); the one-class and pairwise sums use the runtime loop.
//
// Kernels are re-entrant: they write nothing but the rows, biases and AdaGrad
// sums they update.

#include "kernels/sgd_highway.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

#include "kernels/losses.h"
#include "kernels/sgd_kernel.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/sgd_highway.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// Must come after foreach_target.h.
#include "hwy/cache_control.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace hogmf::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most 16 lanes, so a vector never crosses a 64-byte row boundary and the
// stride (a multiple of 16 floats) is always a whole number of vectors. Rows
// of k <= 4 or k <= 8 use vectors of 4 or 8 lanes where the target has them:
// fewer padding lanes to compute, a shorter horizontal sum.
using DFull = hn::CappedTag<float, 16>;
using D4 = hn::CappedTag<float, 4>;
using D8 = hn::CappedTag<float, 8>;

// Most vectors per row for which the fixed-count loop keeps both rows in
// registers: two rows of 8 vectors need 16 of the 32 registers of AVX-512,
// NEON and SVE; other targets have 16 registers.
#if HWY_HAVE_SCALABLE || HWY_TARGET == HWY_SCALAR
constexpr size_t kMaxFixedVecs = 0;  // sizeless or single-lane vectors: runtime loop only
#elif HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_ARCH_ARM
constexpr size_t kMaxFixedVecs = 8;
#else
constexpr size_t kMaxFixedVecs = 4;
#endif
// Fixed-count loops of at least this many vectors overlap each step's row
// update with the next rating's dot product, as the runtime loop does; on
// shorter rows the overlap measured slower than one step at a time.
constexpr size_t kOverlapFixedFrom = 4;
// The k <= 4 and k <= 8 tags have at least 4 lanes where the fixed loops
// exist, so their rows are 1 vector (D4) or 1 or 2 vectors (D8).
constexpr size_t kMaxFixedVecs4 = kMaxFixedVecs < 1 ? kMaxFixedVecs : 1;
constexpr size_t kMaxFixedVecs8 = kMaxFixedVecs < 2 ? kMaxFixedVecs : 2;

// The step's constants, broadcast once per chunk.
template <class D>
struct StepConsts {
  hn::Vec<D> lr;
  hn::Vec<D> l2_p;
  hn::Vec<D> l2_q;
  hn::Mask<D> tail;  // lanes of the last vector that lie inside k
};

template <class D>
size_t VecsFor(D d, int k) {
  return (static_cast<size_t>(k) + hn::Lanes(d) - 1) / hn::Lanes(d);
}

template <class D>
StepConsts<D> MakeConsts(D d, const SgdArgs& args, size_t nvec) {
  return StepConsts<D>{hn::Set(d, args.learning_rate), hn::Set(d, args.l2_p), hn::Set(d, args.l2_q),
                       hn::FirstN(d, static_cast<size_t>(args.k) - (nvec - 1) * hn::Lanes(d))};
}

template <class D, class V = hn::Vec<D>>
HWY_INLINE float ReduceSum(D d, V v) {
  return hn::GetLane(hn::SumOfLanes(d, v));
}

// Sum of a[0..nvec*N) * b[0..nvec*N) with four partial sums.
template <class D>
HWY_INLINE float DotVecs(D d, const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                         size_t nvec) {
  const size_t n = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t v = 0;
  for (; v + 4 <= nvec; v += 4) {
    s0 = hn::MulAdd(hn::Load(d, a + (v + 0) * n), hn::Load(d, b + (v + 0) * n), s0);
    s1 = hn::MulAdd(hn::Load(d, a + (v + 1) * n), hn::Load(d, b + (v + 1) * n), s1);
    s2 = hn::MulAdd(hn::Load(d, a + (v + 2) * n), hn::Load(d, b + (v + 2) * n), s2);
    s3 = hn::MulAdd(hn::Load(d, a + (v + 3) * n), hn::Load(d, b + (v + 3) * n), s3);
  }
  for (; v < nvec; ++v) s0 = hn::MulAdd(hn::Load(d, a + v * n), hn::Load(d, b + v * n), s0);
  return ReduceSum(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// Loads the first kVecs vectors of rows p and q.
template <size_t kVecs, class D, class V = hn::Vec<D>>
HWY_INLINE void LoadRows(D d, const float* HWY_RESTRICT p, const float* HWY_RESTRICT q, V* pv,
                         V* qv) {
  const size_t n = hn::Lanes(d);
  for (size_t v = 0; v < kVecs; ++v) {
    pv[v] = hn::Load(d, p + v * n);
    qv[v] = hn::Load(d, q + v * n);
  }
}

// Sum of pv[v] * qv[v] over kVecs vectors with up to four partial sums,
// added pairwise, then a horizontal sum.
template <size_t kVecs, class D, class V = hn::Vec<D>>
HWY_INLINE float DotRegs(D d, const V* pv, const V* qv) {
  constexpr size_t kAcc = kVecs < 4 ? kVecs : 4;
  V acc[kAcc];
  for (size_t v = 0; v < kAcc; ++v) acc[v] = hn::Mul(pv[v], qv[v]);
  for (size_t v = kAcc; v < kVecs; ++v) acc[v % kAcc] = hn::MulAdd(pv[v], qv[v], acc[v % kAcc]);
  for (size_t step = 1; step < kAcc; step *= 2) {
    for (size_t v = 0; v + step < kAcc; v += 2 * step) acc[v] = hn::Add(acc[v], acc[v + step]);
  }
  return ReduceSum(d, acc[0]);
}

// The step's rate for a row with AdaGrad sum `g` (nullptr: a constant rate),
// as in the scalar spec.
HWY_INLINE float RateFor(float learning_rate, const float* g) {
  return g != nullptr ? learning_rate / std::sqrt(*g) : learning_rate;
}

// (mean + bu + bi) + dot, in that order.
HWY_INLINE float WithBiases(const SgdArgs& a, uint32_t u, uint32_t i, float dot) {
  return ((a.mean + a.user_bias[u]) + a.item_bias[i]) + dot;
}

// The bias steps, from the values before the step.
HWY_INLINE void StepBiases(const SgdArgs& a, uint32_t u, uint32_t i, float g, float rate_p,
                           float rate_q) {
  const float bu = a.user_bias[u];
  const float bi = a.item_bias[i];
  a.user_bias[u] = bu + rate_p * (g - a.l2_user_bias * bu);
  a.item_bias[i] = bi + rate_q * (g - a.l2_item_bias * bi);
}

// Starts loading the first `floats` floats of a 64-byte aligned row.
HWY_INLINE void PrefetchRow(const float* row, size_t floats) {
  for (size_t off = 0; off < floats; off += 16) hwy::Prefetch(row + off);
}

// Prefetches for the rating `distance` positions ahead of j: its rows (and,
// when asked, its biases and AdaGrad sums), and with an order array the
// rating record twice as far ahead. Nothing past the chunk's end.
template <bool kExtras>
HWY_INLINE void PrefetchAhead(const SgdArgs& a, const Rating* ratings, const uint32_t* order,
                              size_t j, size_t rows_end, size_t records_end, size_t distance,
                              size_t row_floats) {
  if (j >= rows_end) return;
  if (j < records_end) hwy::Prefetch(ratings + order[j + 2 * distance]);
  const Rating& ahead = ratings[order != nullptr ? order[j + distance] : j + distance];
  PrefetchRow(a.p + static_cast<size_t>(ahead.user) * a.stride, row_floats);
  PrefetchRow(a.q + static_cast<size_t>(ahead.item) * a.stride, row_floats);
  if constexpr (kExtras) {
    if (a.user_bias != nullptr) {
      hwy::Prefetch(a.user_bias + ahead.user);
      hwy::Prefetch(a.item_bias + ahead.item);
    }
    if (a.p_adagrad != nullptr) {
      hwy::Prefetch(a.p_adagrad + ahead.user);
      hwy::Prefetch(a.q_adagrad + ahead.item);
    }
  }
}

// The loop ranges where prefetches stay inside the chunk.
struct PrefetchRanges {
  size_t rows_end;
  size_t records_end;
};
inline PrefetchRanges RangesFor(const uint32_t* order, size_t count, size_t distance) {
  return {distance != 0 && count > distance ? count - distance : 0,
          order != nullptr && distance != 0 && count > 2 * distance ? count - 2 * distance : 0};
}

// ---------------------------------------------------------------------------
// Squared loss without L1 or clamp: the engine's default path.

// The scalars of a squared-loss step from its prediction's dot product: g and
// the two rates.
struct SquaredScalars {
  float g;
  float rate_p;
  float rate_q;
};
template <bool kBias, bool kAdaGrad>
HWY_INLINE SquaredScalars SquaredStepScalars(const SgdArgs& a, const Rating& r, float dot) {
  float y = dot;
  if constexpr (kBias) y = WithBiases(a, r.user, r.item, y);
  SquaredScalars s{2.0f * (r.value - y), a.learning_rate, a.learning_rate};
  if constexpr (kAdaGrad) {
    s.rate_p = RateFor(a.learning_rate, a.p_adagrad + r.user);
    s.rate_q = RateFor(a.learning_rate, a.q_adagrad + r.item);
  }
  return s;
}

// p <- p + rate_p (g q - l2_p p) and q <- q + rate_q (g p - l2_q q) for one
// vector of each row, from the values pv and qv read before the step; with
// AdaGrad also adds the squared gradients to sum_p and sum_q.
// With kMask (the last vector of a row whose rates are not constant) the
// lanes past k are stored as +0 whatever the rates (a diverged AdaGrad sum
// gives NaN rates, and NaN * 0 is NaN).
template <bool kAdaGrad, bool kMask = false, class D, class V = hn::Vec<D>>
HWY_INLINE void UpdateVec(D d, const StepConsts<D>& c, float* p, float* q, V pv, V qv, V g,
                          V rate_p, V rate_q, V& sum_p, V& sum_q) {
  const V grad_p = hn::MulSub(g, qv, hn::Mul(c.l2_p, pv));
  const V grad_q = hn::MulSub(g, pv, hn::Mul(c.l2_q, qv));
  if constexpr (kMask) {
    hn::Store(hn::IfThenElseZero(c.tail, hn::MulAdd(rate_p, grad_p, pv)), d, p);
    hn::Store(hn::IfThenElseZero(c.tail, hn::MulAdd(rate_q, grad_q, qv)), d, q);
  } else {
    hn::Store(hn::MulAdd(rate_p, grad_p, pv), d, p);
    hn::Store(hn::MulAdd(rate_q, grad_q, qv), d, q);
  }
  if constexpr (kAdaGrad) {
    sum_p = hn::MulAdd(grad_p, grad_p, sum_p);
    sum_q = hn::MulAdd(grad_q, grad_q, sum_q);
  }
}

// The bias and AdaGrad steps after the rows' (the sums are of the gradients).
template <bool kBias, bool kAdaGrad, class D, class V = hn::Vec<D>>
HWY_INLINE void FinishSquaredStep(D d, const SgdArgs& a, const Rating& r, const SquaredScalars& s,
                                  V sum_p, V sum_q) {
  if constexpr (kBias) StepBiases(a, r.user, r.item, s.g, s.rate_p, s.rate_q);
  if constexpr (kAdaGrad) {
    const float k = static_cast<float>(a.k);
    a.p_adagrad[r.user] += ReduceSum(d, sum_p) / k;
    a.q_adagrad[r.item] += ReduceSum(d, sum_q) / k;
  }
}

// The row, bias and AdaGrad steps of rating r from its scalars s, on rows of
// a vector count known only at run time: reads both rows again (from L1).
template <bool kBias, bool kAdaGrad, class D>
HWY_INLINE void UpdateSquaredRuntime(D d, const SgdArgs& a, const StepConsts<D>& c, const Rating& r,
                                     const SquaredScalars& s, size_t nvec) {
  using V = hn::Vec<D>;
  const size_t n = hn::Lanes(d);
  float* HWY_RESTRICT p = a.p + static_cast<size_t>(r.user) * a.stride;
  float* HWY_RESTRICT q = a.q + static_cast<size_t>(r.item) * a.stride;
  const V g = hn::Set(d, s.g);
  const V rate_p = kAdaGrad ? hn::Set(d, s.rate_p) : c.lr;
  const V rate_q = kAdaGrad ? hn::Set(d, s.rate_q) : c.lr;
  V sum_p = hn::Zero(d);
  V sum_q = hn::Zero(d);
  for (size_t v = 0; v + 1 < nvec; ++v) {
    UpdateVec<kAdaGrad>(d, c, p + v * n, q + v * n, hn::Load(d, p + v * n), hn::Load(d, q + v * n),
                        g, rate_p, rate_q, sum_p, sum_q);
  }
  const size_t last = (nvec - 1) * n;
  UpdateVec<kAdaGrad, kAdaGrad>(d, c, p + last, q + last, hn::Load(d, p + last),
                                hn::Load(d, q + last), hn::IfThenElseZero(c.tail, g), rate_p,
                                rate_q, sum_p, sum_q);
  FinishSquaredStep<kBias, kAdaGrad>(d, a, r, s, sum_p, sum_q);
}

// Vector `off` of both rows of a step (UpdateVec) and of the dot product of
// the rows pn and qn of another rating: acc += pn[off..] * qn[off..].
template <bool kAdaGrad, bool kMask, class D, class V = hn::Vec<D>>
HWY_INLINE void UpdateAndDot(D d, const StepConsts<D>& c, float* HWY_RESTRICT p,
                             float* HWY_RESTRICT q, const float* HWY_RESTRICT pn,
                             const float* HWY_RESTRICT qn, size_t off, V g, V rate_p, V rate_q,
                             V& sum_p, V& sum_q, V& acc) {
  UpdateVec<kAdaGrad, kMask>(d, c, p + off, q + off, hn::Load(d, p + off), hn::Load(d, q + off), g,
                             rate_p, rate_q, sum_p, sum_q);
  acc = hn::MulAdd(hn::Load(d, pn + off), hn::Load(d, qn + off), acc);
}

// The update of UpdateSquaredRuntime with, interleaved vector by vector, the
// dot product of the rows pn and qn of another rating, computed with
// DotVecs's operations in DotVecs's order (the same partial sums, then the
// same horizontal sum); it returns that dot product. pn and qn must not
// overlap r's rows. (Taking the whole dot product early, alongside the first
// half or quarter of the update, measured slower than this even spread.)
template <bool kBias, bool kAdaGrad, class D>
HWY_INLINE float UpdateSquaredRuntimeWithDot(D d, const SgdArgs& a, const StepConsts<D>& c,
                                             const Rating& r, const SquaredScalars& s,
                                             const float* HWY_RESTRICT pn,
                                             const float* HWY_RESTRICT qn, size_t nvec) {
  using V = hn::Vec<D>;
  const size_t n = hn::Lanes(d);
  float* HWY_RESTRICT p = a.p + static_cast<size_t>(r.user) * a.stride;
  float* HWY_RESTRICT q = a.q + static_cast<size_t>(r.item) * a.stride;
  const V g = hn::Set(d, s.g);
  const V rate_p = kAdaGrad ? hn::Set(d, s.rate_p) : c.lr;
  const V rate_q = kAdaGrad ? hn::Set(d, s.rate_q) : c.lr;
  V sum_p = hn::Zero(d);
  V sum_q = hn::Zero(d);
  V s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  // DotVecs takes whole groups of four vectors into s0..s3, then the rest
  // into s0; the last vector of the row is updated with the masked g.
  const V g_last = hn::IfThenElseZero(c.tail, g);
  size_t v = 0;
  for (; v + 4 < nvec; v += 4) {
    UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, (v + 0) * n, g, rate_p, rate_q, sum_p, sum_q,
                                  s0);
    UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, (v + 1) * n, g, rate_p, rate_q, sum_p, sum_q,
                                  s1);
    UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, (v + 2) * n, g, rate_p, rate_q, sum_p, sum_q,
                                  s2);
    UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, (v + 3) * n, g, rate_p, rate_q, sum_p, sum_q,
                                  s3);
  }
  if (nvec - v == 4) {
    UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, (v + 0) * n, g, rate_p, rate_q, sum_p, sum_q,
                                  s0);
    UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, (v + 1) * n, g, rate_p, rate_q, sum_p, sum_q,
                                  s1);
    UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, (v + 2) * n, g, rate_p, rate_q, sum_p, sum_q,
                                  s2);
    UpdateAndDot<kAdaGrad, kAdaGrad>(d, c, p, q, pn, qn, (v + 3) * n, g_last, rate_p, rate_q, sum_p,
                                     sum_q, s3);
  } else {
    for (; v + 1 < nvec; ++v)
      UpdateAndDot<kAdaGrad, false>(d, c, p, q, pn, qn, v * n, g, rate_p, rate_q, sum_p, sum_q, s0);
    UpdateAndDot<kAdaGrad, kAdaGrad>(d, c, p, q, pn, qn, v * n, g_last, rate_p, rate_q, sum_p,
                                     sum_q, s0);
  }
  FinishSquaredStep<kBias, kAdaGrad>(d, a, r, s, sum_p, sum_q);
  return ReduceSum(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// One squared-loss step on rows of kVecs vectors: both rows stay in registers
// from the loads to the stores.
template <size_t kVecs, bool kBias, bool kAdaGrad, class D>
HWY_INLINE void StepSquaredFixed(D d, const SgdArgs& a, const StepConsts<D>& c, const Rating& r) {
  using V = hn::Vec<D>;
  const size_t n = hn::Lanes(d);
  float* HWY_RESTRICT p = a.p + static_cast<size_t>(r.user) * a.stride;
  float* HWY_RESTRICT q = a.q + static_cast<size_t>(r.item) * a.stride;
  V pv[kVecs];
  V qv[kVecs];
  LoadRows<kVecs>(d, p, q, pv, qv);
  const SquaredScalars s = SquaredStepScalars<kBias, kAdaGrad>(a, r, DotRegs<kVecs>(d, pv, qv));
  const V g = hn::Set(d, s.g);
  const V rate_p = kAdaGrad ? hn::Set(d, s.rate_p) : c.lr;
  const V rate_q = kAdaGrad ? hn::Set(d, s.rate_q) : c.lr;
  V sum_p = hn::Zero(d);
  V sum_q = hn::Zero(d);
  for (size_t v = 0; v + 1 < kVecs; ++v) {
    UpdateVec<kAdaGrad>(d, c, p + v * n, q + v * n, pv[v], qv[v], g, rate_p, rate_q, sum_p, sum_q);
  }
  UpdateVec<kAdaGrad, kAdaGrad>(d, c, p + (kVecs - 1) * n, q + (kVecs - 1) * n, pv[kVecs - 1],
                                qv[kVecs - 1], hn::IfThenElseZero(c.tail, g), rate_p, rate_q, sum_p,
                                sum_q);
  FinishSquaredStep<kBias, kAdaGrad>(d, a, r, s, sum_p, sum_q);
}

// The pipelined squared-loss loop over rows of nvec vectors (count >= 1): s
// holds the scalars of rating j, from a dot product computed before j's turn.
// Inlined with a constant nvec for the fixed-count loops, which then read
// the rows from L1 for each pass as the runtime loop does.
template <bool kBias, bool kAdaGrad, class D>
HWY_INLINE void PipelinedSquared(D d, const SgdArgs& args, const StepConsts<D>& c,
                                 const Rating* ratings, const uint32_t* order, size_t count,
                                 size_t nvec, size_t distance) {
  const size_t row_floats = nvec * hn::Lanes(d);
  const PrefetchRanges ranges = RangesFor(order, count, distance);
  const Rating* r = &ratings[order != nullptr ? order[0] : 0];
  SquaredScalars s = SquaredStepScalars<kBias, kAdaGrad>(
      args, *r,
      DotVecs(d, args.p + static_cast<size_t>(r->user) * args.stride,
              args.q + static_cast<size_t>(r->item) * args.stride, nvec));
  for (size_t j = 0;; ++j) {
    PrefetchAhead<kBias || kAdaGrad>(args, ratings, order, j, ranges.rows_end, ranges.records_end,
                                     distance, row_floats);
    if (j + 1 == count) return UpdateSquaredRuntime<kBias, kAdaGrad>(d, args, c, *r, s, nvec);
    const Rating* next = &ratings[order != nullptr ? order[j + 1] : j + 1];
    const float* pn = args.p + static_cast<size_t>(next->user) * args.stride;
    const float* qn = args.q + static_cast<size_t>(next->item) * args.stride;
    float dot;
    if (next->user != r->user && next->item != r->item) {
      dot = UpdateSquaredRuntimeWithDot<kBias, kAdaGrad>(d, args, c, *r, s, pn, qn, nvec);
    } else {
      UpdateSquaredRuntime<kBias, kAdaGrad>(d, args, c, *r, s, nvec);
      dot = DotVecs(d, pn, qn, nvec);
    }
    s = SquaredStepScalars<kBias, kAdaGrad>(args, *next, dot);
    r = next;
  }
}

// The squared-loss chunk loop with vectors of tag D; kVecs = 0 means the
// vector count is nvec, known at run time.
template <class D, size_t kVecs, bool kBias, bool kAdaGrad>
HWY_NOINLINE void SquaredLoop(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                              size_t count, size_t nvec, size_t distance) {
  const D d;
  const StepConsts<D> c = MakeConsts(d, args, nvec);
  if constexpr (kVecs == 0) {
    PipelinedSquared<kBias, kAdaGrad>(d, args, c, ratings, order, count, nvec, distance);
  } else if constexpr (kVecs >= kOverlapFixedFrom) {
    PipelinedSquared<kBias, kAdaGrad>(d, args, c, ratings, order, count, kVecs, distance);
  } else {
    const size_t row_floats = kVecs * hn::Lanes(d);
    const PrefetchRanges ranges = RangesFor(order, count, distance);
    for (size_t j = 0; j < count; ++j) {
      PrefetchAhead<kBias || kAdaGrad>(args, ratings, order, j, ranges.rows_end, ranges.records_end,
                                       distance, row_floats);
      StepSquaredFixed<kVecs, kBias, kAdaGrad>(d, args, c,
                                               ratings[order != nullptr ? order[j] : j]);
    }
  }
}

// Runs the squared-loss chunk with vectors of tag D: the fixed-count loop
// when the row is 1, 2, 4 or 8 such vectors (up to kMax) and `specialise`,
// else the runtime loop with the full-width tag.
template <class D, size_t kMax, bool kBias, bool kAdaGrad>
void SquaredWith(const SgdArgs& args, const Rating* ratings, const uint32_t* order, size_t count,
                 size_t distance, bool specialise) {
  const size_t nvec = VecsFor(D(), args.k);
  if (specialise) {
    if constexpr (kMax >= 1) {
      if (nvec == 1)
        return SquaredLoop<D, 1, kBias, kAdaGrad>(args, ratings, order, count, nvec, distance);
    }
    if constexpr (kMax >= 2) {
      if (nvec == 2)
        return SquaredLoop<D, 2, kBias, kAdaGrad>(args, ratings, order, count, nvec, distance);
    }
    if constexpr (kMax >= 4) {
      if (nvec == 4)
        return SquaredLoop<D, 4, kBias, kAdaGrad>(args, ratings, order, count, nvec, distance);
    }
    if constexpr (kMax >= 8) {
      if (nvec == 8)
        return SquaredLoop<D, 8, kBias, kAdaGrad>(args, ratings, order, count, nvec, distance);
    }
  }
  SquaredLoop<DFull, 0, kBias, kAdaGrad>(args, ratings, order, count, VecsFor(DFull(), args.k),
                                         distance);
}

template <bool kBias, bool kAdaGrad>
void SquaredChunk(const SgdArgs& args, const Rating* ratings, const uint32_t* order, size_t count,
                  size_t distance, bool specialise) {
  if constexpr (kMaxFixedVecs >= 1) {
    if (specialise && args.k <= 4) {
      return SquaredWith<D4, kMaxFixedVecs4, kBias, kAdaGrad>(args, ratings, order, count, distance,
                                                              true);
    }
    if (specialise && args.k <= 8) {
      return SquaredWith<D8, kMaxFixedVecs8, kBias, kAdaGrad>(args, ratings, order, count, distance,
                                                              true);
    }
  }
  SquaredWith<DFull, kMaxFixedVecs, kBias, kAdaGrad>(args, ratings, order, count, distance,
                                                     specialise);
}

// ---------------------------------------------------------------------------
// The general loop and the pairwise loop: runtime vector count, the options
// read once per chunk into Options.

struct Options {
  float l1_p;  // L1 weights (0: none)
  float l1_q;
  bool nonneg;  // clamp at 0
};

// After the gradient step: the L1 soft threshold by `threshold` (rate * l1,
// when l1 > 0), then the clamp at 0.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Proximal(D d, V x, V threshold, bool l1, bool nonneg) {
  if (l1) x = hn::CopySign(hn::Max(hn::Sub(hn::Abs(x), threshold), hn::Zero(d)), x);
  if (nonneg) x = hn::Max(x, hn::Zero(d));
  return x;
}

// In the last vector of a row (`last`), the lanes past k set to +0: the
// general and pairwise loops' rates and thresholds may be NaN or infinite
// once a model diverges, and NaN * 0 is NaN.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V KeepInside(const StepConsts<D>& c, bool last, V x) {
  return last ? hn::IfThenElseZero(c.tail, x) : x;
}

// The prediction for (u, i) from nvec vectors of the rows.
template <class D>
HWY_INLINE float Predict(D d, const SgdArgs& a, uint32_t u, uint32_t i, size_t nvec) {
  const float dot = DotVecs(d, a.p + static_cast<size_t>(u) * a.stride,
                            a.q + static_cast<size_t>(i) * a.stride, nvec);
  return a.user_bias != nullptr ? WithBiases(a, u, i, dot) : dot;
}

// One pointwise step on (u, i) with g = -dL/dy (PointwiseStep of the spec).
template <class D>
HWY_INLINE void PointwiseStep(D d, const SgdArgs& a, const StepConsts<D>& c, const Options& o,
                              uint32_t u, uint32_t i, float g, size_t nvec) {
  using V = hn::Vec<D>;
  const size_t n = hn::Lanes(d);
  float* HWY_RESTRICT p = a.p + static_cast<size_t>(u) * a.stride;
  float* HWY_RESTRICT q = a.q + static_cast<size_t>(i) * a.stride;
  float* g_u = a.p_adagrad != nullptr ? a.p_adagrad + u : nullptr;
  float* g_i = a.q_adagrad != nullptr ? a.q_adagrad + i : nullptr;
  const float rate_p_s = RateFor(a.learning_rate, g_u);
  const float rate_q_s = RateFor(a.learning_rate, g_i);
  const V rate_p = hn::Set(d, rate_p_s);
  const V rate_q = hn::Set(d, rate_q_s);
  const V threshold_p = hn::Set(d, rate_p_s * o.l1_p);
  const V threshold_q = hn::Set(d, rate_q_s * o.l1_q);
  const V gv = hn::Set(d, g);
  V sum_p = hn::Zero(d);
  V sum_q = hn::Zero(d);
  for (size_t v = 0; v < nvec; ++v) {
    const bool last = v + 1 == nvec;
    const V gvv = last ? hn::IfThenElseZero(c.tail, gv) : gv;
    const V pv = hn::Load(d, p + v * n);
    const V qv = hn::Load(d, q + v * n);
    const V grad_p = hn::MulSub(gvv, qv, hn::Mul(c.l2_p, pv));
    const V grad_q = hn::MulSub(gvv, pv, hn::Mul(c.l2_q, qv));
    hn::Store(KeepInside(c, last,
                         Proximal(d, hn::MulAdd(rate_p, grad_p, pv), threshold_p, o.l1_p > 0.0f,
                                  o.nonneg)),
              d, p + v * n);
    hn::Store(KeepInside(c, last,
                         Proximal(d, hn::MulAdd(rate_q, grad_q, qv), threshold_q, o.l1_q > 0.0f,
                                  o.nonneg)),
              d, q + v * n);
    sum_p = hn::MulAdd(grad_p, grad_p, sum_p);
    sum_q = hn::MulAdd(grad_q, grad_q, sum_q);
  }
  if (a.user_bias != nullptr) StepBiases(a, u, i, g, rate_p_s, rate_q_s);
  if (g_u != nullptr) {
    const float k = static_cast<float>(a.k);
    *g_u += ReduceSum(d, sum_p) / k;
    *g_i += ReduceSum(d, sum_q) / k;
  }
}

// Every pointwise loss and one-class-squared, with any options.
template <class D>
HWY_NOINLINE void GeneralLoop(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                              size_t count, size_t distance) {
  const D d;
  const size_t nvec = VecsFor(d, args.k);
  const StepConsts<D> c = MakeConsts(d, args, nvec);
  const Options o{args.l1_p, args.l1_q, args.nonneg};
  const bool one_class = ShapeOf(args.loss) == LossShape::kOneClass;
  const Rating& first = ratings[order != nullptr ? order[0] : 0];
  NegativeSampler sampler(args.seed, first.user, first.item, count);
  const size_t row_floats = nvec * hn::Lanes(d);
  const PrefetchRanges ranges = RangesFor(order, count, distance);
  for (size_t j = 0; j < count; ++j) {
    PrefetchAhead<true>(args, ratings, order, j, ranges.rows_end, ranges.records_end, distance,
                        row_floats);
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    const float y = Predict(d, args, r.user, r.item, nvec);
    if (!one_class) {
      PointwiseStep(d, args, c, o, r.user, r.item, PointwiseGradient(args.loss, r.value, y), nvec);
      continue;
    }
    PointwiseStep(d, args, c, o, r.user, r.item, OneClassPositiveGradient(y), nvec);
    if (args.num_items == 0) continue;
    for (int t = 0; t < args.negatives; ++t) {
      const uint32_t neg = sampler.Below(args.num_items);
      if (neg == r.item) continue;
      const float y_neg = Predict(d, args, r.user, neg, nvec);
      PointwiseStep(d, args, c, o, r.user, neg,
                    OneClassNegativeGradient(args.negative_weight, y_neg), nvec);
    }
  }
}

// A row in a BPR step: its factors, AdaGrad sum (or nullptr) and weights.
struct PairRow {
  float* x;
  float* g;
  float l2;
  float l1;
};

// x = a.(b - c) over nvec vectors.
template <class D>
HWY_INLINE float PairMargin(D d, const float* HWY_RESTRICT a, const float* b, const float* c,
                            size_t nvec) {
  const size_t n = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t v = 0;
  for (; v + 2 <= nvec; v += 2) {
    s0 = hn::MulAdd(hn::Load(d, a + v * n), hn::Sub(hn::Load(d, b + v * n), hn::Load(d, c + v * n)),
                    s0);
    s1 = hn::MulAdd(hn::Load(d, a + (v + 1) * n),
                    hn::Sub(hn::Load(d, b + (v + 1) * n), hn::Load(d, c + (v + 1) * n)), s1);
  }
  if (v < nvec) {
    s0 = hn::MulAdd(hn::Load(d, a + v * n), hn::Sub(hn::Load(d, b + v * n), hn::Load(d, c + v * n)),
                    s0);
  }
  return ReduceSum(d, hn::Add(s0, s1));
}

// One BPR step with anchor a, positive b and negative c (PairStep of the spec).
template <class D>
HWY_INLINE void PairStep(D d, const SgdArgs& args, const StepConsts<D>& c_, const Options& o,
                         PairRow a, PairRow b, PairRow c, size_t nvec) {
  using V = hn::Vec<D>;
  const size_t n = hn::Lanes(d);
  const float s = BprGradient(PairMargin(d, a.x, b.x, c.x, nvec));
  const float rate_a_s = RateFor(args.learning_rate, a.g);
  const float rate_b_s = RateFor(args.learning_rate, b.g);
  const float rate_c_s = RateFor(args.learning_rate, c.g);
  const V rate_a = hn::Set(d, rate_a_s);
  const V rate_b = hn::Set(d, rate_b_s);
  const V rate_c = hn::Set(d, rate_c_s);
  const V threshold_a = hn::Set(d, rate_a_s * a.l1);
  const V threshold_b = hn::Set(d, rate_b_s * b.l1);
  const V threshold_c = hn::Set(d, rate_c_s * c.l1);
  const V l2_a = hn::Set(d, a.l2);
  const V l2_b = hn::Set(d, b.l2);
  const V l2_c = hn::Set(d, c.l2);
  const V sv = hn::Set(d, s);
  const V neg_sv = hn::Set(d, -s);
  V sum_a = hn::Zero(d);
  V sum_b = hn::Zero(d);
  V sum_c = hn::Zero(d);
  for (size_t v = 0; v < nvec; ++v) {
    const bool last = v + 1 == nvec;
    const V s_v = last ? hn::IfThenElseZero(c_.tail, sv) : sv;
    const V neg_s_v = last ? hn::IfThenElseZero(c_.tail, neg_sv) : neg_sv;
    const V av = hn::Load(d, a.x + v * n);
    const V bv = hn::Load(d, b.x + v * n);
    const V cv = hn::Load(d, c.x + v * n);
    const V grad_a = hn::MulSub(s_v, hn::Sub(bv, cv), hn::Mul(l2_a, av));
    const V grad_b = hn::MulSub(s_v, av, hn::Mul(l2_b, bv));
    const V grad_c = hn::MulSub(neg_s_v, av, hn::Mul(l2_c, cv));
    hn::Store(
        KeepInside(c_, last,
                   Proximal(d, hn::MulAdd(rate_a, grad_a, av), threshold_a, a.l1 > 0.0f, o.nonneg)),
        d, a.x + v * n);
    hn::Store(
        KeepInside(c_, last,
                   Proximal(d, hn::MulAdd(rate_b, grad_b, bv), threshold_b, b.l1 > 0.0f, o.nonneg)),
        d, b.x + v * n);
    hn::Store(
        KeepInside(c_, last,
                   Proximal(d, hn::MulAdd(rate_c, grad_c, cv), threshold_c, c.l1 > 0.0f, o.nonneg)),
        d, c.x + v * n);
    sum_a = hn::MulAdd(grad_a, grad_a, sum_a);
    sum_b = hn::MulAdd(grad_b, grad_b, sum_b);
    sum_c = hn::MulAdd(grad_c, grad_c, sum_c);
  }
  if (a.g != nullptr) {
    const float k = static_cast<float>(args.k);
    *a.g += ReduceSum(d, sum_a) / k;
    *b.g += ReduceSum(d, sum_b) / k;
    *c.g += ReduceSum(d, sum_c) / k;
  }
}

inline PairRow PRow(const SgdArgs& a, uint32_t u) {
  return {a.p + static_cast<size_t>(u) * a.stride,
          a.p_adagrad != nullptr ? a.p_adagrad + u : nullptr, a.l2_p, a.l1_p};
}
inline PairRow QRow(const SgdArgs& a, uint32_t i) {
  return {a.q + static_cast<size_t>(i) * a.stride,
          a.q_adagrad != nullptr ? a.q_adagrad + i : nullptr, a.l2_q, a.l1_q};
}

// bpr-row and bpr-column.
template <class D>
HWY_NOINLINE void PairLoop(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                           size_t count, size_t distance) {
  const D d;
  const size_t nvec = VecsFor(d, args.k);
  const StepConsts<D> c = MakeConsts(d, args, nvec);
  const Options o{args.l1_p, args.l1_q, args.nonneg};
  const bool column = ShapeOf(args.loss) == LossShape::kPairwiseColumn;
  const Rating& first = ratings[order != nullptr ? order[0] : 0];
  NegativeSampler sampler(args.seed, first.user, first.item, count);
  const size_t row_floats = nvec * hn::Lanes(d);
  const PrefetchRanges ranges = RangesFor(order, count, distance);
  for (size_t j = 0; j < count; ++j) {
    PrefetchAhead<true>(args, ratings, order, j, ranges.rows_end, ranges.records_end, distance,
                        row_floats);
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    if (!column) {
      if (args.num_items == 0) continue;
      const uint32_t neg = sampler.Below(args.num_items);
      if (neg == r.item) continue;
      PairStep(d, args, c, o, PRow(args, r.user), QRow(args, r.item), QRow(args, neg), nvec);
    } else {
      if (args.num_users == 0) continue;
      const uint32_t neg = sampler.Below(args.num_users);
      if (neg == r.user) continue;
      PairStep(d, args, c, o, QRow(args, r.item), PRow(args, r.user), PRow(args, neg), nvec);
    }
  }
}

void SgdChunkVariant(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                     size_t count, size_t prefetch_distance, bool specialise) {
  if (count == 0) return;
  if (args.k <= 0) return SgdChunkScalar(args, ratings, order, count);
  switch (ShapeOf(args.loss)) {
    case LossShape::kPointwise:
      if (args.loss == Loss::kSquared && !(args.l1_p > 0.0f) && !(args.l1_q > 0.0f) &&
          !args.nonneg) {
        const bool bias = args.user_bias != nullptr;
        const bool adagrad = args.p_adagrad != nullptr;
        if (!bias && !adagrad) {
          return SquaredChunk<false, false>(args, ratings, order, count, prefetch_distance,
                                            specialise);
        }
        if (bias && !adagrad) {
          return SquaredChunk<true, false>(args, ratings, order, count, prefetch_distance,
                                           specialise);
        }
        if (!bias) {
          return SquaredChunk<false, true>(args, ratings, order, count, prefetch_distance,
                                           specialise);
        }
        return SquaredChunk<true, true>(args, ratings, order, count, prefetch_distance, specialise);
      }
      return GeneralLoop<DFull>(args, ratings, order, count, prefetch_distance);
    case LossShape::kOneClass:
      return GeneralLoop<DFull>(args, ratings, order, count, prefetch_distance);
    case LossShape::kPairwiseRow:
    case LossShape::kPairwiseColumn:
      return PairLoop<DFull>(args, ratings, order, count, prefetch_distance);
  }
}

void SgdChunk(const SgdArgs& args, const Rating* ratings, const uint32_t* order, size_t count) {
  SgdChunkVariant(args, ratings, order, count, kHighwayPrefetchDistance, /*specialise=*/true);
}

float Dot(const float* a, const float* b, size_t stride, int k) {
  if (k <= 0) return 0.0f;
  const DFull d;
  return DotVecs(d, a, b, VecsFor(d, k));
}

// ---------------------------------------------------------------------------
// The fit pass.

// Pointwise losses, with vectors of tag D; kVecs = 0 means the vector count is
// nvec, known at run time.
template <class D, size_t kVecs>
HWY_NOINLINE LossSums PointwiseSumLoop(const SgdArgs& args, const Rating* ratings, size_t count,
                                       size_t nvec, size_t distance) {
  using V = hn::Vec<D>;
  const D d;
  const size_t row_floats = (kVecs != 0 ? kVecs : nvec) * hn::Lanes(d);
  const PrefetchRanges ranges = RangesFor(nullptr, count, distance);
  const bool biases = args.user_bias != nullptr;
  const Loss loss = args.loss;
  LossSums sums;
  for (size_t j = 0; j < count; ++j) {
    PrefetchAhead<true>(args, ratings, nullptr, j, ranges.rows_end, 0, distance, row_floats);
    const Rating& r = ratings[j];
    const float* p = args.p + static_cast<size_t>(r.user) * args.stride;
    const float* q = args.q + static_cast<size_t>(r.item) * args.stride;
    float y;
    if constexpr (kVecs == 0) {
      y = DotVecs(d, p, q, nvec);
    } else {
      V pv[kVecs];
      V qv[kVecs];
      LoadRows<kVecs>(d, p, q, pv, qv);
      y = DotRegs<kVecs>(d, pv, qv);
    }
    if (biases) y = WithBiases(args, r.user, r.item, y);
    const double error = static_cast<double>(r.value) - static_cast<double>(y);
    sums.squared_error += error * error;
    sums.absolute_error += std::fabs(error);
    sums.loss += loss == Loss::kSquared ? error * error : PointwiseLoss(loss, r.value, y);
  }
  return sums;
}

// Runs the pointwise fit loop with vectors of tag D: the fixed-count loop for
// rows of 1, 2, 4 or 8 such vectors (up to kMax) when `specialise`, else the
// runtime loop with the full-width tag.
template <class D, size_t kMax>
LossSums PointwiseSumWith(const SgdArgs& args, const Rating* ratings, size_t count, size_t distance,
                          bool specialise) {
  const size_t nvec = VecsFor(D(), args.k);
  if (specialise) {
    if constexpr (kMax >= 1) {
      if (nvec == 1) return PointwiseSumLoop<D, 1>(args, ratings, count, nvec, distance);
    }
    if constexpr (kMax >= 2) {
      if (nvec == 2) return PointwiseSumLoop<D, 2>(args, ratings, count, nvec, distance);
    }
    if constexpr (kMax >= 4) {
      if (nvec == 4) return PointwiseSumLoop<D, 4>(args, ratings, count, nvec, distance);
    }
    if constexpr (kMax >= 8) {
      if (nvec == 8) return PointwiseSumLoop<D, 8>(args, ratings, count, nvec, distance);
    }
  }
  return PointwiseSumLoop<DFull, 0>(args, ratings, count, VecsFor(DFull(), args.k), distance);
}

// One-class and pairwise losses (runtime vector count).
template <class D>
HWY_NOINLINE LossSums SampledSumLoop(const SgdArgs& args, const Rating* ratings, size_t count) {
  const D d;
  const size_t nvec = VecsFor(d, args.k);
  const size_t stride = args.stride;
  LossSums sums;
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[j];
    switch (ShapeOf(args.loss)) {
      case LossShape::kOneClass: {
        const float y = Predict(d, args, r.user, r.item, nvec);
        const double error = 1.0 - static_cast<double>(y);
        sums.squared_error += error * error;
        sums.absolute_error += std::fabs(error);
        sums.loss += PointwiseLoss(Loss::kSquared, 1.0f, y);
        for (int t = 0; t < args.negatives; ++t) {
          const uint32_t neg = DeterministicNegative(args.seed, r.user, r.item, t, args.num_items);
          if (args.num_items == 0 || neg == r.item) continue;
          sums.loss += static_cast<double>(args.negative_weight) *
                       PointwiseLoss(Loss::kSquared, 0.0f, Predict(d, args, r.user, neg, nvec));
        }
        break;
      }
      case LossShape::kPairwiseRow: {
        const uint32_t neg = DeterministicNegative(args.seed, r.user, r.item, 0, args.num_items);
        if (args.num_items == 0 || neg == r.item) break;
        sums.loss += BprLoss(PairMargin(d, args.p + static_cast<size_t>(r.user) * stride,
                                        args.q + static_cast<size_t>(r.item) * stride,
                                        args.q + static_cast<size_t>(neg) * stride, nvec));
        break;
      }
      case LossShape::kPairwiseColumn: {
        const uint32_t neg = DeterministicNegative(args.seed, r.user, r.item, 0, args.num_users);
        if (args.num_users == 0 || neg == r.user) break;
        sums.loss += BprLoss(PairMargin(d, args.q + static_cast<size_t>(r.item) * stride,
                                        args.p + static_cast<size_t>(r.user) * stride,
                                        args.p + static_cast<size_t>(neg) * stride, nvec));
        break;
      }
      case LossShape::kPointwise:
        break;
    }
  }
  return sums;
}

LossSums LossSumVariant(const SgdArgs& args, const Rating* ratings, size_t count,
                        size_t prefetch_distance, bool specialise) {
  if (args.k <= 0) return LossSumScalar(args, ratings, count);
  if (count == 0) return LossSums{};
  if (ShapeOf(args.loss) != LossShape::kPointwise) {
    return SampledSumLoop<DFull>(args, ratings, count);
  }
  if constexpr (kMaxFixedVecs >= 1) {
    if (specialise && args.k <= 4) {
      return PointwiseSumWith<D4, kMaxFixedVecs4>(args, ratings, count, prefetch_distance, true);
    }
    if (specialise && args.k <= 8) {
      return PointwiseSumWith<D8, kMaxFixedVecs8>(args, ratings, count, prefetch_distance, true);
    }
  }
  return PointwiseSumWith<DFull, kMaxFixedVecs>(args, ratings, count, prefetch_distance,
                                                specialise);
}

LossSums LossSum(const SgdArgs& args, const Rating* ratings, size_t count) {
  return LossSumVariant(args, ratings, count, kHighwayLossPrefetchDistance, /*specialise=*/true);
}

}  // namespace HWY_NAMESPACE
}  // namespace hogmf::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hogmf::kernels {

HWY_EXPORT(SgdChunk);
HWY_EXPORT(SgdChunkVariant);
HWY_EXPORT(Dot);
HWY_EXPORT(LossSum);
HWY_EXPORT(LossSumVariant);

namespace {

// The position of `target`'s entry in this file's HWY_EXPORT tables, computed
// the way HWY_DYNAMIC_DISPATCH computes it, but on a private ChosenTarget set
// to that one target, so Highway's global dispatch state is left alone.
// `target` must be one of HWY_TARGETS.
size_t ExportIndex(int64_t target) {
  constexpr size_t kTableSize = std::size(HWY_DISPATCH_TABLE(SgdChunk));
  if constexpr (kTableSize == 1) {
    return 0;  // a single compiled target: the table holds only it
  } else {
    hwy::ChosenTarget chosen;
    chosen.Update(target);
    return chosen.GetIndex();
  }
}

}  // namespace

std::vector<HighwayKernel> CompiledHighwayKernels() {
  std::vector<HighwayKernel> kernels;
  // Lower bits are better targets, so walking up from the lowest set bit
  // lists the best first.
  for (int64_t targets = HWY_TARGETS; targets != 0; targets &= targets - 1) {
    const int64_t target = targets & -targets;
    const size_t index = ExportIndex(target);
    HighwayKernel kernel{target,
                         HWY_DISPATCH_TABLE(SgdChunk)[index],
                         HWY_DISPATCH_TABLE(Dot)[index],
                         HWY_DISPATCH_TABLE(SgdChunkVariant)[index],
                         HWY_DISPATCH_TABLE(LossSum)[index],
                         HWY_DISPATCH_TABLE(LossSumVariant)[index]};
    if (kernel.sgd_chunk != nullptr && kernel.dot != nullptr &&
        kernel.sgd_chunk_variant != nullptr && kernel.loss_sum != nullptr &&
        kernel.loss_sum_variant != nullptr) {
      kernels.push_back(kernel);
    }
  }
  return kernels;
}

}  // namespace hogmf::kernels
#endif  // HWY_ONCE
