// SGD on factor rows stored in bfloat16 with fp32 arithmetic, for the bf16
// storage experiment (bf16_bench measures speed, bf16_accuracy convergence);
// not part of the library.
//
// A bf16 row holds k values, padded with zeros to a multiple of 32 (64 bytes),
// and starts on a 64-byte boundary: half the bytes of a FactorMatrix row. The
// step is the one of kernels/sgd_kernel.h: load both rows, widen to fp32, take
// the dot product and the update in fp32 (from the values before the step),
// narrow back and store, either rounding to nearest even (the hardware
// convert, vcvtne2ps2bf16) or stochastically (a per-lane xorshift32 value in
// [0, 2^16) added to the fp32 bit pattern before truncation, so a value is
// rounded up with probability equal to its distance from the lower bf16
// neighbour: unbiased in expectation). Stochastic rounding assumes finite
// values away from the top of the float range.
//
// The chunk loop has the shape of the project's Highway kernel: the rows of the
// rating `kPrefetchDistance` places ahead are prefetched, the rating record
// twice as far ahead when an order array is used, and rows of up to 8 fp32
// vectors (k <= 128; an even count for bf16 rows) stay in registers from load
// to store. The same loop
// over fp32 rows (Format::kFp32) is the control that separates the effect of
// the row size from that of the code.
//
// The kernels are compiled for AVX-512 BF16 through function attributes, so
// this header needs no -march flag; call them only when CpuHasBf16().
#pragma once

#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "hogmf/factor_matrix.h"
#include "hogmf/ratings.h"
#include "util/check.h"
#include "util/random.h"

#define HOGMF_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

