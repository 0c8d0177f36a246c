// Tests of the Monitor: sampled estimates and each stop rule it enforces.
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
};

bool WaitFor(const StopState& stop, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!stop.stopped() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  return stop.stopped();
}

TEST(MonitorTest, EstimateScalesTheSampleLossToTheWholeSet) {
  Fixture f;
  StopState stop;
  MonitorConfig config;
  config.l2 = 0.5f;
  config.num_ratings = 10;
  Monitor monitor(f.p, f.q, f.sample, config, stop, nullptr);
  const Fit fit = monitor.Estimate();
  // Per rating: 1 + 0.25 (|p|^2 + |q|^2) = 1 + 0.25 * 6 = 2.5; times 10 ratings.
  EXPECT_NEAR(fit.loss, 25.0, 1e-9);
  EXPECT_NEAR(fit.rmse, 1.0, 1e-9);
}

TEST(MonitorTest, ReportsSamplesAndStopsAtTheLossThreshold) {
  Fixture f;
  StopState stop;
  MonitorConfig config;
  config.period = 5ms;
  config.num_ratings = 2;
  config.stop_loss = 1.0;
  std::atomic<int> samples{0};
  Monitor monitor(f.p, f.q, f.sample, config, stop, [&](const ProgressSample& s) {
    EXPECT_NEAR(s.rmse_estimate, s.loss_estimate > 1.5 ? 1.0 : 0.0, 1e-6);
    ++samples;
  });
  monitor.Start();
  std::this_thread::sleep_for(30ms);
  monitor.Finish();
  EXPECT_FALSE(stop.stopped());  // loss 2 > 1
  EXPECT_GT(samples.load(), 0);

  // Factors that predict 1.5 + 1.5 = 3 exactly: loss 0.
  f.q.row(0)[0] = 1.5f;
  f.p.row(0)[1] = 3.0f;
  f.q.row(0)[1] = 0.5f;
  Monitor fitted(f.p, f.q, f.sample, config, stop, nullptr);
  fitted.Start();
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  fitted.Finish();
  EXPECT_EQ(stop.signal(), StopSignal::kLossThreshold);
}

TEST(MonitorTest, StopsAtTheRmseThreshold) {
  Fixture f;
  StopState stop;
  MonitorConfig config;
  config.period = 5ms;
  config.num_ratings = 2;
  config.stop_rmse = 1.5;
  Monitor monitor(f.p, f.q, f.sample, config, stop, nullptr);
  monitor.Start();
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  EXPECT_EQ(stop.signal(), StopSignal::kRmseThreshold);
}

TEST(MonitorTest, StopsAtTheTimeLimit) {
  Fixture f;
  StopState stop;
  MonitorConfig config;
  config.period = 1000ms;
  config.time_limit = 0.05;
  Monitor monitor(f.p, f.q, f.sample, config, stop, nullptr);
  monitor.Start();
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  EXPECT_EQ(stop.signal(), StopSignal::kTimeLimit);
  EXPECT_GE(monitor.Elapsed(), 0.05);
}

TEST(MonitorTest, StopsWhenCancelled) {
  Fixture f;
  StopState stop;
  std::atomic<bool> cancel{false};
  MonitorConfig config;
  config.period = 1000ms;
  config.cancel = &cancel;
  Monitor monitor(f.p, f.q, f.sample, config, stop, nullptr);
  monitor.Start();
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(stop.stopped());
  cancel = true;
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  EXPECT_EQ(stop.signal(), StopSignal::kCancelled);
}

TEST(MonitorTest, DetectsDivergence) {
  Fixture f;
  StopState stop;
  MonitorConfig config;
  config.period = 5ms;
  config.num_ratings = 2;
  f.p.row(0)[0] = std::numeric_limits<float>::quiet_NaN();
  Monitor monitor(f.p, f.q, f.sample, config, stop, nullptr);
  monitor.Start();
  EXPECT_TRUE(WaitFor(stop, 2000ms));
  EXPECT_EQ(stop.signal(), StopSignal::kDiverged);
}

TEST(StopStateTest, FirstSignalWins) {
  StopState stop;
  EXPECT_FALSE(stop.stopped());
  stop.Raise(StopSignal::kTimeLimit);
  stop.Raise(StopSignal::kDiverged);
  EXPECT_EQ(stop.signal(), StopSignal::kTimeLimit);
}

}  // namespace
}  // namespace hogmf::engine
