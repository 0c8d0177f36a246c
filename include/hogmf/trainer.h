// Trainer: a training session that the caller drives. It fits a Model to
// Ratings by SGD on the seed's loss, one epoch per call, so callbacks, early
// stopping, warm starts and outside stops are small pieces around it. Train()
// runs a session to its stop rules in one call. The library never prints:
// progress reaches the caller through a TrainObserver.
//
//   absl::StatusOr<hogmf::Trainer> trainer = hogmf::Trainer::Create(train, params);
//   if (!trainer.ok()) return trainer.status();
//   while (!trainer->stop_reason().has_value() && trainer->epoch() < 10) {
//     absl::StatusOr<hogmf::EpochStats> epoch = trainer->RunEpoch();
//     if (!epoch.ok()) return epoch.status();          // diverged
//   }
//   hogmf::TrainResult result = trainer->Finish();     // the model and the report
//
// Threads: a Trainer belongs to the thread that uses it (it may be moved to
// another between calls). While RunEpoch runs, its worker threads and monitor
// thread read and write the model; the observer is called on the monitor
// thread (samples) and the calling thread (epochs), never at the same time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/auto_params.h"
#include "hogmf/metrics.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf {

enum class StopReason {
  kEpochLimit,               // max_epochs reached
  kLossThreshold,            // loss <= stop_loss (exact at an epoch end, or the monitor's estimate)
  kRmseThreshold,            // train RMSE <= stop_rmse (exact, or the monitor's estimate)
  kTimeLimit,                // time_limit_seconds of training reached
  kEarlyStop,                // validation RMSE stopped improving; the best model is returned
  kValidationRmseThreshold,  // validation RMSE <= stop_validation_rmse at an epoch end
  kCancelled,                // TrainOptions::cancel was set
  kCallback,                 // the observer returned ProgressAction::kStop
  kDiverged,                 // NaN/Inf or an exploding loss; RunEpoch and Train return kAborted
};
std::string_view StopReasonName(StopReason reason);

// The figures at the end of one epoch: exact, but for loss and train_rmse
// when exact_fit is false (TrainOptions::fit).
struct EpochStats {
  int epoch = 0;         // 1-based, counted over the session
  uint64_t updates = 0;  // SGD steps this epoch
  bool complete = true;  // false when a stop rule ended the epoch early
  double loss = 0;  // the objective over all training ratings: the loss summed, plus the penalty
  double train_rmse =
      0;  // RMSE of the raw scores over the training ratings (0 for pairwise losses)
  double validation_rmse = -1;  // of the (clipped) predictions; -1 without a validation set, or
                                // for losses that do not predict values
  double validation_loss = -1;  // mean loss per validation pair the model knows; -1 without one
  double seconds = 0;           // SGD time of this epoch (evaluation excluded)
  double elapsed_seconds = 0;   // session time at the epoch's end (evaluation included)
  double updates_per_second = 0;
  float learning_rate = 0;  // the rate this epoch used
  bool exact_fit = true;    // loss and train_rmse measured over every training rating; false: the
                            // monitor's estimate from its sample (params.monitor_sample ratings)
};

// One reading of the monitor thread while the workers run: estimates from a
// fixed random sample of the training ratings.
struct ProgressSample {
  double seconds = 0;        // session time so far (from the first epoch's start)
  int epoch = 0;             // 1-based epoch in progress
  uint64_t updates = 0;      // SGD steps handed to workers so far, all epochs
  double loss_estimate = 0;  // the objective over all ratings, estimated from the sample
  double rmse_estimate = 0;  // train RMSE estimated from the sample
};

// What an observer asks of the training after each event.
enum class ProgressAction { kContinue, kStop };

// Receives progress and may stop the training (StopReason::kCallback): a
// sample's kStop ends the running epoch at its next chunk, an epoch's kStop
// ends the session after that epoch.
class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual ProgressAction OnEpoch(const EpochStats& stats) { return ProgressAction::kContinue; }
  virtual ProgressAction OnSample(const ProgressSample& sample) {
    return ProgressAction::kContinue;
  }
  // After each trial of ChooseParams (auto L2 weight and epochs), before the
  // session's own epochs.
  virtual void OnTrial(const ParamsTrial& trial) {}
};

