// Monitor: the sampling thread.
#include "engine/monitor.h"

#include <algorithm>

namespace hogmf::engine {

Monitor::Monitor(std::vector<Rating> sample, MonitorConfig config, StopState& stop,
                 StopRules& rules)
    : sample_(std::move(sample)), config_(std::move(config)), stop_(stop), rules_(rules) {}

Monitor::~Monitor() { Stop(); }

Fit Monitor::Estimate() const {
  Fit fit = MeasureFit(config_.args, sample_, config_.kernel);
  if (fit.count > 0) {
    const double scale = static_cast<double>(config_.num_ratings) / static_cast<double>(fit.count);
    fit.loss *= scale;
  }
  return fit;
}

double Monitor::Elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
}

void Monitor::Start(std::chrono::steady_clock::time_point session_start, int epoch) {
  Stop();
  session_start_ = session_start;
  epoch_ = epoch;
  const double period = std::chrono::duration<double>(config_.period).count();
  if (next_sample_ < 0) next_sample_ = period;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void Monitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Monitor::Loop() {
  // Poll the cheap rules at least every 20 ms; sample every period.
  const double period = std::chrono::duration<double>(config_.period).count();
  const auto step = std::min(config_.period, std::chrono::milliseconds(20));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, step);
    if (stopping_) break;
    if (stop_.stopped()) continue;  // the epoch is ending: no more readings
    lock.unlock();
    const double now = Elapsed();
    if (const std::optional<StopReason> reason = rules_.Poll(now)) stop_.Raise(*reason);
    if (now >= next_sample_) {
      Sample();
      next_sample_ = std::max(next_sample_ + period, Elapsed());
    }
    lock.lock();
  }
}

void Monitor::Sample() {
  const Fit fit = Estimate();
  ProgressSample sample;
  sample.seconds = Elapsed();
  sample.epoch = epoch_;
  sample.updates = updates_.load(std::memory_order_relaxed);
  sample.loss_estimate = fit.loss;
  sample.rmse_estimate = fit.rmse;
  if (const std::optional<StopReason> reason = rules_.OnSample(sample)) stop_.Raise(*reason);
}

}  // namespace hogmf::engine
