// The training session's state, Trainer::Session, and the helpers its two
// sources share: src/engine/trainer.cc (set-up, epochs, Restart, Finish) and
// src/engine/trainer_checkpoint.cc (SaveCheckpoint, Resume). Private to the
// engine.
#pragma once

#include <tbb/info.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/block_grid.h"
#include "engine/checkpoint.h"
#include "engine/fit.h"
#include "engine/model_setup.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"
#include "engine/stop_rules.h"
#include "engine/workers.h"
#include "hogmf/trainer.h"
#include "kernels/kernel_registry.h"
#include "ratings/packed_ratings.h"
#include "util/absl_compat.h"
#include "util/random.h"

namespace hogmf {
namespace internal {

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
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

// Checks a session's inputs before anything is allocated: the params, the
// rating count, a validation set where a rule needs one, the grid, the kernel.
absl::Status CheckInputs(size_t num_ratings, const TrainParams& params,
                         const TrainOptions& options);

// The session's thread count, for inputs CheckInputs accepted.
inline int ThreadsFor(const TrainParams& params) {
  return params.threads > 0 ? params.threads : tbb::info::default_concurrency();
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

}  // namespace internal

// Everything a session holds. Declared in the order it is built; `monitor`
// refers to the model's factors, `rules` and `stop`.
struct Trainer::Session {
  using Clock = internal::Clock;

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
  internal::ValidationSet validation;
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
    report.setup_seconds = std::max(internal::SecondsSince(start) - report.arrange_seconds, 0.0);
  }
  // Gives a prepared session the state of `data` (checked against it).
  absl::Status Restore(engine::CheckpointData data, const std::string& path);
};

}  // namespace hogmf