// When a session measures the loss and train RMSE over every training rating
// (a pass of about half an SGD epoch) instead of estimating them from the
// monitor's sample. A stop rule on them (stop_loss, stop_rmse) gets the exact
// figures at every epoch end whatever the choice. Validation figures are
// always exact.
enum class FitMeasure {
  kEveryEpoch,  // exact at every epoch end
  kAtFinish,    // estimates at epoch ends; Finish measures the returned model exactly (report)
  kEstimate,    // estimates only (the report's loss and train_rmse too)
  kNone,        // neither: loss and train_rmse are -1 (a session judged on held-out ratings
                // alone, as ChooseParams' trials are; the monitor still watches for divergence)
};

struct TrainOptions {
  /// Held-out ratings in their own id space (aligned to the training ids); may
  /// be null. Read once by Create; it need not outlive the call.
  const Ratings* validation = nullptr;
  /// Progress receiver; may be null. Must outlive the session.
  TrainObserver* observer = nullptr;
  /// Keep each user's rated items in the model (for recommendations).
  bool keep_rated_items = true;
  /// When set to true by another thread or a signal handler, training stops at
  /// the next chunk and keeps the model as it is (StopReason::kCancelled). May
  /// be null; must outlive the session.
  const std::atomic<bool>* cancel = nullptr;
  /// Exact loss and train RMSE at every epoch end, once at the end, or never
  /// (ChooseParams' trials: they score on held-out ratings).
  FitMeasure fit = FitMeasure::kEveryEpoch;
  /// Keep the working ratings in 8 bytes each instead of 12 (the item and the
  /// index of the value in a table of the data's distinct values share a
  /// word) when the data allows it: at most 4096 distinct values, and as
  /// many as the bits the item indices leave; not with order `shuffle`. The
  /// results are the same bit for bit. false: always 12 bytes.
  bool compact_ratings = true;
  /// Early stopping returns the best epoch's model, kept as a copy of the
  /// factors while training; false: the last epoch's, with no copy
  /// (report.best_epoch is then the last epoch; ChooseParams' trials, which
  /// need the scores only).
  bool keep_best_model = true;
};

struct TrainReport {
  int epochs = 0;
  uint64_t updates = 0;
  double seconds = 0;  // SGD time only
  double updates_per_second = 0;
  double loss = 0;
  double train_rmse = 0;
  bool exact_fit = true;            // loss and train_rmse are exact (else the sample's estimate)
  double validation_rmse = -1;      // -1 when there is no validation set (or no values)
  double validation_loss = -1;      // mean loss per known pair; -1 when not measured
  uint64_t validation_unknown = 0;  // validation pairs with an id unseen in training
  StopReason stop_reason = StopReason::kEpochLimit;
  std::string kernel;                      // the SIMD kernel used ("avx512", "scalar", ...)
  int threads = 0;                         // worker threads used
  Schedule schedule = Schedule::kHogwild;  // the schedule used (kAuto resolved)
  int grid = 0;                            // blocked schedule: bands per side (0 for hogwild)
  double block_idle_seconds = 0;  // blocked: worker-seconds outside blocks (waits, epoch tails)
  RatingOrder order = RatingOrder::kShuffle;  // hogwild: the order used (kAuto resolved)
  int best_epoch = 0;                         // early stop: the epoch whose model is returned
  bool warm_start = false;                    // the session continued an initial model
  uint32_t new_users = 0;                     // warm start: users the initial model lacked
  uint32_t new_items = 0;                     // warm start: items the initial model lacked
  double rated_items_seconds = 0;             // time to index the rated items after training
  // Where the rest of the session's time went, in seconds of wall time (SGD
  // is `seconds` above, rated_items_seconds the index):
  double choose_seconds = 0;  // ChooseParams: the hold-out split and every trial (0 with no auto
                              // fields; choice.seconds is the trials alone)
  int working_bytes_per_rating = 0;  // 8: the working ratings were packed
                                     // (TrainOptions::compact_ratings); 12: not
  double setup_seconds = 0;       // Create/Continue/Resume besides choose and arrange: the working
                                  // copy, the model's rows, the validation alignment, the sample
  double arrange_seconds = 0;     // arranging the working ratings for the schedule (the shuffler's
                                  // order or the block grid) and packing them
  double fit_seconds = 0;         // exact fit passes over the training ratings (epoch ends, Finish)
                                  // and the per-row counts they need; epoch-end estimates
  int exact_fits = 0;             // exact fit passes run
  double validation_seconds = 0;  // scoring the validation set at epoch ends
  std::vector<EpochStats> history;
  // The params the session trained with: the given ones, with every kAuto
  // field resolved (by ChooseParams, whose trials `choice` lists).
  TrainParams params;
  ParamsChoice choice;
};

