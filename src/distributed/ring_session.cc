// One rank's part of a distributed training run (ring_session.h).
#include "distributed/ring_session.h"

#include <tbb/info.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <utility>

#include "absl/strings/str_cat.h"
#include "distributed/partition.h"
#include "engine/checkpoint.h"
#include "engine/fit.h"
#include "engine/learning_rate.h"
#include "engine/memory_budget.h"
#include "engine/model_setup.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"
#include "engine/stop_rules.h"
#include "engine/workers.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/model_io.h"
#include "hogmf/write_file.h"
#include "kernels/kernel_registry.h"
#include "model/model_internal.h"
#include "util/absl_compat.h"
#include "util/check.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/random.h"
#include "util/status_macros.h"

namespace hogmf::distributed {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Separates the draws of initial rows from every other use of the seed.
constexpr uint64_t kRowSeedSalt = 0x52494E47524F5753ull;

// Row `row` of a side (0 users, 1 items): its k factors drawn from the seed
// and the row alone, so every rank count draws the same initial model.
void DrawRow(float* values, int k, uint64_t seed, int side, uint32_t row, float scale,
             bool symmetric) {
  internal::Rng rng(seed ^ kRowSeedSalt, (static_cast<uint64_t>(side) << 32) | row);
  for (int d = 0; d < k; ++d) {
    values[d] = symmetric ? scale * (2.0f * rng.UniformFloat() - 1.0f) : scale * rng.UniformFloat();
  }
}

size_t RoundUp16(size_t floats) { return (floats + 15) / 16 * 16; }

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;

AlignedFloats AllocateFloats(size_t floats) {
  const size_t bytes = std::max<size_t>(64, RoundUp16(floats) * sizeof(float));
  auto* memory = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (memory == nullptr) throw std::bad_alloc();
  std::memset(memory, 0, bytes);
  return AlignedFloats(memory);
}

// Decisions the ranks agree on with a max all-reduce: 0 for none, else a
// priority (divergence wins), mapped back to a StopReason.
double Priority(std::optional<StopReason> reason) {
  if (!reason.has_value()) return 0;
  if (*reason == StopReason::kDiverged) return 100;
  return 1 + static_cast<double>(*reason);
}
std::optional<StopReason> FromPriority(double priority) {
  if (priority == 0) return std::nullopt;
  if (priority == 100) return StopReason::kDiverged;
  return static_cast<StopReason>(static_cast<int>(priority) - 1);
}

}  // namespace

struct RingSession::State {
  Comm* comm = nullptr;
  const Layout* layout = nullptr;
  TrainParams params;
  RingOptions options;
  kernels::Kernel kernel;
  int rank = 0;
  int ranks = 1;
  int bands = 2;  // item bands: 2 per rank
  uint32_t user_begin = 0;
  uint32_t num_local_users = 0;
  size_t stride = 0;

  // This rank's rows.
  FactorMatrix p;
  std::vector<float> user_bias;
  std::vector<float> p_adagrad;
  bool biases = false;
  bool adagrad = false;

  // Band buffers: Q rows, then biases, then AdaGrad sums. Three slots: the
  // band being run, the one arriving for the step after, the one leaving.
  struct Slot {
    AlignedFloats data;
    int band = -1;                    // the band it holds (or will, once received)
    Comm::Request receive = nullptr;  // pending receive of `band`
    Comm::Request send = nullptr;     // pending send of the band it held
  };
  std::vector<Slot> slots;
  size_t slot_floats = 0;

  // Ratings by item band, local indices (user - user_begin, item - band start).
  std::vector<Rating> working;
  std::vector<size_t> block_begin;  // bands + 1
  std::vector<Rating> validation;   // likewise
  std::vector<size_t> validation_begin;
  uint64_t validation_total = 0;  // known pairs over all ranks
  std::vector<engine::Shuffler> shufflers;
  std::vector<std::vector<Rating>> samples;  // the monitor's sample of each block
  std::vector<double> block_loss;            // latest estimates per block, scaled to the block
  std::vector<double> block_squared_error;

