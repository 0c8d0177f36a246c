// Cross-validation: how well a TrainParams generalises on a data set. The
// ratings are split at random into K folds of near-equal size; K models are
// trained, each on K - 1 folds, and scored on the fold it did not see. The
// result holds every fold's figures and each metric's mean and standard
// deviation over the folds.
//
//   hogmf::CvOptions options;
//   options.folds = 5;
//   absl::StatusOr<hogmf::CvResult> cv = hogmf::CrossValidate(data, params, options);
//   if (!cv.ok()) return cv.status();
//   std::printf("rmse %.4f +- %.4f\n", cv->Summary("rmse")->mean, cv->Summary("rmse")->sd);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/metrics.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf {

// A metric beyond RMSE and MAE, computed on each fold's model: `compute`
// receives the model and the held-out ratings in the model's index space
// (the model keeps each user's rated items, so ranking metrics can skip them).
struct CvMetric {
  /// The metric's name in results and reports ("precision@10").
  std::string name;
  /// True when a larger value is better (precision, recall); false for errors.
  bool higher_is_better = false;
  std::function<double(const Model& model, std::span<const Rating> held_out)> compute;
};

struct CvOptions {
  /// Number of folds K: 2 .. the number of ratings.
  int folds = 5;
  /// Seed of the random partition into folds (the training draws use
  /// TrainParams::seed): the same seed and data give the same folds.
  uint64_t seed = 1;
  /// Also pass each held-out fold to the training as its validation set, so
  /// that early_stop and stop_validation_rmse can be used. The scores are
  /// then optimistic: the held-out fold chose the stopping epoch.
  bool validate_on_held_out = false;
  /// Metrics computed after "rmse" and "mae", in this order.
  std::vector<CvMetric> extra_metrics;
};

// One fold's model and its scores.
struct CvFold {
  int fold = 0;                // 0-based
  size_t train_ratings = 0;    // ratings trained on (the other folds)
  size_t held_out = 0;         // ratings scored (this fold)
  EvalResult eval;             // RMSE, MAE, unknown pairs (no training rating) of this fold
  std::vector<double> values;  // one per CvResult::metric_names, in that order
  int epochs = 0;              // epochs the training ran
  double train_seconds = 0;    // SGD time of the training
  double seconds = 0;          // the whole fold: split, training and scoring
};

// A metric's mean and standard deviation over the folds.
struct CvSummary {
  std::string name;
  double mean = 0;
  double sd = 0;  // sample standard deviation (divides by K - 1)
  bool higher_is_better = false;
};

struct CvResult {
  std::vector<std::string> metric_names;  // "rmse", "mae", then the extra metrics
  std::vector<CvFold> folds;
  std::vector<CvSummary> summaries;  // one per metric_names, in that order
  double seconds = 0;                // all folds

  // The summary of the metric `name`, or null when there is none.
  const CvSummary* Summary(std::string_view name) const;
};

// K-fold cross-validation of `params` on `data`. Every entry lands in exactly
// one fold; folds differ in size by at most one. The folds run one after
// another, each training with params.threads. With one thread, the same
// data, params and options give bit-identical results.
// kInvalidArgument: folds outside [2, data.size()], an extra metric without
// a name or function, and the errors of Train (invalid params, a validation
// rule without validate_on_held_out). kAborted when a fold's training diverged
// (the message names the fold).
absl::StatusOr<CvResult> CrossValidate(const Ratings& data, const TrainParams& params,
                                       const CvOptions& options = {});

}  // namespace hogmf
