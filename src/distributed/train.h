// TrainDistributed: a whole hogmf-mpi training run on a rank's share: the
// params the data decides (the same walk over L2 weights as one machine's
// ChooseParams, each trial trained across the ranks on a held-out split of
// every rank's ratings), then a session on all of them, then the model
// gathered at rank 0.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "distributed/comm.h"
#include "distributed/ring_session.h"
#include "distributed/share.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/trainer.h"

namespace hogmf::distributed {

struct DistributedResult {
  std::optional<Model> model;    // at rank 0
  TrainReport report;            // the same on every rank
  std::vector<RankStats> ranks;  // at rank 0: every rank's figures (the final session's)
  double choose_seconds = 0;     // the auto params' trials
  double setup_seconds = 0;      // the final session's setup (blocks, orders, samples; rank 0)
  double gather_seconds = 0;     // gathering the model at rank 0
};

// Checkpoints of the final session (RingSession::SaveCheckpoint) at epoch
// ends, every `epochs` epochs and/or once `seconds` of session time passed
// since the last; and a run to resume instead of starting one.
struct CheckpointPlan {
  std::string path;  // empty: none
  double seconds = 0;
  int epochs = 0;
  std::string resume;  // empty: a fresh run
};

// Trains on `share` (consumed) with `params` (or those of the checkpoint
// plan.resume names); `validation` is this rank's
// known held-out pairs (ReadValidationShare), `validation_unknown` the pairs
// of every rank with an id the training data lacks. Collective; errors agreed.
absl::StatusOr<DistributedResult> TrainDistributed(
    Comm& comm, Share& share, std::vector<Rating> validation, uint64_t validation_unknown,
    const TrainParams& params, const RingOptions& options, const CheckpointPlan& plan = {});

}  // namespace hogmf::distributed
