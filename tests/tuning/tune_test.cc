// Tests of Tune on a small generated set: grid and random points, the best
// trial, the time budget, determinism, diverging trials and bad spaces.
#include "hogmf/tune.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <tuple>
#include <vector>

#include "hogmf/synthetic.h"
#include "testing/status_matchers.h"
#include "tuning_data.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

Ratings PlantedData() { return testing::PlantedData(5000, 4); }

TrainParams Base() { return testing::SmallSeedParams(3); }

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

class TuneTest : public ::testing::Test {
 protected:
  TuneTest() : data_(PlantedData()) {
    auto [train, validation] = SplitHoldout(data_, 0.2, 9);
    train_ = std::move(train);
    validation_ = std::move(validation);
  }
  // Options scored on the validation set (fast).
  TuneOptions ValidationOptions() const {
    TuneOptions options;
    options.validation = &validation_;
    return options;
  }

  Ratings data_;
  Ratings train_;
  Ratings validation_;
};

TEST_F(TuneTest, RandomSearchByCrossValidationPicksTheLowestScore) {
  SearchSpace space;
  space.k = {2, 8};
  space.l2.range = RealRange{0.005, 0.5};
  space.learning_rate.range = RealRange{0.005, 0.05};
  TuneOptions options;
  options.trials = 5;
  options.cv.folds = 3;
  absl::StatusOr<TuneResult> tuned = Tune(data_, Base(), space, options);
  ASSERT_THAT(tuned, IsOk());
  ASSERT_EQ(tuned->trials.size(), 5u);
  ASSERT_GE(tuned->best, 0);
  double lowest = INFINITY;
  for (const TrialResult& trial : tuned->trials) {
    EXPECT_THAT(trial.status, IsOk());
    EXPECT_TRUE(std::isfinite(trial.score));
    EXPECT_GT(trial.score_sd, 0.0);
    EXPECT_EQ(trial.epochs, 3);
    lowest = std::min(lowest, trial.score);
  }
  EXPECT_EQ(tuned->trials[tuned->best].score, lowest);
  EXPECT_FALSE(tuned->budget_exhausted);
  // The scores differ between points: the search is not scoring one model.
  EXPECT_NE(tuned->trials[0].score, tuned->trials[1].score);
}

TEST_F(TuneTest, GridEnumeratesTheProductWithRangeEndsIncluded) {
  SearchSpace space;
  space.k = {4, 8};
  space.l2.range = RealRange{0.01, 0.09};  // log scale: 0.01, 0.03, 0.09
  space.learning_rate.values = {0.01, 0.02};
  TuneOptions options = ValidationOptions();
  options.search = SearchKind::kGrid;
  absl::StatusOr<TuneResult> tuned = Tune(train_, Base(), space, options);
  ASSERT_THAT(tuned, IsOk());
  ASSERT_EQ(tuned->trials.size(), 12u);
  std::set<std::tuple<int, float, float, int>> seen;
  for (const TrialResult& trial : tuned->trials) {
    seen.emplace(trial.params.k, trial.params.l2_p, trial.params.learning_rate,
                 trial.params.max_epochs);
    EXPECT_EQ(trial.params.max_epochs, 3);  // not searched: the base's
    EXPECT_EQ(trial.score_sd, 0.0);
  }
  EXPECT_EQ(seen.size(), 12u);
  for (int k : {4, 8}) {
    for (float l2 : {0.01f, 0.03f, 0.09f}) {
      for (float lr : {0.01f, 0.02f}) {
        bool found = false;
        for (const auto& [sk, sl2, slr, se] : seen) {
          found |= sk == k && std::abs(sl2 - l2) < 1e-6f && slr == lr;
        }
        EXPECT_TRUE(found) << k << " " << l2 << " " << lr;
      }
    }
  }
  // The best is the lowest validation RMSE.
  for (const TrialResult& trial : tuned->trials) {
    EXPECT_LE(tuned->trials[tuned->best].score, trial.score);
  }
  options.trials = 5;  // the first five grid points
  absl::StatusOr<TuneResult> capped = Tune(train_, Base(), space, options);
  ASSERT_THAT(capped, IsOk());
  ASSERT_EQ(capped->trials.size(), 5u);
  for (int t = 0; t < 5; ++t) {
    EXPECT_EQ(capped->trials[t].params.l2_p, tuned->trials[t].params.l2_p);
    EXPECT_EQ(capped->trials[t].params.learning_rate, tuned->trials[t].params.learning_rate);
  }
}

TEST_F(TuneTest, RandomDrawsStayInTheirRangesAndLists) {
  SearchSpace space;
  space.k = {3, 5};
  space.l2.range = RealRange{0.001, 0.1};  // log-uniform
  space.learning_rate.range = RealRange{0.01, 0.02, /*log_scale=*/false};
  space.epochs = {1, 2};
  TuneOptions options = ValidationOptions();
  options.trials = 40;
  TrainParams base = Base();
  absl::StatusOr<TuneResult> tuned = Tune(train_, base, space, options);
  ASSERT_THAT(tuned, IsOk());
  ASSERT_EQ(tuned->trials.size(), 40u);
  int low_decade = 0;
  std::set<int> ks, epochs;
  for (const TrialResult& trial : tuned->trials) {
    ks.insert(trial.params.k);
    epochs.insert(trial.params.max_epochs);
    EXPECT_GE(trial.params.l2_p, 0.001f);
    EXPECT_LE(trial.params.l2_p, 0.1f);
    EXPECT_GE(trial.params.learning_rate, 0.01f);
    EXPECT_LE(trial.params.learning_rate, 0.02f);
    EXPECT_EQ(trial.epochs, trial.params.max_epochs);
    low_decade += trial.params.l2_p < 0.01f;
    // Fields outside the space are the base's.
    EXPECT_EQ(trial.params.seed, base.seed);
    EXPECT_EQ(trial.params.threads, base.threads);
  }
  EXPECT_EQ(ks, (std::set<int>{3, 5}));
  EXPECT_EQ(epochs, (std::set<int>{1, 2}));
  // Log-uniform: about half the draws in [0.001, 0.01) (uniform would give 9%).
  EXPECT_GT(low_decade, 10);
  EXPECT_LT(low_decade, 30);
}

