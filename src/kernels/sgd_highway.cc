// The SGD chunk loop, the padded-row dot product and the squared-error pass
// over a chunk, written once with Google Highway and compiled for every target
// this build enables (foreach_target re-includes this file once per target,
// each copy in its own N_<TARGET> namespace). Same update as SgdChunkScalar,
// from the row values before the step, and the same sum as
// SquaredErrorScalar; only the dot product's summation order differs
// (lane-wise partial sums, then a horizontal sum).
//
// Loops run over whole vectors of the padded row, ceil(k / lanes) of them,
// never over the vectors that are padding only. In the last vector the lanes
// past k see an error of exactly 0 (the broadcast error is masked there), so
// with finite lr and l2 the padding stays +0 after every step, whatever the
// error: p_pad <- 0 + lr (0 * 0 - l2 * 0) = 0.
//
// Per rating the loop prefetches the P and Q rows of the rating
// `prefetch_distance` positions ahead (kHighwayPrefetchDistance for the
// engine's entry point), and with an order array the rating record twice as
// far ahead (a random order makes that load a miss as well).
//
// Rows of 1, 2, 4 or 8 vectors (k up to 16, 32, 64, 128 with 16 lanes; up to
// 4 vectors on targets with 16 vector registers) get a loop with the vector
// count fixed at compile time, which keeps both rows in registers between the
// dot product and the update; rows of k <= 4 or k <= 8 use vectors of that
// many lanes. Other k take the loop with a runtime vector count.
//
// The squared-error pass reads ratings in sequence and prefetches the rows
// `prefetch_distance` ratings ahead (kHighwayErrorPrefetchDistance for the
// engine's entry point). Its fixed-count loops compute the dot product
// exactly as the step's do (the same partial sums in the same order).
//
// Kernels are re-entrant: they write nothing but the P and Q rows they update.

#include "kernels/sgd_highway.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

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

// The step's constants, broadcast once per chunk.
template <class D>
struct StepConsts {
  hn::Vec<D> lr;
  hn::Vec<D> l2;
  hn::Mask<D> tail;  // lanes of the last vector that lie inside k
};

