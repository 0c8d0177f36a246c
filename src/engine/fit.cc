// MeasureFit: passes over the ratings, row norms computed once per row.
#include "engine/fit.h"

#include <cmath>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>
#include <tbb/partitioner.h>

#include "util/tbb_edges.h"

namespace hogmf::engine {
namespace {

struct Sums {
  double squared = 0;
  double norms = 0;
};

Sums Accumulate(const FactorMatrix& p, const FactorMatrix& q, const float* p_norms,
                const float* q_norms, const Rating* begin, const Rating* end, kernels::DotFn dot) {
  Sums sums;
  const size_t stride = p.stride();
  const int k = p.k();
  for (const Rating* r = begin; r != end; ++r) {
    const double error =
        static_cast<double>(r->value) - dot(p.row(r->user), q.row(r->item), stride, k);
    sums.squared += error * error;
    sums.norms += static_cast<double>(p_norms[r->user]) + q_norms[r->item];
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

}  // namespace

Fit MeasureFit(const FactorMatrix& p, const FactorMatrix& q, std::span<const Rating> entries,
               float l2, kernels::DotFn dot) {
  if (dot == nullptr) dot = &kernels::DotScalar;
  const Eigen::VectorXf p_norms = p.AsEigen().rowwise().squaredNorm();
  const Eigen::VectorXf q_norms = q.AsEigen().rowwise().squaredNorm();
  const Sums sums = Accumulate(p, q, p_norms.data(), q_norms.data(), entries.data(),
                               entries.data() + entries.size(), dot);
  return Finish(sums, entries.size(), l2);
}

Fit MeasureFitParallel(const FactorMatrix& p, const FactorMatrix& q,
                       std::span<const Rating> entries, float l2, kernels::DotFn dot) {
  const Eigen::VectorXf p_norms = p.AsEigen().rowwise().squaredNorm();
  const Eigen::VectorXf q_norms = q.AsEigen().rowwise().squaredNorm();
  constexpr size_t kGrain = 1 << 16;
  const auto accumulate = [&](const tbb::blocked_range<size_t>& range, Sums partial) {
    TbbEdges::Body edge;
    const Sums block = Accumulate(p, q, p_norms.data(), q_norms.data(),
                                  entries.data() + range.begin(), entries.data() + range.end(), dot);
    partial.squared += block.squared;
    partial.norms += block.norms;
    return partial;
  };
  const auto combine = [&](Sums a, const Sums& b) {
    TbbEdges::Body edge;
    a.squared += b.squared;
    a.norms += b.norms;
    return a;
  };
  TbbEdges::Fork(accumulate, combine);
  const Sums sums = tbb::parallel_deterministic_reduce(
      tbb::blocked_range<size_t>(0, entries.size(), kGrain), Sums{}, accumulate, combine,
      tbb::simple_partitioner());
  TbbEdges::Join();
  return Finish(sums, entries.size(), l2);
}

}  // namespace hogmf::engine