TEST_F(TuneTest, TheTimeBudgetStopsStartingTrials) {
  SearchSpace space;
  space.learning_rate.range = RealRange{0.01, 0.03};
  TuneOptions options = ValidationOptions();
  options.trials = 6;
  options.time_budget_seconds = 1e-9;  // spent before the second trial starts
  absl::StatusOr<TuneResult> tuned = Tune(train_, Base(), space, options);
  ASSERT_THAT(tuned, IsOk());
  EXPECT_EQ(tuned->trials.size(), 1u);
  EXPECT_TRUE(tuned->budget_exhausted);
  EXPECT_EQ(tuned->best, 0);
  options.time_budget_seconds = 3600;
  tuned = Tune(train_, Base(), space, options);
  ASSERT_THAT(tuned, IsOk());
  EXPECT_EQ(tuned->trials.size(), 6u);
  EXPECT_FALSE(tuned->budget_exhausted);
}

TEST_F(TuneTest, TheSameSeedGivesTheSameTrials) {
  SearchSpace space;
  space.k = {2, 4, 8};
  space.l2.range = RealRange{0.01, 0.2};
  space.learning_rate.range = RealRange{0.005, 0.05};
  TuneOptions options = ValidationOptions();
  options.trials = 4;
  options.seed = 11;
  absl::StatusOr<TuneResult> a = Tune(train_, Base(), space, options);
  absl::StatusOr<TuneResult> b = Tune(train_, Base(), space, options);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_EQ(a->trials.size(), b->trials.size());
  for (size_t t = 0; t < a->trials.size(); ++t) {
    EXPECT_EQ(a->trials[t].params.k, b->trials[t].params.k);
    EXPECT_EQ(a->trials[t].params.l2_p, b->trials[t].params.l2_p);
    EXPECT_EQ(a->trials[t].params.learning_rate, b->trials[t].params.learning_rate);
    EXPECT_TRUE(SameBits(a->trials[t].score, b->trials[t].score)) << t;
  }
  EXPECT_EQ(a->best, b->best);
  options.seed = 12;
  absl::StatusOr<TuneResult> c = Tune(train_, Base(), space, options);
  ASSERT_THAT(c, IsOk());
  EXPECT_NE(a->trials[0].params.l2_p, c->trials[0].params.l2_p);
}

TEST_F(TuneTest, ADivergingTrialIsRecordedAndNeverBest) {
  SearchSpace space;
  space.learning_rate.values = {100.0, 0.02};
  TuneOptions options = ValidationOptions();
  options.search = SearchKind::kGrid;
  absl::StatusOr<TuneResult> tuned = Tune(train_, Base(), space, options);
  ASSERT_THAT(tuned, IsOk());
  ASSERT_EQ(tuned->trials.size(), 2u);
  EXPECT_THAT(tuned->trials[0].status, StatusIs(absl::StatusCode::kAborted));
  EXPECT_TRUE(std::isinf(tuned->trials[0].score));
  EXPECT_EQ(tuned->best, 1);
  space.learning_rate.values = {100.0};
  EXPECT_THAT(Tune(train_, Base(), space, options),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("every trial failed")));
}

TEST_F(TuneTest, BadSpacesAndOptionsAreRefused) {
  const TuneOptions options = ValidationOptions();
  SearchSpace space;
  space.k = {8, 0};
  EXPECT_THAT(Tune(train_, Base(), space, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("k = 0")));
  space = {};
  space.l2.range = RealRange{0.3, 0.1};
  EXPECT_THAT(Tune(train_, Base(), space, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("l2 range")));
  space.l2.range = RealRange{0.0, 0.1};  // log scale from 0
  EXPECT_THAT(Tune(train_, Base(), space, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("low > 0")));
  space = {};
  space.learning_rate.values = {-0.1};
  EXPECT_THAT(Tune(train_, Base(), space, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("learning_rate")));
  space = {};
  TuneOptions no_scoring;
  no_scoring.cv.folds = 1;
  EXPECT_THAT(Tune(train_, Base(), space, no_scoring),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("folds")));
  TuneOptions bad_metric = options;
  bad_metric.metric = "precision";
  EXPECT_THAT(Tune(train_, Base(), space, bad_metric),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metric")));
  TuneOptions bad_grid = options;
  bad_grid.grid_points = 1;
  EXPECT_THAT(Tune(train_, Base(), space, bad_grid),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("grid_points")));
  EXPECT_EQ(ParseSearchKind("grid").value(), SearchKind::kGrid);
  EXPECT_THAT(ParseSearchKind("bayes"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace hogmf
