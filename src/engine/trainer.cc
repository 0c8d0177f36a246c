// Trainer: the training session. Create sets up the model (fresh or a warm
// start), the validation split, the monitor's sample and the arrangement of
// the working ratings for the schedule; RunEpoch runs one epoch through the
// worker pool with the monitor sampling, measures the exact fit and asks the
// stop rules; Finish restores the early-stop best and builds the rated-items
// index. Train() is Create + Run + Finish.
#include "hogmf/trainer.h"

#include <tbb/info.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>
#include <numeric>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/block_grid.h"
#include "engine/checkpoint.h"
#include "engine/fit.h"
#include "engine/learning_rate.h"
#include "engine/memory_budget.h"
#include "engine/model_setup.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"
#include "engine/step_args.h"
#include "engine/stop_rules.h"
#include "engine/trial_sample.h"
#include "engine/workers.h"
#include "hogmf/auto_params.h"
#include "hogmf/model_io.h"
#include "hogmf/write_file.h"
#include "kernels/kernel_registry.h"
#include "model/model_internal.h"
#include "model/rated_items_internal.h"
#include "ratings/packed_ratings.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/memory.h"
#include "util/parallel.h"
#include "util/random.h"
#include "util/status_macros.h"

namespace hogmf {

using internal::Rng;

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
    case StopReason::kCallback:
      return "callback";
    case StopReason::kDiverged:
      return "diverged";
  }
  return "unknown";
}

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
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

// The validation set, aligned once. Losses that predict values are scored
// by the RMSE of the model's predictions (clipped as the model clips them,
// unknown pairs predicted as Model::Predict predicts them): every entry is
// kept. The others are scored by their mean loss over the pairs the model
// has rows for, through the kernel's loss pass: only those are kept.
struct ValidationSet {
  std::vector<Rating> entries;
  size_t count = 0;  // validation ratings given
  bool by_rmse = true;
};

ValidationSet AlignValidation(std::vector<Rating> aligned, const Model& model, Loss loss) {
  ValidationSet set;
  set.count = aligned.size();
  set.by_rmse = PredictsValues(loss);
  if (!set.by_rmse) {
    std::erase_if(aligned, [&model](const Rating& r) {
      return !model.user_seen(r.user) || !model.item_seen(r.item);
    });
  }
  set.entries = std::move(aligned);
  return set;
}

// Sum of (r - Predict(u, i))^2 over the entries, in a fixed order of fixed
// blocks. Call inside the pool's arena.
double SumPredictionSquaredErrors(const Model& model, std::span<const Rating> entries) {
  return internal::DeterministicSum(entries.size(), 1 << 14, [&](size_t begin, size_t end) {
    double sum = 0.0;
    for (size_t j = begin; j != end; ++j) {
      const Rating& r = entries[j];
      const double error = static_cast<double>(r.value) - model.Predict(r.user, r.item);
      sum += error * error;
    }
    return sum;
  });
}

absl::Status Diverged(int epoch, double loss, float learning_rate) {
  return absl::AbortedError(
      absl::StrCat("training diverged in epoch ", epoch, " (loss ", loss,
                   "); try a smaller learning rate than --lr=", learning_rate));
}

absl::Status CheckInputs(size_t num_ratings, const TrainParams& params,
                         const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(params.Validate());
  if (num_ratings == 0) return absl::InvalidArgumentError("no training ratings");
  if (num_ratings > 0xFFFFFFFFull) {
    return absl::InvalidArgumentError(
        absl::StrCat(num_ratings, " training ratings; at most 4294967295 are supported"));
  }
  if (params.early_stop > 0 && options.validation == nullptr) {
    return absl::InvalidArgumentError("early stopping (--early-stop) needs a validation set");
  }
  if (params.stop_validation_rmse > 0 && options.validation == nullptr) {
    return absl::InvalidArgumentError(
        "stopping at a validation RMSE (--stop-validation-rmse) needs a validation set");
  }
  const int threads = params.threads > 0 ? params.threads : tbb::info::default_concurrency();
  if (ResolveSchedule(params.schedule, num_ratings) == Schedule::kBlocked && params.grid > 0 &&
      params.grid < threads + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid grid (--grid) = ", params.grid,
                     "; expected at least threads + 1 = ", threads + 1));
  }
  return kernels::SelectKernel(params.isa).status();
}

}  // namespace

