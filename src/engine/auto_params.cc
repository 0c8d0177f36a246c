// ChooseParams: the walk over L2 weights on held-out ratings, each trial an
// early-stopped training run.
#include "hogmf/auto_params.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/trial_sample.h"
#include "engine/weight_search.h"
#include "hogmf/synthetic.h"
#include "hogmf/trainer.h"
#include "util/memory.h"
#include "util/random.h"
#include "util/status_macros.h"

namespace hogmf {
namespace {

// Sampled AUC of one-class trials: positives scored, negatives per positive,
// and the seed of the negatives.
constexpr size_t kAucPositives = 20000;
constexpr int kAucNegatives = 20;
constexpr uint64_t kAucSeed = 0xA0C5EEDull;
// Separates the hold-out split's draws from every other use of the seed.
constexpr uint64_t kHoldoutSeedSalt = 0x5EEDC0DE0F0DD5ull;

// The share of (held-out positive, random row) pairs the model orders right,
// ties counting half: the negative is a random item of the positive's user,
// or for bpr-column a random user of its item. At most kAucPositives
// positives, evenly spaced, with kAucNegatives negatives each; a fixed seed,
// so every epoch and trial is scored on the same pairs.
double SampledAuc(const Model& model, std::span<const Rating> held, bool by_column) {
  internal::Rng rng(kAucSeed);
  const size_t step = held.size() > kAucPositives ? held.size() / kAucPositives : 1;
  double right = 0.0;
  double pairs = 0.0;
  for (size_t j = 0; j < held.size(); j += step) {
    const Rating& r = held[j];
    if (!model.user_seen(r.user) || !model.item_seen(r.item)) continue;
    const float positive = model.Score(r.user, r.item);
    for (int n = 0; n < kAucNegatives; ++n) {
      const float negative =
          by_column ? model.Score(static_cast<uint32_t>(rng.Below(model.num_users())), r.item)
                    : model.Score(r.user, static_cast<uint32_t>(rng.Below(model.num_items())));
      right += positive > negative ? 1.0 : (positive == negative ? 0.5 : 0.0);
      pairs += 1.0;
    }
  }
  return pairs > 0 ? right / pairs : 0.5;
}

// A trial for a one-class loss, whose held-out loss is a poor guide to its
// rankings: epoch by epoch, scored by 1 - SampledAuc on the held-out
// positives, stopped after `trial.early_stop` epochs without a relative gain
// of trial.early_stop_tolerance.
absl::StatusOr<ParamsTrial> RankingTrial(const Ratings& fit_set, const Ratings& held_set,
                                         const TrainParams& trial,
                                         const std::atomic<bool>* cancel) {
  TrainOptions options;
  options.keep_rated_items = false;
  options.cancel = cancel;
  options.fit = FitMeasure::kNone;
  TrainParams session = trial;
  session.early_stop = 0;  // this loop stops it, on the ranking score
  HOGMF_ASSIGN_OR_RETURN(Trainer trainer, Trainer::Create(fit_set, session, options));
  const std::vector<Rating> held =
      AlignTo(held_set, trainer.model().users(), trainer.model().items());
  const bool by_column = trial.loss == Loss::kBprColumn;
  std::vector<double> scores;
  double best = 0.0;
  double reference = 0.0;
  int without_gain = 0;
  double seconds = 0.0;
  while (trainer.epoch() < trial.max_epochs) {
    HOGMF_ASSIGN_OR_RETURN(const EpochStats stats, trainer.RunEpoch());
    seconds += stats.seconds;
    const double score = 1.0 - SampledAuc(trainer.model(), held, by_column);
    scores.push_back(score);
    if (scores.size() == 1 || score < best) best = score;
    if (scores.size() == 1 || score < reference * (1.0 - trial.early_stop_tolerance)) {
      reference = score;
      without_gain = 0;
    } else if (++without_gain >= trial.early_stop) {
      break;
    }
    if (trainer.stop_reason().has_value()) break;
  }
  ParamsTrial outcome;
  outcome.score = best;
  outcome.seconds = seconds;
  outcome.exact_fits = trainer.report().exact_fits;
  for (size_t e = 0; e < scores.size(); ++e) {
    if (scores[e] <= best * (1.0 + trial.early_stop_tolerance)) {
      outcome.epochs = static_cast<int>(e) + 1;
      break;
    }
  }
  return outcome;
}

absl::StatusOr<TrainParams> Choose(const Ratings& train, const TrainParams& params,
                                   const TrainOptions& options, ParamsChoice* choice) {
  ParamsChoice local;
  ParamsChoice& made = choice != nullptr ? *choice : local;
  made = ParamsChoice();
  if (!params.HasAutoFields()) return params;
  HOGMF_RETURN_IF_ERROR(params.Validate());
  made.chosen = true;
  const bool auto_l2 = params.l2_p == kAutoWeight || params.l2_q == kAutoWeight;
  const bool auto_epochs = params.max_epochs == kAutoEpochs;
  // Only bias weights left: they follow the factor weights, nothing to try.
  if (!auto_l2 && !auto_epochs) return engine::WithWeights(params, 0.0f);
  // A large set is tried on a sample of its users (engine/trial_sample.h);
  // not for one-class losses, whose final run has no held-out score to stop
  // on (their trials score rankings).
  const double user_share = IsOneClass(params.loss) ? 1.0 : engine::TrialUserShare(train.size());
  const bool sampled = user_share < 1.0;
  std::optional<engine::TrialSample> sample;
  std::optional<std::pair<Ratings, Ratings>> split;
  std::optional<Ratings> sampled_validation;
  const Ratings* fit_set = &train;
  Ratings* own_fit_set = nullptr;  // fit_set when this call made it (a sample or a split)
  const Ratings* held_set = options.validation;
  if (held_set == nullptr && train.size() < kMinHoldoutRatings) {
    // Too few to hold any out: the ladder's start and a fixed count.
    made.fallback = true;
    made.note = "too few ratings to hold any out";
    TrainParams fallback = engine::WithWeights(params, kLadderStart);
    if (auto_epochs) fallback.max_epochs = kFallbackEpochs;
    return fallback;
  }
  if (sampled) {
    made.user_share = user_share;
    sample = engine::SampleUsers(train.entries(), train.num_users(), train.num_items(),
                                 engine::SamplerFor(user_share, params, held_set == nullptr));
    fit_set = own_fit_set = &sample->fit;
    if (held_set != nullptr) {
      // The validation pairs of the sampled users, in the sample's indices.
      const std::vector<Rating> aligned = AlignTo(*held_set, train.users(), train.items());
      sampled_validation.emplace(engine::ToSampleIndices(*sample, aligned), sample->fit.users(),
                                 sample->fit.items());
      held_set = &*sampled_validation;
    } else {
      held_set = &sample->held;
    }
  } else if (held_set == nullptr) {
    // The trials work in train's index space: identity maps of its sizes
    // over a view of its entries, so that no trial copies a string id map or
    // looks its ids up (the rows, draws and choices are the same).
    const Ratings index_view =
        Ratings::View(train.entries(), std::make_shared<int>(0), IdMap::Identity(train.num_users()),
                      IdMap::Identity(train.num_items()));
    split = SplitHoldout(index_view, params.holdout, params.seed ^ kHoldoutSeedSalt);
    fit_set = own_fit_set = &split->first;
    held_set = &split->second;
  }
  made.internal_holdout = options.validation == nullptr;
  if (fit_set->size() == 0 || held_set->size() == 0) {
    return absl::InvalidArgumentError(
        "no ratings to train or score the choice of weights and epochs on: set --l2 and "
        "--epochs, or give more ratings");
  }
  made.holdout_ratings = held_set->size();
  made.trial_ratings = fit_set->size();

  TrainOptions trial_options;
  trial_options.validation = held_set;
  trial_options.keep_rated_items = false;
  trial_options.cancel = options.cancel;
  trial_options.fit = FitMeasure::kNone;  // trials score on the held-out ratings alone
  trial_options.keep_best_model = false;  // nor do they need their best epoch's model
  // On a sample, the item side's auto weights are raised (trial_sample.h).
  const float item_divisor = static_cast<float>(engine::TrialItemWeightDivisor(user_share));
  std::optional<Trainer> trials_session;
  const auto run_trial = [&](const TrainParams& walked,
                             double to_beat) -> absl::StatusOr<ParamsTrial> {
    TrainParams trial = walked;
    if (sampled && params.early_stop == 0) {
      trial.early_stop = std::min(trial.early_stop, engine::kSampledTrialPatience);
    }
    if (params.l2_q == kAutoWeight) trial.l2_q /= item_divisor;
    if (params.l2_item_bias == kAutoWeight) trial.l2_item_bias /= item_divisor;
    if (IsOneClass(trial.loss)) return RankingTrial(*fit_set, *held_set, trial, options.cancel);
    // One session arranges the ratings once; each later trial restarts it
    // with its weights. Epoch by epoch, to drop a trial as soon as it cannot
    // win.
    if (!trials_session.has_value() && own_fit_set != nullptr) {
      // The session takes the set's storage: the trials need no other copy.
      HOGMF_ASSIGN_OR_RETURN(trials_session,
                             Trainer::Create(std::move(*own_fit_set), trial, trial_options));
    } else if (!trials_session.has_value()) {
      HOGMF_ASSIGN_OR_RETURN(trials_session, Trainer::Create(*fit_set, trial, trial_options));
    } else {
      HOGMF_RETURN_IF_ERROR(trials_session->Restart(trial));
    }
    Trainer& trainer = *trials_session;
    std::vector<double> scores;
    bool pruned = false;
    while (trainer.epoch() < trial.max_epochs) {
      HOGMF_ASSIGN_OR_RETURN(const EpochStats stats, trainer.RunEpoch());
      scores.push_back(engine::HeldOutScore(stats));
      if (trainer.stop_reason().has_value()) break;
      if (engine::TrialIsHopeless(scores, to_beat, trial.max_epochs - trainer.epoch())) {
        pruned = true;
        break;
      }
    }
    ParamsTrial outcome;
    std::tie(outcome.epochs, outcome.score) =
        engine::EnoughEpochs(trainer.report(), trial.early_stop_tolerance);
    outcome.seconds = trainer.report().seconds;
    outcome.exact_fits = trainer.report().exact_fits;
    outcome.pruned = pruned;
    return outcome;
  };
  if (sampled && auto_epochs) {
    // The sample's epoch count does not carry over: the final run early-stops.
    made.final_early_stop = true;
    if (made.internal_holdout) made.final_holdout_ratings = held_set->size();
    // Only the epochs were auto: no trial to run.
    if (!auto_l2) return engine::WithWeights(params, 0.0f);
  }
  return engine::SearchWeights(params, run_trial, options.cancel, options.observer, made);
}

}  // namespace

absl::StatusOr<TrainParams> ChooseParams(const Ratings& train, const TrainParams& params,
                                         const TrainOptions& options, ParamsChoice* choice) {
  absl::StatusOr<TrainParams> chosen = Choose(train, params, options, choice);
  // The trials' sessions are gone: their memory is not to add to the next one's.
  internal::ReleaseFreedMemory();
  return chosen;
}

}  // namespace hogmf
