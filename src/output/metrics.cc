// Evaluate and SeedLoss: RMSE/MAE of predictions and the seed's training loss.
#include "hogmf/metrics.h"

#include <cmath>
#include <vector>

#include "engine/fit.h"

namespace hogmf {

EvalResult EvaluateAligned(const Model& model, std::span<const Rating> test) {
  EvalResult result;
  double squared = 0.0;
  double absolute = 0.0;
  for (const Rating& r : test) {
    const bool known = model.user_seen(r.user) && model.item_seen(r.item);
    result.unknown += !known;
    const double error = static_cast<double>(r.value) - model.Predict(r.user, r.item);
    squared += error * error;
    absolute += std::abs(error);
  }
  result.count = test.size();
  if (result.count > 0) {
    result.rmse = std::sqrt(squared / static_cast<double>(result.count));
    result.mae = absolute / static_cast<double>(result.count);
  }
  return result;
}

EvalResult Evaluate(const Model& model, const Ratings& test) {
  const std::vector<Rating> aligned = AlignTo(test, model.users(), model.items());
  return EvaluateAligned(model, aligned);
}

double SeedLoss(const Model& model, std::span<const Rating> entries, float l2) {
  // The fit pass reads through SgdArgs; it writes nothing.
  kernels::SgdArgs args;
  args.p = const_cast<float*>(model.user_factors().data());
  args.q = const_cast<float*>(model.item_factors().data());
  args.stride = model.user_factors().stride();
  args.k = model.k();
  args.l2_p = args.l2_q = l2;
  return engine::MeasureFit(args, entries, kernels::ScalarKernel()).loss;
}

}  // namespace hogmf
