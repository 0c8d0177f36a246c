// The search behind ChooseParams: a walk over a log ladder of L2 weights,
// each step a trial that trains with early stopping on held-out ratings. The
// walk is independent of how a trial trains, so one machine (ChooseParams)
// and hogmf-mpi's ranks (trials trained across them) make the same choices
// by the same rules.
#pragma once

#include <atomic>
#include <span>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "hogmf/auto_params.h"
#include "hogmf/params.h"
#include "hogmf/trainer.h"

namespace hogmf::engine {

// `params` with the auto weights set from `l2`: factor weights to l2, bias
// weights to their side's factor weight.
TrainParams WithWeights(TrainParams params, float l2);

// The held-out score of an epoch: the validation RMSE, or for losses
// without values the mean validation loss.
double HeldOutScore(const EpochStats& stats);

// The first epoch whose held-out score is within `tolerance` of the lowest
// in report.history, and that lowest score.
std::pair<int, double> EnoughEpochs(const TrainReport& report, double tolerance);

// Whether a trial can no longer beat `to_beat`, the best score of the trials
// before it, given its held-out scores so far (one per epoch, lower is
// better) and the epochs it may still run. It is when its best so far is
// worse and either its last epoch gained nothing (it is past its best, or
// stalled) or every epoch left gaining as much as the last one (gains only
// shrink as SGD converges) would not close the gap. Never before two epochs.
bool TrialIsHopeless(std::span<const double> scores, double to_beat, int epochs_left);

// Trains one trial with `trial` (the weights set, max_epochs the most to run,
// early_stop and early_stop_tolerance set) and scores it on the held-out
// ratings: the outcome's epochs, score and seconds (l2 is filled in by the
// walk). `to_beat` is the best score of the trials before it (infinity for
// the first): a runner may stop a trial once TrialIsHopeless and mark it
// pruned, with its best score so far.
using TrialRunner =
    absl::FunctionRef<absl::StatusOr<ParamsTrial>(const TrainParams& trial, double to_beat)>;

// The walk for `params`, which has an auto L2 weight or auto epochs: from
// kLadderStart, by kLadderStep in the direction that improves while it does,
// then one step of half the ratio towards the better neighbour (at most
// kMaxTrials trials; without auto weights, one trial at the given ones).
// Fills made.trials, best_score and seconds, tells `observer` (may be null)
// of each trial, and stops early once `cancel` (may be null) is set. Returns
// params with the best trial's weight and (when auto) epoch count; the errors
// of `run`.
absl::StatusOr<TrainParams> SearchWeights(const TrainParams& params, TrialRunner run,
                                          const std::atomic<bool>* cancel, TrainObserver* observer,
                                          ParamsChoice& made);

}  // namespace hogmf::engine
