// Hyper-parameter search: the points of a random or grid search over the
// space, each trained and scored in turn, under an optional time budget.
#include "hogmf/tune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hogmf/trainer.h"
#include "util/absl_compat.h"
#include "util/random.h"

namespace hogmf {
namespace {

using internal::ToAbsl;

// Stream of the search's random draws (apart from training and folds).
constexpr uint64_t kTuneStream = 0x70E5u;
constexpr int kDefaultRandomTrials = 20;
// Values drawn from a range keep this many significant digits.
constexpr int kSignificantDigits = 3;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The searched fields of one point.
struct Point {
  int k = 0;
  float l2 = 0;
  float learning_rate = 0;
  int epochs = 0;
};

TrainParams WithPoint(const TrainParams& base, const Point& point) {
  TrainParams params = base;
  params.k = point.k;
  params.l2_p = params.l2_q = point.l2;
  params.learning_rate = point.learning_rate;
  params.max_epochs = point.epochs;
  return params;
}

// Checks that every value a dimension can give makes valid params.
absl::Status CheckReal(const RealDimension& dim, std::string_view name, const TrainParams& base,
                       float TrainParams::*field) {
  if (!dim.values.empty() && dim.range.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(name), ": give a list or a range, not both"));
  }
  std::vector<double> ends = dim.values;
  if (dim.range.has_value()) {
    const RealRange& range = *dim.range;
    if (!std::isfinite(range.low) || !std::isfinite(range.high) || range.high < range.low) {
      return absl::InvalidArgumentError(absl::StrCat(ToAbsl(name), " range [", range.low, ", ",
                                                     range.high, "]: expected low <= high"));
    }
    if (range.log_scale && range.low <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(ToAbsl(name), " range [", range.low, ", ",
                                                     range.high, "]: a log scale needs low > 0"));
    }
    ends = {range.low, range.high};
  }
  for (double value : ends) {
    TrainParams params = base;
    params.*field = static_cast<float>(value);
    if (absl::Status valid = params.Validate(); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("search space ", ToAbsl(name), " = ", value, ": ", valid.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckInts(const std::vector<int>& values, std::string_view name,
                       const TrainParams& base, int TrainParams::*field) {
  for (int value : values) {
    TrainParams params = base;
    params.*field = value;
    if (absl::Status valid = params.Validate(); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("search space ", ToAbsl(name), " = ", value, ": ", valid.message()));
    }
  }
  return absl::OkStatus();
}

// `value` rounded to `digits` significant decimal digits.
double RoundSignificant(double value, int digits) {
  if (value == 0 || !std::isfinite(value)) return value;
  const double scale = std::pow(10.0, digits - 1 - std::floor(std::log10(std::abs(value))));
  return std::round(value * scale) / scale;
}

// The value at fraction t in [0, 1] of the range, in its spacing, rounded to
// kSignificantDigits (readable flags) and kept inside the range as a float.
float AtFraction(const RealRange& range, double t) {
  double value = 0;
  if (range.log_scale) {
    value = std::exp(std::log(range.low) + t * (std::log(range.high) - std::log(range.low)));
  } else {
    value = range.low + t * (range.high - range.low);
  }
  if (t > 0 && t < 1) value = RoundSignificant(value, kSignificantDigits);
  return std::clamp(static_cast<float>(value), static_cast<float>(range.low),
                    static_cast<float>(range.high));
}

// The values a grid takes from a dimension (the base value when not searched).
std::vector<float> GridValues(const RealDimension& dim, float base_value, int points) {
  if (dim.range.has_value()) {
    if (dim.range->low == dim.range->high) return {static_cast<float>(dim.range->low)};
    std::vector<float> values;
    for (int i = 0; i < points; ++i) {
      values.push_back(AtFraction(*dim.range, static_cast<double>(i) / (points - 1)));
    }
    return values;
  }
  if (!dim.values.empty()) {
    std::vector<float> values;
    for (double v : dim.values) values.push_back(static_cast<float>(v));
    return values;
  }
  return {base_value};
}

float DrawReal(const RealDimension& dim, float base_value, internal::Rng& rng) {
  if (dim.range.has_value()) return AtFraction(*dim.range, rng.UniformDouble());
  if (!dim.values.empty()) return static_cast<float>(dim.values[rng.Below(dim.values.size())]);
  return base_value;
}

int DrawInt(const std::vector<int>& values, int base_value, internal::Rng& rng) {
  return values.empty() ? base_value : values[rng.Below(values.size())];
}

std::vector<Point> MakePoints(const TrainParams& base, const SearchSpace& space,
                              const TuneOptions& options) {
  std::vector<Point> points;
  if (options.search == SearchKind::kGrid) {
    const std::vector<int> ks = space.k.empty() ? std::vector<int>{base.k} : space.k;
    const std::vector<float> l2s = GridValues(space.l2, base.l2_p, options.grid_points);
    const std::vector<float> lrs =
        GridValues(space.learning_rate, base.learning_rate, options.grid_points);
    const std::vector<int> epochs =
        space.epochs.empty() ? std::vector<int>{base.max_epochs} : space.epochs;
    for (int k : ks) {
      for (float l2 : l2s) {
        for (float lr : lrs) {
          for (int e : epochs) points.push_back(Point{k, l2, lr, e});
        }
      }
    }
    if (options.trials > 0 && points.size() > static_cast<size_t>(options.trials)) {
      points.resize(static_cast<size_t>(options.trials));
    }
    return points;
  }
  const int trials = options.trials > 0 ? options.trials : kDefaultRandomTrials;
  internal::Rng rng(options.seed, kTuneStream);
  for (int t = 0; t < trials; ++t) {
    Point point;
    point.k = DrawInt(space.k, base.k, rng);
    point.l2 = DrawReal(space.l2, base.l2_p, rng);
    point.learning_rate = DrawReal(space.learning_rate, base.learning_rate, rng);
    point.epochs = DrawInt(space.epochs, base.max_epochs, rng);
    points.push_back(point);
  }
  return points;
}

// The sign that turns the metric into a lower-is-better score, or an error.
absl::StatusOr<double> MetricSign(const TuneOptions& options) {
  if (options.metric == "rmse" || options.metric == "mae") return 1.0;
  if (options.validation == nullptr) {
    for (const CvMetric& metric : options.cv.extra_metrics) {
      if (metric.name == options.metric) return metric.higher_is_better ? -1.0 : 1.0;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("metric \"", options.metric, "\": expected rmse, mae",
                   options.validation == nullptr ? " or an extra cross-validation metric" : ""));
}

// Trains and scores one point; a divergence is recorded in the trial, other
// errors are returned.
absl::Status RunTrial(const Ratings& data, const TuneOptions& options, double sign,
                      TrialResult* trial) {
  const TrainParams& params = trial->params;
  if (options.validation != nullptr) {
    TrainOptions train_options;
    train_options.keep_rated_items = false;
    if (params.early_stop > 0 || params.stop_validation_rmse > 0) {
      train_options.validation = options.validation;
    }
    absl::StatusOr<TrainResult> trained = Train(data, params, train_options);
    if (!trained.ok()) return trained.status();
    const EvalResult eval = Evaluate(trained->model, *options.validation);
    trial->score = sign * (options.metric == "mae" ? eval.mae : eval.rmse);
    trial->epochs = trained->report.epochs;
    return absl::OkStatus();
  }
  absl::StatusOr<CvResult> cv = CrossValidate(data, params, options.cv);
  if (!cv.ok()) return cv.status();
  const CvSummary* summary = cv->Summary(options.metric);
  trial->score = sign * summary->mean;
  trial->score_sd = summary->sd;
  double epochs = 0;
  for (const CvFold& fold : cv->folds) epochs += fold.epochs;
  trial->epochs = static_cast<int>(std::lround(epochs / static_cast<double>(cv->folds.size())));
  return absl::OkStatus();
}

}  // namespace

std::string_view SearchKindName(SearchKind kind) {
  switch (kind) {
    case SearchKind::kRandom:
      return "random";
    case SearchKind::kGrid:
      return "grid";
  }
  return "unknown";
}

absl::StatusOr<SearchKind> ParseSearchKind(std::string_view name) {
  if (name == "random") return SearchKind::kRandom;
  if (name == "grid") return SearchKind::kGrid;
  return absl::InvalidArgumentError(
      absl::StrCat("search \"", ToAbsl(name), "\": expected random or grid"));
}

absl::StatusOr<TuneResult> Tune(const Ratings& data, const TrainParams& base,
                                const SearchSpace& space, const TuneOptions& options) {
  if (absl::Status valid = base.Validate(); !valid.ok()) return valid;
  if (options.search != SearchKind::kRandom && options.search != SearchKind::kGrid) {
    return absl::InvalidArgumentError("search: expected random or grid");
  }
  if (options.trials < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("trials = ", options.trials, ": expected >= 0 (0: the default)"));
  }
  if (options.grid_points < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("grid_points = ", options.grid_points, ": expected >= 2"));
  }
  if (!(options.time_budget_seconds >= 0) || !std::isfinite(options.time_budget_seconds)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time_budget_seconds = ", options.time_budget_seconds, ": expected >= 0 (0: none)"));
  }
  if (options.validation == nullptr &&
      (options.cv.folds < 2 || static_cast<size_t>(options.cv.folds) > data.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("no validation set, and cv.folds = ", options.cv.folds,
                     ": expected 2 .. the number of ratings (", data.size(), ")"));
  }
  absl::StatusOr<double> sign = MetricSign(options);
  if (!sign.ok()) return sign.status();
  if (absl::Status s = CheckInts(space.k, "k", base, &TrainParams::k); !s.ok()) return s;
  if (absl::Status s = CheckInts(space.epochs, "epochs", base, &TrainParams::max_epochs); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckReal(space.l2, "l2", base, &TrainParams::l2_p); !s.ok()) return s;
  if (absl::Status s =
          CheckReal(space.learning_rate, "learning_rate", base, &TrainParams::learning_rate);
      !s.ok()) {
    return s;
  }

  const auto start = std::chrono::steady_clock::now();
  const std::vector<Point> points = MakePoints(base, space, options);
  TuneResult result;
  absl::Status first_failure;
  for (size_t t = 0; t < points.size(); ++t) {
    if (t > 0 && options.time_budget_seconds > 0 &&
        SecondsSince(start) >= options.time_budget_seconds) {
      result.budget_exhausted = true;
      break;
    }
    const auto trial_start = std::chrono::steady_clock::now();
    TrialResult trial;
    trial.trial = static_cast<int>(t);
    trial.params = WithPoint(base, points[t]);
    absl::Status status = RunTrial(data, options, *sign, &trial);
    if (!status.ok()) {
      if (status.code() != absl::StatusCode::kAborted) {
        return absl::Status(status.code(), absl::StrCat("trial ", t + 1, ": ", status.message()));
      }
      trial.status = status;
      trial.score = std::numeric_limits<double>::infinity();
      if (first_failure.ok()) first_failure = status;
    }
    trial.seconds = SecondsSince(trial_start);
    if (trial.status.ok() && (result.best < 0 || trial.score < result.trials[result.best].score)) {
      result.best = static_cast<int>(t);
    }
    if (options.on_trial) options.on_trial(trial, static_cast<int>(points.size()));
    result.trials.push_back(std::move(trial));
  }
  result.seconds = SecondsSince(start);
  if (result.best < 0) {
    return absl::AbortedError(
        absl::StrCat("every trial failed; the first: ", first_failure.message()));
  }
  return result;
}

}  // namespace hogmf
