// Tests of the L2 weight walk's pieces: when a trial is hopeless (pruned),
// what each trial is told to beat, that a pruned trial is never chosen, and
// how many epochs a trial's scores call for.
#include "engine/weight_search.h"

#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "hogmf/auto_params.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"

namespace hogmf::engine {
namespace {

using ::hogmf::testing::IsOk;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Auto weights and epochs: what the walk chooses.
TrainParams AutoParams() {
  TrainParams params;
  params.l2_p = params.l2_q = kAutoWeight;
  params.max_epochs = kAutoEpochs;
  return params;
}

TEST(TrialIsHopelessTest, NeedsTwoEpochsAndSomethingToBeat) {
  EXPECT_FALSE(TrialIsHopeless({}, 0.5, 10));
  EXPECT_FALSE(TrialIsHopeless(std::vector<double>{2.0}, 0.5, 10));
  EXPECT_FALSE(TrialIsHopeless(std::vector<double>{2.0, 2.0}, kInf, 10));
}

TEST(TrialIsHopelessTest, NeverWhileItsBestBeatsOrTies) {
  EXPECT_FALSE(TrialIsHopeless(std::vector<double>{0.9, 0.80, 0.85}, 0.80, 10));
  EXPECT_FALSE(TrialIsHopeless(std::vector<double>{0.9, 0.79}, 0.80, 0));
}

TEST(TrialIsHopelessTest, WorseAndNotGainingIs) {
  EXPECT_TRUE(TrialIsHopeless(std::vector<double>{0.90, 0.85, 0.86}, 0.80, 50));
  EXPECT_TRUE(TrialIsHopeless(std::vector<double>{0.90, 0.85, 0.85}, 0.80, 50));
  EXPECT_TRUE(TrialIsHopeless(std::vector<double>{0.90, std::nan("")}, 0.80, 50));
}

TEST(TrialIsHopelessTest, EveryEpochLeftMayGainAsMuchAsTheLast) {
  // Gaining 0.01 an epoch, 0.08 behind: 8 epochs left could close the gap.
  EXPECT_FALSE(TrialIsHopeless(std::vector<double>{0.90, 0.89, 0.88}, 0.80, 8));
  EXPECT_TRUE(TrialIsHopeless(std::vector<double>{0.90, 0.89, 0.88}, 0.80, 7));
  // How the gains went before the last one does not matter.
  EXPECT_FALSE(TrialIsHopeless(std::vector<double>{1.50, 0.89, 0.88}, 0.80, 8));
  EXPECT_TRUE(TrialIsHopeless(std::vector<double>{0.885, 0.88}, 0.80, 7));
}

TEST(SearchWeightsTest, EachTrialIsToldTheBestScoreBeforeIt) {
  // Scores by weight: lowest at 0.0316 on the ladder 0.1 x sqrt(10)^j.
  const auto score_of = [](float l2) { return 1.0 + std::pow(std::log10(l2) + 1.5, 2.0); };
  std::vector<double> told;
  std::map<float, double> scored;
  const auto run = [&](const TrainParams& trial, double to_beat) -> absl::StatusOr<ParamsTrial> {
    told.push_back(to_beat);
    ParamsTrial outcome;
    outcome.score = score_of(trial.l2_p);
    outcome.epochs = 5;
    scored[trial.l2_p] = outcome.score;
    return outcome;
  };
  ParamsChoice made;
  absl::StatusOr<TrainParams> chosen = SearchWeights(AutoParams(), run, nullptr, nullptr, made);
  ASSERT_THAT(chosen.status(), IsOk());
  ASSERT_EQ(told.size(), made.trials.size());
  ASSERT_GE(told.size(), 3u);
  EXPECT_EQ(told[0], kInf);
  double best = kInf;
  for (size_t t = 0; t < told.size(); ++t) {
    EXPECT_EQ(told[t], best) << "trial " << t;
    best = std::min(best, made.trials[t].score);
  }
  EXPECT_NEAR(chosen->l2_p, 0.0316228f, 1e-6);
}

TEST(SearchWeightsTest, APrunedTrialIsNeverChosen) {
  // The runner prunes every trial after the first with a score no better
  // than what it was told to beat (as a pruned trial's best so far is).
  const auto run = [&](const TrainParams& trial, double to_beat) -> absl::StatusOr<ParamsTrial> {
    ParamsTrial outcome;
    outcome.epochs = 3;
    outcome.score = trial.l2_p < 0.05f ? 0.5 : 1.0;  // below the ladder's start is better
    if (std::isfinite(to_beat) && trial.l2_p < 0.05f) {
      outcome.pruned = true;
      outcome.score = to_beat + 0.01;
    }
    return outcome;
  };
  ParamsChoice made;
  absl::StatusOr<TrainParams> chosen = SearchWeights(AutoParams(), run, nullptr, nullptr, made);
  ASSERT_THAT(chosen.status(), IsOk());
  for (const ParamsTrial& trial : made.trials) {
    if (trial.pruned) EXPECT_NE(trial.l2, chosen->l2_p);
  }
  EXPECT_EQ(made.best_score, 1.0);
}

TEST(EnoughEpochsTest, FirstEpochWithinToleranceOfTheLowest) {
  TrainReport report;
  for (const double rmse : {0.95, 0.90, 0.8001, 0.80, 0.81}) {
    EpochStats stats;
    stats.epoch = static_cast<int>(report.history.size()) + 1;
    stats.validation_rmse = rmse;
    report.history.push_back(stats);
  }
  report.best_epoch = 5;  // not read: the history decides
  EXPECT_EQ(EnoughEpochs(report, 1e-3), std::make_pair(3, 0.80));
  EXPECT_EQ(EnoughEpochs(report, 0.0), std::make_pair(4, 0.80));
}

}  // namespace
}  // namespace hogmf::engine
