// Mean and sample standard deviation of a few values (per-fold scores).
#pragma once

#include <cmath>
#include <span>

namespace hogmf::internal {

struct MeanSd {
  double mean = 0;
  double sd = 0;  // sample standard deviation (divides by n - 1); 0 for fewer than 2 values
};

// Two passes in double: the mean, then the squared deviations from it.
inline MeanSd ComputeMeanSd(std::span<const double> values) {
  MeanSd result;
  if (values.empty()) return result;
  double sum = 0;
  for (double v : values) sum += v;
  result.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return result;
  double squares = 0;
  for (double v : values) squares += (v - result.mean) * (v - result.mean);
  result.sd = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return result;
}

}  // namespace hogmf::internal
