// K-fold cross-validation: a seeded partition into folds, one training per
// fold on the others, and the held-out scores with their mean and deviation.
#include "hogmf/cross_validation.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hogmf/trainer.h"
#include "tuning/stats.h"
#include "util/random.h"

namespace hogmf {
namespace {

// Stream of the fold partition's random draws (apart from the trainer's).
constexpr uint64_t kFoldStream = 0xF01D5u;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// fold[i] of entry i: the labels 0, 1, ..., K - 1, 0, 1, ... in a random
// order, so every fold holds floor(n / K) or ceil(n / K) entries.
std::vector<uint32_t> AssignFolds(size_t n, int folds, uint64_t seed) {
  std::vector<uint32_t> fold(n);
  for (size_t i = 0; i < n; ++i) fold[i] = static_cast<uint32_t>(i % static_cast<size_t>(folds));
  internal::Rng rng(seed, kFoldStream);
  internal::FisherYates(std::span<uint32_t>(fold), rng);
  return fold;
}

absl::Status WithFold(const absl::Status& status, int fold, int folds) {
  return absl::Status(status.code(),
                      absl::StrCat("fold ", fold + 1, " of ", folds, ": ", status.message()));
}

}  // namespace

const CvSummary* CvResult::Summary(std::string_view name) const {
  for (const CvSummary& summary : summaries) {
    if (summary.name == name) return &summary;
  }
  return nullptr;
}

absl::StatusOr<CvResult> CrossValidate(const Ratings& data, const TrainParams& params,
                                       const CvOptions& options) {
  const size_t n = data.size();
  if (options.folds < 2 || static_cast<size_t>(options.folds) > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("folds = ", options.folds, ": expected 2 .. the number of ratings (", n, ")"));
  }
  for (const CvMetric& metric : options.extra_metrics) {
    if (metric.name.empty() || !metric.compute) {
      return absl::InvalidArgumentError("an extra metric needs a name and a function");
    }
  }
  if (absl::Status valid = params.Validate(); !valid.ok()) return valid;
  if (!options.validate_on_held_out && (params.early_stop > 0 || params.stop_validation_rmse > 0)) {
    return absl::InvalidArgumentError(
        "early_stop and stop_validation_rmse need a validation set: in cross-validation, set "
        "validate_on_held_out (the held-out fold then chooses the stopping epoch)");
  }

  const auto start = std::chrono::steady_clock::now();
  const int k = options.folds;
  const std::vector<uint32_t> fold_of = AssignFolds(n, k, options.seed);

  CvResult result;
  result.metric_names = {"rmse", "mae"};
  for (const CvMetric& metric : options.extra_metrics) result.metric_names.push_back(metric.name);
  const std::span<const Rating> entries = data.entries();
  const size_t base = n / static_cast<size_t>(k);
  for (int f = 0; f < k; ++f) {
    const auto fold_start = std::chrono::steady_clock::now();
    const size_t held_size = base + (static_cast<size_t>(f) < n % static_cast<size_t>(k) ? 1 : 0);
    std::vector<Rating> train_entries;
    std::vector<Rating> held_out;
    train_entries.reserve(n - held_size);
    held_out.reserve(held_size);
    for (size_t i = 0; i < n; ++i) {
      (fold_of[i] == static_cast<uint32_t>(f) ? held_out : train_entries).push_back(entries[i]);
    }
    CvFold fold;
    fold.fold = f;
    fold.train_ratings = train_entries.size();
    fold.held_out = held_out.size();

    TrainOptions train_options;
    train_options.keep_rated_items = !options.extra_metrics.empty();
    Ratings validation;
    if (options.validate_on_held_out) {
      validation = Ratings(held_out, data.users(), data.items());
      train_options.validation = &validation;
    }
    // The model's ids are the training set's, which are data's: the held-out
    // entries are already in the model's index space.
    absl::StatusOr<TrainResult> trained =
        Train(Ratings(std::move(train_entries), data.users(), data.items()), params, train_options);
    if (!trained.ok()) return WithFold(trained.status(), f, k);
    fold.eval = EvaluateAligned(trained->model, held_out);
    fold.values = {fold.eval.rmse, fold.eval.mae};
    for (const CvMetric& metric : options.extra_metrics) {
      fold.values.push_back(metric.compute(trained->model, held_out));
    }
    fold.epochs = trained->report.epochs;
    fold.train_seconds = trained->report.seconds;
    fold.seconds = SecondsSince(fold_start);
    result.folds.push_back(std::move(fold));
  }

  for (size_t m = 0; m < result.metric_names.size(); ++m) {
    std::vector<double> values;
    values.reserve(result.folds.size());
    for (const CvFold& fold : result.folds) values.push_back(fold.values[m]);
    const internal::MeanSd stats = internal::ComputeMeanSd(values);
    CvSummary summary;
    summary.name = result.metric_names[m];
    summary.mean = stats.mean;
    summary.sd = stats.sd;
    summary.higher_is_better = m >= 2 && options.extra_metrics[m - 2].higher_is_better;
    result.summaries.push_back(std::move(summary));
  }
  result.seconds = SecondsSince(start);
  return result;
}

}  // namespace hogmf
