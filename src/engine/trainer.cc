// Train: wires the engine. It builds the model, arranges a working copy of the
// ratings for the shuffler, starts the monitor, runs each epoch through the
// worker pool, measures the exact fit at each epoch end, and stops at a
// threshold, the epoch or time limit, early stopping, cancellation or
// divergence.
#include "hogmf/trainer.h"

#include <tbb/info.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/block_grid.h"
#include "engine/fit.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"
#include "engine/workers.h"
#include "hogmf/metrics.h"
#include "kernels/kernel_registry.h"
#include "model/rated_items_internal.h"
#include "util/absl_compat.h"
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
    case StopReason::kTimeLimit:
      return "time_limit";
    case StopReason::kEarlyStop:
      return "early_stop";
    case StopReason::kValidationRmseThreshold:
      return "validation_rmse_threshold";
    case StopReason::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

namespace {

float InitScale(const TrainParams& params, double mean) {
  if (params.init_scale > 0) return params.init_scale;
  const double level = std::max(std::abs(mean), 0.1);
  return static_cast<float>(2.0 * std::sqrt(level / params.k));
}

// Uniform [0, scale) in every real coordinate; the padding stays zero.
void InitFactors(FactorMatrix& factors, float scale, Rng& rng) {
  for (uint32_t row = 0; row < factors.rows(); ++row) {
    float* values = factors.row(row);
    for (int d = 0; d < factors.k(); ++d) values[d] = scale * rng.UniformFloat();
  }
}

float EpochLearningRate(const TrainParams& params, int epoch_index) {
  switch (params.lr_schedule) {
    case LearningRateSchedule::kConstant:
      return params.learning_rate;
    case LearningRateSchedule::kDecay:
      return params.learning_rate / (1.0f + params.lr_decay * static_cast<float>(epoch_index));
  }
  return params.learning_rate;
}

// A fixed random sample of the training ratings for the monitor (all if
// fewer), sorted by user so that each estimate reads P in address order.
std::vector<Rating> DrawSample(std::span<const Rating> ratings, size_t size, uint64_t seed) {
  std::vector<Rating> sample;
  if (ratings.size() <= size) {
    sample.assign(ratings.begin(), ratings.end());
  } else {
    Rng rng(seed, /*stream=*/2);
    sample.resize(size);
    for (Rating& r : sample) r = ratings[rng.Below(ratings.size())];
  }
  std::sort(sample.begin(), sample.end(),
            [](const Rating& x, const Rating& y) { return x.user < y.user; });
  return sample;
}

// The validation set, split once: the ratings of users and items the model
// has factors for, whose error the kernel measures each epoch (in parallel),
// and the rest, which the model predicts as the mean, a constant error.
// Gives the RMSE EvaluateAligned gives, up to the order of float sums.
struct ValidationSet {
  std::vector<Rating> known;
  size_t count = 0;
  double unknown_squared_error = 0;
};

ValidationSet SplitValidation(std::vector<Rating> aligned, const Model& model) {
  ValidationSet set;
  set.count = aligned.size();
  const auto known_end = std::partition(aligned.begin(), aligned.end(), [&model](const Rating& r) {
    return r.user != kUnknownIndex && r.item != kUnknownIndex && model.user_seen(r.user) &&
           model.item_seen(r.item);
  });
  for (auto r = known_end; r != aligned.end(); ++r) {
    const double error = static_cast<double>(r->value) - model.mean();
    set.unknown_squared_error += error * error;
  }
  aligned.erase(known_end, aligned.end());
  set.known = std::move(aligned);
  return set;
}

StopReason ReasonFor(engine::StopSignal signal) {
  switch (signal) {
    case engine::StopSignal::kLossThreshold:
      return StopReason::kLossThreshold;
    case engine::StopSignal::kRmseThreshold:
      return StopReason::kRmseThreshold;
    case engine::StopSignal::kTimeLimit:
      return StopReason::kTimeLimit;
    case engine::StopSignal::kCancelled:
      return StopReason::kCancelled;
    case engine::StopSignal::kNone:
    case engine::StopSignal::kDiverged:
      break;
  }
  return StopReason::kEpochLimit;
}

absl::Status Diverged(int epoch, double loss, float learning_rate) {
  return absl::AbortedError(absl::StrCat(
      "training diverged in epoch ", epoch, " (loss ", loss,
      "); try a smaller learning rate than --lr=", learning_rate));
}

}  // namespace