  std::unique_ptr<engine::WorkerPool> pool;
  engine::StopState stop;  // never raised mid-step: the ranks decide between steps
  std::atomic<bool> agreed_cancel{false};
  engine::StopRules rules;
  engine::EarlyStop* early_stop = nullptr;
  bool exact_epochs = false;

  // Early stopping's best: P and the home bands (and biases).
  std::optional<FactorMatrix> best_p;
  std::vector<float> best_user_bias;
  std::vector<std::vector<float>> best_bands;

  std::atomic<uint64_t> updates{0};
  std::optional<Clock::time_point> start;
  std::optional<StopReason> stop_reason;
  TrainReport report;
  RankStats stats;
  double collective_seconds = 0;
  // The communicator's counters when the session began (the input's
  // exchange and earlier sessions are not this session's).
  int first_epoch = 0;         // epochs run before this session (a resumed one)
  double resumed_seconds = 0;  // session time at the checkpoint resumed
  uint64_t sent_before = 0;
  uint64_t received_before = 0;
  double waited_before = 0;

  uint32_t BandStart(int band) const { return layout->item_bounds[static_cast<size_t>(band)]; }
  uint32_t BandRows(int band) const {
    return layout->item_bounds[static_cast<size_t>(band) + 1] - BandStart(band);
  }
  float* BandQ(Slot& slot) { return slot.data.get(); }
  float* BandBias(Slot& slot, int band) {
    return slot.data.get() + static_cast<size_t>(BandRows(band)) * stride;
  }
  float* BandAdaGrad(Slot& slot, int band) { return BandBias(slot, band) + BandRows(band); }
  size_t BandFloats(int band) const {
    return RoundUp16(static_cast<size_t>(BandRows(band)) * (stride + 2));
  }

  // The kernel's arguments for this rank's block of `band` held in `slot`.
  kernels::SgdArgs ArgsFor(Slot& slot, int band) {
    kernels::SgdArgs args;
    args.p = p.data();
    args.q = BandQ(slot);
    args.stride = stride;
    args.k = params.k;
    args.l2_p = params.l2_p;
    args.l2_q = params.l2_q;
    args.l1_p = params.l1_p;
    args.l1_q = params.l1_q;
    args.nonneg = params.nonneg;
    args.loss = params.loss;
    if (biases) {
      args.user_bias = user_bias.data();
      args.item_bias = BandBias(slot, band);
      args.mean = static_cast<float>(layout->mean);
      args.l2_user_bias = params.l2_user_bias;
      args.l2_item_bias = params.l2_item_bias;
    }
    if (adagrad) {
      args.p_adagrad = p_adagrad.data();
      args.q_adagrad = BandAdaGrad(slot, band);
    }
    args.num_users = num_local_users;
    args.num_items = BandRows(band);
    args.negatives = params.negatives;
    args.negative_weight = params.negative_weight;
    return args;
  }

  std::span<Rating> Block(int band) {
    return std::span<Rating>(working).subspan(block_begin[static_cast<size_t>(band)],
                                              block_begin[static_cast<size_t>(band) + 1] -
                                                  block_begin[static_cast<size_t>(band)]);
  }
  std::span<const Rating> ValidationBlock(int band) const {
    return std::span<const Rating>(validation)
        .subspan(validation_begin[static_cast<size_t>(band)],
                 validation_begin[static_cast<size_t>(band) + 1] -
                     validation_begin[static_cast<size_t>(band)]);
  }

  Slot& SlotOf(int band) {
    for (Slot& slot : slots) {
      if (slot.band == band) {
        comm->Wait(slot.receive);
        return slot;
      }
    }
    HOGMF_CHECK(false);
    return slots[0];
  }

