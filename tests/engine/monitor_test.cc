// Tests of the Monitor: sampled estimates, samples across epochs, and raising
// what the stop rules answer.
#include "engine/monitor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

namespace hogmf::engine {
namespace {

using namespace std::chrono_literals;

// p0 = (1, 1), q0 = (2, 0): prediction 2. Rating 3 -> squared error 1 each.
struct Fixture {
  FactorMatrix p{1, 2};
  FactorMatrix q{1, 2};
  std::vector<Rating> sample{{0, 0, 3.0f}, {0, 0, 3.0f}};
  Fixture() {
    p.row(0)[0] = 1, p.row(0)[1] = 1;
    q.row(0)[0] = 2, q.row(0)[1] = 0;
  }
  // A config whose args read p and q (no penalty unless set).
  MonitorConfig Config() {
    MonitorConfig config;
    config.args.p = p.data();
    config.args.q = q.data();
    config.args.stride = p.stride();
    config.args.k = p.k();
    config.kernel = kernels::ScalarKernel();
    return config;
  }
};

bool WaitFor(const StopState& stop, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!stop.stopped() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  return stop.stopped();
}

// Records what the monitor hands the rules.
class Recorder : public StopRule {
 public:
  std::optional<StopReason> Poll(double seconds) override {
    ++polls;
    return std::nullopt;
  }
  std::optional<StopReason> OnSample(const ProgressSample& sample) override {
    last_epoch = sample.epoch;
    last_loss = sample.loss_estimate;
    last_rmse = sample.rmse_estimate;
    ++samples;
    return std::nullopt;
  }
  std::atomic<int> polls{0};
  std::atomic<int> samples{0};
  std::atomic<int> last_epoch{0};
  std::atomic<double> last_loss{0};
  std::atomic<double> last_rmse{0};
};

TEST(MonitorTest, EstimateScalesTheSampleLossToTheWholeSet) {
  Fixture f;
  StopState stop;
  StopRules rules;
  MonitorConfig config = f.Config();
  config.args.l2_p = config.args.l2_q = 0.5f;
  config.num_ratings = 10;
  Monitor monitor(f.sample, config, stop, rules);
  const Fit fit = monitor.Estimate();
  // Per rating: 1 + 0.25 (|p|^2 + |q|^2) = 1 + 0.25 * 6 = 2.5; times 10 ratings.
  EXPECT_NEAR(fit.loss, 25.0, 1e-9);
  EXPECT_NEAR(fit.rmse, 1.0, 1e-9);
}

TEST(MonitorTest, HandsSamplesAndPollsToTheRulesInEveryEpoch) {
  Fixture f;
  StopState stop;
  StopRules rules;
  auto recorder = std::make_unique<Recorder>();
  Recorder* seen = recorder.get();
  rules.Add(std::move(recorder));
  MonitorConfig config = f.Config();
  config.period = 5ms;
  config.num_ratings = 2;
  Monitor monitor(f.sample, config, stop, rules);
  const auto start = std::chrono::steady_clock::now();
  monitor.Start(start, 1);
  std::this_thread::sleep_for(40ms);
  monitor.Stop();
  const int first_epoch_samples = seen->samples.load();
  EXPECT_GT(first_epoch_samples, 0);
  EXPECT_GT(seen->polls.load(), 0);
  EXPECT_EQ(seen->last_epoch.load(), 1);
  EXPECT_NEAR(seen->last_loss.load(), 2.0, 1e-6);
  EXPECT_NEAR(seen->last_rmse.load(), 1.0, 1e-6);
  EXPECT_FALSE(stop.stopped());

  monitor.Start(start, 2);
  std::this_thread::sleep_for(40ms);
  monitor.Stop();
  EXPECT_GT(seen->samples.load(), first_epoch_samples);
  EXPECT_EQ(seen->last_epoch.load(), 2);
}

TEST(MonitorTest, RaisesWhatASampleRuleAnswers) {
  Fixture f;
  StopState stop;
  StopRules rules;
  rules.Add(std::make_unique<LossThreshold>(2.5));  // the estimate is 2
  MonitorConfig config = f.Config();
  config.period = 5ms;
  config.num_ratings = 2;
  Monitor monitor(f.sample, config, stop, rules);
  monitor.Start(std::chrono::steady_clock::now(), 1);
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  monitor.Stop();
  EXPECT_EQ(stop.reason(), StopReason::kLossThreshold);
}

TEST(MonitorTest, PollsBetweenSamplesForTheCheapRules) {
  Fixture f;
  StopState stop;
  StopRules rules;
  std::atomic<bool> cancel{false};
  rules.Add(std::make_unique<Cancel>(&cancel));
  MonitorConfig config = f.Config();
  config.period = 100000ms;  // no sample during the test
  Monitor monitor(f.sample, config, stop, rules);
  monitor.Start(std::chrono::steady_clock::now(), 1);
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(stop.stopped());
  cancel = true;
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  monitor.Stop();
  EXPECT_EQ(stop.reason(), StopReason::kCancelled);
}

TEST(MonitorTest, DivergenceWinsOverTheObserversStop) {
  Fixture f;
  f.p.row(0)[0] = std::numeric_limits<float>::quiet_NaN();
  StopState stop;
  StopRules rules;
  rules.Add(std::make_unique<LossThreshold>(1e30));
  rules.Add(std::make_unique<Divergence>());
  MonitorConfig config = f.Config();
  config.period = 5ms;
  config.num_ratings = 2;
  Monitor monitor(f.sample, config, stop, rules);
  monitor.Start(std::chrono::steady_clock::now(), 1);
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  monitor.Stop();
  EXPECT_EQ(stop.reason(), StopReason::kDiverged);
}

TEST(StopStateTest, FirstReasonWinsUntilReset) {
  StopState stop;
  EXPECT_FALSE(stop.stopped());
  EXPECT_FALSE(stop.reason().has_value());
  stop.Raise(StopReason::kTimeLimit);
  stop.Raise(StopReason::kDiverged);
  EXPECT_TRUE(stop.stopped());
  EXPECT_EQ(stop.reason(), StopReason::kTimeLimit);
  stop.Reset();
  EXPECT_FALSE(stop.stopped());
  stop.Raise(StopReason::kEpochLimit);  // the first enumerator is a reason too
  EXPECT_EQ(stop.reason(), StopReason::kEpochLimit);
}

}  // namespace
}  // namespace hogmf::engine
