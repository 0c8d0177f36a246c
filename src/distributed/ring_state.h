// RingSession's state (ring_session.h), shared by the files that implement
// it: the session and its epochs (ring_session.cc) and its checkpoints
// (ring_checkpoint.cc). Private to src/distributed.
#pragma once

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
#include "distributed/ring_session.h"
#include "engine/checkpoint.h"
#include "engine/fit.h"
#include "engine/learning_rate.h"
#include "engine/memory_budget.h"
#include "engine/model_setup.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"
#include "engine/step_args.h"
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

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Separates the draws of initial rows from every other use of the seed.
constexpr uint64_t kRowSeedSalt = 0x52494E47524F5753ull;

// Row `row` of a side (0 users, 1 items): its k factors drawn from the seed
// and the row alone, so every rank count draws the same initial model.
inline void DrawRow(float* values, int k, uint64_t seed, int side, uint32_t row, float scale,
                    bool symmetric) {
  internal::Rng rng(seed ^ kRowSeedSalt, (static_cast<uint64_t>(side) << 32) | row);
  for (int d = 0; d < k; ++d) {
    values[d] = symmetric ? scale * (2.0f * rng.UniformFloat() - 1.0f) : scale * rng.UniformFloat();
  }
}

inline size_t RoundUp16(size_t floats) { return (floats + 15) / 16 * 16; }

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;

inline AlignedFloats AllocateFloats(size_t floats) {
  const size_t bytes = std::max<size_t>(64, RoundUp16(floats) * sizeof(float));
  auto* memory = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (memory == nullptr) throw std::bad_alloc();
  std::memset(memory, 0, bytes);
  return AlignedFloats(memory);
}

// Decisions the ranks agree on with a max all-reduce: 0 for none, else a
// priority (divergence wins), mapped back to a StopReason.
inline double Priority(std::optional<StopReason> reason) {
  if (!reason.has_value()) return 0;
  if (*reason == StopReason::kDiverged) return 100;
  return 1 + static_cast<double>(*reason);
}
inline std::optional<StopReason> FromPriority(double priority) {
  if (priority == 0) return std::nullopt;
  if (priority == 100) return StopReason::kDiverged;
  return static_cast<StopReason>(static_cast<int>(priority) - 1);
}

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
    kernels::SgdArgs args = engine::StepConstants(params);
    args.p = p.data();
    args.q = BandQ(slot);
    args.stride = stride;
    if (biases) {
      args.user_bias = user_bias.data();
      args.item_bias = BandBias(slot, band);
      args.mean = static_cast<float>(layout->mean);
    }
    if (adagrad) {
      args.p_adagrad = p_adagrad.data();
      args.q_adagrad = BandAdaGrad(slot, band);
    }
    args.num_users = num_local_users;
    args.num_items = BandRows(band);
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

}  // namespace hogmf::distributed
