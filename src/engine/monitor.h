// Monitor: a thread that, every period while the workers run, estimates the
// seed's loss and the train RMSE from a fixed random sample of the training
// ratings, reports the reading, and raises the stop signal when a threshold,
// the time limit, a cancellation or a divergence (NaN/Inf or an exploding
// loss) calls for it.
//
// It reads P and Q while kernels write them: those reads are part of the
// Hogwild race policy (src/kernels/sgd_kernel.h) and may see a row mid-update,
// which only perturbs one estimate. Everything else it shares is atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/fit.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/trainer.h"
#include "kernels/sgd_kernel.h"

namespace hogmf::engine {

// Why the engine must stop; kNone while it may go on.
enum class StopSignal : int {
  kNone = 0,
  kLossThreshold,
  kRmseThreshold,
  kTimeLimit,
  kCancelled,
  kDiverged,
};

// The shared stop state: set once by whoever sees the reason first, read by the
// shuffler stage before each chunk.
class StopState {
 public:
  // Records `signal` unless a signal is already recorded.
  void Raise(StopSignal signal) {
    int expected = 0;
    signal_.compare_exchange_strong(expected, static_cast<int>(signal), std::memory_order_acq_rel);
  }
  bool stopped() const { return signal_.load(std::memory_order_relaxed) != 0; }
  StopSignal signal() const { return static_cast<StopSignal>(signal_.load(std::memory_order_acquire)); }

 private:
  std::atomic<int> signal_{0};
};

struct MonitorConfig {
  std::chrono::milliseconds period{200};
  double stop_loss = 0;       // 0 = off
  double stop_rmse = 0;       // 0 = off
  double time_limit = 0;      // seconds, 0 = off
  float l2 = 0;
  uint64_t num_ratings = 0;   // the loss estimate is scaled to the full set
  const std::atomic<bool>* cancel = nullptr;
  // The kernel's dot product for the estimate; nullptr: the scalar reference.
  // With the SIMD one the monitor's thread stays a small share of a core
  // (docs/performance.md, Engine overhead).
  kernels::DotFn dot = nullptr;
};

class Monitor {
 public:
  // `sample` entries index rows of p and q. on_sample may be empty.
  Monitor(const FactorMatrix& p, const FactorMatrix& q, std::vector<Rating> sample,
          MonitorConfig config, StopState& stop, std::function<void(const ProgressSample&)> on_sample);
  ~Monitor();  // stops the thread

  // Starts the thread; training time counts from here.
  void Start();
  // Stops and joins the thread (idempotent).
  void Finish();

  // What the workers publish for the readings.
  void SetEpoch(int epoch) { epoch_.store(epoch, std::memory_order_relaxed); }
  std::atomic<uint64_t>& updates() { return updates_; }

  // Estimates from the sample now (also used at startup as the reference loss).
  Fit Estimate() const;
  double Elapsed() const;

 private:
  void Loop();
  void Check();

  const FactorMatrix& p_;
  const FactorMatrix& q_;
  std::vector<Rating> sample_;
  MonitorConfig config_;
  StopState& stop_;
  std::function<void(const ProgressSample&)> on_sample_;
  std::atomic<int> epoch_{0};
  std::atomic<uint64_t> updates_{0};
  double reference_loss_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finishing_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace hogmf::engine
