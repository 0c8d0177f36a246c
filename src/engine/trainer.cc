// Train: builds the model, runs epochs of SGD in shuffled order, measures the
// fit at each epoch end and stops at the thresholds or the epoch limit.
#include "hogmf/trainer.h"

#include <chrono>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/fit.h"
#include "engine/shuffler.h"
#include "hogmf/metrics.h"
#include "kernels/sgd_kernel.h"
#include "util/random.h"
#include "util/status_macros.h"

namespace hogmf {

std::string_view StopReasonName(StopReason reason) {
  switch (reason) {
    case StopReason::kEpochLimit:
      return "epoch_limit";
    case StopReason::kLossThreshold:
      return "loss_threshold";
    case StopReason::kRmseThreshold:
      return "rmse_threshold";
  }
  return "unknown";
}

namespace {

constexpr size_t kChunkSize = 4096;

float InitScale(const TrainParams& params, double mean) {
  if (params.init_scale > 0) return params.init_scale;
  const double level = std::max(std::abs(mean), 0.1);
  return static_cast<float>(2.0 * std::sqrt(level / params.k));
}

// Uniform [0, scale) in every real coordinate, users first, then items; the
// padding stays zero.
void InitFactors(FactorMatrix& factors, float scale, Rng& rng) {
  for (uint32_t row = 0; row < factors.rows(); ++row) {
    float* values = factors.row(row);
    for (int d = 0; d < factors.k(); ++d) values[d] = scale * rng.UniformFloat();
  }
}

float EpochLearningRate(const TrainParams& params, int epoch_index) {
  switch (params.schedule) {
    case LearningRateSchedule::kConstant:
      return params.learning_rate;
    case LearningRateSchedule::kDecay:
      return params.learning_rate / (1.0f + params.lr_decay * static_cast<float>(epoch_index));
  }
  return params.learning_rate;
}

}  // namespace

absl::StatusOr<TrainResult> Train(const Ratings& train, const TrainParams& params,
                                  const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(params.Validate());
  if (train.empty()) return absl::InvalidArgumentError("no training ratings");
  if (train.size() > 0xFFFFFFFFull) {
    return absl::InvalidArgumentError(
        absl::StrCat(train.size(), " training ratings; at most 4294967295 are supported"));
  }

  TrainResult result;
  Model& model = result.model;
  model = Model(params.k, train.users(), train.items());
  const double mean = train.Mean();
  model.set_mean(static_cast<float>(mean));
  for (const Rating& r : train.entries()) {
    model.set_user_seen(r.user, true);
    model.set_item_seen(r.item, true);
  }
  Rng init_rng(params.seed, /*stream=*/1);
  const float scale = InitScale(params, mean);
  InitFactors(model.user_factors(), scale, init_rng);
  InitFactors(model.item_factors(), scale, init_rng);

  std::vector<Rating> validation;
  TrainReport& report = result.report;
  if (options.validation != nullptr) {
    size_t unknown = 0;
    validation = AlignTo(*options.validation, model.users(), model.items(), &unknown);
    report.validation_unknown = unknown;
  }

  const kernels::Kernel kernel = kernels::ScalarKernel();
  kernels::SgdArgs args;
  args.p = model.user_factors().data();
  args.q = model.item_factors().data();
  args.stride = model.user_factors().stride();
  args.k = params.k;
  args.l2 = params.l2;

  engine::Shuffler shuffler(train.size(), params.seed, kChunkSize);
  const Rating* ratings = train.entries().data();
  for (int epoch = 0; epoch < params.max_epochs; ++epoch) {
    args.learning_rate = EpochLearningRate(params, epoch);
    const auto start = std::chrono::steady_clock::now();
    shuffler.StartEpoch();
    for (auto chunk = shuffler.NextChunk(); !chunk.empty(); chunk = shuffler.NextChunk()) {
      kernel.sgd_chunk(args, ratings, chunk.data(), chunk.size());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    EpochStats stats;
    stats.epoch = epoch + 1;
    stats.updates = train.size();
    stats.seconds = seconds;
    stats.updates_per_second = seconds > 0 ? static_cast<double>(train.size()) / seconds : 0.0;
    stats.learning_rate = args.learning_rate;
    const engine::Fit fit = engine::MeasureFit(model.user_factors(), model.item_factors(),
                                               train.entries(), params.l2);
    stats.loss = fit.loss;
    stats.train_rmse = fit.rmse;
    if (!validation.empty()) stats.validation_rmse = EvaluateAligned(model, validation).rmse;

    report.epochs = stats.epoch;
    report.updates += stats.updates;
    report.seconds += seconds;
    report.loss = stats.loss;
    report.train_rmse = stats.train_rmse;
    report.validation_rmse = stats.validation_rmse;
    report.history.push_back(stats);
    if (options.observer != nullptr) options.observer->OnEpoch(stats);

    if (!std::isfinite(fit.loss)) {
      return absl::AbortedError(absl::StrCat(
          "training diverged at epoch ", stats.epoch, " (loss is ", fit.loss,
          "); try a smaller learning rate than --lr=", params.learning_rate));
    }
    if (params.stop_loss > 0 && fit.loss <= params.stop_loss) {
      report.stop_reason = StopReason::kLossThreshold;
      break;
    }
    if (params.stop_rmse > 0 && fit.rmse <= params.stop_rmse) {
      report.stop_reason = StopReason::kRmseThreshold;
      break;
    }
  }
  report.updates_per_second =
      report.seconds > 0 ? static_cast<double>(report.updates) / report.seconds : 0.0;
  if (options.keep_rated_items) model.SetRatedItems(train.entries());
  return result;
}

}  // namespace hogmf
