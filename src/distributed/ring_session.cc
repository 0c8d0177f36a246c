// One rank's part of a distributed training run (ring_session.h): setting
// up, the epochs around the ring, and gathering the model. Checkpoints are in
// ring_checkpoint.cc.
#include "distributed/ring_session.h"

#include "distributed/ring_state.h"

namespace hogmf::distributed {

absl::StatusOr<std::unique_ptr<RingSession>> RingSession::Create(Comm& comm, const Layout& layout,
                                                                 std::vector<Rating> train,
                                                                 std::vector<Rating> validation,
                                                                 const TrainParams& params,
                                                                 const RingOptions& options) {
  absl::Status status = params.Validate();
  if (status.ok() && params.HasAutoFields()) {
    status = absl::InvalidArgumentError("RingSession needs params without auto fields");
  }
  absl::StatusOr<kernels::Kernel> kernel = kernels::SelectKernel(params.isa);
  if (status.ok()) status = kernel.status();
  auto state = std::make_unique<State>();
  State& s = *state;
  s.comm = &comm;
  s.layout = &layout;
  s.params = params;
  s.options = options;
  s.rank = comm.rank();
  s.ranks = comm.size();
  s.bands = 2 * s.ranks;
  s.user_begin = layout.user_bounds[static_cast<size_t>(s.rank)];
  s.num_local_users = layout.user_bounds[static_cast<size_t>(s.rank) + 1] - s.user_begin;
  s.stride = FactorMatrix::StrideFor(params.k);
  uint32_t widest = 0;
  for (int b = 0; b < s.bands; ++b) widest = std::max(widest, s.BandRows(b));
  if (status.ok()) {
    // This rank's memory: its rows as a session of its users and three
    // bands' items would hold them, plus the counts every rank keeps.
    engine::TrainingFootprint footprint;
    footprint.users = s.num_local_users;
    footprint.items = uint64_t{3} * widest;
    footprint.ratings = train.size();
    footprint.validation = validation.size();
    footprint.copies_ratings = false;
    status = engine::CheckTrainingMemory(footprint, params);
  }
  HOGMF_RETURN_IF_ERROR(comm.Agree(status));
  s.kernel = *kernel;
  s.biases = params.UsesBiases();
  s.adagrad = params.lr_schedule == LearningRateSchedule::kAdaGrad;
  const int threads = params.threads > 0 ? params.threads : tbb::info::default_concurrency();
  s.pool = std::make_unique<engine::WorkerPool>(threads);

  // Rows: drawn from the seed and the row's index in the whole data.
  const float scale = engine::InitScale(params, layout.mean, s.biases);
  const bool symmetric = s.biases && !params.nonneg;
  s.p = FactorMatrix(s.num_local_users, params.k);
  for (uint32_t u = 0; u < s.num_local_users; ++u) {
    DrawRow(s.p.row(u), params.k, params.seed, 0, s.user_begin + u, scale, symmetric);
  }
  if (s.biases) s.user_bias.assign(s.num_local_users, 0.0f);
  if (s.adagrad) s.p_adagrad.assign(s.num_local_users, 1.0f);
  s.slot_floats = RoundUp16(static_cast<size_t>(widest) * (s.stride + 2));
  s.slots.resize(s.ranks == 1 ? 2 : 3);
  for (State::Slot& slot : s.slots) slot.data = AllocateFloats(s.slot_floats);
  for (int home = 0; home < 2; ++home) {
    const int band = 2 * s.rank + home;
    State::Slot& slot = s.slots[static_cast<size_t>(home)];
    slot.band = band;
    for (uint32_t i = 0; i < s.BandRows(band); ++i) {
      DrawRow(s.BandQ(slot) + size_t{i} * s.stride, params.k, params.seed, 1, s.BandStart(band) + i,
              scale, symmetric);
    }
    if (s.adagrad) std::fill_n(s.BandAdaGrad(slot, band), s.BandRows(band), 1.0f);
  }

  // Ratings by band, in local indices.
  const auto by_band = [&](std::vector<Rating>& entries, std::vector<size_t>& begin) {
    std::vector<size_t> counts(static_cast<size_t>(s.bands) + 1, 0);
    std::vector<int> band_of(entries.size());
    for (size_t j = 0; j < entries.size(); ++j) {
      band_of[j] = BandOf(layout.item_bounds, entries[j].item);
      ++counts[static_cast<size_t>(band_of[j]) + 1];
    }
    for (int b = 0; b < s.bands; ++b)
      counts[static_cast<size_t>(b) + 1] += counts[static_cast<size_t>(b)];
    begin = counts;
    std::vector<Rating> sorted(entries.size());
    for (size_t j = 0; j < entries.size(); ++j) {
      Rating r = entries[j];
      r.user -= s.user_begin;
      r.item -= s.BandStart(band_of[j]);
      sorted[counts[static_cast<size_t>(band_of[j])]++] = r;
    }
    entries = std::move(sorted);
  };
  by_band(train, s.block_begin);
  s.working = std::move(train);
  by_band(validation, s.validation_begin);
  s.validation = std::move(validation);
  uint64_t validation_total[1] = {s.validation.size()};
  comm.SumInPlace(validation_total);
  s.validation_total = validation_total[0];

  // Each block's order, arranged once; the order follows this rank's count.
  const RatingOrder order = ResolveOrder(params.order, s.working.size());
  s.shufflers.reserve(static_cast<size_t>(s.bands));
  s.samples.resize(static_cast<size_t>(s.bands));
  s.block_loss.assign(static_cast<size_t>(s.bands), 0.0);
  s.block_squared_error.assign(static_cast<size_t>(s.bands), 0.0);
  const double share = std::min(1.0, static_cast<double>(params.monitor_sample) /
                                         static_cast<double>(layout.total_ratings));
  for (int b = 0; b < s.bands; ++b) {
    const std::span<Rating> block = s.Block(b);
    // The sample first, from the block as read.
    internal::Rng rng(params.seed,
                      3 + static_cast<uint64_t>(s.rank) * 4096 + static_cast<uint64_t>(b));
    const size_t want =
        std::min(block.size(), static_cast<size_t>(std::ceil(share * block.size())));
    std::vector<Rating>& sample = s.samples[static_cast<size_t>(b)];
    if (want == block.size()) {
      sample.assign(block.begin(), block.end());
    } else {
      for (size_t j = 0; j < want; ++j) sample.push_back(block[rng.Below(block.size())]);
    }
    s.pool->Execute([&] {
      s.shufflers.emplace_back(block, order, static_cast<size_t>(params.chunk_size),
                               params.seed ^ (static_cast<uint64_t>(s.rank) << 40) ^
                                   (static_cast<uint64_t>(b) << 20));
    });
  }

  TrainOptions rule_options;
  rule_options.observer = s.rank == 0 ? options.observer : nullptr;
  rule_options.cancel = &s.agreed_cancel;
  s.rules = engine::MakeStopRules(params, rule_options, &s.early_stop);
  s.exact_epochs = s.validation_total > 0 || params.stop_loss > 0 || params.stop_rmse > 0;
  if ((params.early_stop > 0 || params.stop_validation_rmse > 0) && s.validation_total == 0) {
    return comm.Agree(absl::InvalidArgumentError(
        "early stopping or --stop-validation-rmse needs a validation set with known pairs"));
  }
  s.report.kernel = s.kernel.name;
  s.report.threads = threads;
  s.report.schedule = Schedule::kHogwild;
  s.report.order = order;
  s.report.params = params;
  s.stats.rank = s.rank;
  s.stats.ratings = s.working.size();
  s.sent_before = comm.bytes_sent();
  s.received_before = comm.bytes_received();
  s.waited_before = comm.wait_seconds();
  return std::unique_ptr<RingSession>(new RingSession(std::move(state)));
}

RingSession::RingSession(std::unique_ptr<State> state) : state_(std::move(state)) {}
RingSession::~RingSession() = default;

absl::StatusOr<EpochStats> RingSession::State::RunEpoch() {
  if (!start.has_value()) {
    start = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(resumed_seconds));
  }
  const int epoch_index = report.epochs;
  const float rate = engine::EpochLearningRate(params, epoch_index);
  stop_reason.reset();
  const uint64_t before = updates.load();
  double compute = 0;
  std::optional<StopReason> during;
  int steps_run = 0;
  for (int step = 0; step < bands; ++step) {
    const int band = BandAtStep(rank, ranks, step);
    // Once the ranks agreed to stop, the bands still travel on home.
    if (!during.has_value()) {
      Slot& slot = SlotOf(band);
      kernels::SgdArgs args = ArgsFor(slot, band);
      args.learning_rate = rate;
      uint64_t seed = params.seed ^ (static_cast<uint64_t>(epoch_index) << 32) ^
                      (static_cast<uint64_t>(rank) << 16) ^ static_cast<uint64_t>(band);
      args.seed = internal::SplitMix64(seed);
      const Clock::time_point begin = Clock::now();
      engine::Shuffler& shuffler = shufflers[static_cast<size_t>(band)];
      shuffler.StartEpoch();
      pool->RunEpoch(shuffler, kernel, args, stop, updates);
      compute += SecondsSince(begin);
      // The monitor: this block's sample, scaled to the block.
      const Clock::time_point measured = Clock::now();
      const std::vector<Rating>& sample = samples[static_cast<size_t>(band)];
      if (!sample.empty()) {
        const engine::Fit fit = engine::MeasureFit(args, sample, kernel);
        const double scale_up = static_cast<double>(Block(band).size()) / sample.size();
        block_loss[static_cast<size_t>(band)] = fit.loss * scale_up;
        block_squared_error[static_cast<size_t>(band)] = fit.squared_error * scale_up;
      }
      stats.evaluate_seconds += SecondsSince(measured);
      ++steps_run;
    }
    PassOn(band, BandAtStep(rank, ranks, step + 2));
    if (!during.has_value()) {
      // Until every block has an estimate (the first epoch's last step),
      // the sums cover part of the data: no rule sees them.
      during = AgreeOnStep(epoch_index + 1, epoch_index > first_epoch || step == bands - 1);
    }
  }
  Settle();
  stats.compute_seconds += compute;
  const uint64_t mine = updates.load() - before;
  stats.updates += mine;

