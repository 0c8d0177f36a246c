// A whole hogmf-mpi training run (train.h).
#include "distributed/train.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "engine/weight_search.h"
#include "hogmf/auto_params.h"
#include "util/random.h"
#include "util/status_macros.h"

namespace hogmf::distributed {
namespace {

// Separates the held-out split's draws from every other use of the seed.
constexpr uint64_t kHoldoutSeedSalt = 0x484F4C444F555452ull;

// Every rank's ratings split at random into a fit part and a held-out part
// of about `fraction`.
std::pair<std::vector<Rating>, std::vector<Rating>> SplitLocal(std::span<const Rating> ratings,
                                                               double fraction, uint64_t seed,
                                                               int rank) {
  internal::Rng rng(seed ^ kHoldoutSeedSalt, static_cast<uint64_t>(rank));
  std::pair<std::vector<Rating>, std::vector<Rating>> split;
  for (const Rating& r : ratings) {
    (rng.UniformDouble() < fraction ? split.second : split.first).push_back(r);
  }
  return split;
}

std::string PackStats(const RankStats& stats) {
  std::string bytes(sizeof(RankStats), '\0');
  std::memcpy(bytes.data(), &stats, sizeof(RankStats));
  return bytes;
}

}  // namespace

absl::StatusOr<DistributedResult> TrainDistributed(
    Comm& comm, Share& share, std::vector<Rating> validation, uint64_t validation_unknown,
    const TrainParams& params, const RingOptions& options, const CheckpointPlan& plan) {
  HOGMF_RETURN_IF_ERROR(comm.Agree(params.Validate()));
  const Layout& layout = share.layout;
  uint64_t validation_known[1] = {validation.size()};
  comm.SumInPlace(validation_known);

  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  const Clock::time_point choose_start = Clock::now();
  TrainParams chosen = params;
  ParamsChoice choice;
  if (params.HasAutoFields() && plan.resume.empty()) {
    choice.chosen = true;
    const bool auto_l2 = params.l2_p == kAutoWeight || params.l2_q == kAutoWeight;
    const bool auto_epochs = params.max_epochs == kAutoEpochs;
    if (!auto_l2 && !auto_epochs) {
      chosen = engine::WithWeights(params, 0.0f);
    } else if (validation_known[0] == 0 && layout.total_ratings < kMinHoldoutRatings) {
      choice.fallback = true;
      choice.note = "too few ratings to hold any out";
      chosen = engine::WithWeights(params, kLadderStart);
      if (auto_epochs) chosen.max_epochs = kFallbackEpochs;
    } else {
      std::vector<Rating> fit;
      std::vector<Rating> held;
      if (validation_known[0] > 0) {
        fit = share.ratings;
        held = validation;
      } else {
        std::tie(fit, held) = SplitLocal(share.ratings, params.holdout, params.seed, comm.rank());
        choice.internal_holdout = true;
      }
      uint64_t held_total[1] = {held.size()};
      comm.SumInPlace(held_total);
      choice.holdout_ratings = held_total[0];
      // Every rank walks alike: the trials' figures are the same on every
      // rank, and so is a cancel (the sessions agree on it).
      std::atomic<bool> cancelled{false};
      // Every trial runs its course (no pruning: engine::TrialIsHopeless).
      const auto run_trial = [&](const TrainParams& trial,
                                 double /*to_beat*/) -> absl::StatusOr<ParamsTrial> {
        RingOptions trial_options;
        trial_options.cancel = options.cancel;
        HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<RingSession> session,
                               RingSession::Create(comm, layout, fit, held, trial, trial_options));
        HOGMF_ASSIGN_OR_RETURN(const StopReason reason, session->Run());
        if (reason == StopReason::kCancelled) cancelled.store(true);
        ParamsTrial outcome;
        std::tie(outcome.epochs, outcome.score) =
            engine::EnoughEpochs(session->report(), trial.early_stop_tolerance);
        outcome.seconds = session->report().seconds;
        return outcome;
      };
      HOGMF_ASSIGN_OR_RETURN(chosen, engine::SearchWeights(params, run_trial, &cancelled,
                                                           options.observer, choice));
    }
  }

  const double choose_seconds = since(choose_start);
  const Clock::time_point setup_start = Clock::now();
  std::unique_ptr<RingSession> session;
  if (plan.resume.empty()) {
    HOGMF_ASSIGN_OR_RETURN(session, RingSession::Create(comm, layout, std::move(share.ratings),
                                                        std::move(validation), chosen, options));
  } else {
    HOGMF_ASSIGN_OR_RETURN(session,
                           RingSession::Resume(comm, layout, std::move(share.ratings),
                                               std::move(validation), plan.resume, options));
    choice = session->report().choice;
  }
  share.ratings = std::vector<Rating>();
  const double setup_seconds = since(setup_start);
  // Epochs to the stop rules, with checkpoints at epoch ends (never of an
  // epoch a stop cut short: the last checkpoint stays the last whole one).
  const int max_epochs = session->report().params.max_epochs;
  double last_checkpoint =
      session->report().history.empty() ? 0.0 : session->report().history.back().elapsed_seconds;
  while (!session->stop_reason().has_value() && session->report().epochs < max_epochs) {
    HOGMF_ASSIGN_OR_RETURN(const EpochStats epoch, session->RunEpoch());
    if (plan.path.empty() || !epoch.complete) continue;
    const bool by_epochs = plan.epochs > 0 && epoch.epoch % plan.epochs == 0;
    const bool by_time =
        plan.seconds > 0 && epoch.elapsed_seconds - last_checkpoint >= plan.seconds;
    if (by_epochs || by_time) {
      HOGMF_RETURN_IF_ERROR(session->SaveCheckpoint(plan.path));
      last_checkpoint = epoch.elapsed_seconds;
    }
  }
  DistributedResult result;
  const RankStats mine = session->rank_stats();  // the model's gathering is not training
  const Clock::time_point gather_start = Clock::now();
  result.model = session->GatherModel(std::move(share.users), std::move(share.items));
  result.gather_seconds = since(gather_start);
  result.choose_seconds = choose_seconds;
  result.setup_seconds = setup_seconds;
  result.report.choose_seconds = choose_seconds;
  result.report.setup_seconds = setup_seconds;
  result.report = session->report();
  result.report.choice = std::move(choice);
  result.report.validation_unknown = validation_unknown;
  const std::vector<std::string> packed = comm.Gather(PackStats(mine), 0);
  for (const std::string& bytes : packed) {
    RankStats stats;
    std::memcpy(&stats, bytes.data(), sizeof(RankStats));
    result.ranks.push_back(stats);
  }
  return result;
}

}  // namespace hogmf::distributed
