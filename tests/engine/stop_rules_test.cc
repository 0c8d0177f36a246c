// Tests of the stop rules, one by one, and of how StopRules combines them.
#include "engine/stop_rules.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>

namespace hogmf::engine {
namespace {

ProgressSample Sample(double loss, double rmse, double seconds = 0) {
  ProgressSample s;
  s.loss_estimate = loss;
  s.rmse_estimate = rmse;
  s.seconds = seconds;
  return s;
}

EpochStats Epoch(int epoch, double loss, double rmse, double validation_rmse = -1,
                 double elapsed = 0) {
  EpochStats s;
  s.epoch = epoch;
  s.loss = loss;
  s.train_rmse = rmse;
  s.validation_rmse = validation_rmse;
  s.elapsed_seconds = elapsed;
  return s;
}

TEST(StopRulesTest, LossThresholdOnTheEstimateAndTheExactLoss) {
  LossThreshold rule(10.0);
  EXPECT_EQ(rule.OnSample(Sample(10.5, 1)), std::nullopt);
  EXPECT_EQ(rule.OnSample(Sample(10.0, 1)), StopReason::kLossThreshold);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 11, 1)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 9, 1)), StopReason::kLossThreshold);
}

TEST(StopRulesTest, RmseThresholdOnTheEstimateAndTheExactRmse) {
  RmseThreshold rule(0.9);
  EXPECT_EQ(rule.OnSample(Sample(1, 0.95)), std::nullopt);
  EXPECT_EQ(rule.OnSample(Sample(1, 0.9)), StopReason::kRmseThreshold);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 0.91)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 0.5)), StopReason::kRmseThreshold);
}

TEST(StopRulesTest, ValidationRmseThresholdIgnoresAMissingValidationSet) {
  ValidationRmseThreshold rule(0.8);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1, -1)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1, 0.81)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(2, 1, 1, 0.8)), StopReason::kValidationRmseThreshold);
}

TEST(StopRulesTest, EarlyStopAfterPatienceEpochsWithoutANewBest) {
  EarlyStop rule(2);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1, 0.9)), std::nullopt);
  EXPECT_TRUE(rule.improved());
  EXPECT_EQ(rule.OnEpoch(Epoch(2, 1, 1, 0.85)), std::nullopt);
  EXPECT_TRUE(rule.improved());
  EXPECT_EQ(rule.OnEpoch(Epoch(3, 1, 1, 0.85)), std::nullopt);  // equal is no gain
  EXPECT_FALSE(rule.improved());
  EXPECT_EQ(rule.best_epoch(), 2);
  EXPECT_EQ(rule.OnEpoch(Epoch(4, 1, 1, 0.86)), StopReason::kEarlyStop);
  EXPECT_EQ(rule.best_epoch(), 2);
}

TEST(StopRulesTest, EarlyStopCountsAgainAfterANewBest) {
  EarlyStop rule(2);
  rule.OnEpoch(Epoch(1, 1, 1, 0.9));
  EXPECT_EQ(rule.OnEpoch(Epoch(2, 1, 1, 0.95)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(3, 1, 1, 0.8)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(4, 1, 1, 0.85)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(5, 1, 1, 0.85)), StopReason::kEarlyStop);
  EXPECT_EQ(rule.best_epoch(), 3);
}

// With a tolerance of 1%, gains smaller than 1% of the last gain's score do
// not reset the patience, though they still set a new best model.
TEST(StopRulesTest, EarlyStopWithAToleranceIgnoresTinyGains) {
  EarlyStop rule(2, 0.01);
  rule.OnEpoch(Epoch(1, 1, 1, 1.0));
  EXPECT_EQ(rule.OnEpoch(Epoch(2, 1, 1, 0.98)), std::nullopt);   // a 2% gain
  EXPECT_EQ(rule.OnEpoch(Epoch(3, 1, 1, 0.975)), std::nullopt);  // 0.5%: best, no gain
  EXPECT_TRUE(rule.improved());
  EXPECT_EQ(rule.best_epoch(), 3);
  EXPECT_EQ(rule.OnEpoch(Epoch(4, 1, 1, 0.972)), StopReason::kEarlyStop);  // 0.8% of 0.98
  EXPECT_EQ(rule.best_epoch(), 4);
}

TEST(StopRulesTest, TimeLimitOnPollsSamplesAndEpochEnds) {
  TimeLimit rule(2.0);
  EXPECT_EQ(rule.Poll(1.9), std::nullopt);
  EXPECT_EQ(rule.Poll(2.0), StopReason::kTimeLimit);
  EXPECT_EQ(rule.OnSample(Sample(1, 1, 1.0)), std::nullopt);
  EXPECT_EQ(rule.OnSample(Sample(1, 1, 2.5)), StopReason::kTimeLimit);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1, -1, 1.5)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1, -1, 3.0)), StopReason::kTimeLimit);
}

