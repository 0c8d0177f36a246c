// Trainer: the training session. Create sets up the model (fresh or a warm
// start), the validation split, the monitor's sample and the arrangement of
// the working ratings for the schedule; RunEpoch runs one epoch through the
// worker pool with the monitor sampling, measures the exact fit and asks the
// stop rules; Finish restores the early-stop best and builds the rated-items
// index. Train() is Create + Run + Finish. The state is Trainer::Session
// (engine/trainer_session.h); checkpoints are in trainer_checkpoint.cc.
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
#include "engine/fit.h"
#include "engine/learning_rate.h"
#include "engine/memory_budget.h"
#include "engine/model_setup.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"
#include "engine/step_args.h"
#include "engine/stop_rules.h"
#include "engine/trainer_session.h"
#include "engine/trial_sample.h"
#include "engine/workers.h"
#include "hogmf/auto_params.h"
#include "kernels/kernel_registry.h"
#include "model/model_internal.h"
#include "model/rated_items_internal.h"
#include "ratings/packed_ratings.h"
#include "util/absl_compat.h"
#include "util/memory.h"
#include "util/parallel.h"
#include "util/random.h"
#include "util/status_macros.h"

namespace hogmf {

using internal::CatchOutOfMemory;
using internal::CheckInputs;
using internal::Clock;
using internal::Rng;
using internal::SecondsSince;
using internal::ThreadsFor;
using internal::ValidationSet;

namespace internal {

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
  const int threads = ThreadsFor(params);
  if (ResolveSchedule(params.schedule, num_ratings) == hogmf::Schedule::kBlocked &&
      params.grid > 0 && params.grid < threads + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid grid (--grid) = ", params.grid,
                     "; expected at least threads + 1 = ", threads + 1));
  }
  return kernels::SelectKernel(params.isa).status();
}

}  // namespace internal

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

}  // namespace

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
