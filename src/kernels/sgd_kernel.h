// The SGD kernel interface: the one place where the seed's update is applied.
//
// For each rating (u, i, r) of a chunk, with e = r - p_u.q_i:
//   p_u <- p_u + lr (2 e q_i - l2 p_u),   q_i <- q_i + lr (2 e p_u - l2 q_i),
// both rows updated from their values before the step.
//
// Hogwild race policy (the only unsynchronized shared data in hogmf): several
// workers may run kernels at once on chunks that share P and Q rows. Rows are
// read and written with plain, non-atomic float loads and stores; a lost or
// mixed update costs a little accuracy, never memory safety, because rows never
// move or change size while a kernel runs. Everything else shared between
// threads (stop flag, counters, monitor state) is atomic or guarded.
//
// Kernels are chosen once (by name or as the best the CPU runs) and called per
// chunk of ratings, never per rating; the loop over the chunk, including
// prefetch of upcoming rows, lives inside the kernel. The same holds for the
// read-only pass that measures the fit (SquaredErrorFn).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/ratings.h"

namespace hogmf::kernels {

// Where the factors live and the step's constants. Rows are 64-byte aligned
// and padded with zeros to `stride` floats (a multiple of 16), stride >= k.
struct SgdArgs {
  float* p = nullptr;
  float* q = nullptr;
  size_t stride = 0;
  int k = 0;
  float learning_rate = 0;
  float l2 = 0;
};

// Applies the step to ratings[order[j]] for j in [0, count), in that order;
// with order == nullptr, to ratings[0 .. count).
using SgdChunkFn = void (*)(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                            size_t count);
// Dot product of two padded rows (k floats; the padding is zero).
using DotFn = float (*)(const float* a, const float* b, size_t stride, int k);
// Sum over ratings[0 .. count) of (r - p_u.q_i)^2, where p_u is the row at
// p + u * stride and q_i the row at q + i * stride (padded as in SgdArgs).
// Each dot product is summed in float, the errors and their squares across
// ratings in double. Reads the rows and writes nothing.
using SquaredErrorFn = double (*)(const float* p, const float* q, size_t stride, int k,
                                  const Rating* ratings, size_t count);

struct Kernel {
  std::string name;  // "scalar", or the instruction set: "avx512", "avx2", "sse4", "neon", ...
  SgdChunkFn sgd_chunk = nullptr;
  DotFn dot = nullptr;
  SquaredErrorFn squared_error = nullptr;
};

// The scalar reference: the executable spec every other kernel is tested against.
void SgdChunkScalar(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                    size_t count);
float DotScalar(const float* a, const float* b, size_t stride, int k);
double SquaredErrorScalar(const float* p, const float* q, size_t stride, int k,
                          const Rating* ratings, size_t count);
Kernel ScalarKernel();

}  // namespace hogmf::kernels
