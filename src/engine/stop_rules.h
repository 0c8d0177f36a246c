// Stop rules: each reason to end training is one small StopRule, consulted at
// three moments of a session:
//  - Poll: every few milliseconds while an epoch runs (monitor thread); for
//    cheap checks such as a cancel flag or the clock;
//  - OnSample: at each monitor sample, with estimates from the sample
//    (monitor thread);
//  - OnEpoch: at each epoch end, with the exact figures (training thread).
// The monitor is joined before OnEpoch runs, so a rule's hooks never run at
// the same time. A rule answers with the StopReason it calls for, or nothing.
//
// Adding a rule: a class here with the hooks it needs, a line in
// MakeStopRules, and a test in tests/engine/stop_rules_test.cc.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "hogmf/params.h"
#include "hogmf/trainer.h"

namespace hogmf::engine {

class StopRule {
 public:
  virtual ~StopRule() = default;
  // `seconds`: session time so far.
  virtual std::optional<StopReason> Poll(double seconds) { return std::nullopt; }
  virtual std::optional<StopReason> OnSample(const ProgressSample& sample) { return std::nullopt; }
  virtual std::optional<StopReason> OnEpoch(const EpochStats& stats) { return std::nullopt; }
};

// The loss at or under `threshold`: the sample's estimate or the exact figure.
class LossThreshold : public StopRule {
 public:
  explicit LossThreshold(double threshold) : threshold_(threshold) {}
  std::optional<StopReason> OnSample(const ProgressSample& sample) override;
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override;

 private:
  double threshold_;
};

// The train RMSE at or under `threshold`: the sample's estimate or the exact figure.
class RmseThreshold : public StopRule {
 public:
  explicit RmseThreshold(double threshold) : threshold_(threshold) {}
  std::optional<StopReason> OnSample(const ProgressSample& sample) override;
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override;

 private:
  double threshold_;
};

// The validation RMSE at or under `threshold` at an epoch end.
class ValidationRmseThreshold : public StopRule {
 public:
  explicit ValidationRmseThreshold(double threshold) : threshold_(threshold) {}
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override;

 private:
  double threshold_;
};

// The validation RMSE (for losses without one, the mean validation loss)
// has not improved on its best for `patience` epochs.
// Tracks the best epoch, so the trainer knows which model to keep.
// An epoch counts as a gain only when its score is below (1 - tolerance)
// times the score of the last gain; the best epoch is the lowest score.
class EarlyStop : public StopRule {
 public:
  explicit EarlyStop(int patience, double tolerance = 0.0)
      : patience_(patience), tolerance_(tolerance) {}
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override;
  // Whether the last epoch seen set a new best.
  bool improved() const { return improved_; }
  int best_epoch() const { return best_epoch_; }

 private:
  int patience_;
  double tolerance_;
  double reference_ = 0;  // the score of the last gain
  double best_ = 0;
  int best_epoch_ = 0;
  int epochs_without_gain_ = 0;
  bool improved_ = false;
};

// `limit` seconds of session time.
class TimeLimit : public StopRule {
 public:
  explicit TimeLimit(double limit) : limit_(limit) {}
  std::optional<StopReason> Poll(double seconds) override;
  std::optional<StopReason> OnSample(const ProgressSample& sample) override;
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override;

 private:
  std::optional<StopReason> At(double seconds) const;
  double limit_;
};

// `*flag` set by another thread or a signal handler.
class Cancel : public StopRule {
 public:
  explicit Cancel(const std::atomic<bool>* flag) : flag_(flag) {}
  std::optional<StopReason> Poll(double seconds) override { return Check(); }
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override { return Check(); }

 private:
  std::optional<StopReason> Check() const;
  const std::atomic<bool>* flag_;
};

// A non-finite loss, or an estimate this many times the first one: the
// factors are running away (the trainer turns it into an error).
class Divergence : public StopRule {
 public:
  static constexpr double kExplodingFactor = 1e4;
  std::optional<StopReason> OnSample(const ProgressSample& sample) override;
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override;

 private:
  double reference_loss_ = -1;  // the first sample's estimate
};

// Passes every sample and epoch to the caller's observer; stops when it asks.
class Observer : public StopRule {
 public:
  explicit Observer(TrainObserver* observer) : observer_(observer) {}
  std::optional<StopReason> OnSample(const ProgressSample& sample) override;
  std::optional<StopReason> OnEpoch(const EpochStats& stats) override;

 private:
  TrainObserver* observer_;
};

// The rules a session runs, in the order they are asked: the observer first
// (it sees every event), then the others. Each hook returns the first rule's
// answer, except that divergence wins over every other reason; all rules see
// every event, so stateful ones stay current.
class StopRules {
 public:
  StopRules() = default;
  void Add(std::unique_ptr<StopRule> rule) { rules_.push_back(std::move(rule)); }

  std::optional<StopReason> Poll(double seconds);
  std::optional<StopReason> OnSample(const ProgressSample& sample);
  std::optional<StopReason> OnEpoch(const EpochStats& stats);

 private:
  std::vector<std::unique_ptr<StopRule>> rules_;
};

// The rules `params` and `options` ask for. `*early_stop` is set to the early
// stopping rule when there is one (owned by the result), else null.
StopRules MakeStopRules(const TrainParams& params, const TrainOptions& options,
                        EarlyStop** early_stop);

}  // namespace hogmf::engine