namespace {

absl::Status CheckInputs(const Ratings& train, const TrainParams& params,
                         const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(params.Validate());
  if (train.empty()) return absl::InvalidArgumentError("no training ratings");
  if (train.size() > 0xFFFFFFFFull) {
    return absl::InvalidArgumentError(
        absl::StrCat(train.size(), " training ratings; at most 4294967295 are supported"));
  }
  if (params.early_stop > 0 && options.validation == nullptr) {
    return absl::InvalidArgumentError("early stopping (--early-stop) needs a validation set");
  }
  if (params.stop_validation_rmse > 0 && options.validation == nullptr) {
    return absl::InvalidArgumentError(
        "stopping at a validation RMSE (--stop-validation-rmse) needs a validation set");
  }
  return kernels::SelectKernel(params.isa).status();
}

// Trains on `working`, the training entries, which the shuffler reorders.
absl::StatusOr<TrainResult> TrainOn(std::vector<Rating> working, IdMap users, IdMap items,
                                    const TrainParams& params, const TrainOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(const kernels::Kernel kernel, kernels::SelectKernel(params.isa));
  const int threads = params.threads > 0 ? params.threads : tbb::info::default_concurrency();
  const std::span<const Rating> entries(working);

  TrainResult result;
  TrainReport& report = result.report;
  report.kernel = kernel.name;
  report.threads = threads;
  Model& model = result.model;
  model = Model(params.k, std::move(users), std::move(items));
  double sum = 0.0;
  for (const Rating& r : entries) {
    sum += r.value;
    model.set_user_seen(r.user, true);
    model.set_item_seen(r.item, true);
  }
  const double mean = sum / static_cast<double>(entries.size());
  model.set_mean(static_cast<float>(mean));
  Rng init_rng(params.seed, /*stream=*/1);
  const float scale = InitScale(params, mean);
  InitFactors(model.user_factors(), scale, init_rng);
  InitFactors(model.item_factors(), scale, init_rng);

  ValidationSet validation;
  if (options.validation != nullptr) {
    size_t unknown = 0;
    validation = SplitValidation(
        AlignTo(*options.validation, model.users(), model.items(), &unknown), model);
    report.validation_unknown = unknown;
  }

  // The monitor's sample comes from the entries in their original order,
  // before the shuffler arranges them.
  std::vector<Rating> sample =
      DrawSample(entries, static_cast<size_t>(params.monitor_sample), params.seed);
  engine::WorkerPool pool(threads);
  std::optional<engine::Shuffler> shuffler;
  std::optional<engine::BlockGrid> grid;
  if (params.schedule == Schedule::kBlocked) {
    if (params.grid > 0 && params.grid < threads + 1) {
      return absl::InvalidArgumentError(absl::StrCat("invalid grid (--grid) = ", params.grid,
                                                     "; expected at least threads + 1 = ", threads + 1));
    }
    const int bands = params.grid > 0 ? params.grid : std::max(2 * threads + 2, 8);
    pool.Execute([&] {
      grid.emplace(std::span<Rating>(working), model.num_users(), model.num_items(), bands, bands,
                   params.seed);
    });
    report.grid = bands;
  } else {
    pool.Execute([&] {
      shuffler.emplace(std::span<Rating>(working), params.order,
                       static_cast<size_t>(params.chunk_size), params.seed);
    });
    report.order = shuffler->order();
  }

  kernels::SgdArgs args;
  args.p = model.user_factors().data();
  args.q = model.item_factors().data();
  args.stride = model.user_factors().stride();
  args.k = params.k;
  args.l2 = params.l2;

  std::mutex observer_mutex;
  engine::StopState stop;
  engine::MonitorConfig config;
  config.period = std::chrono::milliseconds(params.monitor_ms);
  config.stop_loss = params.stop_loss;
  config.stop_rmse = params.stop_rmse;
  config.time_limit = params.time_limit_seconds;
  config.l2 = params.l2;
  config.num_ratings = entries.size();
  config.cancel = options.cancel;
  config.dot = kernel.dot;
  std::function<void(const ProgressSample&)> on_sample;
  if (options.observer != nullptr) {
    on_sample = [&](const ProgressSample& sample) {
      std::lock_guard<std::mutex> lock(observer_mutex);
      options.observer->OnSample(sample);
    };
  }
  engine::Monitor monitor(model.user_factors(), model.item_factors(), std::move(sample), config,
                          stop, std::move(on_sample));

  const engine::FitCounts fit_counts =
      engine::CountEntries(entries, model.num_users(), model.num_items());
  std::optional<Model> best;
  double best_validation = INFINITY;
  int epochs_without_gain = 0;
  monitor.Start();
  for (int epoch = 0; epoch < params.max_epochs; ++epoch) {
    args.learning_rate = EpochLearningRate(params, epoch);
    monitor.SetEpoch(epoch + 1);
    const auto start = std::chrono::steady_clock::now();
    uint64_t updates = 0;
    if (grid.has_value()) {
      grid->StartEpoch();
      const engine::WorkerPool::BlockedEpoch run =
          pool.RunBlockedEpoch(*grid, kernel, args, stop, monitor.updates());
      updates = run.ratings;
      report.block_idle_seconds += run.idle_seconds;
    } else {
      shuffler->StartEpoch();
      updates = pool.RunEpoch(*shuffler, kernel, args, stop, monitor.updates());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    EpochStats stats;
    stats.epoch = epoch + 1;
    stats.updates = updates;
    stats.seconds = seconds;
    stats.updates_per_second = seconds > 0 ? static_cast<double>(updates) / seconds : 0.0;
    stats.learning_rate = args.learning_rate;
    const engine::Fit fit = pool.Execute([&] {
      return engine::MeasureFitParallel(model.user_factors(), model.item_factors(), entries,
                                        fit_counts, params.l2, kernel);
    });
    stats.loss = fit.loss;
    stats.train_rmse = fit.rmse;
    if (validation.count > 0) {
      const double squared_error = pool.Execute([&] {
        return engine::SumSquaredErrors(model.user_factors(), model.item_factors(),
                                        validation.known, kernel);
      });
      stats.validation_rmse = std::sqrt((squared_error + validation.unknown_squared_error) /
                                        static_cast<double>(validation.count));
    }

    report.epochs = stats.epoch;
    report.updates += stats.updates;
    report.seconds += seconds;
    report.loss = stats.loss;
    report.train_rmse = stats.train_rmse;
    report.validation_rmse = stats.validation_rmse;
    report.history.push_back(stats);
    if (options.observer != nullptr) {
      std::lock_guard<std::mutex> lock(observer_mutex);
      options.observer->OnEpoch(stats);
    }

    if (!std::isfinite(fit.loss) || stop.signal() == engine::StopSignal::kDiverged) {
      monitor.Finish();
      return Diverged(stats.epoch, fit.loss, params.learning_rate);
    }
    if (stop.stopped()) {
      report.stop_reason = ReasonFor(stop.signal());
      break;
    }
    if (params.stop_loss > 0 && fit.loss <= params.stop_loss) {
      report.stop_reason = StopReason::kLossThreshold;
      break;
    }
    if (params.stop_rmse > 0 && fit.rmse <= params.stop_rmse) {
      report.stop_reason = StopReason::kRmseThreshold;
      break;
    }
    if (params.stop_validation_rmse > 0 && stats.validation_rmse <= params.stop_validation_rmse) {
      report.stop_reason = StopReason::kValidationRmseThreshold;
      break;
    }
    if (params.early_stop > 0) {
      if (stats.validation_rmse < best_validation) {
        best_validation = stats.validation_rmse;
        report.best_epoch = stats.epoch;
        epochs_without_gain = 0;
        best = model;
      } else if (++epochs_without_gain >= params.early_stop) {
        report.stop_reason = StopReason::kEarlyStop;
        break;
      }
    }
  }
  monitor.Finish();
  if (best.has_value() && report.best_epoch != report.epochs) {
    model = std::move(*best);
    const EpochStats& kept = report.history[static_cast<size_t>(report.best_epoch) - 1];
    report.loss = kept.loss;
    report.train_rmse = kept.train_rmse;
    report.validation_rmse = kept.validation_rmse;
  }
  if (options.keep_rated_items) {
    // Built after training, in the memory of the working array, which training
    // no longer needs, and after the arrangement's own arrays are gone: the
    // build needs no memory per rating of its own.
    shuffler.reset();
    grid.reset();
    const auto start = std::chrono::steady_clock::now();
    model.set_rated_items(pool.Execute([&] {
      return internal::RatedItemsInternal::BuildConsuming(std::span<Rating>(working),
                                                          model.num_users());
    }));
    report.rated_items_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  report.updates_per_second =
      report.seconds > 0 ? static_cast<double>(report.updates) / report.seconds : 0.0;
  return result;
}

}  // namespace

absl::StatusOr<TrainResult> Train(const Ratings& train, const TrainParams& params,
                                  const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(CheckInputs(train, params, options));
  return TrainOn(std::vector<Rating>(train.entries().begin(), train.entries().end()),
                 train.users(), train.items(), params, options);
}

absl::StatusOr<TrainResult> Train(Ratings&& train, const TrainParams& params,
                                  const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(CheckInputs(train, params, options));
  std::vector<Rating> working = train.ReleaseEntries();
  return TrainOn(std::move(working), std::move(train.mutable_users()),
                 std::move(train.mutable_items()), params, options);
}

}  // namespace hogmf
