// Trainer checkpoints: SaveCheckpoint writes a session's state between
// epochs (engine/checkpoint.h lays it out), Resume makes a session on the same
// ratings and restores that state into it.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/checkpoint.h"
#include "engine/trainer_session.h"
#include "engine/trial_sample.h"
#include "hogmf/model_io.h"
#include "hogmf/trainer.h"
#include "hogmf/write_file.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace hogmf {

using internal::CatchOutOfMemory;
using internal::CheckInputs;
using internal::Clock;
using internal::ThreadsFor;

namespace {

// Reasons a resumed session keeps: those that follow from the data alone.
bool DataStopReason(StopReason reason) {
  switch (reason) {
    case StopReason::kLossThreshold:
    case StopReason::kRmseThreshold:
    case StopReason::kEarlyStop:
    case StopReason::kValidationRmseThreshold:
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status Trainer::Session::SaveCheckpoint(const std::string& path) const {
  if (finished) return absl::FailedPreconditionError("the training session is finished");
  if (warm.has_value()) {
    return absl::FailedPreconditionError(
        "checkpoints of a warm start (a session that continues a model) are not supported");
  }
  engine::CheckpointData data;
  data.report = report;
  data.fingerprint = Fingerprint();
  data.num_ratings = num_ratings();
  data.elapsed_seconds = report.history.empty() ? 0.0 : report.history.back().elapsed_seconds;
  if (stop_reason.has_value() && DataStopReason(*stop_reason)) {
    data.stop_reason = static_cast<int32_t>(*stop_reason);
  }
  HOGMF_ASSIGN_OR_RETURN(data.model, SerializeModel(model));
  if (best.has_value() && report.best_epoch != report.epochs) {
    HOGMF_ASSIGN_OR_RETURN(data.best, SerializeModel(*best));
  }
  data.p_adagrad = p_adagrad;
  data.q_adagrad = q_adagrad;
  if (grid.has_value()) {
    data.blocked = true;
    data.rng = grid->rng_state();
  } else {
    engine::Shuffler::State state = shuffler->state();
    data.rng = state.rng;
    data.permutation = std::move(state.permutation);
  }
  return WriteFileAtomically(path, engine::EncodeCheckpoint(data));
}

absl::Status Trainer::Session::Restore(engine::CheckpointData data, const std::string& path) {
  const auto corrupt = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": corrupt hogmf checkpoint: ", internal::ToAbsl(what)));
  };
  if (data.p_adagrad.size() != p_adagrad.size() || data.q_adagrad.size() != q_adagrad.size()) {
    return corrupt("the AdaGrad sums do not match the model's rows");
  }
  std::copy(data.p_adagrad.begin(), data.p_adagrad.end(), p_adagrad.begin());
  std::copy(data.q_adagrad.begin(), data.q_adagrad.end(), q_adagrad.begin());
  if (data.blocked != grid.has_value()) return corrupt("the schedule's state does not match");
  if (grid.has_value()) {
    grid->set_rng_state(data.rng);
  } else if (!shuffler->Restore({data.rng, std::move(data.permutation)})) {
    return corrupt("the shuffler's order does not match the ratings");
  }
  const TrainReport prepared = report;
  report = std::move(data.report);
  report.kernel = prepared.kernel;
  report.threads = prepared.threads;
  report.arrange_seconds = prepared.arrange_seconds;
  report.working_bytes_per_rating = prepared.working_bytes_per_rating;
  if (report.schedule != prepared.schedule || report.grid != prepared.grid ||
      (grid.has_value() ? false : report.order != prepared.order)) {
    return corrupt("the schedule does not match the params");
  }
  if (early_stop != nullptr) {
    for (const EpochStats& stats : report.history) early_stop->OnEpoch(stats);
  }
  if (data.best.has_value()) {
    absl::StatusOr<Model> best_model = DeserializeModel(*data.best);
    if (!best_model.ok()) return corrupt(std::string(best_model.status().message()));
    best = std::move(*best_model);
  } else if (early_stop != nullptr && keeps_best && report.best_epoch == report.epochs &&
             report.epochs > 0) {
    best = model;
  }
  if (data.stop_reason >= 0) stop_reason = static_cast<StopReason>(data.stop_reason);
  resumed_seconds = data.elapsed_seconds;
  monitor->updates().store(report.updates, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::StatusOr<Trainer> Trainer::ResumeSession(const std::string& path, std::vector<Rating> working,
                                               IdMap users, IdMap items,
                                               const TrainOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const internal::MappedFile> file,
                         internal::MappedFile::Open(path));
  HOGMF_ASSIGN_OR_RETURN(engine::CheckpointData data, engine::DecodeCheckpoint(file->view(), path));
  file.reset();
  const TrainParams params = data.report.params;
  // A session that early-stops on ratings its choice held out of training
  // holds the same ones out again (a function of the ratings' order).
  std::vector<Rating> held_out;
  const ParamsChoice& choice = data.report.choice;
  TrainParams checked = params;
  if (choice.final_holdout_ratings > 0 && options.validation == nullptr) {
    held_out = engine::TakeHeldOut(working, engine::SamplerFor(choice.user_share, params,
                                                               /*holds_out=*/true));
    checked.early_stop = 0;  // it stops on those
  }
  HOGMF_RETURN_IF_ERROR(CheckInputs(working.size(), checked, options));
  if (working.size() != data.num_ratings) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the checkpoint was made on ", data.num_ratings, " training ratings, not ",
        working.size(), "; resume with the same training data"));
  }
  absl::StatusOr<Model> model = DeserializeModel(data.model);
  if (!model.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": corrupt hogmf checkpoint: ", model.status().message()));
  }
  if (model->k() != params.k) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": corrupt hogmf checkpoint: the model's k is not the params' k"));
  }
  const auto same_ids = [](const IdMap& a, const IdMap& b) {
    return a.is_identity() == b.is_identity() && a.size() == b.size() && a.names() == b.names();
  };
  const std::string differs = absl::StrCat(
      path,
      ": the training data differs from the checkpointed session's (same count, other ids, "
      "values or order); resume with the same training data");
  if (!same_ids(model->users(), users) || !same_ids(model->items(), items)) {
    return absl::InvalidArgumentError(differs);
  }
  return CatchOutOfMemory("resuming", [&]() -> absl::StatusOr<Trainer> {
    const Clock::time_point setup_start = Clock::now();
    auto session = std::make_unique<Session>();
    HOGMF_ASSIGN_OR_RETURN(session->kernel, kernels::SelectKernel(params.isa));
    session->params = params;
    session->report.params = params;
    session->threads = ThreadsFor(params);
    session->working = std::move(working);
    session->held_out = std::move(held_out);
    session->keeps_best = !choice.final_keeps_last;
    session->model = std::move(*model);
    session->Arrange(session->model.num_users(), session->model.num_items(),
                     options.compact_ratings);
    session->Prepare(options);
    // The arrangement follows the order of the entries, so the arranged
    // ratings are compared: the same ones train the same way.
    if (session->Fingerprint() != data.fingerprint) return absl::InvalidArgumentError(differs);
    HOGMF_RETURN_IF_ERROR(session->Restore(std::move(data), path));
    session->SetSetupSeconds(setup_start);
    return Trainer(std::move(session));
  });
}

absl::StatusOr<Trainer> Trainer::Resume(const std::string& checkpoint, const Ratings& train,
                                        const TrainOptions& options) {
  return ResumeSession(checkpoint,
                       std::vector<Rating>(train.entries().begin(), train.entries().end()),
                       train.users(), train.items(), options);
}

absl::StatusOr<Trainer> Trainer::Resume(const std::string& checkpoint, Ratings&& train,
                                        const TrainOptions& options) {
  std::vector<Rating> working = train.ReleaseEntries();
  return ResumeSession(checkpoint, std::move(working), std::move(train.mutable_users()),
                       std::move(train.mutable_items()), options);
}

absl::Status Trainer::SaveCheckpoint(const std::string& path) const {
  return session_->SaveCheckpoint(path);
}

}  // namespace hogmf
