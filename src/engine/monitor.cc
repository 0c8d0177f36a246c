// Monitor: the sampling thread and its stop rules.
#include "engine/monitor.h"

#include <cmath>

namespace hogmf::engine {
namespace {

// A loss this many times the starting estimate counts as divergence.
constexpr double kExplodingFactor = 1e4;

}  // namespace

Monitor::Monitor(const FactorMatrix& p, const FactorMatrix& q, std::vector<Rating> sample,
                 MonitorConfig config, StopState& stop,
                 std::function<void(const ProgressSample&)> on_sample)
    : p_(p), q_(q), sample_(std::move(sample)), config_(config), stop_(stop),
      on_sample_(std::move(on_sample)) {}

Monitor::~Monitor() { Finish(); }

Fit Monitor::Estimate() const {
  Fit fit = MeasureFit(p_, q_, sample_, config_.l2, config_.dot);
  if (fit.count > 0) {
    const double scale = static_cast<double>(config_.num_ratings) / static_cast<double>(fit.count);
    fit.loss *= scale;
  }
  return fit;
}

double Monitor::Elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Monitor::Start() {
  reference_loss_ = Estimate().loss;
  start_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { Loop(); });
}

void Monitor::Finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finishing_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Monitor::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!finishing_) {
    // Wake early for cancellation and the time limit: at most every 20 ms.
    const auto step = std::min(config_.period, std::chrono::milliseconds(20));
    auto next_sample = std::chrono::steady_clock::now() + config_.period;
    while (!finishing_ && std::chrono::steady_clock::now() < next_sample) {
      wake_.wait_for(lock, step);
      if (config_.cancel != nullptr && config_.cancel->load(std::memory_order_relaxed)) {
        stop_.Raise(StopSignal::kCancelled);
      }
      if (config_.time_limit > 0 && Elapsed() >= config_.time_limit) {
        stop_.Raise(StopSignal::kTimeLimit);
      }
    }
    if (finishing_) break;
    lock.unlock();
    Check();
    lock.lock();
  }
}

void Monitor::Check() {
  const Fit fit = Estimate();
  ProgressSample sample;
  sample.seconds = Elapsed();
  sample.epoch = epoch_.load(std::memory_order_relaxed);
  sample.updates = updates_.load(std::memory_order_relaxed);
  sample.loss_estimate = fit.loss;
  sample.rmse_estimate = fit.rmse;
  if (on_sample_) on_sample_(sample);
  if (!std::isfinite(fit.loss) || fit.loss > kExplodingFactor * std::max(reference_loss_, 1.0)) {
    stop_.Raise(StopSignal::kDiverged);
  } else if (config_.stop_loss > 0 && fit.loss <= config_.stop_loss) {
    stop_.Raise(StopSignal::kLossThreshold);
  } else if (config_.stop_rmse > 0 && fit.rmse <= config_.stop_rmse) {
    stop_.Raise(StopSignal::kRmseThreshold);
  }
}

}  // namespace hogmf::engine
