// MeasureFit: passes over the ratings. The serial pass computes row norms
// once per row; the parallel pass runs the kernel's squared-error loop over
// blocks of ratings and weighs each row's norm by its rating count.
#include "engine/fit.h"

#include <cmath>

#include "util/check.h"
#include "util/parallel.h"

namespace hogmf::engine {
namespace {

// Ratings per leaf block of the parallel pass: large enough that the
// kernel's loop and its prefetch run long, small enough to balance threads.
constexpr size_t kEntryGrain = 1 << 16;
// Rows per leaf block of the norm pass.
constexpr size_t kRowGrain = 1 << 12;

struct Sums {
  double squared = 0;
  double norms = 0;
};

// Squared errors and row norms of the entries, the norms computed per entry
// from the rows it reads: for a sample this touches only the sampled rows,
// never the whole of P and Q.
Sums Accumulate(const FactorMatrix& p, const FactorMatrix& q, const Rating* begin,
                const Rating* end, kernels::DotFn dot) {
  Sums sums;
  const size_t stride = p.stride();
  const int k = p.k();
  for (const Rating* r = begin; r != end; ++r) {
    const float* pu = p.row(r->user);
    const float* qi = q.row(r->item);
    const double error = static_cast<double>(r->value) - dot(pu, qi, stride, k);
    sums.squared += error * error;
    sums.norms += static_cast<double>(dot(pu, pu, stride, k)) + dot(qi, qi, stride, k);
  }
  return sums;
}

Fit Finish(const Sums& sums, uint64_t count, float l2) {
  Fit fit;
  fit.squared_error = sums.squared;
  fit.count = count;
  fit.loss = sums.squared + 0.5 * static_cast<double>(l2) * sums.norms;
  fit.rmse = count > 0 ? std::sqrt(sums.squared / static_cast<double>(count)) : 0.0;
  return fit;
}

// Sum over the rows of m of counts[row] |row|^2, in a fixed order.
double WeightedSquaredNorms(const FactorMatrix& m, const std::vector<uint32_t>& counts,
                            kernels::DotFn dot) {
  const size_t stride = m.stride();
  const int k = m.k();
  return internal::DeterministicSum(counts.size(), kRowGrain, [&](size_t begin, size_t end) {
    double block = 0.0;
    for (size_t row = begin; row != end; ++row) {
      if (counts[row] == 0) continue;
      const float* r = m.row(static_cast<uint32_t>(row));
      block += static_cast<double>(counts[row]) * static_cast<double>(dot(r, r, stride, k));
    }
    return block;
  });
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

Fit MeasureFit(const FactorMatrix& p, const FactorMatrix& q, std::span<const Rating> entries,
               float l2, kernels::DotFn dot) {
  if (dot == nullptr) dot = &kernels::DotScalar;
  const Sums sums = Accumulate(p, q, entries.data(), entries.data() + entries.size(), dot);
  return Finish(sums, entries.size(), l2);
}

double SumSquaredErrors(const FactorMatrix& p, const FactorMatrix& q,
                        std::span<const Rating> entries, const kernels::Kernel& kernel) {
  HOGMF_CHECK(p.k() == q.k() && p.stride() == q.stride());
  const kernels::LossSumFn loss_sum =
      kernel.loss_sum != nullptr ? kernel.loss_sum : &kernels::LossSumScalar;
  kernels::SgdArgs args;  // the squared loss without biases; loss_sum only reads the rows
  args.p = const_cast<float*>(p.data());
  args.q = const_cast<float*>(q.data());
  args.stride = p.stride();
  args.k = p.k();
  return internal::DeterministicSum(entries.size(), kEntryGrain, [&](size_t begin, size_t end) {
    return loss_sum(args, entries.data() + begin, end - begin).squared_error;
  });
}

Fit MeasureFitParallel(const FactorMatrix& p, const FactorMatrix& q,
                       std::span<const Rating> entries, const FitCounts& counts, float l2,
                       const kernels::Kernel& kernel) {
  HOGMF_CHECK(counts.entries == entries.size());
  HOGMF_CHECK(counts.users.size() == p.rows() && counts.items.size() == q.rows());
  const kernels::DotFn dot = kernel.dot != nullptr ? kernel.dot : &kernels::DotScalar;
  Sums sums;
  sums.squared = SumSquaredErrors(p, q, entries, kernel);
  sums.norms =
      WeightedSquaredNorms(p, counts.users, dot) + WeightedSquaredNorms(q, counts.items, dot);
  return Finish(sums, entries.size(), l2);
}

}  // namespace hogmf::engine
