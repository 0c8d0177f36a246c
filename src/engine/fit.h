// Fit: how well the factors fit a set of entries — the training objective
// (the loss summed over the entries plus the regularization penalty) and the
// squared and absolute errors — measured exactly over every entry given
// (epoch ends) or over a sample (the monitor).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hogmf/ratings.h"
#include "kernels/sgd_kernel.h"
#include "ratings/packed_ratings.h"

namespace hogmf::engine {

struct Fit {
  double data_loss = 0;       // the loss summed over the entries
  double squared_error = 0;   // sum of (r - y)^2 (0 for pairwise losses)
  double absolute_error = 0;  // sum of |r - y| (0 for pairwise losses)
  double loss = 0;            // data_loss + the penalty (the objective)
  double rmse = 0;
  uint64_t count = 0;
};

// How many entries of one set name each user and each item. With them the
// penalty, a sum over entries of terms of the entry's user row and item row,
// is a pass over the rows in sequence instead of two random reads per entry.
// Count once per set of entries (the order of the entries does not matter).
struct FitCounts {
  std::vector<uint32_t> users;  // users[u]: entries with user u
  std::vector<uint32_t> items;  // items[i]: entries with item i
  uint64_t entries = 0;         // the size of the set counted
};

// Every entry must index a user below num_users and an item below num_items;
// at most 2^32 - 1 entries.
FitCounts CountEntries(std::span<const Rating> entries, uint32_t num_users, uint32_t num_items);
FitCounts CountPackedEntries(const PackedRatings& entries, uint32_t num_users, uint32_t num_items);

// The penalty one entry adds for its user row u and item row i:
//   l2_p/2 |p_u|^2 + l2_q/2 |q_i|^2 + l1_p |p_u|_1 + l1_q |q_i|_1
//   + l2_user_bias/2 b_u^2 + l2_item_bias/2 b_i^2 (the bias terms with biases).
double UserPenalty(const kernels::SgdArgs& args, uint32_t user);
double ItemPenalty(const kernels::SgdArgs& args, uint32_t item);

// For samples: the loss pass of `kernel` over the entries, and the penalty of
// the rows the entries read (so the monitor's estimate costs O(sample),
// whatever the size of P and Q).
Fit MeasureFit(const kernels::SgdArgs& args, std::span<const Rating> entries,
               const kernels::Kernel& kernel);

// The kernel's loss pass over a whole set: TBB over blocks of entries,
// reduced in a fixed order over blocks of a fixed size (the result does not
// depend on the thread count). Call inside the pool's arena.
kernels::LossSums SumLosses(const kernels::SgdArgs& args, std::span<const Rating> entries,
                            const kernels::Kernel& kernel);

// The exact pass over a whole set: SumLosses and the penalty from `counts`
// (made by CountEntries from the same entries, in any order; its rows match
// the factors of args). Independent of the thread count. Call inside the
// pool's arena.
Fit MeasureFitParallel(const kernels::SgdArgs& args, std::span<const Rating> entries,
                       const FitCounts& counts, const kernels::Kernel& kernel);
// The same over packed entries, unpacked a block at a time: the kernel gets
// the blocks it gets unpacked, so the result is the same bit for bit.
Fit MeasurePackedFitParallel(const kernels::SgdArgs& args, const PackedRatings& entries,
                             const FitCounts& counts, const kernels::Kernel& kernel);

}  // namespace hogmf::engine