// Everything a session holds. Declared in the order it is built; `monitor`
// refers to the model's factors, `rules` and `stop`.
struct Trainer::Session {
  TrainParams params;
  TrainOptions options;
  kernels::Kernel kernel;
  int threads = 1;
  std::vector<Rating> working;          // the training entries, arranged for the schedule
  std::optional<PackedRatings> packed;  // the same, once packed (`working` is then empty)
  std::vector<Rating> sample;           // the monitor's, until Prepare hands it over
  Model model;
  std::optional<engine::WarmStart> warm;  // the initial model's index, on a warm start
  std::vector<float> p_adagrad;           // AdaGrad: each row's G (empty for other schedules)
  std::vector<float> q_adagrad;
  kernels::SgdArgs base_args;  // everything but the epoch's learning rate and seed
  ValidationSet validation;
  // Ratings held out of `working` to early-stop on, in its index space (a
  // choice with ParamsChoice::final_holdout_ratings); read by Prepare.
  std::vector<Rating> held_out;
  std::unique_ptr<engine::WorkerPool> pool;
  std::optional<engine::Shuffler> shuffler;
  std::optional<engine::BlockGrid> grid;
  std::optional<engine::FitCounts> fit_counts;  // made at the first exact fit pass
  engine::StopState stop;
  engine::StopRules rules;
  engine::EarlyStop* early_stop = nullptr;
  std::unique_ptr<engine::Monitor> monitor;
  std::optional<Model> best;  // early stopping: the best epoch's model
  // Early stopping keeps the best epoch's model in `best`; without, it
  // returns the last epoch's (ParamsChoice::final_keeps_last).
  bool keeps_best = true;
  // A fresh session's (Create): what its model was drawn from, and the
  // schedule's generator as the arrangement left it, for Restart.
  std::optional<engine::EntryFacts> facts;
  internal::Rng::State arranged_rng{};
  std::optional<StopReason> stop_reason;
  std::optional<Clock::time_point> start;  // session time zero: the first epoch's start
  TrainReport report;
  bool finished = false;
  // Of the working ratings as arranged (they do not change after Prepare) and
  // the id maps; computed at the first checkpoint, so other sessions pay
  // nothing for it.
  mutable std::optional<uint64_t> fingerprint;
  double resumed_seconds = 0;  // a resumed session: session time at the checkpoint

  // A session on `working`, entries in the index space of `users` x `items`,
  // continuing `initial` when given. The inputs are checked by CheckInputs.
  static absl::StatusOr<std::unique_ptr<Session>> New(std::vector<Rating> working, IdMap users,
                                                      IdMap items, std::optional<Model> initial,
                                                      const TrainParams& params,
                                                      const TrainOptions& options,
                                                      std::vector<Rating> held_out = {});
  // A session after ChooseParams made `choice` (for `given` params): when
  // the choice leaves the epochs to the final run, that run early-stops,
  // on the ratings the choice held out of `working` when it held some.
  static absl::StatusOr<std::unique_ptr<Session>> NewChosen(
      std::vector<Rating> working, IdMap users, IdMap items, TrainParams chosen,
      const TrainParams& given, ParamsChoice choice, const TrainOptions& options);
  // Draws the monitor's sample from `working` in its given order, arranges
  // `working` for the schedule and packs it when `compact` and the order
  // allows (not kShuffle, whose chunks gather through an order array) and
  // the data does. Needs only the row counts, so that a fresh session makes
  // its model after the 12-byte array is gone.
  void Arrange(uint32_t num_users, uint32_t num_items, bool compact);
  // Builds everything else once `model` is in place too: the validation set
  // (PrepareValidation), then the rest (PrepareTraining).
  void Prepare(const TrainOptions& given);
  void PrepareValidation(const TrainOptions& given);
  void PrepareTraining();
  absl::Status Restart(const TrainParams& next);
  // Lets go of the model, its early-stopping copy and the monitor.
  void FreeModel();
  size_t num_ratings() const { return packed.has_value() ? packed->size() : working.size(); }
  absl::StatusOr<EpochStats> RunEpoch();
  // The exact pass over every working rating with the rows of `args`.
  engine::Fit ExactFit(const kernels::SgdArgs& args) {
    if (!fit_counts.has_value()) {
      fit_counts = packed.has_value()
                       ? engine::CountPackedEntries(*packed, model.num_users(), model.num_items())
                       : engine::CountEntries(working, model.num_users(), model.num_items());
    }
    ++report.exact_fits;
    return pool->Execute([&] {
      return packed.has_value()
                 ? engine::MeasurePackedFitParallel(args, *packed, *fit_counts, kernel)
                 : engine::MeasureFitParallel(args, working, *fit_counts, kernel);
    });
  }
  TrainResult Finish();
  absl::Status SaveCheckpoint(const std::string& path) const;
  uint64_t Fingerprint() const {
    if (!fingerprint.has_value()) {
      fingerprint = packed.has_value()
                        ? engine::TrainingFingerprint(*packed, model.users(), model.items())
                        : engine::TrainingFingerprint(working, model.users(), model.items());
    }
    return *fingerprint;
  }
  // Sets setup_seconds: the time since `start` but the arrangement's.
  void SetSetupSeconds(Clock::time_point start) {
    report.setup_seconds = std::max(SecondsSince(start) - report.arrange_seconds, 0.0);
  }
  // Gives a prepared session the state of `data` (checked against it).
  absl::Status Restore(engine::CheckpointData data, const std::string& path);
};