  // The epoch's figures, the same on every rank.
  double totals[1] = {static_cast<double>(mine)};
  double slowest[1] = {compute};
  comm->SumInPlace(totals);
  comm->MaxInPlace(slowest);
  EpochStats epoch;
  epoch.epoch = epoch_index + 1;
  epoch.updates = static_cast<uint64_t>(totals[0]);
  epoch.complete = steps_run == bands;
  epoch.seconds = slowest[0];
  epoch.updates_per_second = slowest[0] > 0 ? totals[0] / slowest[0] : 0.0;
  epoch.learning_rate = rate;
  epoch.exact_fit = exact_epochs;
  report.exact_fit = exact_epochs;
  if (exact_epochs) {
    const Clock::time_point measured = Clock::now();
    const Exact exact = MeasureExact();
    report.fit_seconds += SecondsSince(measured);
    ++report.exact_fits;
    epoch.loss = exact.loss;
    epoch.train_rmse = std::sqrt(exact.squared_error / static_cast<double>(layout->total_ratings));
    if (validation_total > 0) {
      if (PredictsValues(params.loss)) {
        epoch.validation_rmse = std::sqrt(exact.validation / static_cast<double>(validation_total));
      } else {
        epoch.validation_loss = exact.validation / static_cast<double>(validation_total);
      }
    }
  } else {
    double sums[2] = {0.0, 0.0};
    for (size_t b = 0; b < block_loss.size(); ++b) {
      sums[0] += block_loss[b];
      sums[1] += block_squared_error[b];
    }
    comm->SumInPlace(sums);
    epoch.loss = sums[0];
    epoch.train_rmse = std::sqrt(sums[1] / static_cast<double>(layout->total_ratings));
  }
  double elapsed[1] = {SecondsSince(*start)};
  comm->MaxInPlace(elapsed);
  epoch.elapsed_seconds = elapsed[0];