  // After the step that ran `band`: sends it to the left neighbour and
  // starts receiving the band this rank runs two steps on.
  void PassOn(int band, int next_band) {
    if (ranks == 1) return;
    Slot& leaving = SlotOf(band);
    leaving.band = -1;
    leaving.send =
        comm->StartSend(leaving.data.get(), BandFloats(band), (rank + ranks - 1) % ranks, band);
    // A slot that holds no band the rank still needs: the one whose send
    // started longest ago (a finished send frees it).
    Slot* target = nullptr;
    for (Slot& slot : slots) {
      if (slot.band == -1 && &slot != &leaving) target = &slot;
    }
    HOGMF_CHECK(target != nullptr);
    comm->Wait(target->send);
    target->band = next_band;
    target->receive = comm->StartReceive(target->data.get(), BandFloats(next_band),
                                         (rank + 1) % ranks, next_band);
  }

  // Waits for every transfer: afterwards the home bands are in the slots.
  void Settle() {
    for (Slot& slot : slots) {
      comm->Wait(slot.send);
      comm->Wait(slot.receive);
    }
  }

  // The figures every rank adds up after a step: the blocks' latest loss and
  // squared-error estimates, and the decision each rank's rules reached.
  std::optional<StopReason> AgreeOnStep(int epoch, bool estimates_complete) {
    const Clock::time_point begin = Clock::now();
    double sums[2] = {0.0, 0.0};
    for (size_t b = 0; b < block_loss.size(); ++b) {
      sums[0] += block_loss[b];
      sums[1] += block_squared_error[b];
    }
    comm->SumInPlace(sums);
    double seconds[1] = {SecondsSince(*start)};
    comm->MaxInPlace(seconds);
    ProgressSample sample;
    sample.seconds = seconds[0];
    sample.epoch = epoch;
    sample.updates = updates.load() * static_cast<uint64_t>(ranks);  // about: ranks run alike
    sample.loss_estimate = sums[0];
    sample.rmse_estimate = std::sqrt(sums[1] / static_cast<double>(layout->total_ratings));
    std::optional<StopReason> mine = rules.Poll(sample.seconds);
    if (estimates_complete) {
      const std::optional<StopReason> sampled = rules.OnSample(sample);
      if (!mine.has_value() || sampled == StopReason::kDiverged) mine = sampled;
    }
    const std::optional<StopReason> agreed = Agree(mine);
    collective_seconds += SecondsSince(begin);
    return agreed;
  }

  std::optional<StopReason> Agree(std::optional<StopReason> mine) {
    // A cancel on any rank stops all.
    const bool cancelled = options.cancel != nullptr && options.cancel->load();
    double decision[2] = {Priority(mine), cancelled ? 1.0 : 0.0};
    comm->MaxInPlace(decision);
    if (decision[1] > 0 && decision[0] == 0) decision[0] = Priority(StopReason::kCancelled);
    if (decision[1] > 0) agreed_cancel.store(true);
    return FromPriority(decision[0]);
  }