void Trainer::Session::Arrange(uint32_t num_users, uint32_t num_items, bool compact) {
  // The monitor's sample comes from the entries in their original order,
  // before the arrangement.
  sample = DrawSample(working, static_cast<size_t>(params.monitor_sample), params.seed);
  pool = std::make_unique<engine::WorkerPool>(threads);
  const Clock::time_point arrange_start = Clock::now();
  report.schedule = ResolveSchedule(params.schedule, working.size());
  if (report.schedule == Schedule::kBlocked) {
    const int bands = params.grid > 0 ? params.grid : std::max(2 * threads + 2, 8);
    pool->Execute([&] {
      grid.emplace(std::span<Rating>(working), num_users, num_items, bands, bands, params.seed);
    });
    report.grid = bands;
  } else {
    pool->Execute([&] {
      shuffler.emplace(std::span<Rating>(working), params.order,
                       static_cast<size_t>(params.chunk_size), params.seed);
    });
    report.order = shuffler->order();
  }
  if (compact && (grid.has_value() || shuffler->order() != RatingOrder::kShuffle)) {
    packed = PackedRatings::Pack(working, num_items);
    if (packed.has_value()) {
      if (grid.has_value()) grid->ReleaseRatings();
      if (shuffler.has_value()) shuffler->ReleaseRatings();
    }
  }
  report.working_bytes_per_rating =
      static_cast<int>(packed.has_value() ? sizeof(PackedRating) : sizeof(Rating));
  arranged_rng = grid.has_value() ? grid->rng_state() : shuffler->state().rng;
  report.arrange_seconds = SecondsSince(arrange_start);
}

void Trainer::Session::FreeModel() {
  monitor.reset();
  best.reset();
  model = Model();
  internal::ReleaseFreedMemory();
}

absl::Status Trainer::Session::Restart(const TrainParams& next) {
  if (finished) return absl::FailedPreconditionError("the training session is finished");
  if (!facts.has_value()) {
    return absl::FailedPreconditionError(
        "only a session that Create made can restart (not a warm start or a resumed one)");
  }
  TrainParams weights_only = params;
  weights_only.l2_p = next.l2_p;
  weights_only.l2_q = next.l2_q;
  weights_only.l2_user_bias = next.l2_user_bias;
  weights_only.l2_item_bias = next.l2_item_bias;
  if (!(weights_only == next) || next.HasAutoFields()) {
    return absl::InvalidArgumentError(
        "a restart changes the L2 weights only (l2_p, l2_q, l2_user_bias, l2_item_bias), to "
        "values that are not auto");
  }
  HOGMF_RETURN_IF_ERROR(next.Validate());
  const Clock::time_point restart_start = Clock::now();
  sample = monitor->sample();
  IdMap users = model.users();
  IdMap items = model.items();
  FreeModel();  // before the new one: its blocks are reused
  TrainReport fresh;
  fresh.kernel = report.kernel;
  fresh.threads = report.threads;
  fresh.schedule = report.schedule;
  fresh.grid = report.grid;
  fresh.order = report.order;
  fresh.working_bytes_per_rating = report.working_bytes_per_rating;
  fresh.arrange_seconds = report.arrange_seconds;
  fresh.validation_unknown = report.validation_unknown;
  fresh.choice = report.choice;
  fresh.params = next;
  report = std::move(fresh);
  params = next;
  model = engine::NewModel(*facts, std::move(users), std::move(items), params);
  stop_reason.reset();
  start.reset();
  resumed_seconds = 0;
  if (grid.has_value()) {
    grid->set_rng_state(arranged_rng);
  } else {
    engine::Shuffler::State rewound{arranged_rng, shuffler->state().permutation};
    std::iota(rewound.permutation.begin(), rewound.permutation.end(), 0u);
    shuffler->Restore(rewound);
  }
  PrepareTraining();
  report.setup_seconds = SecondsSince(restart_start);
  return absl::OkStatus();
}

void Trainer::Session::Prepare(const TrainOptions& given) {
  PrepareValidation(given);
  PrepareTraining();
}

void Trainer::Session::PrepareValidation(const TrainOptions& given) {
  report.kernel = kernel.name;
  report.threads = threads;
  options = given;
  if (!given.keep_best_model) keeps_best = false;
  options.validation = nullptr;  // read here, not kept
  if (given.validation != nullptr) {
    size_t unknown = 0;
    validation = AlignValidation(AlignTo(*given.validation, model.users(), model.items(), &unknown),
                                 model, params.loss);
    report.validation_unknown = unknown;
  } else if (!held_out.empty()) {
    validation = AlignValidation(std::move(held_out), model, params.loss);
    held_out = std::vector<Rating>();
  }
}

void Trainer::Session::PrepareTraining() {
  base_args = engine::StepConstants(params);
  kernels::SgdArgs& args = base_args;
  args.p = internal::ModelInternal::user_factors(model).data();
  args.q = internal::ModelInternal::item_factors(model).data();
  args.stride = model.user_factors().stride();
  if (model.has_biases()) {
    args.user_bias = internal::ModelInternal::user_biases(model).data();
    args.item_bias = internal::ModelInternal::item_biases(model).data();
    args.mean = model.mean();
  }
  if (params.lr_schedule == LearningRateSchedule::kAdaGrad) {
    p_adagrad.assign(model.num_users(), 1.0f);
    q_adagrad.assign(model.num_items(), 1.0f);
    args.p_adagrad = p_adagrad.data();
    args.q_adagrad = q_adagrad.data();
  }
  args.num_users = model.num_users();
  args.num_items = model.num_items();

  rules = engine::MakeStopRules(params, options, &early_stop);
  engine::MonitorConfig config;
  config.period = std::chrono::milliseconds(params.monitor_ms);
  config.num_ratings = num_ratings();
  config.args = base_args;
  config.kernel = kernel;
  monitor = std::make_unique<engine::Monitor>(std::move(sample), std::move(config), stop, rules);
  sample = std::vector<Rating>();
}

