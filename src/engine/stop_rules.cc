// Stop rules: one small class per reason to end training.
#include "engine/stop_rules.h"

#include <algorithm>
#include <cmath>

namespace hogmf::engine {

std::optional<StopReason> LossThreshold::OnSample(const ProgressSample& sample) {
  if (sample.loss_estimate <= threshold_) return StopReason::kLossThreshold;
  return std::nullopt;
}

std::optional<StopReason> LossThreshold::OnEpoch(const EpochStats& stats) {
  if (stats.loss <= threshold_) return StopReason::kLossThreshold;
  return std::nullopt;
}

std::optional<StopReason> RmseThreshold::OnSample(const ProgressSample& sample) {
  if (sample.rmse_estimate <= threshold_) return StopReason::kRmseThreshold;
  return std::nullopt;
}

std::optional<StopReason> RmseThreshold::OnEpoch(const EpochStats& stats) {
  if (stats.train_rmse <= threshold_) return StopReason::kRmseThreshold;
  return std::nullopt;
}

std::optional<StopReason> ValidationRmseThreshold::OnEpoch(const EpochStats& stats) {
  if (stats.validation_rmse >= 0 && stats.validation_rmse <= threshold_) {
    return StopReason::kValidationRmseThreshold;
  }
  return std::nullopt;
}

std::optional<StopReason> EarlyStop::OnEpoch(const EpochStats& stats) {
  const double score = stats.validation_rmse >= 0 ? stats.validation_rmse : stats.validation_loss;
  const bool first = best_epoch_ == 0;
  improved_ = first || score < best_;
  if (improved_) {
    best_ = score;
    best_epoch_ = stats.epoch;
  }
  if (first || score < reference_ * (1.0 - tolerance_)) {
    reference_ = score;
    epochs_without_gain_ = 0;
    return std::nullopt;
  }
  if (++epochs_without_gain_ >= patience_) return StopReason::kEarlyStop;
  return std::nullopt;
}

std::optional<StopReason> TimeLimit::At(double seconds) const {
  if (seconds >= limit_) return StopReason::kTimeLimit;
  return std::nullopt;
}

std::optional<StopReason> TimeLimit::Poll(double seconds) { return At(seconds); }

std::optional<StopReason> TimeLimit::OnSample(const ProgressSample& sample) {
  return At(sample.seconds);
}

std::optional<StopReason> TimeLimit::OnEpoch(const EpochStats& stats) {
  return At(stats.elapsed_seconds);
}

std::optional<StopReason> Cancel::Check() const {
  if (flag_->load(std::memory_order_relaxed)) return StopReason::kCancelled;
  return std::nullopt;
}

std::optional<StopReason> Divergence::OnSample(const ProgressSample& sample) {
  if (!std::isfinite(sample.loss_estimate)) return StopReason::kDiverged;
  if (reference_loss_ < 0) {
    reference_loss_ = sample.loss_estimate;
    return std::nullopt;
  }
  if (sample.loss_estimate > kExplodingFactor * std::max(reference_loss_, 1.0)) {
    return StopReason::kDiverged;
  }
  return std::nullopt;
}

std::optional<StopReason> Divergence::OnEpoch(const EpochStats& stats) {
  if (!std::isfinite(stats.loss)) return StopReason::kDiverged;
  return std::nullopt;
}

std::optional<StopReason> Observer::OnSample(const ProgressSample& sample) {
  if (observer_->OnSample(sample) == ProgressAction::kStop) return StopReason::kCallback;
  return std::nullopt;
}

std::optional<StopReason> Observer::OnEpoch(const EpochStats& stats) {
  if (observer_->OnEpoch(stats) == ProgressAction::kStop) return StopReason::kCallback;
  return std::nullopt;
}

namespace {

// Asks every rule (so stateful ones see every event) and keeps the first
// answer, or kDiverged when any rule sees divergence.
template <typename Ask>
std::optional<StopReason> First(const std::vector<std::unique_ptr<StopRule>>& rules, Ask ask) {
  std::optional<StopReason> first;
  for (const std::unique_ptr<StopRule>& rule : rules) {
    const std::optional<StopReason> answer = ask(*rule);
    if (!answer.has_value()) continue;
    if (!first.has_value() || *answer == StopReason::kDiverged) first = answer;
  }
  return first;
}

}  // namespace

std::optional<StopReason> StopRules::Poll(double seconds) {
  return First(rules_, [&](StopRule& rule) { return rule.Poll(seconds); });
}

std::optional<StopReason> StopRules::OnSample(const ProgressSample& sample) {
  return First(rules_, [&](StopRule& rule) { return rule.OnSample(sample); });
}

std::optional<StopReason> StopRules::OnEpoch(const EpochStats& stats) {
  return First(rules_, [&](StopRule& rule) { return rule.OnEpoch(stats); });
}

StopRules MakeStopRules(const TrainParams& params, const TrainOptions& options,
                        EarlyStop** early_stop) {
  StopRules rules;
  *early_stop = nullptr;
  if (options.observer != nullptr) rules.Add(std::make_unique<Observer>(options.observer));
  rules.Add(std::make_unique<Divergence>());
  if (options.cancel != nullptr) rules.Add(std::make_unique<Cancel>(options.cancel));
  if (params.time_limit_seconds > 0) {
    rules.Add(std::make_unique<TimeLimit>(params.time_limit_seconds));
  }
  if (params.stop_loss > 0) rules.Add(std::make_unique<LossThreshold>(params.stop_loss));
  if (params.stop_rmse > 0) rules.Add(std::make_unique<RmseThreshold>(params.stop_rmse));
  if (params.stop_validation_rmse > 0) {
    rules.Add(std::make_unique<ValidationRmseThreshold>(params.stop_validation_rmse));
  }
  if (params.early_stop > 0) {
    auto rule = std::make_unique<EarlyStop>(params.early_stop, params.early_stop_tolerance);
    *early_stop = rule.get();
    rules.Add(std::move(rule));
  }
  return rules;
}

}  // namespace hogmf::engine
