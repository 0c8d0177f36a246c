// The L2 weight ladder walk of ChooseParams (weight_search.h).
#include "engine/weight_search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

namespace hogmf::engine {

TrainParams WithWeights(TrainParams params, float l2) {
  if (params.l2_p == kAutoWeight) params.l2_p = l2;
  if (params.l2_q == kAutoWeight) params.l2_q = l2;
  if (params.l2_user_bias == kAutoWeight) params.l2_user_bias = params.l2_p;
  if (params.l2_item_bias == kAutoWeight) params.l2_item_bias = params.l2_q;
  return params;
}

double HeldOutScore(const EpochStats& stats) {
  return stats.validation_rmse >= 0 ? stats.validation_rmse : stats.validation_loss;
}

std::pair<int, double> EnoughEpochs(const TrainReport& report, double tolerance) {
  if (report.history.empty()) return {0, std::numeric_limits<double>::infinity()};
  // The first epoch of the lowest score (NaN never is).
  const EpochStats* best = &report.history.front();
  for (const EpochStats& stats : report.history) {
    if (HeldOutScore(stats) < HeldOutScore(*best) || std::isnan(HeldOutScore(*best))) {
      best = &stats;
    }
  }
  const double best_score = HeldOutScore(*best);
  for (const EpochStats& stats : report.history) {
    if (HeldOutScore(stats) <= best_score * (1.0 + tolerance)) return {stats.epoch, best_score};
  }
  return {best->epoch, best_score};
}

bool TrialIsHopeless(std::span<const double> scores, double to_beat, int epochs_left) {
  const size_t n = scores.size();
  if (n < 2 || !std::isfinite(to_beat)) return false;
  if (*std::min_element(scores.begin(), scores.end()) <= to_beat) return false;
  const double last = scores[n - 1];
  if (!std::isfinite(last)) return true;
  const double gain = scores[n - 2] - last;
  if (!(gain > 0)) return true;
  return last - gain * std::max(epochs_left, 0) > to_beat;
}

absl::StatusOr<TrainParams> SearchWeights(const TrainParams& params, TrialRunner run,
                                          const std::atomic<bool>* cancel, TrainObserver* observer,
                                          ParamsChoice& made) {
  const bool auto_l2 = params.l2_p == kAutoWeight || params.l2_q == kAutoWeight;
  const bool auto_epochs = params.max_epochs == kAutoEpochs;
  const auto start = std::chrono::steady_clock::now();
  const auto run_trial = [&](float l2) -> absl::StatusOr<ParamsTrial> {
    // Cancelled: no further trial; repeating the last one ends the walk.
    if (cancel != nullptr && cancel->load() && !made.trials.empty()) return made.trials.back();
    for (const ParamsTrial& done : made.trials) {
      if (done.l2 == l2) return done;
    }
    TrainParams trial = WithWeights(params, l2);
    trial.max_epochs = auto_epochs ? kAutoMaxEpochs : params.max_epochs;
    if (trial.early_stop == 0) trial.early_stop = kTrialPatience;
    if (trial.early_stop_tolerance == 0) trial.early_stop_tolerance = kTrialTolerance;
    double to_beat = std::numeric_limits<double>::infinity();
    for (const ParamsTrial& done : made.trials) {
      if (std::isfinite(done.score)) to_beat = std::min(to_beat, done.score);
    }
    absl::StatusOr<ParamsTrial> outcome = run(trial, to_beat);
    if (!outcome.ok()) return outcome.status();
    outcome->l2 = l2;
    made.trials.push_back(*outcome);
    if (observer != nullptr) observer->OnTrial(*outcome);
    return outcome;
  };
  const auto better = [](const ParamsTrial& a, const ParamsTrial& b) {
    return std::isfinite(a.score) && (!std::isfinite(b.score) || a.score < b.score);
  };
  const auto next_trial = [&](float l2, ParamsTrial* out) -> absl::Status {
    absl::StatusOr<ParamsTrial> trial = run_trial(l2);
    if (!trial.ok()) return trial.status();
    *out = *trial;
    return absl::OkStatus();
  };

  ParamsTrial best;
  if (absl::Status s = next_trial(auto_l2 ? kLadderStart : params.l2_p, &best); !s.ok()) return s;
  if (auto_l2) {
    // Find the direction that improves, then walk it while it does. `second`
    // ends as the better of the best weight's two ladder neighbours.
    ParamsTrial up;
    if (absl::Status s = next_trial(kLadderStart * kLadderStep, &up); !s.ok()) return s;
    ParamsTrial second = up;
    float step = 0.0f;  // the walk's factor; 0: no walk
    if (better(up, best)) {
      std::swap(best, second);
      step = kLadderStep;
    } else {
      ParamsTrial down;
      if (absl::Status s = next_trial(kLadderStart / kLadderStep, &down); !s.ok()) return s;
      if (better(down, best)) {
        second = best;
        best = down;
        step = 1.0f / kLadderStep;
      } else if (better(down, up)) {
        second = down;
      }
    }
    while (step != 0.0f && static_cast<int>(made.trials.size()) < kMaxTrials - 1) {
      ParamsTrial next;
      if (absl::Status s = next_trial(best.l2 * step, &next); !s.ok()) return s;
      if (!better(next, best)) {
        if (better(next, second)) second = next;
        break;
      }
      second = best;
      best = next;
    }
    // One finer step towards the better neighbour.
    const float half = std::sqrt(kLadderStep);
    const float toward = second.l2 > best.l2 ? best.l2 * half : best.l2 / half;
    ParamsTrial fine;
    if (absl::Status s = next_trial(toward, &fine); !s.ok()) return s;
    if (better(fine, best)) best = fine;
  }
  made.best_score = best.score;
  made.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  TrainParams chosen = WithWeights(params, best.l2);
  if (auto_epochs) chosen.max_epochs = best.epochs;
  return chosen;
}

}  // namespace hogmf::engine