  report.epochs = epoch.epoch;
  report.updates += epoch.updates;
  report.seconds += epoch.seconds;
  report.updates_per_second =
      report.seconds > 0 ? static_cast<double>(report.updates) / report.seconds : 0.0;
  report.loss = epoch.loss;
  report.train_rmse = epoch.train_rmse;
  report.validation_rmse = epoch.validation_rmse;
  report.validation_loss = epoch.validation_loss;
  report.history.push_back(epoch);

  const std::optional<StopReason> after = Agree(rules.OnEpoch(epoch));
  if (during == StopReason::kDiverged || after == StopReason::kDiverged) {
    return absl::AbortedError(absl::StrCat("training diverged in epoch ", epoch.epoch, " (loss ",
                                           epoch.loss,
                                           "); try a smaller learning rate than --lr=", rate));
  }
  if (early_stop != nullptr && early_stop->improved()) {
    report.best_epoch = epoch.epoch;
    KeepBest();
  }
  stop_reason = during.has_value() ? during : after;
  if (stop_reason.has_value()) report.stop_reason = *stop_reason;
  return epoch;
}

void RingSession::State::KeepBest() {
  best_p = p;
  best_user_bias = user_bias;
  best_bands.resize(2);
  for (int home = 0; home < 2; ++home) {
    const int band = 2 * rank + home;
    Slot& slot = SlotOf(band);
    best_bands[static_cast<size_t>(home)].assign(slot.data.get(),
                                                 slot.data.get() + BandFloats(band));
  }
}

void RingSession::State::RestoreBest() {
  p = std::move(*best_p);
  best_p.reset();
  user_bias = std::move(best_user_bias);
  for (int home = 0; home < 2; ++home) {
    const int band = 2 * rank + home;
    const std::vector<float>& kept = best_bands[static_cast<size_t>(home)];
    std::copy(kept.begin(), kept.end(), SlotOf(band).data.get());
  }
}