  // The exact figures of the current factors: a measuring pass of the bands
  // around the ring. Returns {loss, squared error} of the training ratings
  // and the validation sums {squared error or loss, count}, summed over ranks.
  struct Exact {
    double loss = 0;
    double squared_error = 0;
    double validation = 0;
  };
  Exact MeasureExact() {
    const Clock::time_point begin = Clock::now();
    Exact mine;
    // The penalty: this rank's users by their counts, and its home bands'
    // items by theirs (every band is home now).
    {
      Slot& any = SlotOf(BandAtStep(rank, ranks, 0));
      const kernels::SgdArgs args = ArgsFor(any, BandAtStep(rank, ranks, 0));
      for (uint32_t u = 0; u < num_local_users; ++u) {
        mine.loss += layout->user_counts[user_begin + u] * engine::UserPenalty(args, u);
      }
    }
    for (int home = 2 * rank; home < 2 * rank + 2; ++home) {
      Slot& slot = SlotOf(home);
      const kernels::SgdArgs args = ArgsFor(slot, home);
      for (uint32_t i = 0; i < BandRows(home); ++i) {
        mine.loss += layout->item_counts[BandStart(home) + i] * engine::ItemPenalty(args, i);
      }
    }
    const bool by_rmse = PredictsValues(params.loss);
    const bool clips = params.clip && by_rmse;
    for (int step = 0; step < bands; ++step) {
      const int band = BandAtStep(rank, ranks, step);
      Slot& slot = SlotOf(band);
      const kernels::SgdArgs args = ArgsFor(slot, band);
      const kernels::LossSums sums =
          pool->Execute([&] { return engine::SumLosses(args, Block(band), kernel); });
      mine.loss += sums.loss;
      mine.squared_error += sums.squared_error;
      const std::span<const Rating> held = ValidationBlock(band);
      if (!held.empty()) {
        if (by_rmse) {
          for (const Rating& r : held) {
            float y = kernel.dot(p.row(r.user), args.q + size_t{r.item} * stride, stride, params.k);
            if (biases) y = (args.mean + user_bias[r.user] + args.item_bias[r.item]) + y;
            if (clips) y = std::clamp(y, layout->min_value, layout->max_value);
            const double e = static_cast<double>(r.value) - y;
            mine.validation += e * e;
          }
        } else {
          mine.validation +=
              pool->Execute([&] { return engine::SumLosses(args, held, kernel); }).loss;
        }
      }
      PassOn(band, BandAtStep(rank, ranks, step + 2));
    }
    Settle();
    double sums[3] = {mine.loss, mine.squared_error, mine.validation};
    comm->SumInPlace(sums);
    stats.evaluate_seconds += SecondsSince(begin);
    return Exact{sums[0], sums[1], sums[2]};
  }

  // Of this rank's ratings as arranged, the rank and the rank count.
  uint64_t Fingerprint() const {
    return engine::TrainingFingerprint(
        working, IdMap::Identity(num_local_users),
        IdMap::Identity(static_cast<uint32_t>(rank * 65536 + ranks)));
  }

  absl::StatusOr<EpochStats> RunEpoch();
  Model RowsModel(const FactorMatrix& p, const std::vector<float>& user_bias,
                  const std::vector<const float*>& bands);
  void KeepBest();
  void RestoreBest();
};

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

std::string RankCheckpointPath(const std::string& path, int rank, int ranks) {
  return absl::StrCat(path, ".", rank, "-of-", ranks);
}

namespace {

// The shufflers' states in CheckpointData::permutation: per block, the
// generator's four words (as eight), the order's length, the order.
std::vector<uint32_t> PackShufflers(const std::vector<engine::Shuffler>& shufflers) {
  std::vector<uint32_t> packed;
  for (const engine::Shuffler& shuffler : shufflers) {
    const engine::Shuffler::State state = shuffler.state();
    for (uint64_t word : state.rng) {
      packed.push_back(static_cast<uint32_t>(word));
      packed.push_back(static_cast<uint32_t>(word >> 32));
    }
    packed.push_back(static_cast<uint32_t>(state.permutation.size()));
    packed.insert(packed.end(), state.permutation.begin(), state.permutation.end());
  }
  return packed;
}

bool UnpackShufflers(std::span<const uint32_t> packed, std::vector<engine::Shuffler>& shufflers) {
  size_t at = 0;
  for (engine::Shuffler& shuffler : shufflers) {
    if (packed.size() - at < 9) return false;
    engine::Shuffler::State state;
    for (uint64_t& word : state.rng) {
      word = packed[at] | (static_cast<uint64_t>(packed[at + 1]) << 32);
      at += 2;
    }
    const size_t size = packed[at++];
    if (packed.size() - at < size) return false;
    state.permutation.assign(packed.begin() + static_cast<ptrdiff_t>(at),
                             packed.begin() + static_cast<ptrdiff_t>(at + size));
    at += size;
    if (!shuffler.Restore(state)) return false;
  }
  return at == packed.size();
}

}  // namespace