TEST(StopRulesTest, CancelReadsTheFlag) {
  std::atomic<bool> flag{false};
  Cancel rule(&flag);
  EXPECT_EQ(rule.Poll(0), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1)), std::nullopt);
  flag = true;
  EXPECT_EQ(rule.Poll(0), StopReason::kCancelled);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1)), StopReason::kCancelled);
}

TEST(StopRulesTest, DivergenceOnNonFiniteOrExplodingLoss) {
  Divergence rule;
  EXPECT_EQ(rule.OnSample(Sample(100, 1)), std::nullopt);  // the reference
  EXPECT_EQ(rule.OnSample(Sample(100 * Divergence::kExplodingFactor * 0.9, 1)), std::nullopt);
  EXPECT_EQ(rule.OnSample(Sample(100 * Divergence::kExplodingFactor * 1.1, 1)),
            StopReason::kDiverged);
  EXPECT_EQ(rule.OnSample(Sample(std::numeric_limits<double>::quiet_NaN(), 1)),
            StopReason::kDiverged);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 5, 1)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, std::numeric_limits<double>::infinity(), 1)),
            StopReason::kDiverged);
}

class StopAtEpoch : public TrainObserver {
 public:
  explicit StopAtEpoch(int epoch) : epoch_(epoch) {}
  ProgressAction OnEpoch(const EpochStats& stats) override {
    ++epochs;
    return stats.epoch >= epoch_ ? ProgressAction::kStop : ProgressAction::kContinue;
  }
  ProgressAction OnSample(const ProgressSample& sample) override {
    ++samples;
    return sample.rmse_estimate < 0.5 ? ProgressAction::kStop : ProgressAction::kContinue;
  }
  int epochs = 0;
  int samples = 0;

 private:
  int epoch_;
};

TEST(StopRulesTest, ObserverSeesEveryEventAndMayStop) {
  StopAtEpoch observer(2);
  Observer rule(&observer);
  EXPECT_EQ(rule.OnEpoch(Epoch(1, 1, 1)), std::nullopt);
  EXPECT_EQ(rule.OnEpoch(Epoch(2, 1, 1)), StopReason::kCallback);
  EXPECT_EQ(rule.OnSample(Sample(1, 0.6)), std::nullopt);
  EXPECT_EQ(rule.OnSample(Sample(1, 0.4)), StopReason::kCallback);
  EXPECT_EQ(observer.epochs, 2);
  EXPECT_EQ(observer.samples, 2);
}

TEST(StopRulesTest, FirstAnswerWinsButEveryRuleSeesTheEvent) {
  StopAtEpoch observer(1);
  TrainParams params = TrainParams::Seed();
  params.stop_rmse = 2.0;
  params.early_stop = 3;
  TrainOptions options;
  options.observer = &observer;
  EarlyStop* early_stop = nullptr;
  StopRules rules = MakeStopRules(params, options, &early_stop);
  ASSERT_NE(early_stop, nullptr);
  // The observer comes first, and the early-stop rule still records the epoch.
  EXPECT_EQ(rules.OnEpoch(Epoch(1, 1, 1, 0.9)), StopReason::kCallback);
  EXPECT_EQ(early_stop->best_epoch(), 1);
  EXPECT_EQ(observer.epochs, 1);
}

TEST(StopRulesTest, DivergenceWinsOverEveryOtherAnswer) {
  StopAtEpoch observer(1);
  TrainOptions options;
  options.observer = &observer;
  EarlyStop* early_stop = nullptr;
  StopRules rules = MakeStopRules(TrainParams::Seed(), options, &early_stop);
  EXPECT_EQ(early_stop, nullptr);
  EXPECT_EQ(rules.OnEpoch(Epoch(1, std::numeric_limits<double>::quiet_NaN(), 1)),
            StopReason::kDiverged);
}

TEST(StopRulesTest, MakeStopRulesAddsOnlyWhatIsAskedFor) {
  EarlyStop* early_stop = nullptr;
  StopRules none = MakeStopRules(TrainParams::Seed(), TrainOptions(), &early_stop);
  EXPECT_EQ(none.Poll(1e9), std::nullopt);
  EXPECT_EQ(none.OnSample(Sample(0, 0, 1e9)), std::nullopt);
  EXPECT_EQ(none.OnEpoch(Epoch(100, 0, 0, 0, 1e9)), std::nullopt);

  TrainParams params = TrainParams::Seed();
  params.time_limit_seconds = 5;
  StopRules timed = MakeStopRules(params, TrainOptions(), &early_stop);
  EXPECT_EQ(timed.Poll(4), std::nullopt);
  EXPECT_EQ(timed.Poll(5), StopReason::kTimeLimit);
}

}  // namespace
}  // namespace hogmf::engine
