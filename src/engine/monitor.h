// Monitor: a thread that, every period while the workers run, estimates the
// seed's loss and the train RMSE from a fixed random sample of the training
// ratings, hands the reading to the session's stop rules (the observer among
// them), and raises the stop signal when a rule calls for it. Between
// samples it polls the cheap rules (cancel flag, time limit).
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
#include <optional>
#include <thread>
#include <vector>

#include "engine/fit.h"
#include "engine/stop_rules.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/trainer.h"
#include "kernels/sgd_kernel.h"

namespace hogmf::engine {

// The shared stop state: set once by whoever sees a reason first (the
// monitor's rules, or the session between epochs), read by the shuffler stage
// before each chunk.
class StopState {
 public:
  // Records `reason` unless a reason is already recorded.
  void Raise(StopReason reason) {
    int expected = 0;
    signal_.compare_exchange_strong(expected, static_cast<int>(reason) + 1,
                                    std::memory_order_acq_rel);
  }
  bool stopped() const { return signal_.load(std::memory_order_relaxed) != 0; }
  std::optional<StopReason> reason() const {
    const int signal = signal_.load(std::memory_order_acquire);
    if (signal == 0) return std::nullopt;
    return static_cast<StopReason>(signal - 1);
  }
  // Clears the reason (between epochs, while no worker runs).
  void Reset() { signal_.store(0, std::memory_order_release); }

 private:
  std::atomic<int> signal_{0};  // 0, or 1 + the StopReason
};

struct MonitorConfig {
  std::chrono::milliseconds period{200};
  uint64_t num_ratings = 0;  // the loss estimate is scaled to the full set
  // The rows, biases and weights the estimate reads (learning rate and seed
  // unused), and the kernel whose loss pass computes it; a kernel without
  // one uses the scalar reference. With the SIMD one the monitor's thread
  // stays a small share of a core (docs/performance.md, Engine overhead).
  kernels::SgdArgs args;
  kernels::Kernel kernel;
};

class Monitor {
 public:
  // `sample` entries index rows of config.args. The rules are asked on the
  // monitor's thread while it runs (Poll every few milliseconds, OnSample at
  // each sample); their answer is raised on `stop`.
  Monitor(std::vector<Rating> sample, MonitorConfig config, StopState& stop, StopRules& rules);
  ~Monitor();  // stops the thread

  // Starts the thread for one epoch. Session time counts from `session_start`;
  // samples fall every period of session time, across epochs.
  void Start(std::chrono::steady_clock::time_point session_start, int epoch);
  // Stops and joins the thread (idempotent).
  void Stop();

  // SGD steps handed out, all epochs: the workers add to it.
  std::atomic<uint64_t>& updates() { return updates_; }

  // Estimates from the sample now.
  Fit Estimate() const;
  // The ratings it samples.
  const std::vector<Rating>& sample() const { return sample_; }

 private:
  double Elapsed() const;
  void Loop();
  void Sample();

  std::vector<Rating> sample_;
  MonitorConfig config_;
  StopState& stop_;
  StopRules& rules_;
  std::atomic<uint64_t> updates_{0};
  int epoch_ = 0;
  std::chrono::steady_clock::time_point session_start_;
  double next_sample_ = -1;  // session time of the next sample
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace hogmf::engine