absl::StatusOr<EpochStats> Trainer::Session::RunEpoch() {
  if (finished) return absl::FailedPreconditionError("the training session is finished");
  if (!start.has_value()) {
    start = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(resumed_seconds));
  }
  const int epoch_index = report.epochs;
  kernels::SgdArgs args = base_args;
  args.learning_rate = engine::EpochLearningRate(params, epoch_index);
  uint64_t epoch_seed = params.seed ^ (static_cast<uint64_t>(epoch_index) << 32);
  args.seed = internal::SplitMix64(epoch_seed);

  stop.Reset();
  stop_reason.reset();
  monitor->Start(*start, epoch_index + 1);
  const Clock::time_point epoch_start = Clock::now();
  uint64_t updates = 0;
  if (grid.has_value()) {
    grid->StartEpoch();
    const engine::WorkerPool::BlockedEpoch run = pool->RunBlockedEpoch(
        *grid, kernel, args, stop, monitor->updates(), packed.has_value() ? &*packed : nullptr);
    updates = run.ratings;
    report.block_idle_seconds += run.idle_seconds;
  } else {
    shuffler->StartEpoch();
    updates = pool->RunEpoch(*shuffler, kernel, args, stop, monitor->updates(),
                             packed.has_value() ? &*packed : nullptr);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
  monitor->Stop();
  const std::optional<StopReason> during = stop.reason();

  EpochStats stats;
  stats.epoch = epoch_index + 1;
  stats.updates = updates;
  stats.complete = updates == num_ratings();
  stats.seconds = seconds;
  stats.updates_per_second = seconds > 0 ? static_cast<double>(updates) / seconds : 0.0;
  stats.learning_rate = args.learning_rate;
  const Clock::time_point fit_start = Clock::now();
  const bool exact =
      options.fit == FitMeasure::kEveryEpoch || params.stop_loss > 0 || params.stop_rmse > 0;
  engine::Fit fit;
  if (exact) {
    fit = ExactFit(args);
  } else if (options.fit != FitMeasure::kNone) {
    fit = monitor->Estimate();
  } else {
    fit.loss = fit.rmse = -1.0;
  }
  report.fit_seconds += SecondsSince(fit_start);
  stats.loss = fit.loss;
  stats.train_rmse = fit.rmse;
  stats.exact_fit = exact;
  const Clock::time_point validation_start = Clock::now();
  if (validation.count > 0 && validation.by_rmse) {
    const double squared_error =
        pool->Execute([&] { return SumPredictionSquaredErrors(model, validation.entries); });
    stats.validation_rmse = std::sqrt(squared_error / static_cast<double>(validation.count));
  } else if (!validation.entries.empty()) {
    const kernels::LossSums sums =
        pool->Execute([&] { return engine::SumLosses(args, validation.entries, kernel); });
    stats.validation_loss = sums.loss / static_cast<double>(validation.entries.size());
  }
  report.validation_seconds += SecondsSince(validation_start);
  stats.elapsed_seconds = std::chrono::duration<double>(Clock::now() - *start).count();

  report.epochs = stats.epoch;
  report.updates += stats.updates;
  report.seconds += seconds;
  report.updates_per_second =
      report.seconds > 0 ? static_cast<double>(report.updates) / report.seconds : 0.0;
  report.loss = stats.loss;
  report.train_rmse = stats.train_rmse;
  report.exact_fit = stats.exact_fit;
  report.validation_rmse = stats.validation_rmse;
  report.validation_loss = stats.validation_loss;
  report.history.push_back(stats);

  std::optional<StopReason> after = rules.OnEpoch(stats);
  if (during == StopReason::kDiverged || after == StopReason::kDiverged) {
    finished = true;
    return Diverged(stats.epoch, fit.loss, args.learning_rate);
  }
  if (early_stop != nullptr && !keeps_best) {
    report.best_epoch = stats.epoch;
  } else if (early_stop != nullptr && early_stop->improved()) {
    report.best_epoch = stats.epoch;
    best = model;
  }
  stop_reason = during.has_value() ? during : after;
  if (stop_reason.has_value()) report.stop_reason = *stop_reason;
  return stats;
}