// This rank's rows as a model: its users' P rows and biases, then its home
// bands' Q rows and biases (users and items in local indices).
Model RingSession::State::RowsModel(const FactorMatrix& p, const std::vector<float>& user_bias,
                                    const std::vector<const float*>& bands) {
  const State& s = *this;
  const uint32_t home_items = s.BandRows(2 * s.rank) + s.BandRows(2 * s.rank + 1);
  Model model(s.params.k, IdMap::Identity(s.num_local_users), IdMap::Identity(home_items));
  engine::SetTrainingFacts(model, s.params, s.biases, s.layout->min_value, s.layout->max_value);
  internal::ModelInternal::set_mean(model, static_cast<float>(s.layout->mean));
  engine::CopyRows(p, internal::ModelInternal::user_factors(model));
  if (s.biases) internal::ModelInternal::user_biases(model) = user_bias;
  uint32_t row = 0;
  for (int home = 0; home < 2; ++home) {
    const int band = 2 * s.rank + home;
    const float* data = bands[static_cast<size_t>(home)];
    for (uint32_t i = 0; i < s.BandRows(band); ++i, ++row) {
      std::copy_n(data + size_t{i} * s.stride, s.stride,
                  internal::ModelInternal::item_factors(model).row(row));
      if (s.biases) {
        internal::ModelInternal::item_biases(model)[row] =
            data[size_t{s.BandRows(band)} * s.stride + i];
      }
    }
  }
  return model;
}

absl::Status RingSession::SaveCheckpoint(const std::string& path) {
  State& s = *state_;
  const auto encode = [&]() -> absl::StatusOr<std::string> {
    engine::CheckpointData data;
    data.report = s.report;
    data.fingerprint = s.Fingerprint();
    data.num_ratings = s.working.size();
    data.elapsed_seconds = s.report.history.empty() ? 0.0 : s.report.history.back().elapsed_seconds;
    data.stop_reason =
        s.stop_reason.has_value() && (*s.stop_reason == StopReason::kLossThreshold ||
                                      *s.stop_reason == StopReason::kRmseThreshold ||
                                      *s.stop_reason == StopReason::kEarlyStop ||
                                      *s.stop_reason == StopReason::kValidationRmseThreshold)
            ? static_cast<int32_t>(*s.stop_reason)
            : -1;
    std::vector<const float*> homes;
    for (int home = 0; home < 2; ++home) homes.push_back(s.SlotOf(2 * s.rank + home).data.get());
    HOGMF_ASSIGN_OR_RETURN(data.model, SerializeModel(s.RowsModel(s.p, s.user_bias, homes)));
    if (s.best_p.has_value()) {
      const std::vector<const float*> best_homes = {s.best_bands[0].data(), s.best_bands[1].data()};
      HOGMF_ASSIGN_OR_RETURN(data.best,
                             SerializeModel(s.RowsModel(*s.best_p, s.best_user_bias, best_homes)));
    }
    if (s.adagrad) {
      data.p_adagrad = s.p_adagrad;
      for (int home = 0; home < 2; ++home) {
        const int band = 2 * s.rank + home;
        const float* sums = s.BandAdaGrad(s.SlotOf(band), band);
        data.q_adagrad.insert(data.q_adagrad.end(), sums, sums + s.BandRows(band));
      }
    }
    data.permutation = PackShufflers(s.shufflers);
    return engine::EncodeCheckpoint(data);
  };
  // Two generations per rank: the new file is written whole beside the
  // current one, the current one becomes PATH.R-of-N.prev, then the new one
  // takes its name. A rank killed anywhere in between leaves, on every
  // rank, a current or previous file of the epoch all ranks share (Resume
  // picks the latest such epoch).
  absl::StatusOr<std::string> bytes = encode();
  absl::Status status = bytes.status();
  const std::string current = RankCheckpointPath(path, s.rank, s.ranks);
  const std::string fresh = current + ".new";
  if (status.ok()) status = WriteFileAtomically(fresh, *bytes);
  if (status.ok() && std::rename(current.c_str(), (current + ".prev").c_str()) != 0 &&
      errno != ENOENT) {
    status = absl::InternalError(
        absl::StrCat(current, ": cannot keep the previous checkpoint: ", std::strerror(errno)));
  }
  if (status.ok() && std::rename(fresh.c_str(), current.c_str()) != 0) {
    status = absl::InternalError(
        absl::StrCat(current, ": cannot rename the new checkpoint: ", std::strerror(errno)));
  }
  return s.comm->Agree(status);
}

