// The SGD kernel interface: the one place where the training step is applied.
//
// For each rating (u, i, r) of a chunk a kernel computes the prediction
// y = (mean + b_u + b_i) + p_u.q_i (y = p_u.q_i without biases), the loss's
// g = -dL/dy (src/kernels/losses.h), and steps both rows from their values
// before the step:
//   p_u <- p_u + rate_p (g q_i - l2_p p_u),   q_i <- q_i + rate_q (g p_u - l2_q q_i),
// then the L1 soft threshold and the non-negativity clamp when asked. With the
// squared loss (g = 2 (r - y)), no biases, a constant rate and no L1 this is
// the seed's update. Pairwise (BPR) and one-class losses sample negatives
// (SgdArgs; the full math: sgd_scalar.cc, the executable spec).
//
// Hogwild race policy (the only unsynchronized shared data in hogmf): several
// workers may run kernels at once on chunks that share P and Q rows (and their
// biases and AdaGrad sums). These are read and written with plain, non-atomic
// float loads and stores; a lost or mixed update costs a little accuracy,
// never memory safety, because nothing moves or changes size while a kernel
// runs. Everything else shared between threads (stop flag, counters, monitor
// state) is atomic or guarded.
//
// Kernels are chosen once (by name or as the best the CPU runs) and called per
// chunk of ratings, never per rating; the loop over the chunk, including
// prefetch of upcoming rows, lives inside the kernel. The same holds for the
// read-only pass that measures the fit (LossSumFn).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/loss.h"
#include "hogmf/ratings.h"

namespace hogmf::kernels {

// Where the factors live and the step's constants. Rows are 64-byte aligned
// and padded with zeros to `stride` floats (a multiple of 16), stride >= k;
// the padding stays zero under every mode.
struct SgdArgs {
  float* p = nullptr;  // P: row u at p + u * stride
  float* q = nullptr;  // Q: row i at q + i * stride
  size_t stride = 0;
  int k = 0;
  float learning_rate = 0;
  float l2_p = 0;       // L2 weight of P rows
  float l2_q = 0;       // L2 weight of Q rows
  float l1_p = 0;       // L1 weight of P rows (a proximal step after the gradient step); 0: none
  float l1_q = 0;       // L1 weight of Q rows
  bool nonneg = false;  // clamp factors at >= 0 after each step
  Loss loss = Loss::kSquared;
  // Biases: both null for a model without them. Prediction
  // y = (mean + bu + bi) + dot(p, q), summed in float in exactly that order.
  float* user_bias = nullptr;
  float* item_bias = nullptr;
  float mean = 0;
  float l2_user_bias = 0;
  float l2_item_bias = 0;
  // AdaGrad: both null for a constant step. One float per P row / Q row: the
  // accumulated mean squared gradient G (the engine initialises it to 1).
  float* p_adagrad = nullptr;
  float* q_adagrad = nullptr;
  // Negative sampling (pairwise and one-class losses).
  uint32_t num_users = 0;        // draw negative users from [0, num_users)
  uint32_t num_items = 0;        // draw negative items from [0, num_items)
  int negatives = 1;             // kOneClassSquared: sampled negatives per positive
  float negative_weight = 1.0f;  // kOneClassSquared: weight w of a negative's loss
  uint64_t seed = 0;             // the engine changes it every epoch
};

// Applies the step to ratings[order[j]] for j in [0, count), in that order;
// with order == nullptr, to ratings[0 .. count).
using SgdChunkFn = void (*)(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                            size_t count);
// Dot product of two padded rows (k floats; the padding is zero).
using DotFn = float (*)(const float* a, const float* b, size_t stride, int k);

// What the fit pass sums over ratings.
struct LossSums {
  double loss = 0;            // the loss's value (pairwise: over deterministic negatives)
  double squared_error = 0;   // sum (r - y)^2 (one-class-squared: (1 - y)^2; pairwise: 0)
  double absolute_error = 0;  // sum |r - y| (one-class-squared: |1 - y|; pairwise: 0)
};
// The sums over ratings[0 .. count) with the rows, biases, loss and sampling
// constants of `args` (its step constants are not used). Each prediction is
// summed in float as the step's; the errors and their sums across ratings in
// double. Negatives (pairwise and one-class losses) are DeterministicNegative
// (losses.h) of (args.seed, u, i), so the figure compares across epochs when
// the seed is held; a negative equal to the positive is skipped. Reads only.
using LossSumFn = LossSums (*)(const SgdArgs& args, const Rating* ratings, size_t count);

struct Kernel {
  std::string name;  // "scalar", or the instruction set: "avx512", "avx2", "sse4", "neon", ...
  SgdChunkFn sgd_chunk = nullptr;
  DotFn dot = nullptr;
  LossSumFn loss_sum = nullptr;
};

// The scalar reference: the executable spec every other kernel is tested against.
void SgdChunkScalar(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                    size_t count);
float DotScalar(const float* a, const float* b, size_t stride, int k);
LossSums LossSumScalar(const SgdArgs& args, const Rating* ratings, size_t count);
Kernel ScalarKernel();

}  // namespace hogmf::kernels
