// Train: fits a Model to Ratings by SGD on the seed's loss. The library never
// prints: progress reaches the caller through a TrainObserver.
//
//   hogmf::TrainParams params;            // defaults are validated
//   params.max_epochs = 10;
//   hogmf::TrainOptions options;
//   options.validation = &test;           // optional held-out ratings
//   absl::StatusOr<hogmf::TrainResult> result = hogmf::Train(train, params, options);
//   if (result.ok()) std::cout << result->report.train_rmse;
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf {

enum class StopReason {
  kEpochLimit,     // max_epochs reached
  kLossThreshold,  // loss <= stop_loss (exact at an epoch end, or the monitor's estimate)
  kRmseThreshold,  // train RMSE <= stop_rmse (exact, or the monitor's estimate)
  kTimeLimit,      // time_limit_seconds of training reached
  kEarlyStop,      // validation RMSE stopped improving; the best model is returned
  kValidationRmseThreshold,  // validation RMSE <= stop_validation_rmse at an epoch end
  kCancelled,      // TrainOptions::cancel was set
};
std::string_view StopReasonName(StopReason reason);

// Exact figures at the end of one epoch.
struct EpochStats {
  int epoch = 0;                  // 1-based
  uint64_t updates = 0;           // SGD steps this epoch
  double loss = 0;                // seed loss over all training ratings
  double train_rmse = 0;
  double validation_rmse = -1;    // -1 when there is no validation set
  double seconds = 0;             // SGD time of this epoch (evaluation excluded)
  double updates_per_second = 0;
  float learning_rate = 0;        // the rate this epoch used
};

// One reading of the monitor thread while the workers run: estimates from a
// fixed random sample of the training ratings.
struct ProgressSample {
  double seconds = 0;        // training time so far
  int epoch = 0;             // 1-based epoch in progress
  uint64_t updates = 0;      // SGD steps handed to workers so far, all epochs
  double loss_estimate = 0;  // the seed's loss over all ratings, estimated from the sample
  double rmse_estimate = 0;  // train RMSE estimated from the sample
};

// Receives progress. OnSample comes from the monitor thread, OnEpoch from the
// thread that called Train; the two are never called at the same time.
class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual void OnEpoch(const EpochStats& stats) {}
  virtual void OnSample(const ProgressSample& sample) {}
};

struct TrainOptions {
  /// Held-out ratings in their own id space (aligned to the training ids); may be null.
  const Ratings* validation = nullptr;
  /// Progress receiver; may be null.
  TrainObserver* observer = nullptr;
  /// Keep each user's rated items in the model (for recommendations).
  bool keep_rated_items = true;
  /// When set to true by another thread, training stops at the next chunk and
  /// returns the model as it is (StopReason::kCancelled). May be null.
  const std::atomic<bool>* cancel = nullptr;
};

struct TrainReport {
  int epochs = 0;
  uint64_t updates = 0;
  double seconds = 0;             // SGD time only
  double updates_per_second = 0;
  double loss = 0;
  double train_rmse = 0;
  double validation_rmse = -1;    // -1 when there is no validation set
  uint64_t validation_unknown = 0;  // validation pairs with an id unseen in training
  StopReason stop_reason = StopReason::kEpochLimit;
  std::string kernel;             // the SIMD kernel used ("avx512", "scalar", ...)
  int threads = 0;                // worker threads used
  int grid = 0;                   // blocked schedule: bands per side (0 for hogwild)
  double block_idle_seconds = 0;  // blocked: worker-seconds outside blocks (waits, epoch tails)
  RatingOrder order = RatingOrder::kShuffle;  // hogwild: the order used (kAuto resolved)
  int best_epoch = 0;             // early stop: the epoch whose model is returned
  double rated_items_seconds = 0;  // time to index the rated items after training
  std::vector<EpochStats> history;
};

struct TrainResult {
  Model model;
  TrainReport report;
};

// Trains on a working copy of `train`'s entries, which the engine reorders.
// Fails with kInvalidArgument for invalid params, an unknown kernel or empty
// training data, and kAborted when the factors diverge (NaN/Inf or an
// exploding loss; the message suggests a smaller learning rate).
absl::StatusOr<TrainResult> Train(const Ratings& train, const TrainParams& params,
                                  const TrainOptions& options = {});
// The same, consuming `train`: the engine reorders its entries in place
// instead of copying them, so the peak memory is one set of ratings plus the
// factors. `train` is left empty.
absl::StatusOr<TrainResult> Train(Ratings&& train, const TrainParams& params,
                                  const TrainOptions& options = {});

}  // namespace hogmf