absl::StatusOr<std::unique_ptr<RingSession>> RingSession::Resume(Comm& comm, const Layout& layout,
                                                                 std::vector<Rating> train,
                                                                 std::vector<Rating> validation,
                                                                 const std::string& path,
                                                                 const RingOptions& options) {
  // This rank's current and previous files (SaveCheckpoint), and the
  // latest epoch every rank has one of.
  const std::string current = RankCheckpointPath(path, comm.rank(), comm.size());
  const auto read = [](const std::string& name) -> absl::StatusOr<engine::CheckpointData> {
    HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const internal::MappedFile> file,
                           internal::MappedFile::Open(name));
    return engine::DecodeCheckpoint(file->view(), name);
  };
  absl::StatusOr<engine::CheckpointData> latest = read(current);
  absl::StatusOr<engine::CheckpointData> previous = read(current + ".prev");
  absl::Status status = absl::OkStatus();
  if (!latest.ok() && !previous.ok()) {
    status = latest.status().code() == absl::StatusCode::kNotFound
                 ? absl::NotFoundError(
                       absl::StrCat(current, ": no such file (a checkpoint of ", comm.size(),
                                    " ranks: resume with as many ranks as the run that wrote it)"))
                 : latest.status();
  }
  HOGMF_RETURN_IF_ERROR(comm.Agree(status));
  const double newest = latest.ok() ? latest->report.epochs : previous->report.epochs;
  const double oldest = previous.ok() ? previous->report.epochs : latest->report.epochs;
  const auto has = [&](double epoch) {
    return (latest.ok() && latest->report.epochs == epoch) ||
           (previous.ok() && previous->report.epochs == epoch);
  };
  // The newest epoch all ranks reached, else the newest of the older ones.
  double candidates[2] = {-newest, oldest};
  comm.MaxInPlace(candidates);
  double chosen = -1;
  for (const double epoch : {-candidates[0], candidates[1]}) {
    double everywhere[1] = {has(epoch) ? 0.0 : 1.0};
    comm.MaxInPlace(everywhere);
    if (everywhere[0] == 0) {
      chosen = epoch;
      break;
    }
  }
  if (chosen < 0) {
    return comm.Agree(absl::InvalidArgumentError(
        absl::StrCat(path, ": the ranks' checkpoint files share no epoch (this rank has ", newest,
                     " and ", oldest, "); they are not of one run")));
  }
  const bool use_latest = latest.ok() && latest->report.epochs == chosen;
  const std::string mine = use_latest ? current : current + ".prev";
  absl::StatusOr<engine::CheckpointData> data =
      use_latest ? std::move(latest) : std::move(previous);
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<RingSession> session,
                         Create(comm, layout, std::move(train), std::move(validation),
                                data->report.params, options));
  State& s = *session->state_;
  const auto restore = [&]() -> absl::Status {
    const auto corrupt = [&](std::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat(mine, ": corrupt hogmf checkpoint: ", internal::ToAbsl(what)));
    };
    if (data->num_ratings != s.working.size() || data->fingerprint != s.Fingerprint()) {
      return absl::InvalidArgumentError(absl::StrCat(
          mine,
          ": this rank's training data differs from the checkpointed run's (count, ids, "
          "values or order); resume with the same data and as many ranks"));
    }
    absl::StatusOr<Model> rows = DeserializeModel(data->model);
    if (!rows.ok()) return corrupt(std::string(rows.status().message()));
    const uint32_t home_items = s.BandRows(2 * s.rank) + s.BandRows(2 * s.rank + 1);
    if (rows->k() != s.params.k || rows->num_users() != s.num_local_users ||
        rows->num_items() != home_items || rows->has_biases() != s.biases ||
        (s.adagrad &&
         (data->p_adagrad.size() != s.num_local_users || data->q_adagrad.size() != home_items))) {
      return corrupt("its rows do not match this rank's share");
    }
    const auto take_rows = [&](const Model& from, FactorMatrix& p, std::vector<float>& user_bias,
                               const std::vector<float*>& bands) {
      engine::CopyRows(from.user_factors(), p);
      if (s.biases) user_bias = from.user_biases();
      uint32_t row = 0;
      for (int home = 0; home < 2; ++home) {
        const int band = 2 * s.rank + home;
        float* out = bands[static_cast<size_t>(home)];
        for (uint32_t i = 0; i < s.BandRows(band); ++i, ++row) {
          std::copy_n(from.item_factors().row(row), s.stride, out + size_t{i} * s.stride);
          if (s.biases) out[size_t{s.BandRows(band)} * s.stride + i] = from.item_biases()[row];
        }
      }
    };
    std::vector<float*> homes;
    for (int home = 0; home < 2; ++home) homes.push_back(s.SlotOf(2 * s.rank + home).data.get());
    take_rows(*rows, s.p, s.user_bias, homes);
    if (s.adagrad) {
      s.p_adagrad = data->p_adagrad;
      size_t at = 0;
      for (int home = 0; home < 2; ++home) {
        const int band = 2 * s.rank + home;
        std::copy_n(data->q_adagrad.data() + at, s.BandRows(band),
                    s.BandAdaGrad(s.SlotOf(band), band));
        at += s.BandRows(band);
      }
    }
    if (!UnpackShufflers(data->permutation, s.shufflers)) {
      return corrupt("the blocks' orders do not match this rank's ratings");
    }
    const TrainReport prepared = s.report;
    s.report = std::move(data->report);
    s.report.kernel = prepared.kernel;
    s.report.threads = prepared.threads;
    s.report.order = prepared.order;
    if (s.early_stop != nullptr) {
      for (const EpochStats& stats : s.report.history) s.early_stop->OnEpoch(stats);
    }
    if (data->best.has_value()) {
      absl::StatusOr<Model> best = DeserializeModel(*data->best);
      if (!best.ok()) return corrupt(std::string(best.status().message()));
      s.best_p = FactorMatrix(s.num_local_users, s.params.k);
      s.best_bands.assign(2, {});
      std::vector<float*> best_homes;
      for (int home = 0; home < 2; ++home) {
        s.best_bands[static_cast<size_t>(home)].assign(s.BandFloats(2 * s.rank + home), 0.0f);
        best_homes.push_back(s.best_bands[static_cast<size_t>(home)].data());
      }
      take_rows(*best, *s.best_p, s.best_user_bias, best_homes);
    } else if (s.early_stop != nullptr && s.report.best_epoch == s.report.epochs &&
               s.report.epochs > 0) {
      s.KeepBest();
    }
    if (data->stop_reason >= 0) s.stop_reason = static_cast<StopReason>(data->stop_reason);
    s.resumed_seconds = data->elapsed_seconds;
    s.first_epoch = s.report.epochs;
    return absl::OkStatus();
  };
  HOGMF_RETURN_IF_ERROR(comm.Agree(restore()));
  return session;
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