struct TrainResult {
  Model model;
  TrainReport report;
};

// Epochs a warm start with kAutoEpochs runs when it has no validation set.
inline constexpr int kWarmStartEpochs = 10;

class Trainer {
 public:
  // A session on a fresh model: factors drawn from params.seed, ids those of
  // `train`. Fields of params left to the data (kAutoWeight, kAutoEpochs) are
  // chosen first by ChooseParams (report().params and report().choice say
  // what it chose and tried); the session then trains on all of `train`. Copies train's entries
  // (the engine reorders its working copy); the Ratings&& form reorders train's own storage instead
  // and leaves it empty, so the peak memory is one set of ratings plus the factors.
  // kInvalidArgument: invalid params (naming the field), an unknown kernel,
  // empty training data, more than 2^32 - 1 ratings, a grid smaller than
  // threads + 1, or a validation rule (early_stop, stop_validation_rmse)
  // without a validation set.
  static absl::StatusOr<Trainer> Create(const Ratings& train, const TrainParams& params,
                                        const TrainOptions& options = {});
  static absl::StatusOr<Trainer> Create(Ratings&& train, const TrainParams& params,
                                        const TrainOptions& options = {});

  // A warm start: continues `initial` on `train` (new or additional ratings).
  // The id maps merge: users and items the model knows keep their rows and
  // indices, new ones get fresh rows (drawn as in Create) at the end; both
  // identity maps stay an identity map, otherwise the result is a string map.
  // The rated-items index merges too. The mean becomes the mean of `train`
  // (a model with biases keeps its own). Biases and the loss follow the
  // model. Auto L2 weights are the model's; auto epochs early-stop on the
  // validation set when one is given (at most kAutoMaxEpochs), else run
  // kWarmStartEpochs.
  // Epochs, the learning-rate schedule and the seeds count from the start of
  // this session. The errors of Create, and kInvalidArgument when params.k is
  // not the model's k or the model has no rows.
  static absl::StatusOr<Trainer> Continue(Model initial, const Ratings& train,
                                          const TrainParams& params,
                                          const TrainOptions& options = {});
  static absl::StatusOr<Trainer> Continue(Model initial, Ratings&& train, const TrainParams& params,
                                          const TrainOptions& options = {});

  // A session continued from a checkpoint that SaveCheckpoint wrote: the
  // same params (those the checkpoint holds: what ChooseParams chose is not
  // chosen again), model, epoch count, report history, learning-rate and
  // early-stopping state and random state, so the epochs that follow are
  // those the checkpointed session would have run (bit for bit with one
  // thread: params.threads = 1). `train` must be the ratings the session was
  // created with, in the same order and with the same ids; `options` are
  // given anew (the validation set again when the session early-stops or
  // stops at a validation RMSE). stop_reason() is the rule that ended the
  // checkpointed epoch when it depends on the data alone (a threshold, early
  // stopping), so the caller can tell a finished session (Run and RunEpoch
  // would run on: check stop_reason() first); outside reasons (cancel,
  // callback, time limit) are not kept.
  // Errors: kNotFound for a missing file; kInvalidArgument for a file that is
  // not a hogmf checkpoint or is corrupt, truncated or of another version,
  // for training data that differs from the checkpointed session's (the
  // message says so: count, ids or entries), and the errors of Create.
  static absl::StatusOr<Trainer> Resume(const std::string& checkpoint, const Ratings& train,
                                        const TrainOptions& options = {});
  static absl::StatusOr<Trainer> Resume(const std::string& checkpoint, Ratings&& train,
                                        const TrainOptions& options = {});

