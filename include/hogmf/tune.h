// Tune: a hyper-parameter search. Trains one model per trial, each with the
// base TrainParams and some of k, l2, learning_rate and max_epochs taken from a
// search space, scores it by cross-validation or on a validation set (lower is
// better), and returns every trial and the best. Trials run one after another,
// each with params.threads workers.
//
//   hogmf::SearchSpace space;
//   space.k = {16, 32, 64};
//   space.l2.range = hogmf::RealRange{0.01, 0.3};        // log-uniform
//   space.learning_rate.values = {0.005, 0.01, 0.02};
//   hogmf::TuneOptions options;                          // random search, 5-fold CV
//   absl::StatusOr<hogmf::TuneResult> tuned = hogmf::Tune(data, base, space, options);
//   if (tuned.ok()) base = tuned->trials[tuned->best].params;
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/cross_validation.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf {

// The closed range [low, high] that random search draws from, uniformly in
// log(value) (log_scale) or in value; grid search takes TuneOptions::grid_points
// values spaced the same way, both ends included. Values inside the range are
// rounded to 3 significant digits (so that they read well as flags).
struct RealRange {
  double low = 0;
  double high = 0;
  /// Spaced in log(value) (low must then be > 0); else linearly.
  bool log_scale = true;
};

// One real-valued parameter: a list of values, or a range; neither (the
// default) leaves the base params' value.
struct RealDimension {
  std::vector<double> values;
  std::optional<RealRange> range;

  bool searched() const { return !values.empty() || range.has_value(); }
};

// What the search varies; an empty dimension keeps the base params' value.
struct SearchSpace {
  std::vector<int> k;
  RealDimension l2;
  RealDimension learning_rate;
  std::vector<int> epochs;  // max_epochs
};

enum class SearchKind {
  kRandom,  // `trials` points, each dimension drawn independently from the seed
  kGrid,    // every point of the product of the dimensions, in order (k slowest)
};

// "random", "grid".
std::string_view SearchKindName(SearchKind kind);
// The kind named `name`; kInvalidArgument for any other name.
absl::StatusOr<SearchKind> ParseSearchKind(std::string_view name);

struct TrialResult {
  int trial = 0;  // 0-based, in the order run
  TrainParams params;
  /// The metric on the validation set, or its mean over the folds; lower is
  /// better (a higher-is-better metric is negated). +inf when the training
  /// diverged.
  double score = 0;
  double score_sd = 0;  // standard deviation over the folds (0 with a validation set)
  absl::Status status;  // not OK when the training diverged (the trial is not a candidate)
  int epochs = 0;       // epochs trained (the mean over the folds, rounded)
  double seconds = 0;   // the whole trial
};

struct TuneOptions {
  /// How the points are chosen.
  SearchKind search = SearchKind::kRandom;
  /// Random: the number of trials, >= 1 (0 means 20). Grid: at most this many
  /// points, in grid order (0 means all).
  int trials = 0;
  /// Grid: values taken from each range, >= 2 (a list is taken as it is).
  int grid_points = 3;
  /// Seed of the random draws of the points (training uses base.seed in every
  /// trial, cross-validation cv.seed, so trials differ only in their points).
  uint64_t seed = 1;
  /// Once this many seconds have passed, no new trial starts (the first
  /// always runs); 0 disables. >= 0.
  double time_budget_seconds = 0;
  /// Score on this validation set (in its own id space, aligned to the
  /// training ids) after training on all of `data`; may be null, then each
  /// trial is scored by cross-validation with `cv`. Read during the call.
  const Ratings* validation = nullptr;
  /// Cross-validation of each trial when there is no validation set.
  CvOptions cv;
  /// The score: "rmse", "mae", or the name of one of cv.extra_metrics
  /// (cross-validation only). A metric where higher is better is negated.
  std::string metric = "rmse";
  /// Called after each trial with its result and the number of points (the
  /// budget may stop earlier), on the calling thread; may be empty.
  std::function<void(const TrialResult& trial, int trials)> on_trial;
};

struct TuneResult {
  std::vector<TrialResult> trials;  // in the order run
  int best = -1;                    // index into trials of the lowest score
  bool budget_exhausted = false;    // the time budget stopped the search early
  double seconds = 0;
};

// Runs the search. Deterministic for the same data, base, space and options
// when base.threads is 1 (and the time budget does not cut the search).
// kInvalidArgument: invalid base params or options, a value of the space that
// makes invalid params (naming the field), a range with high < low (or low <= 0
// on a log scale), a dimension with both a list and a range, neither a
// validation set nor valid cv.folds, an unknown metric.
// kAborted when every trial diverged. Errors of training other than divergence
// end the search and are returned.
absl::StatusOr<TuneResult> Tune(const Ratings& data, const TrainParams& base,
                                const SearchSpace& space, const TuneOptions& options = {});

}  // namespace hogmf