TrainResult Trainer::Session::Finish() {
  monitor.reset();
  if (best.has_value() && report.best_epoch != report.epochs) {
    model = std::move(*best);
    const EpochStats& kept = report.history[static_cast<size_t>(report.best_epoch) - 1];
    report.loss = kept.loss;
    report.train_rmse = kept.train_rmse;
    report.exact_fit = kept.exact_fit;
    report.validation_rmse = kept.validation_rmse;
    report.validation_loss = kept.validation_loss;
  }
  best.reset();
  if (options.fit == FitMeasure::kAtFinish && !report.exact_fit && report.epochs > 0) {
    // The model's own rows: after restoring the best model, base_args points
    // at factors that are gone.
    kernels::SgdArgs args = base_args;
    args.p = internal::ModelInternal::user_factors(model).data();
    args.q = internal::ModelInternal::item_factors(model).data();
    if (model.has_biases()) {
      args.user_bias = internal::ModelInternal::user_biases(model).data();
      args.item_bias = internal::ModelInternal::item_biases(model).data();
    }
    const Clock::time_point fit_start = Clock::now();
    const engine::Fit fit = ExactFit(args);
    report.fit_seconds += SecondsSince(fit_start);
    report.loss = fit.loss;
    report.train_rmse = fit.rmse;
    report.exact_fit = true;
  }
  if (options.keep_rated_items) {
    // Built in the memory of the working array, which training no longer
    // needs, after the arrangement's own arrays are gone: the build needs no
    // memory per rating of its own.
    shuffler.reset();
    grid.reset();
    const Clock::time_point rated_start = Clock::now();
    RatedItems rated = pool->Execute([&] {
      return packed.has_value()
                 ? internal::RatedItemsInternal::BuildConsuming(*packed, model.num_users())
                 : internal::RatedItemsInternal::BuildConsuming(std::span<Rating>(working),
                                                                model.num_users());
    });
    if (warm.has_value() && warm->had_rated_items) {
      rated = engine::MergeRatedItems(warm->initial_rated, rated, model.num_users());
    }
    internal::ModelInternal::set_rated_items(model, std::move(rated));
    report.rated_items_seconds = std::chrono::duration<double>(Clock::now() - rated_start).count();
  }
  working = std::vector<Rating>();
  packed.reset();
  finished = true;
  TrainResult result;
  internal::ModelInternal::UpdateColdUser(model);
  result.model = std::move(model);
  result.report = report;
  return result;
}

namespace {

// The session's thread count and kernel, for inputs CheckInputs accepted.
int ThreadsFor(const TrainParams& params) {
  return params.threads > 0 ? params.threads : tbb::info::default_concurrency();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Trainer::Session>> Trainer::Session::New(
    std::vector<Rating> working, IdMap users, IdMap items, std::optional<Model> initial,
    const TrainParams& params, const TrainOptions& options, std::vector<Rating> held_out) {
  auto session = std::make_unique<Trainer::Session>();
  session->held_out = std::move(held_out);
  HOGMF_ASSIGN_OR_RETURN(session->kernel, kernels::SelectKernel(params.isa));
  session->params = params;
  session->report.params = params;
  session->threads = ThreadsFor(params);
  session->working = std::move(working);
  if (initial.has_value()) {
    HOGMF_ASSIGN_OR_RETURN(engine::WarmStart warm,
                           engine::ContinueModel(std::move(*initial), session->working, users,
                                                 items, params));
    session->model = std::move(warm.model);
    session->report.warm_start = true;
    session->report.new_users = warm.new_users;
    session->report.new_items = warm.new_items;
    session->warm = std::move(warm);
    session->Arrange(session->model.num_users(), session->model.num_items(),
                     options.compact_ratings);
  } else {
    // The factors are made after the arrangement and the packing: the
    // 12-byte array and the factors are never both in memory.
    const uint32_t num_users = users.size();
    const uint32_t num_items = items.size();
    session->facts = engine::ScanEntries(session->working, num_users, num_items);
    session->Arrange(num_users, num_items, options.compact_ratings);
    session->model = engine::NewModel(*session->facts, std::move(users), std::move(items), params);
  }
  session->Prepare(options);
  return session;
}

absl::StatusOr<std::unique_ptr<Trainer::Session>> Trainer::Session::NewChosen(
    std::vector<Rating> working, IdMap users, IdMap items, TrainParams chosen,
    const TrainParams& given, ParamsChoice choice, const TrainOptions& options) {
  std::vector<Rating> held_out;
  if (choice.final_early_stop) {
    chosen.max_epochs = kAutoMaxEpochs;
    if (chosen.early_stop == 0) {
      // Near its best the held-out score is flat: stopping at the first epoch
      // without a gain and keeping that epoch's model costs little and
      // spares a copy of the factors and the patience epochs.
      chosen.early_stop = 1;
      choice.final_keeps_last = true;
    }
    if (chosen.early_stop_tolerance == 0) chosen.early_stop_tolerance = kTrialTolerance;
    if (choice.final_holdout_ratings > 0) {
      held_out = engine::TakeHeldOut(working, engine::SamplerFor(choice.user_share, given,
                                                                 /*holds_out=*/true));
    }
  }
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                         New(std::move(working), std::move(users), std::move(items), std::nullopt,
                             chosen, options, std::move(held_out)));
  if (choice.final_keeps_last) session->keeps_best = false;
  session->report.choice = std::move(choice);
  return session;
}

Trainer::Trainer(std::unique_ptr<Session> session) : session_(std::move(session)) {}
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;
Trainer::~Trainer() = default;

namespace {

// The params of a warm start: auto weights are the initial model's, auto
// epochs early-stop on the validation set or run kWarmStartEpochs.
TrainParams WarmStartParams(TrainParams params, const Model& initial, const TrainOptions& options) {
  if (params.l2_p == kAutoWeight) params.l2_p = initial.l2_p();
  if (params.l2_q == kAutoWeight) params.l2_q = initial.l2_q();
  if (params.l2_user_bias == kAutoWeight) params.l2_user_bias = initial.l2_user_bias();
  if (params.l2_item_bias == kAutoWeight) params.l2_item_bias = initial.l2_item_bias();
  if (params.max_epochs == kAutoEpochs) {
    if (options.validation != nullptr) {
      params.max_epochs = kAutoMaxEpochs;
      if (params.early_stop == 0) params.early_stop = kTrialPatience;
    } else {
      params.max_epochs = kWarmStartEpochs;
    }
  }
  return params;
}

// Refuses a session whose estimated peak memory exceeds the limit
// (engine/memory_budget.h) before anything is allocated.
absl::Status CheckMemory(const Ratings& train, const Model* initial, bool copies_ratings,
                         const TrainParams& params, const TrainOptions& options) {
  engine::TrainingFootprint footprint;
  footprint.users = train.num_users();
  footprint.items = train.num_items();
  footprint.ratings = train.size();
  footprint.validation = options.validation != nullptr ? options.validation->size() : 0;
  footprint.copies_ratings = copies_ratings;
  footprint.packs_ratings = options.compact_ratings &&
                            (ResolveSchedule(params.schedule, train.size()) == Schedule::kBlocked ||
                             ResolveOrder(params.order, train.size()) != RatingOrder::kShuffle);
  if (initial != nullptr) {
    footprint.users += initial->num_users();
    footprint.items += initial->num_items();
    footprint.initial_ids = uint64_t{initial->num_users()} + initial->num_items();
  }
  return engine::CheckTrainingMemory(footprint, params);
}

// Runs `make`, turning a std::bad_alloc the estimate did not foresee into
// kResourceExhausted.
template <typename Make>
absl::StatusOr<Trainer> CatchOutOfMemory(std::string_view what, Make make) {
  try {
    return make();
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(internal::ToAbsl(what),
                     " ran out of memory while setting up; --max-memory and a smaller k or "
                     "fewer rows (ids) lower the need"));
  }
}

}  // namespace