absl::StatusOr<EpochStats> RingSession::RunEpoch() { return state_->RunEpoch(); }

absl::StatusOr<StopReason> RingSession::Run() {
  while (state_->report.epochs < state_->params.max_epochs) {
    HOGMF_ASSIGN_OR_RETURN(const EpochStats epoch, RunEpoch());
    (void)epoch;
    if (state_->stop_reason.has_value()) return *state_->stop_reason;
  }
  state_->report.stop_reason = StopReason::kEpochLimit;
  return StopReason::kEpochLimit;
}

std::optional<StopReason> RingSession::stop_reason() const { return state_->stop_reason; }
const TrainReport& RingSession::report() const { return state_->report; }

RankStats RingSession::rank_stats() const {
  RankStats stats = state_->stats;
  const State& s = *state_;
  stats.wait_seconds = s.comm->wait_seconds() - s.waited_before + s.collective_seconds;
  stats.bytes_sent = s.comm->bytes_sent() - s.sent_before;
  stats.bytes_received = s.comm->bytes_received() - s.received_before;
  return stats;
}

std::optional<Model> RingSession::GatherModel(IdMap users, IdMap items) {
  State& s = *state_;
  if (s.best_p.has_value() && s.report.best_epoch != s.report.epochs) {
    s.RestoreBest();
    const EpochStats& kept = s.report.history[static_cast<size_t>(s.report.best_epoch) - 1];
    s.report.loss = kept.loss;
    s.report.train_rmse = kept.train_rmse;
    s.report.validation_rmse = kept.validation_rmse;
    s.report.validation_loss = kept.validation_loss;
  }
  // This rank's part: P rows and user biases, then each home band's Q rows
  // and item biases, k floats per row.
  const int k = s.params.k;
  std::string part;
  const auto append = [&part](const float* values, size_t n) {
    part.append(reinterpret_cast<const char*>(values), n * sizeof(float));
  };
  for (uint32_t u = 0; u < s.num_local_users; ++u) append(s.p.row(u), static_cast<size_t>(k));
  if (s.biases) append(s.user_bias.data(), s.user_bias.size());
  for (int home = 0; home < 2; ++home) {
    const int band = 2 * s.rank + home;
    State::Slot& slot = s.SlotOf(band);
    for (uint32_t i = 0; i < s.BandRows(band); ++i) {
      append(s.BandQ(slot) + size_t{i} * s.stride, static_cast<size_t>(k));
    }
    if (s.biases) append(s.BandBias(slot, band), s.BandRows(band));
  }
  std::vector<std::string> parts = s.comm->Gather(part, 0);
  if (s.rank != 0) return std::nullopt;

  const Layout& layout = *s.layout;
  Model model(k, std::move(users), std::move(items));
  engine::SetTrainingFacts(model, s.params, s.biases, layout.min_value, layout.max_value);
  internal::ModelInternal::set_mean(model, static_cast<float>(layout.mean));
  FactorMatrix& p = internal::ModelInternal::user_factors(model);
  FactorMatrix& q = internal::ModelInternal::item_factors(model);
  for (int r = 0; r < s.ranks; ++r) {
    const char* at = parts[static_cast<size_t>(r)].data();
    const auto take = [&at](float* out, size_t n) {
      std::memcpy(out, at, n * sizeof(float));
      at += n * sizeof(float);
    };
    const uint32_t first_user = layout.user_bounds[static_cast<size_t>(r)];
    const uint32_t users_here = layout.user_bounds[static_cast<size_t>(r) + 1] - first_user;
    for (uint32_t u = 0; u < users_here; ++u) take(p.row(first_user + u), static_cast<size_t>(k));
    if (s.biases) {
      take(internal::ModelInternal::user_biases(model).data() + first_user, users_here);
    }
    for (int home = 0; home < 2; ++home) {
      const int band = 2 * r + home;
      const uint32_t first_item = s.BandStart(band);
      for (uint32_t i = 0; i < s.BandRows(band); ++i) {
        take(q.row(first_item + i), static_cast<size_t>(k));
      }
      if (s.biases) {
        take(internal::ModelInternal::item_biases(model).data() + first_item, s.BandRows(band));
      }
    }
  }
  for (uint32_t u = 0; u < layout.num_users; ++u) {
    internal::ModelInternal::set_user_seen(model, u, layout.user_counts[u] > 0);
  }
  for (uint32_t i = 0; i < layout.num_items; ++i) {
    internal::ModelInternal::set_item_seen(model, i, layout.item_counts[i] > 0);
  }
  internal::ModelInternal::UpdateColdUser(model);
  return model;
}

}  // namespace hogmf::distributed
