// MeasureFit: passes over the entries. The loss comes from the kernel's loss
// pass; the penalty from the rows, once per row weighted by its entry count
// (exact pass) or once per sampled entry (the monitor).
#include "engine/fit.h"

#include <cmath>

#include "util/check.h"
#include "util/parallel.h"

namespace hogmf::engine {
namespace {

// Entries per leaf block of the parallel pass: large enough that the
// kernel's loop and its prefetch run long, small enough to balance threads.
constexpr size_t kEntryGrain = 1 << 16;
// Rows per leaf block of the penalty pass.
constexpr size_t kRowGrain = 1 << 12;

double AbsoluteSum(const float* row, int k) {
  double sum = 0.0;
  for (int d = 0; d < k; ++d) sum += std::abs(row[d]);
  return sum;
}

// The sum of the row's squares in double (each square exact), in eight
// independent running sums: no chain of k dependent additions, so the
// compiler vectorizes it (the monitor takes two rows per sampled entry).
double SquaredNorm(const float* row, int k) {
  constexpr int kLanes = 8;
  double lanes[kLanes] = {};
  int d = 0;
  for (; d + kLanes <= k; d += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const double x = row[d + j];
      lanes[j] += x * x;
    }
  }
  for (; d < k; ++d) lanes[0] += static_cast<double>(row[d]) * row[d];
  double sum = 0.0;
  for (const double lane : lanes) sum += lane;
  return sum;
}

double RowPenalty(const float* row, int k, float l2, float l1, const float* bias, uint32_t index,
                  float l2_bias) {
  double penalty = 0.5 * static_cast<double>(l2) * SquaredNorm(row, k);
  if (l1 > 0) penalty += static_cast<double>(l1) * AbsoluteSum(row, k);
  if (bias != nullptr) {
    const double b = bias[index];
    penalty += 0.5 * static_cast<double>(l2_bias) * b * b;
  }
  return penalty;
}

Fit Finish(const kernels::LossSums& sums, double penalty, uint64_t count) {
  Fit fit;
  fit.data_loss = sums.loss;
  fit.squared_error = sums.squared_error;
  fit.absolute_error = sums.absolute_error;
  fit.count = count;
  fit.loss = sums.loss + penalty;
  fit.rmse = count > 0 ? std::sqrt(sums.squared_error / static_cast<double>(count)) : 0.0;
  return fit;
}

kernels::LossSumFn LossSumOf(const kernels::Kernel& kernel) {
  return kernel.loss_sum != nullptr ? kernel.loss_sum : &kernels::LossSumScalar;
}

// The loss sums over `size` entries in blocks of kEntryGrain, each block's
// from sum_block(first, count), reduced in block order.
template <typename SumBlock>
kernels::LossSums SumBlocks(size_t size, const SumBlock& sum_block) {
  const size_t blocks = (size + kEntryGrain - 1) / kEntryGrain;
  std::vector<kernels::LossSums> parts(blocks);
  internal::ParallelFor(blocks, internal::Schedule::Exact(1), [&](size_t begin, size_t end) {
    for (size_t b = begin; b != end; ++b) {
      const size_t first = b * kEntryGrain;
      parts[b] = sum_block(first, std::min(kEntryGrain, size - first));
    }
  });
  kernels::LossSums total;
  for (const kernels::LossSums& part : parts) {
    total.loss += part.loss;
    total.squared_error += part.squared_error;
    total.absolute_error += part.absolute_error;
  }
  return total;
}

// The exact fit from the loss sums and the penalty of the counted rows.
Fit FitFromCounts(const kernels::SgdArgs& args, const kernels::LossSums& sums,
                  const FitCounts& counts) {
  const auto weighted = [&](const std::vector<uint32_t>& rows, auto row_penalty) {
    return internal::DeterministicSum(rows.size(), kRowGrain, [&](size_t begin, size_t end) {
      double block = 0.0;
      for (size_t row = begin; row != end; ++row) {
        if (rows[row] == 0) continue;
        block += static_cast<double>(rows[row]) * row_penalty(static_cast<uint32_t>(row));
      }
      return block;
    });
  };
  const double penalty = weighted(counts.users, [&](uint32_t u) { return UserPenalty(args, u); }) +
                         weighted(counts.items, [&](uint32_t i) { return ItemPenalty(args, i); });
  return Finish(sums, penalty, counts.entries);
}

}  // namespace

FitCounts CountEntries(std::span<const Rating> entries, uint32_t num_users, uint32_t num_items) {
  HOGMF_CHECK(entries.size() <= 0xFFFFFFFFull);
  FitCounts counts;
  counts.users.assign(num_users, 0);
  counts.items.assign(num_items, 0);
  for (const Rating& r : entries) {
    ++counts.users[r.user];
    ++counts.items[r.item];
  }
  counts.entries = entries.size();
  return counts;
}

FitCounts CountPackedEntries(const PackedRatings& entries, uint32_t num_users, uint32_t num_items) {
  HOGMF_CHECK(entries.size() <= 0xFFFFFFFFull);
  FitCounts counts;
  counts.users.assign(num_users, 0);
  counts.items.assign(num_items, 0);
  for (const PackedRating& r : entries.records()) {
    ++counts.users[r.user];
    ++counts.items[entries.item(r)];
  }
  counts.entries = entries.size();
  return counts;
}

double UserPenalty(const kernels::SgdArgs& args, uint32_t user) {
  return RowPenalty(args.p + static_cast<size_t>(user) * args.stride, args.k, args.l2_p, args.l1_p,
                    args.user_bias, user, args.l2_user_bias);
}

double ItemPenalty(const kernels::SgdArgs& args, uint32_t item) {
  return RowPenalty(args.q + static_cast<size_t>(item) * args.stride, args.k, args.l2_q, args.l1_q,
                    args.item_bias, item, args.l2_item_bias);
}

Fit MeasureFit(const kernels::SgdArgs& args, std::span<const Rating> entries,
               const kernels::Kernel& kernel) {
  const kernels::LossSums sums = LossSumOf(kernel)(args, entries.data(), entries.size());
  double penalty = 0.0;
  for (const Rating& r : entries) penalty += UserPenalty(args, r.user) + ItemPenalty(args, r.item);
  return Finish(sums, penalty, entries.size());
}

kernels::LossSums SumLosses(const kernels::SgdArgs& args, std::span<const Rating> entries,
                            const kernels::Kernel& kernel) {
  const kernels::LossSumFn loss_sum = LossSumOf(kernel);
  return SumBlocks(entries.size(), [&](size_t first, size_t count) {
    return loss_sum(args, entries.data() + first, count);
  });
}

Fit MeasureFitParallel(const kernels::SgdArgs& args, std::span<const Rating> entries,
                       const FitCounts& counts, const kernels::Kernel& kernel) {
  HOGMF_CHECK(counts.entries == entries.size());
  return FitFromCounts(args, SumLosses(args, entries, kernel), counts);
}

Fit MeasurePackedFitParallel(const kernels::SgdArgs& args, const PackedRatings& entries,
                             const FitCounts& counts, const kernels::Kernel& kernel) {
  HOGMF_CHECK(counts.entries == entries.size());
  const kernels::LossSumFn loss_sum = LossSumOf(kernel);
  const kernels::LossSums sums = SumBlocks(entries.size(), [&](size_t first, size_t count) {
    std::vector<Rating> block(count);
    entries.Unpack(first, count, block.data());
    return loss_sum(args, block.data(), count);
  });
  return FitFromCounts(args, sums, counts);
}

}  // namespace hogmf::engine