namespace hogmf::bf16 {

inline constexpr size_t kPrefetchDistance = 8;  // as kHighwayPrefetchDistance
inline constexpr int kMaxK = 128;

// True when this CPU runs the kernels below.
inline bool CpuHasBf16() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

// Scalar conversions (outside the hot loop): round to nearest even, and exact widening.
inline uint16_t FloatToBf16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // NaN
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}
inline float Bf16ToFloat(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

// Rows of k bf16 values, padded with zeros to a multiple of 32 and 64-byte
// aligned; matrices of 2 MiB or more ask for transparent huge pages, as
// FactorMatrix does.
class Bf16Matrix {
 public:
  static constexpr size_t kPad = 32;

  Bf16Matrix(uint32_t rows, int k)
      : rows_(rows), k_(k), stride_((static_cast<size_t>(k) + kPad - 1) / kPad * kPad) {
    HOGMF_CHECK(k >= 1);
    constexpr size_t kHuge = size_t{2} << 20;
    size_t bytes = std::max<size_t>(rows_ * stride_ * sizeof(uint16_t), 64);
    const bool huge = bytes >= kHuge;
    if (huge) bytes = (bytes + kHuge - 1) / kHuge * kHuge;
    void* memory = std::aligned_alloc(huge ? kHuge : 64, bytes);
    if (memory == nullptr) throw std::bad_alloc();
    if (huge) ::madvise(memory, bytes, MADV_HUGEPAGE);
    std::memset(memory, 0, bytes);
    data_.reset(static_cast<uint16_t*>(memory));
  }
  // The rows of `m` rounded to nearest even.
  explicit Bf16Matrix(const FactorMatrix& m) : Bf16Matrix(m.rows(), m.k()) {
    for (uint32_t r = 0; r < rows_; ++r) {
      for (int d = 0; d < k_; ++d) row(r)[d] = FloatToBf16(m.row(r)[d]);
    }
  }

  uint32_t rows() const { return rows_; }
  int k() const { return k_; }
  size_t stride() const { return stride_; }  // bf16 values from one row to the next
  uint16_t* data() { return data_.get(); }
  uint16_t* row(uint32_t r) { return data_.get() + static_cast<size_t>(r) * stride_; }
  const uint16_t* row(uint32_t r) const { return data_.get() + static_cast<size_t>(r) * stride_; }

 private:
  struct FreeDeleter {
    void operator()(uint16_t* p) const { std::free(p); }
  };
  uint32_t rows_;
  int k_;
  size_t stride_;
  std::unique_ptr<uint16_t[], FreeDeleter> data_;
};

enum class Format { kFp32, kBf16Nearest, kBf16Stochastic };

// Per-lane xorshift32 states of stochastic rounding: one stream for P rows,
// one for Q rows. Kept in registers during a chunk. Not shared between threads.
struct RoundingState {
  explicit RoundingState(uint64_t seed) {
    uint64_t s = seed;
    for (auto& stream : lanes) {
      for (uint32_t& lane : stream) {
        do lane = static_cast<uint32_t>(hogmf::internal::SplitMix64(s));
        while (lane == 0);
      }
    }
  }
  alignas(64) uint32_t lanes[2][16];
};

// Where the rows live: `T` is float (Format::kFp32) or uint16_t (bf16);
// stride in elements (a multiple of 16 floats or 32 bf16 values).
template <typename T>
struct RowArgs {
  T* p = nullptr;
  T* q = nullptr;
  size_t stride = 0;
  int k = 0;
  float learning_rate = 0;
  float l2 = 0;
};

namespace internal {

// GCC 12 reports the self-initialized _mm512_undefined_* values inside its own
// intrinsics as maybe uninitialized when they are inlined into target-attributed
// functions; the warning is about the compiler's headers, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// A block of 32 bf16 values widens into two fp32 vectors without shuffles:
// the even-numbered values (each the low half of a 32-bit lane, shifted up)
// and the odd-numbered ones (the high half, masked). The step is lane-wise
// apart from the dot product, so the order of values inside the vectors does
// not matter as long as P and Q rows use the same one; narrowing restores it.
HOGMF_BF16_TARGET inline __m512 WidenEven(__m512i x) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
}
HOGMF_BF16_TARGET inline __m512 WidenOdd(__m512i x) {
  return _mm512_castsi512_ps(_mm512_and_si512(x, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
}

// One xorshift32 step in every lane.
HOGMF_BF16_TARGET inline __m512i XorShift(__m512i x) {
  x = _mm512_xor_si512(x, _mm512_slli_epi32(x, 13));
  x = _mm512_xor_si512(x, _mm512_srli_epi32(x, 17));
  return _mm512_xor_si512(x, _mm512_slli_epi32(x, 5));
}

// Narrows the even- and odd-numbered values of a block back into 32 bf16 values.
template <Format F>
HOGMF_BF16_TARGET inline __m512i Narrow(__m512 even, __m512 odd, __m512i& state) {
  if constexpr (F == Format::kBf16Nearest) {
    // The convert packs even values into elements 0..15 and odd ones into 16..31.
    const __m512i packed = (__m512i)_mm512_cvtne2ps_pbh(odd, even);  // a vector cast: same bits
    const __m512i interleave =
        _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                         21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(interleave, packed);
  } else {
    state = XorShift(state);
    const __m512i even_bits = _mm512_add_epi32(_mm512_castps_si512(even),
                                               _mm512_and_si512(state, _mm512_set1_epi32(0xFFFF)));
    const __m512i odd_bits =
        _mm512_add_epi32(_mm512_castps_si512(odd), _mm512_srli_epi32(state, 16));
    // Truncation: the high half of every lane; even values move down into the low half.
    return _mm512_mask_blend_epi16(0x55555555u, odd_bits, _mm512_srli_epi32(even_bits, 16));
  }
}

template <Format F, int kVecs>
HOGMF_BF16_TARGET inline void LoadRow(const void* row, __m512 (&v)[kVecs]) {
  if constexpr (F == Format::kFp32) {
    const auto* f = static_cast<const float*>(row);
    for (int i = 0; i < kVecs; ++i) v[i] = _mm512_load_ps(f + 16 * i);
  } else {
    const auto* h = static_cast<const uint16_t*>(row);
    for (int i = 0; i < kVecs / 2; ++i) {
      const __m512i x = _mm512_load_si512(h + 32 * i);
      v[2 * i] = WidenEven(x);
      v[2 * i + 1] = WidenOdd(x);
    }
  }
}

template <Format F, int kVecs>
HOGMF_BF16_TARGET inline void StoreRow(void* row, const __m512 (&v)[kVecs], __m512i& state) {
  if constexpr (F == Format::kFp32) {
    auto* f = static_cast<float*>(row);
    for (int i = 0; i < kVecs; ++i) _mm512_store_ps(f + 16 * i, v[i]);
  } else {
    auto* h = static_cast<uint16_t*>(row);
    for (int i = 0; i < kVecs / 2; ++i) {
      _mm512_store_si512(h + 32 * i, Narrow<F>(v[2 * i], v[2 * i + 1], state));
    }
  }
}

template <Format F, int kVecs, typename T>
HOGMF_BF16_TARGET __attribute__((noinline)) void ChunkLoop(const RowArgs<T>& args,
                                                           const Rating* ratings,
                                                           const uint32_t* order, size_t count,
                                                           RoundingState* rounding) {
  constexpr size_t kRowLines = kVecs * 16 * sizeof(T) / 64;
  constexpr size_t kDist = kPrefetchDistance;
  const __m512 lr = _mm512_set1_ps(args.learning_rate);
  const __m512 l2 = _mm512_set1_ps(args.l2);
  __m512i state_p = _mm512_setzero_si512();
  __m512i state_q = _mm512_setzero_si512();
  if constexpr (F == Format::kBf16Stochastic) {
    state_p = _mm512_load_si512(rounding->lanes[0]);
    state_q = _mm512_load_si512(rounding->lanes[1]);
  }
  T* const p_base = args.p;
  T* const q_base = args.q;
  const size_t stride = args.stride;
  const size_t rows_end = count > kDist ? count - kDist : 0;
  const size_t records_end = order != nullptr && count > 2 * kDist ? count - 2 * kDist : 0;
  for (size_t j = 0; j < count; ++j) {
    if (j < rows_end) {
      if (j < records_end)
        _mm_prefetch(reinterpret_cast<const char*>(ratings + order[j + 2 * kDist]), _MM_HINT_T0);
      const Rating& ahead = ratings[order != nullptr ? order[j + kDist] : j + kDist];
      const char* pa =
          reinterpret_cast<const char*>(p_base + static_cast<size_t>(ahead.user) * stride);
      const char* qa =
          reinterpret_cast<const char*>(q_base + static_cast<size_t>(ahead.item) * stride);
      for (size_t line = 0; line < kRowLines; ++line) {
        _mm_prefetch(pa + 64 * line, _MM_HINT_T0);
        _mm_prefetch(qa + 64 * line, _MM_HINT_T0);
      }
    }
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    T* p = p_base + static_cast<size_t>(r.user) * stride;
    T* q = q_base + static_cast<size_t>(r.item) * stride;
    __m512 pv[kVecs];
    __m512 qv[kVecs];
    LoadRow<F, kVecs>(p, pv);
    LoadRow<F, kVecs>(q, qv);
    constexpr int kAcc = kVecs < 4 ? kVecs : 4;
    __m512 acc[kAcc];
    for (int v = 0; v < kAcc; ++v) acc[v] = _mm512_mul_ps(pv[v], qv[v]);
    for (int v = kAcc; v < kVecs; ++v) acc[v % kAcc] = _mm512_fmadd_ps(pv[v], qv[v], acc[v % kAcc]);
    for (int step = 1; step < kAcc; step *= 2) {
      for (int v = 0; v + step < kAcc; v += 2 * step) acc[v] = _mm512_add_ps(acc[v], acc[v + step]);
    }
    const __m512 e2 = _mm512_set1_ps(2.0f * (r.value - _mm512_reduce_add_ps(acc[0])));
    __m512 np[kVecs];
    __m512 nq[kVecs];
    for (int v = 0; v < kVecs; ++v) {
      np[v] = _mm512_fmadd_ps(lr, _mm512_fmsub_ps(e2, qv[v], _mm512_mul_ps(l2, pv[v])), pv[v]);
      nq[v] = _mm512_fmadd_ps(lr, _mm512_fmsub_ps(e2, pv[v], _mm512_mul_ps(l2, qv[v])), qv[v]);
    }
    StoreRow<F, kVecs>(p, np, state_p);
    StoreRow<F, kVecs>(q, nq, state_q);
  }
  if constexpr (F == Format::kBf16Stochastic) {
    _mm512_store_si512(rounding->lanes[0], state_p);
    _mm512_store_si512(rounding->lanes[1], state_q);
  }
}

#pragma GCC diagnostic pop

}  // namespace internal

// Applies the step to ratings[order[j]] for j in [0, count) (ratings[0 ..
// count) when order is null), like kernels::SgdChunkFn. Rows are padded with
// zeros, which the step keeps at zero. k <= kMaxK. `rounding` is used (and
// advanced) by Format::kBf16Stochastic only.
template <Format F, typename T>
void SgdChunk(const RowArgs<T>& args, const Rating* ratings, const uint32_t* order, size_t count,
              RoundingState* rounding) {
  static_assert((F == Format::kFp32) == (sizeof(T) == 4));
  HOGMF_CHECK(args.k >= 1 && args.k <= kMaxK);
  HOGMF_CHECK(F != Format::kBf16Stochastic || rounding != nullptr);
  constexpr size_t kPerVec = 16;  // fp32 lanes
  constexpr size_t kRowAlign = 64 / sizeof(T);
  const size_t vecs =
      (static_cast<size_t>(args.k) + kRowAlign - 1) / kRowAlign * kRowAlign / kPerVec;
  switch (vecs) {
    case 1:
      if constexpr (F == Format::kFp32)
        return internal::ChunkLoop<F, 1>(args, ratings, order, count, rounding);
      break;
    case 2:
      return internal::ChunkLoop<F, 2>(args, ratings, order, count, rounding);
    case 3:
      if constexpr (F == Format::kFp32)
        return internal::ChunkLoop<F, 3>(args, ratings, order, count, rounding);
      break;
    case 4:
      return internal::ChunkLoop<F, 4>(args, ratings, order, count, rounding);
    case 5:
      if constexpr (F == Format::kFp32)
        return internal::ChunkLoop<F, 5>(args, ratings, order, count, rounding);
      break;
    case 6:
      return internal::ChunkLoop<F, 6>(args, ratings, order, count, rounding);
    case 7:
      if constexpr (F == Format::kFp32)
        return internal::ChunkLoop<F, 7>(args, ratings, order, count, rounding);
      break;
    case 8:
      return internal::ChunkLoop<F, 8>(args, ratings, order, count, rounding);
  }
  HOGMF_CHECK(false);
}

// p.q of two rows of k values (fp32 arithmetic), outside the hot loop.
inline float DotRows(const uint16_t* a, const uint16_t* b, int k) {
  float sum = 0;
  for (int d = 0; d < k; ++d) sum += Bf16ToFloat(a[d]) * Bf16ToFloat(b[d]);
  return sum;
}

}  // namespace hogmf::bf16
