// The kernel's step constants that come from TrainParams, set in one place
// for every driver of the kernels (the Trainer, hogmf-mpi's ranks); the
// drivers add where the rows live.
#pragma once

#include "hogmf/params.h"
#include "kernels/sgd_kernel.h"

namespace hogmf::engine {

// SgdArgs with k, the L2 and L1 weights, nonneg, the loss, the bias weights
// and the negative sampling constants of `params` (no rows, rates or seed).
inline kernels::SgdArgs StepConstants(const TrainParams& params) {
  kernels::SgdArgs args;
  args.k = params.k;
  args.l2_p = params.l2_p;
  args.l2_q = params.l2_q;
  args.l1_p = params.l1_p;
  args.l1_q = params.l1_q;
  args.nonneg = params.nonneg;
  args.loss = params.loss;
  args.l2_user_bias = params.l2_user_bias;
  args.l2_item_bias = params.l2_item_bias;
  args.negatives = params.negatives;
  args.negative_weight = params.negative_weight;
  return args;
}

}  // namespace hogmf::engine
