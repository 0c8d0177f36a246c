// Tests of CrossValidate: the folds partition the data, training never sees
// the held-out fold, one thread is deterministic, the summaries are the mean
// and sample deviation of the folds, and bad options are refused.
#include "hogmf/cross_validation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>
#include <vector>

#include "hogmf/synthetic.h"
#include "testing/status_matchers.h"
#include "tuning/stats.h"
#include "tuning_data.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

Ratings PlantedData() { return testing::PlantedData(6000, 3); }

TrainParams SmallParams() {
  TrainParams params = testing::SmallSeedParams(30);
  params.seed = 5;
  return params;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

using Pair = std::tuple<uint32_t, uint32_t, float>;

std::vector<Pair> SortedPairs(std::span<const Rating> entries) {
  std::vector<Pair> pairs;
  for (const Rating& r : entries) pairs.emplace_back(r.user, r.item, r.value);
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

TEST(CrossValidationTest, FoldsPartitionTheDataAndTrainingNeverSeesItsFold) {
  const Ratings data = PlantedData();
  CvOptions options;
  options.folds = 7;  // 6000 = 7 x 857 + 1: one fold is one larger
  std::vector<Rating> held_out_union;
  int leaks = 0;
  CvMetric capture;
  capture.name = "captured";
  capture.compute = [&](const Model& model, std::span<const Rating> held_out) {
    held_out_union.insert(held_out_union.end(), held_out.begin(), held_out.end());
    for (const Rating& r : held_out) {
      const std::vector<uint32_t> rated = model.rated_items().Decode(r.user);
      if (std::binary_search(rated.begin(), rated.end(), r.item)) ++leaks;
    }
    return static_cast<double>(held_out.size());
  };
  options.extra_metrics.push_back(capture);
  TrainParams params = SmallParams();
  params.max_epochs = 2;
  absl::StatusOr<CvResult> cv = CrossValidate(data, params, options);
  ASSERT_THAT(cv, IsOk());
  ASSERT_EQ(cv->folds.size(), 7u);
  EXPECT_EQ(cv->metric_names, (std::vector<std::string>{"rmse", "mae", "captured"}));
  size_t larger = 0;
  for (const CvFold& fold : cv->folds) {
    EXPECT_EQ(fold.train_ratings + fold.held_out, data.size());
    EXPECT_TRUE(fold.held_out == 857 || fold.held_out == 858) << fold.held_out;
    larger += fold.held_out == 858;
    EXPECT_EQ(fold.eval.count, fold.held_out);
    EXPECT_EQ(fold.values[2], static_cast<double>(fold.held_out));
    EXPECT_EQ(fold.epochs, 2);
  }
  EXPECT_EQ(larger, 1u);
  // Every entry held out exactly once; the model of its fold never rated it.
  EXPECT_EQ(SortedPairs(held_out_union), SortedPairs(data.entries()));
  EXPECT_EQ(leaks, 0);
}

TEST(CrossValidationTest, OneThreadIsDeterministicAndTheSeedChoosesTheFolds) {
  const Ratings data = PlantedData();
  CvOptions options;
  options.folds = 3;
  absl::StatusOr<CvResult> a = CrossValidate(data, SmallParams(), options);
  absl::StatusOr<CvResult> b = CrossValidate(data, SmallParams(), options);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  for (int f = 0; f < 3; ++f) {
    EXPECT_TRUE(SameBits(a->folds[f].eval.rmse, b->folds[f].eval.rmse)) << f;
    EXPECT_TRUE(SameBits(a->folds[f].eval.mae, b->folds[f].eval.mae)) << f;
  }
  options.seed = 2;
  absl::StatusOr<CvResult> other = CrossValidate(data, SmallParams(), options);
  ASSERT_THAT(other, IsOk());
  EXPECT_FALSE(SameBits(a->folds[0].eval.rmse, other->folds[0].eval.rmse));
}

TEST(CrossValidationTest, HeldOutErrorApproachesTheNoiseFloor) {
  const Ratings data = PlantedData();
  CvOptions options;
  options.folds = 5;
  absl::StatusOr<CvResult> cv = CrossValidate(data, SmallParams(), options);
  ASSERT_THAT(cv, IsOk());
  const CvSummary* rmse = cv->Summary("rmse");
  ASSERT_NE(rmse, nullptr);
  // The values have sd about 1; a model that learned nothing scores about 1.
  EXPECT_LT(rmse->mean, 0.3);
  EXPECT_GT(rmse->mean, 0.09);
  EXPECT_EQ(cv->Summary("precision"), nullptr);
}

TEST(CrossValidationTest, SummariesAreTheMeanAndSampleDeviationOfTheFolds) {
  const double values[] = {1.0, 2.0, 3.0, 4.0};
  const internal::MeanSd stats = internal::ComputeMeanSd(values);
  EXPECT_DOUBLE_EQ(stats.mean, 2.5);
  EXPECT_DOUBLE_EQ(stats.sd, std::sqrt(5.0 / 3.0));  // (2.25 + 0.25 + 0.25 + 2.25) / 3
  const double one[] = {7.0};
  EXPECT_EQ(internal::ComputeMeanSd(one).sd, 0.0);

  const Ratings data = PlantedData();
  CvOptions options;
  options.folds = 4;
  TrainParams params = SmallParams();
  params.max_epochs = 3;
  absl::StatusOr<CvResult> cv = CrossValidate(data, params, options);
  ASSERT_THAT(cv, IsOk());
  ASSERT_EQ(cv->summaries.size(), 2u);
  for (size_t m = 0; m < 2; ++m) {
    double sum = 0;
    for (const CvFold& fold : cv->folds) sum += fold.values[m];
    const double mean = sum / 4;
    double squares = 0;
    for (const CvFold& fold : cv->folds)
      squares += (fold.values[m] - mean) * (fold.values[m] - mean);
    EXPECT_NEAR(cv->summaries[m].mean, mean, 1e-12);
    EXPECT_NEAR(cv->summaries[m].sd, std::sqrt(squares / 3), 1e-12);
    EXPECT_GT(cv->summaries[m].sd, 0.0);
  }
  EXPECT_EQ(cv->folds[0].values[0], cv->folds[0].eval.rmse);
  EXPECT_EQ(cv->folds[2].values[1], cv->folds[2].eval.mae);
}

TEST(CrossValidationTest, BadFoldCountsAndOptionsAreRefused) {
  const Ratings data = PlantedData();
  CvOptions options;
  for (int folds : {-1, 0, 1, 6001}) {
    options.folds = folds;
    EXPECT_THAT(CrossValidate(data, SmallParams(), options),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("folds")))
        << folds;
  }
  options.folds = 2;
  options.extra_metrics.push_back(CvMetric{"unnamed", false, nullptr});
  EXPECT_THAT(CrossValidate(data, SmallParams(), options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.extra_metrics.clear();
  TrainParams bad = SmallParams();
  bad.k = 0;
  EXPECT_THAT(CrossValidate(data, bad, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("k")));
}

TEST(CrossValidationTest, AsManyFoldsAsRatingsLeavesOneOut) {
  Ratings data(std::vector<Rating>{{0, 0, 1}, {0, 1, 2}, {1, 0, 3}, {1, 1, 4}, {2, 2, 5}},
               IdMap::Identity(3), IdMap::Identity(3));
  CvOptions options;
  options.folds = 5;
  TrainParams params = SmallParams();
  params.max_epochs = 2;
  absl::StatusOr<CvResult> cv = CrossValidate(data, params, options);
  ASSERT_THAT(cv, IsOk());
  ASSERT_EQ(cv->folds.size(), 5u);
  size_t unknown = 0;
  for (const CvFold& fold : cv->folds) {
    EXPECT_EQ(fold.held_out, 1u);
    unknown += fold.eval.unknown;
  }
  // (2, 2) is the only rating of user 2 and of item 2: unseen when held out.
  EXPECT_GE(unknown, 1u);
}

TEST(CrossValidationTest, ValidationRulesNeedTheHeldOutFoldAsValidation) {
  const Ratings data = PlantedData();
  CvOptions options;
  options.folds = 3;
  TrainParams params = SmallParams();
  params.stop_validation_rmse = 0.5;
  params.max_epochs = 200;
  EXPECT_THAT(CrossValidate(data, params, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("validate_on_held_out")));
  options.validate_on_held_out = true;
  absl::StatusOr<CvResult> cv = CrossValidate(data, params, options);
  ASSERT_THAT(cv, IsOk());
  for (const CvFold& fold : cv->folds) EXPECT_LT(fold.epochs, 200);
}

TEST(CrossValidationTest, DivergenceNamesTheFold) {
  const Ratings data = PlantedData();
  CvOptions options;
  options.folds = 2;
  TrainParams params = SmallParams();
  params.learning_rate = 50.0f;
  EXPECT_THAT(CrossValidate(data, params, options),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("fold 1 of 2")));
}

}  // namespace
}  // namespace hogmf
