// Fit: how well factors fit a set of ratings — the seed's loss and the RMSE —
// measured exactly over every rating given (epoch ends) or over a sample
// (the monitor).
#pragma once

#include <cstdint>
#include <span>

#include "hogmf/factor_matrix.h"
#include "hogmf/ratings.h"
#include "kernels/sgd_kernel.h"

namespace hogmf::engine {

struct Fit {
  double squared_error = 0;  // sum of (r - p.q)^2
  double loss = 0;           // squared_error + l2/2 sum (|p|^2 + |q|^2)
  double rmse = 0;
  uint64_t count = 0;
};

// Every entry must index a row of p and q. `dot` defaults to the scalar one.
Fit MeasureFit(const FactorMatrix& p, const FactorMatrix& q, std::span<const Rating> entries,
               float l2, kernels::DotFn dot = nullptr);

// The same with TBB over blocks of entries, summed in a fixed order so the
// result does not depend on the thread count. Call inside the pool's arena.
Fit MeasureFitParallel(const FactorMatrix& p, const FactorMatrix& q,
                       std::span<const Rating> entries, float l2, kernels::DotFn dot);

}  // namespace hogmf::engine