absl::StatusOr<Trainer> Trainer::Create(const Ratings& train, const TrainParams& params,
                                        const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(CheckInputs(train.size(), params, options));
  HOGMF_RETURN_IF_ERROR(CheckMemory(train, nullptr, /*copies_ratings=*/true, params, options));
  return CatchOutOfMemory("training", [&]() -> absl::StatusOr<Trainer> {
    const Clock::time_point choose_start = Clock::now();
    ParamsChoice choice;
    HOGMF_ASSIGN_OR_RETURN(const TrainParams chosen, ChooseParams(train, params, options, &choice));
    const double choose_seconds = choice.chosen ? SecondsSince(choose_start) : 0.0;
    const Clock::time_point setup_start = Clock::now();
    HOGMF_ASSIGN_OR_RETURN(
        std::unique_ptr<Session> session,
        Session::NewChosen(std::vector<Rating>(train.entries().begin(), train.entries().end()),
                           train.users(), train.items(), chosen, params, std::move(choice),
                           options));
    session->report.choose_seconds = choose_seconds;
    session->SetSetupSeconds(setup_start);
    return Trainer(std::move(session));
  });
}

absl::StatusOr<Trainer> Trainer::Create(Ratings&& train, const TrainParams& params,
                                        const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(CheckInputs(train.size(), params, options));
  HOGMF_RETURN_IF_ERROR(CheckMemory(train, nullptr, /*copies_ratings=*/false, params, options));
  return CatchOutOfMemory("training", [&]() -> absl::StatusOr<Trainer> {
    const Clock::time_point choose_start = Clock::now();
    ParamsChoice choice;
    HOGMF_ASSIGN_OR_RETURN(const TrainParams chosen, ChooseParams(train, params, options, &choice));
    const double choose_seconds = choice.chosen ? SecondsSince(choose_start) : 0.0;
    const Clock::time_point setup_start = Clock::now();
    std::vector<Rating> working = train.ReleaseEntries();
    HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                           Session::NewChosen(std::move(working), std::move(train.mutable_users()),
                                              std::move(train.mutable_items()), chosen, params,
                                              std::move(choice), options));
    session->report.choose_seconds = choose_seconds;
    session->SetSetupSeconds(setup_start);
    return Trainer(std::move(session));
  });
}

absl::StatusOr<Trainer> Trainer::Continue(Model initial, const Ratings& train,
                                          const TrainParams& params, const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(CheckInputs(train.size(), params, options));
  const TrainParams warm = WarmStartParams(params, initial, options);
  HOGMF_RETURN_IF_ERROR(CheckMemory(train, &initial, /*copies_ratings=*/true, warm, options));
  return CatchOutOfMemory("training", [&]() -> absl::StatusOr<Trainer> {
    const Clock::time_point setup_start = Clock::now();
    HOGMF_ASSIGN_OR_RETURN(
        std::unique_ptr<Session> session,
        Session::New(std::vector<Rating>(train.entries().begin(), train.entries().end()),
                     train.users(), train.items(), std::move(initial), warm, options));
    session->SetSetupSeconds(setup_start);
    return Trainer(std::move(session));
  });
}

