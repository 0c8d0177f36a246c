// MeasureFit: one pass over the ratings, row norms computed once per row.
#include "engine/fit.h"

#include <cmath>

namespace hogmf::engine {

Fit MeasureFit(const FactorMatrix& p, const FactorMatrix& q, std::span<const Rating> entries,
               float l2) {
  const Eigen::VectorXf p_norms = p.AsEigen().rowwise().squaredNorm();
  const Eigen::VectorXf q_norms = q.AsEigen().rowwise().squaredNorm();
  Fit fit;
  double norms = 0.0;
  const int k = p.k();
  for (const Rating& r : entries) {
    const float* pu = p.row(r.user);
    const float* qi = q.row(r.item);
    float dot = 0.0f;
    for (int d = 0; d < k; ++d) dot += pu[d] * qi[d];
    const double error = static_cast<double>(r.value) - dot;
    fit.squared_error += error * error;
    norms += static_cast<double>(p_norms[r.user]) + q_norms[r.item];
  }
  fit.count = entries.size();
  fit.loss = fit.squared_error + 0.5 * static_cast<double>(l2) * norms;
  fit.rmse = fit.count > 0 ? std::sqrt(fit.squared_error / static_cast<double>(fit.count)) : 0.0;
  return fit;
}

}  // namespace hogmf::engine
