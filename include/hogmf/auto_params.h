// ChooseParams: the training params that the data decides. Fields left at
// kAutoWeight (the L2 weights) or kAutoEpochs (the epoch count) are chosen
// on held-out ratings: a walk over a log ladder of L2 weights, each trial
// trained with early stopping, keeps the weight and epoch count of the best
// held-out score: RMSE for losses that predict values, the mean loss for the
// binary ones, and for one-class losses 1 - AUC, the share of held-out
// positives a random item (bpr-column: a random user) outscores, sampled.
// Training then refits on every rating with them. Trainer::Create and Train
// call it; a caller may call it to see the choice first.
//
//   hogmf::ParamsChoice choice;
//   absl::StatusOr<hogmf::TrainParams> chosen =
//       hogmf::ChooseParams(train, hogmf::TrainParams(), {}, &choice);
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf {

struct TrainOptions;

// One trial of the search.
struct ParamsTrial {
  float l2 = 0;         // the L2 weight of factors (and, when auto, of biases) on both sides
  int epochs = 0;       // the early-stopped epoch count
  double score = 0;     // held-out RMSE, or mean loss for losses without values
  double seconds = 0;   // the trial's training time
  int exact_fits = 0;   // exact fit passes over its training ratings (none: a trial is scored on
                        // held-out ratings and estimates the fit from a sample)
  bool pruned = false;  // stopped once it could no longer beat the best trial before it
                        // (engine/weight_search.h); score and epochs are then its best so far
};

struct ParamsChoice {
  bool chosen = false;            // some field was left to the data
  bool fallback = false;          // fixed values instead of trials (see `note`)
  std::string note;               // why, when fallback
  bool internal_holdout = false;  // held out from the training ratings (else the validation set)
  uint64_t holdout_ratings = 0;   // ratings the trials were scored on
  uint64_t trial_ratings = 0;     // ratings the trials trained on
  double user_share = 1;          // the share of users tried (1: all; a large set: a sample)
  // Epochs left to the final run (auto epochs on a sample): it early-stops on
  // the validation set, or on the sample's held-out ratings, which it leaves
  // out of its training (final_holdout_ratings of them).
  bool final_early_stop = false;
  uint64_t final_holdout_ratings = 0;
  // That run stops at its first epoch without a gain and returns that
  // epoch's model, so no copy of a best epoch's factors is kept beside the
  // model (unless params.early_stop was given: then it keeps the best).
  bool final_keeps_last = false;
  std::vector<ParamsTrial> trials;  // in the order run
  double best_score = -1;           // the chosen trial's score
  double seconds = 0;               // all trials together
};

// The L2 weights the search walks: kLadderStart, then multiplied or divided
// by kLadderStep until the score stops improving, then one step of half the
// ratio around the best; at most kMaxTrials trials.
inline constexpr float kLadderStart = 0.1f;
inline constexpr float kLadderStep = 3.1622777f;  // sqrt(10)
inline constexpr int kMaxTrials = 8;
// A trial stops after kTrialPatience epochs without lowering its held-out
// score by more than kTrialTolerance (relative), and the chosen epoch count is
// the first epoch within kTrialTolerance of the trial's best score: the long
// tail of tiny gains costs more time than it returns.
inline constexpr int kTrialPatience = 4;
inline constexpr double kTrialTolerance = 1e-4;
// Below this many training ratings (and without a validation set) nothing is
// held out: auto weights are kLadderStart, auto epochs kFallbackEpochs.
inline constexpr size_t kMinHoldoutRatings = 100;
inline constexpr int kFallbackEpochs = 20;

// `params` with every auto field resolved; params as given when none is auto.
// Held-out ratings: options->validation when given (then training later
// early-stops on it as well), else a random params.holdout share of `train`
// (by params.seed); with fewer than kMinHoldoutRatings ratings the fallback
// values instead. From 4M ratings on, the trials train on a seeded sample of
// the users (every rating of each, about an eighth of the set and at least
// 2M ratings) and score on those users' held-out ratings; the chosen weight
// and epoch count then train on every rating. Errors: those of Trainer::Create
// for the params and data. `choice` may be null.
absl::StatusOr<TrainParams> ChooseParams(const Ratings& train, const TrainParams& params,
                                         const TrainOptions& options, ParamsChoice* choice);

}  // namespace hogmf