absl::StatusOr<Trainer> Trainer::Continue(Model initial, Ratings&& train, const TrainParams& params,
                                          const TrainOptions& options) {
  HOGMF_RETURN_IF_ERROR(CheckInputs(train.size(), params, options));
  const TrainParams warm = WarmStartParams(params, initial, options);
  HOGMF_RETURN_IF_ERROR(CheckMemory(train, &initial, /*copies_ratings=*/false, warm, options));
  return CatchOutOfMemory("training", [&]() -> absl::StatusOr<Trainer> {
    const Clock::time_point setup_start = Clock::now();
    std::vector<Rating> working = train.ReleaseEntries();
    HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                           Session::New(std::move(working), std::move(train.mutable_users()),
                                        std::move(train.mutable_items()), std::move(initial), warm,
                                        options));
    session->SetSetupSeconds(setup_start);
    return Trainer(std::move(session));
  });
}

namespace {

// Reasons a resumed session keeps: those that follow from the data alone.
bool DataStopReason(StopReason reason) {
  switch (reason) {
    case StopReason::kLossThreshold:
    case StopReason::kRmseThreshold:
    case StopReason::kEarlyStop:
    case StopReason::kValidationRmseThreshold:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status Trainer::Session::SaveCheckpoint(const std::string& path) const {
  if (finished) return absl::FailedPreconditionError("the training session is finished");
  if (warm.has_value()) {
    return absl::FailedPreconditionError(
        "checkpoints of a warm start (a session that continues a model) are not supported");
  }
  engine::CheckpointData data;
  data.report = report;
  data.fingerprint = Fingerprint();
  data.num_ratings = num_ratings();
  data.elapsed_seconds = report.history.empty() ? 0.0 : report.history.back().elapsed_seconds;
  if (stop_reason.has_value() && DataStopReason(*stop_reason)) {
    data.stop_reason = static_cast<int32_t>(*stop_reason);
  }
  HOGMF_ASSIGN_OR_RETURN(data.model, SerializeModel(model));
  if (best.has_value() && report.best_epoch != report.epochs) {
    HOGMF_ASSIGN_OR_RETURN(data.best, SerializeModel(*best));
  }
  data.p_adagrad = p_adagrad;
  data.q_adagrad = q_adagrad;
  if (grid.has_value()) {
    data.blocked = true;
    data.rng = grid->rng_state();
  } else {
    engine::Shuffler::State state = shuffler->state();
    data.rng = state.rng;
    data.permutation = std::move(state.permutation);
  }
  return WriteFileAtomically(path, engine::EncodeCheckpoint(data));
}

absl::Status Trainer::Session::Restore(engine::CheckpointData data, const std::string& path) {
  const auto corrupt = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": corrupt hogmf checkpoint: ", internal::ToAbsl(what)));
  };
  if (data.p_adagrad.size() != p_adagrad.size() || data.q_adagrad.size() != q_adagrad.size()) {
    return corrupt("the AdaGrad sums do not match the model's rows");
  }
  std::copy(data.p_adagrad.begin(), data.p_adagrad.end(), p_adagrad.begin());
  std::copy(data.q_adagrad.begin(), data.q_adagrad.end(), q_adagrad.begin());
  if (data.blocked != grid.has_value()) return corrupt("the schedule's state does not match");
  if (grid.has_value()) {
    grid->set_rng_state(data.rng);
  } else if (!shuffler->Restore({data.rng, std::move(data.permutation)})) {
    return corrupt("the shuffler's order does not match the ratings");
  }
  const TrainReport prepared = report;
  report = std::move(data.report);
  report.kernel = prepared.kernel;
  report.threads = prepared.threads;
  report.arrange_seconds = prepared.arrange_seconds;
  report.working_bytes_per_rating = prepared.working_bytes_per_rating;
  if (report.schedule != prepared.schedule || report.grid != prepared.grid ||
      (grid.has_value() ? false : report.order != prepared.order)) {
    return corrupt("the schedule does not match the params");
  }
  if (early_stop != nullptr) {
    for (const EpochStats& stats : report.history) early_stop->OnEpoch(stats);
  }
  if (data.best.has_value()) {
    absl::StatusOr<Model> best_model = DeserializeModel(*data.best);
    if (!best_model.ok()) return corrupt(std::string(best_model.status().message()));
    best = std::move(*best_model);
  } else if (early_stop != nullptr && keeps_best && report.best_epoch == report.epochs &&
             report.epochs > 0) {
    best = model;
  }
  if (data.stop_reason >= 0) stop_reason = static_cast<StopReason>(data.stop_reason);
  resumed_seconds = data.elapsed_seconds;
  monitor->updates().store(report.updates, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::StatusOr<Trainer> Trainer::ResumeSession(const std::string& path, std::vector<Rating> working,
                                               IdMap users, IdMap items,
                                               const TrainOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const internal::MappedFile> file,
                         internal::MappedFile::Open(path));
  HOGMF_ASSIGN_OR_RETURN(engine::CheckpointData data, engine::DecodeCheckpoint(file->view(), path));
  file.reset();
  const TrainParams params = data.report.params;
  // A session that early-stops on ratings its choice held out of training
  // holds the same ones out again (a function of the ratings' order).
  std::vector<Rating> held_out;
  const ParamsChoice& choice = data.report.choice;
  TrainParams checked = params;
  if (choice.final_holdout_ratings > 0 && options.validation == nullptr) {
    held_out = engine::TakeHeldOut(working, engine::SamplerFor(choice.user_share, params,
                                                               /*holds_out=*/true));
    checked.early_stop = 0;  // it stops on those
  }
  HOGMF_RETURN_IF_ERROR(CheckInputs(working.size(), checked, options));
  if (working.size() != data.num_ratings) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the checkpoint was made on ", data.num_ratings, " training ratings, not ",
        working.size(), "; resume with the same training data"));
  }
  absl::StatusOr<Model> model = DeserializeModel(data.model);
  if (!model.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": corrupt hogmf checkpoint: ", model.status().message()));
  }
  if (model->k() != params.k) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": corrupt hogmf checkpoint: the model's k is not the params' k"));
  }
  const auto same_ids = [](const IdMap& a, const IdMap& b) {
    return a.is_identity() == b.is_identity() && a.size() == b.size() && a.names() == b.names();
  };
  const std::string differs = absl::StrCat(
      path,
      ": the training data differs from the checkpointed session's (same count, other ids, "
      "values or order); resume with the same training data");
  if (!same_ids(model->users(), users) || !same_ids(model->items(), items)) {
    return absl::InvalidArgumentError(differs);
  }
  return CatchOutOfMemory("resuming", [&]() -> absl::StatusOr<Trainer> {
    const Clock::time_point setup_start = Clock::now();
    auto session = std::make_unique<Session>();
    HOGMF_ASSIGN_OR_RETURN(session->kernel, kernels::SelectKernel(params.isa));
    session->params = params;
    session->report.params = params;
    session->threads = ThreadsFor(params);
    session->working = std::move(working);
    session->held_out = std::move(held_out);
    session->keeps_best = !choice.final_keeps_last;
    session->model = std::move(*model);
    session->Arrange(session->model.num_users(), session->model.num_items(),
                     options.compact_ratings);
    session->Prepare(options);
    // The arrangement follows the order of the entries, so the arranged
    // ratings are compared: the same ones train the same way.
    if (session->Fingerprint() != data.fingerprint) return absl::InvalidArgumentError(differs);
    HOGMF_RETURN_IF_ERROR(session->Restore(std::move(data), path));
    session->SetSetupSeconds(setup_start);
    return Trainer(std::move(session));
  });
}

