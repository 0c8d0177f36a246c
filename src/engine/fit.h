// Fit: how well factors fit a set of ratings — the seed's loss and the RMSE —
// measured exactly over every rating given (epoch ends) or over a sample
// (the monitor).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

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

// How many entries of one set name each user and each item. With them the
// L2 term, the sum over entries of |p_u|^2 + |q_i|^2, is
// sum_u users[u] |p_u|^2 + sum_i items[i] |q_i|^2: a pass over the rows in
// sequence instead of two random reads per entry. Count once per set of
// entries (the order of the entries does not matter).
struct FitCounts {
  std::vector<uint32_t> users;  // users[u]: entries with user u
  std::vector<uint32_t> items;  // items[i]: entries with item i
  uint64_t entries = 0;         // the size of the set counted
};

// Every entry must index a user below num_users and an item below num_items;
// at most 2^32 - 1 entries.
FitCounts CountEntries(std::span<const Rating> entries, uint32_t num_users, uint32_t num_items);

// Every entry must index a row of p and q. `dot` defaults to the scalar one.
// For samples: reads only the rows of the entries (norms included), so the
// monitor's estimate costs O(sample), whatever the size of P and Q.
Fit MeasureFit(const FactorMatrix& p, const FactorMatrix& q, std::span<const Rating> entries,
               float l2, kernels::DotFn dot = nullptr);

// The sum of (r - p.q)^2 over a whole set: TBB over blocks of entries, each
// block through kernel.squared_error, reduced in a fixed order over blocks of
// a fixed size (the result does not depend on the thread count). Call inside
// the pool's arena.
double SumSquaredErrors(const FactorMatrix& p, const FactorMatrix& q,
                        std::span<const Rating> entries, const kernels::Kernel& kernel);

// The exact pass over a whole set: TBB over blocks of entries, each block
// through kernel.squared_error, and the L2 term from `counts` (made by
// CountEntries from the same entries, in any order; its rows match p and q).
// Sums are reduced in a fixed order over blocks of a fixed size, so the result
// does not depend on the thread count. Call inside the pool's arena.
Fit MeasureFitParallel(const FactorMatrix& p, const FactorMatrix& q,
                       std::span<const Rating> entries, const FitCounts& counts, float l2,
                       const kernels::Kernel& kernel);

}  // namespace hogmf::engine