  Trainer(Trainer&&) noexcept;
  Trainer& operator=(Trainer&&) noexcept;
  ~Trainer();

  // Runs one epoch over every training rating (fewer when a stop rule fires
  // mid-epoch), measures the fit (exact or estimated: TrainOptions::fit) and
  // the validation RMSE, applies the
  // epoch-end stop rules, and returns the epoch's figures. An epoch may run
  // after a stop rule fired; the rule is then checked anew. kAborted when the
  // factors diverged (the message suggests a smaller learning rate); the model
  // is then unusable. kFailedPrecondition after Finish.
  absl::StatusOr<EpochStats> RunEpoch();

  // Runs epochs until a stop rule fires or params.max_epochs epochs have run
  // in this session, and returns the reason. The errors of RunEpoch.
  absl::StatusOr<StopReason> Run();

  // The rule that fired at or during the last epoch, if any (epoch limits
  // are Run's, not a rule's).
  std::optional<StopReason> stop_reason() const;
  // Epochs run so far.
  int epoch() const;

  // RMSE and MAE of the current model on ratings in their own id space
  // (ids the model lacks are predicted as the mean and counted as unknown).
  EvalResult Evaluate(const Ratings& ratings) const;

  // The model as it is now: the current factors (not the early-stop best),
  // without the rated-items index, which Finish builds.
  const Model& model() const;
  // The figures so far (stop_reason is the last rule that fired, or kEpochLimit).
  const TrainReport& report() const;

  // Writes the session's state between epochs to `path` atomically (a
  // temporary file renamed over it), for Resume. Contents (the layout is in
  // src/engine/checkpoint.h, versioned and checksummed): the resolved params
  // and ParamsChoice, the report with every epoch's figures, a fingerprint of
  // the training data (a checksum of the entries in order and of the id
  // maps), the model, the early-stopping best model (when it is not the
  // current one), every row's AdaGrad sum, and the schedule's random state.
  // The epoch's random seeds, the decay schedule's rate, the monitor's
  // sample and the arrangement of the ratings follow from params.seed, the
  // epoch count and the data, so they need no room. A checkpoint taken after
  // an epoch that a stop rule cut short holds that partial epoch.
  // kFailedPrecondition after Finish or for a warm start (Continue; not
  // supported); the errors of SaveModel for the file.
  absl::Status SaveCheckpoint(const std::string& path) const;

  // Starts the session over with other L2 weights: a fresh model drawn from
  // the same seed, trained on the ratings as already arranged, so the epochs
  // that follow are those of a session Create would make with `params`, bit
  // for bit with one thread (what a search over weights runs between trials,
  // arranging once). `params` may differ from the session's in l2_p, l2_q,
  // l2_user_bias and l2_item_bias only, none of them auto; kInvalidArgument
  // otherwise. kFailedPrecondition after Finish and for a session that
  // Continue or Resume made.
  absl::Status Restart(const TrainParams& params);

  // Ends the session: with early stopping, restores the best epoch's model;
  // with FitMeasure::kAtFinish, measures its exact loss and train RMSE;
  // builds the rated-items index (merged with the initial model's on a warm
  // start); returns the model and the report. The session is spent
  // afterwards (RunEpoch fails, model() is empty).
  TrainResult Finish();

 private:
  struct Session;
  explicit Trainer(std::unique_ptr<Session> session);
  static absl::StatusOr<Trainer> ResumeSession(const std::string& path, std::vector<Rating> working,
                                               IdMap users, IdMap items,
                                               const TrainOptions& options);
  std::unique_ptr<Session> session_;
};

// Create (or Continue) then Run then Finish in one call. Fails with the
// errors of Create and RunEpoch.
absl::StatusOr<TrainResult> Train(const Ratings& train, const TrainParams& params,
                                  const TrainOptions& options = {});
absl::StatusOr<TrainResult> Train(Ratings&& train, const TrainParams& params,
                                  const TrainOptions& options = {});

}  // namespace hogmf