template <class D>
size_t VecsFor(D d, int k) {
  return (static_cast<size_t>(k) + hn::Lanes(d) - 1) / hn::Lanes(d);
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
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

// p <- p + lr (e2 q - l2 p) and q <- q + lr (e2 p - l2 q) for one vector of
// each row, from the values pv and qv read before the step.
template <class D, class V = hn::Vec<D>>
HWY_INLINE void UpdateVec(D d, float* p, float* q, V pv, V qv, V e2, const StepConsts<D>& c) {
  hn::Store(hn::MulAdd(c.lr, hn::MulSub(e2, qv, hn::Mul(c.l2, pv)), pv), d, p);
  hn::Store(hn::MulAdd(c.lr, hn::MulSub(e2, pv, hn::Mul(c.l2, qv)), qv), d, q);
}

// One step on rows of a vector count known only at run time: the dot product
// reads both rows, the update reads them again (from L1).
template <class D>
HWY_INLINE void StepRuntime(D d, float* p, float* q, float value, size_t nvec,
                            const StepConsts<D>& c) {
  const size_t n = hn::Lanes(d);
  const float dot = DotVecs(d, p, q, nvec);
  const auto e2 = hn::Set(d, 2.0f * (value - dot));
  for (size_t v = 0; v + 1 < nvec; ++v) {
    UpdateVec(d, p + v * n, q + v * n, hn::Load(d, p + v * n), hn::Load(d, q + v * n), e2, c);
  }
  const size_t last = (nvec - 1) * n;
  UpdateVec(d, p + last, q + last, hn::Load(d, p + last), hn::Load(d, q + last),
            hn::IfThenElseZero(c.tail, e2), c);
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
  return hn::GetLane(hn::SumOfLanes(d, acc[0]));
}

// One step on rows of kVecs vectors: both rows stay in registers from the
// loads to the stores.
template <size_t kVecs, class D>
HWY_INLINE void StepFixed(D d, float* p, float* q, float value, const StepConsts<D>& c) {
  using V = hn::Vec<D>;
  const size_t n = hn::Lanes(d);
  V pv[kVecs];
  V qv[kVecs];
  LoadRows<kVecs>(d, p, q, pv, qv);
  const float dot = DotRegs<kVecs>(d, pv, qv);
  const V e2 = hn::Set(d, 2.0f * (value - dot));
  for (size_t v = 0; v + 1 < kVecs; ++v) UpdateVec(d, p + v * n, q + v * n, pv[v], qv[v], e2, c);
  UpdateVec(d, p + (kVecs - 1) * n, q + (kVecs - 1) * n, pv[kVecs - 1], qv[kVecs - 1],
            hn::IfThenElseZero(c.tail, e2), c);
}

// Starts loading the first `floats` floats of a 64-byte aligned row.
HWY_INLINE void PrefetchRow(const float* row, size_t floats) {
  for (size_t off = 0; off < floats; off += 16) hwy::Prefetch(row + off);
}

// The chunk loop with vectors of tag D; kVecs = 0 means the vector count is
// nvec, known at run time.
template <class D, size_t kVecs>
HWY_NOINLINE void ChunkLoop(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                            size_t count, size_t nvec, size_t distance) {
  const D d;
  const size_t n = hn::Lanes(d);
  const StepConsts<D> c{hn::Set(d, args.learning_rate), hn::Set(d, args.l2),
                        hn::FirstN(d, static_cast<size_t>(args.k) - (nvec - 1) * n)};
  const size_t row_floats = (kVecs != 0 ? kVecs : nvec) * n;
  float* const p_base = args.p;
  float* const q_base = args.q;
  const size_t stride = args.stride;
  // The loop ranges where prefetches stay inside the chunk.
  const size_t rows_end = distance != 0 && count > distance ? count - distance : 0;
  const size_t records_end =
      order != nullptr && distance != 0 && count > 2 * distance ? count - 2 * distance : 0;
  for (size_t j = 0; j < count; ++j) {
    if (j < rows_end) {
      if (j < records_end) hwy::Prefetch(ratings + order[j + 2 * distance]);
      const Rating& ahead = ratings[order != nullptr ? order[j + distance] : j + distance];
      PrefetchRow(p_base + static_cast<size_t>(ahead.user) * stride, row_floats);
      PrefetchRow(q_base + static_cast<size_t>(ahead.item) * stride, row_floats);
    }
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    float* p = p_base + static_cast<size_t>(r.user) * stride;
    float* q = q_base + static_cast<size_t>(r.item) * stride;
    if constexpr (kVecs == 0) {
      StepRuntime(d, p, q, r.value, nvec, c);
    } else {
      StepFixed<kVecs>(d, p, q, r.value, c);
    }
  }
}

// Runs the chunk with vectors of tag D: the fixed-count loop when the row is
// 1, 2, 4 or 8 such vectors (up to kMaxFixedVecs) and `specialise`, else the
// runtime loop.
template <class D>
void ChunkWith(D d, const SgdArgs& args, const Rating* ratings, const uint32_t* order, size_t count,
               size_t distance, bool specialise) {
  const size_t nvec = VecsFor(d, args.k);
  if (specialise) {
    if constexpr (kMaxFixedVecs >= 1) {
      if (nvec == 1) return ChunkLoop<D, 1>(args, ratings, order, count, nvec, distance);
    }
    if constexpr (kMaxFixedVecs >= 2) {
      if (nvec == 2) return ChunkLoop<D, 2>(args, ratings, order, count, nvec, distance);
    }
    if constexpr (kMaxFixedVecs >= 4) {
      if (nvec == 4) return ChunkLoop<D, 4>(args, ratings, order, count, nvec, distance);
    }
    if constexpr (kMaxFixedVecs >= 8) {
      if (nvec == 8) return ChunkLoop<D, 8>(args, ratings, order, count, nvec, distance);
    }
  }
  ChunkLoop<D, 0>(args, ratings, order, count, nvec, distance);
}

void SgdChunkVariant(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                     size_t count, size_t prefetch_distance, bool specialise) {
  if (args.k <= 0 || count == 0) return;
  if constexpr (kMaxFixedVecs >= 1) {
    if (specialise && args.k <= 4) {
      return ChunkWith(hn::CappedTag<float, 4>(), args, ratings, order, count, prefetch_distance,
                       true);
    }
    if (specialise && args.k <= 8) {
      return ChunkWith(hn::CappedTag<float, 8>(), args, ratings, order, count, prefetch_distance,
                       true);
    }
  }
  ChunkWith(DFull(), args, ratings, order, count, prefetch_distance, specialise);
}

void SgdChunk(const SgdArgs& args, const Rating* ratings, const uint32_t* order, size_t count) {
  SgdChunkVariant(args, ratings, order, count, kHighwayPrefetchDistance, /*specialise=*/true);
}

float Dot(const float* a, const float* b, size_t stride, int k) {
  if (k <= 0) return 0.0f;
  const DFull d;
  return DotVecs(d, a, b, VecsFor(d, k));
}

// The squared-error loop with vectors of tag D; kVecs = 0 means the vector
// count is nvec, known at run time.
template <class D, size_t kVecs>
HWY_NOINLINE double ErrorLoop(const float* p_base, const float* q_base, size_t stride,
                              const Rating* ratings, size_t count, size_t nvec, size_t distance) {
  using V = hn::Vec<D>;
  const D d;
  const size_t row_floats = (kVecs != 0 ? kVecs : nvec) * hn::Lanes(d);
  // The loop range where prefetches stay inside the chunk.
  const size_t rows_end = distance != 0 && count > distance ? count - distance : 0;
  double sum = 0.0;
  for (size_t j = 0; j < count; ++j) {
    if (j < rows_end) {
      const Rating& ahead = ratings[j + distance];
      PrefetchRow(p_base + static_cast<size_t>(ahead.user) * stride, row_floats);
      PrefetchRow(q_base + static_cast<size_t>(ahead.item) * stride, row_floats);
    }
    const Rating& r = ratings[j];
    const float* p = p_base + static_cast<size_t>(r.user) * stride;
    const float* q = q_base + static_cast<size_t>(r.item) * stride;
    float dot;
    if constexpr (kVecs == 0) {
      dot = DotVecs(d, p, q, nvec);
    } else {
      V pv[kVecs];
      V qv[kVecs];
      LoadRows<kVecs>(d, p, q, pv, qv);
      dot = DotRegs<kVecs>(d, pv, qv);
    }
    const double error = static_cast<double>(r.value) - static_cast<double>(dot);
    sum += error * error;
  }
  return sum;
}

// Runs the squared-error loop with vectors of tag D: the fixed-count loop
// for rows of 1, 2, 4 or 8 such vectors (up to kMaxFixedVecs) when
// `specialise`, else the runtime loop.
template <class D>
double SquaredErrorWith(D d, const float* p, const float* q, size_t stride, int k,
                        const Rating* ratings, size_t count, size_t distance, bool specialise) {
  const size_t nvec = VecsFor(d, k);
  if (specialise) {
    if constexpr (kMaxFixedVecs >= 1) {
      if (nvec == 1) return ErrorLoop<D, 1>(p, q, stride, ratings, count, nvec, distance);
    }
    if constexpr (kMaxFixedVecs >= 2) {
      if (nvec == 2) return ErrorLoop<D, 2>(p, q, stride, ratings, count, nvec, distance);
    }
    if constexpr (kMaxFixedVecs >= 4) {
      if (nvec == 4) return ErrorLoop<D, 4>(p, q, stride, ratings, count, nvec, distance);
    }
    if constexpr (kMaxFixedVecs >= 8) {
      if (nvec == 8) return ErrorLoop<D, 8>(p, q, stride, ratings, count, nvec, distance);
    }
  }
  return ErrorLoop<D, 0>(p, q, stride, ratings, count, nvec, distance);
}

double SquaredErrorVariant(const float* p, const float* q, size_t stride, int k,
                           const Rating* ratings, size_t count, size_t prefetch_distance,
                           bool specialise) {
  if (k <= 0) {  // every prediction is 0
    double sum = 0.0;
    for (size_t j = 0; j < count; ++j) {
      const double error = ratings[j].value;
      sum += error * error;
    }
    return sum;
  }
  if (count == 0) return 0.0;
  if constexpr (kMaxFixedVecs >= 1) {
    if (specialise && k <= 4) {
      return SquaredErrorWith(hn::CappedTag<float, 4>(), p, q, stride, k, ratings, count,
                              prefetch_distance, true);
    }
    if (specialise && k <= 8) {
      return SquaredErrorWith(hn::CappedTag<float, 8>(), p, q, stride, k, ratings, count,
                              prefetch_distance, true);
    }
  }
  return SquaredErrorWith(DFull(), p, q, stride, k, ratings, count, prefetch_distance, specialise);
}

double SquaredError(const float* p, const float* q, size_t stride, int k, const Rating* ratings,
                    size_t count) {
  return SquaredErrorVariant(p, q, stride, k, ratings, count, kHighwayErrorPrefetchDistance,
                             /*specialise=*/true);
}

}  // namespace HWY_NAMESPACE
}  // namespace hogmf::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hogmf::kernels {

HWY_EXPORT(SgdChunk);
HWY_EXPORT(SgdChunkVariant);
HWY_EXPORT(Dot);
HWY_EXPORT(SquaredError);
HWY_EXPORT(SquaredErrorVariant);

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
                         HWY_DISPATCH_TABLE(SquaredError)[index],
                         HWY_DISPATCH_TABLE(SquaredErrorVariant)[index]};
    if (kernel.sgd_chunk != nullptr && kernel.dot != nullptr &&
        kernel.sgd_chunk_variant != nullptr && kernel.squared_error != nullptr &&
        kernel.squared_error_variant != nullptr) {
      kernels.push_back(kernel);
    }
  }
  return kernels;
}

}  // namespace hogmf::kernels
#endif  // HWY_ONCE