absl::StatusOr<Trainer> Trainer::Resume(const std::string& checkpoint, const Ratings& train,
                                        const TrainOptions& options) {
  return ResumeSession(checkpoint,
                       std::vector<Rating>(train.entries().begin(), train.entries().end()),
                       train.users(), train.items(), options);
}

absl::StatusOr<Trainer> Trainer::Resume(const std::string& checkpoint, Ratings&& train,
                                        const TrainOptions& options) {
  std::vector<Rating> working = train.ReleaseEntries();
  return ResumeSession(checkpoint, std::move(working), std::move(train.mutable_users()),
                       std::move(train.mutable_items()), options);
}

absl::Status Trainer::SaveCheckpoint(const std::string& path) const {
  return session_->SaveCheckpoint(path);
}

absl::StatusOr<EpochStats> Trainer::RunEpoch() { return session_->RunEpoch(); }
absl::Status Trainer::Restart(const TrainParams& params) { return session_->Restart(params); }

absl::StatusOr<StopReason> Trainer::Run() {
  while (session_->report.epochs < session_->params.max_epochs) {
    HOGMF_RETURN_IF_ERROR(session_->RunEpoch().status());
    if (session_->stop_reason.has_value()) return *session_->stop_reason;
  }
  session_->report.stop_reason = StopReason::kEpochLimit;
  return StopReason::kEpochLimit;
}

std::optional<StopReason> Trainer::stop_reason() const { return session_->stop_reason; }
int Trainer::epoch() const { return session_->report.epochs; }

EvalResult Trainer::Evaluate(const Ratings& ratings) const {
  return hogmf::Evaluate(session_->model, ratings);
}

const Model& Trainer::model() const { return session_->model; }
const TrainReport& Trainer::report() const { return session_->report; }

TrainResult Trainer::Finish() { return session_->Finish(); }

absl::StatusOr<TrainResult> Train(const Ratings& train, const TrainParams& params,
                                  const TrainOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(Trainer trainer, Trainer::Create(train, params, options));
  HOGMF_RETURN_IF_ERROR(trainer.Run().status());
  return trainer.Finish();
}

absl::StatusOr<TrainResult> Train(Ratings&& train, const TrainParams& params,
                                  const TrainOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(Trainer trainer, Trainer::Create(std::move(train), params, options));
  HOGMF_RETURN_IF_ERROR(trainer.Run().status());
  return trainer.Finish();
}

}  // namespace hogmf
