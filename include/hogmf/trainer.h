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

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf {

enum class StopReason {
  kEpochLimit,     // max_epochs reached
  kLossThreshold,  // loss <= stop_loss
  kRmseThreshold,  // train RMSE <= stop_rmse
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

// Receives progress; every method may be called from the training thread.
class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual void OnEpoch(const EpochStats& stats) {}
};

struct TrainOptions {
  /// Held-out ratings in their own id space (aligned to the training ids); may be null.
  const Ratings* validation = nullptr;
  /// Progress receiver; may be null.
  TrainObserver* observer = nullptr;
  /// Keep each user's rated items in the model (for recommendations).
  bool keep_rated_items = true;
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
  std::vector<EpochStats> history;
};

struct TrainResult {
  Model model;
  TrainReport report;
};

// Fails with kInvalidArgument for invalid params or empty training data.
absl::StatusOr<TrainResult> Train(const Ratings& train, const TrainParams& params,
                                  const TrainOptions& options = {});

}  // namespace hogmf
