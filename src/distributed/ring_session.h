// RingSession: one rank's part of a distributed training run (hogmf-mpi).
//
// Rank r of N holds user band r (its P rows, user biases and AdaGrad sums,
// and every rating of those users) and starts each epoch holding item bands
// 2r and 2r + 1 of the 2N item bands (their Q rows, item biases and AdaGrad
// sums, packed in one buffer per band). An epoch is 2N steps: at step s the
// rank runs its block of item band BandAtStep(r, N, s) through the engine's
// worker pool and kernel (the same code that trains on one machine), then
// sends that band to rank r - 1, which needs it two steps later, so the
// transfer overlaps the next step. No two ranks hold a band at once: the
// ranks never touch the same row, and with one thread per rank a seeded run
// is repeatable bit for bit. After the 2N steps every band is home again.
//
// Stop rules run on every rank with the same figures: after each step an
// all-reduce of the blocks' sampled losses (the monitor), at each epoch end
// the epoch's figures, exact when a validation set or a loss or RMSE
// threshold asks for them (one more pass of the bands around the ring,
// measuring only), else summed from the samples. The ranks agree on every
// decision (a max all-reduce), so they stop at the same step.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "distributed/comm.h"
#include "distributed/share.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/trainer.h"

namespace hogmf::distributed {

// The file rank `rank` of `ranks` keeps its checkpoint in: PATH.RANK-of-RANKS.
std::string RankCheckpointPath(const std::string& path, int rank, int ranks);

// One rank's figures for the report.
struct RankStats {
  int rank = 0;
  uint64_t ratings = 0;         // training ratings held
  uint64_t updates = 0;         // SGD steps run
  double compute_seconds = 0;   // SGD in this rank's blocks
  double evaluate_seconds = 0;  // the monitor's samples and the exact passes
  double wait_seconds = 0;      // waiting for bands and for the other ranks' figures
  uint64_t bytes_sent = 0;      // bands and figures (the input's exchange excluded)
  uint64_t bytes_received = 0;
};

struct RingOptions {
  TrainObserver* observer = nullptr;          // rank 0's progress printer; may be null
  const std::atomic<bool>* cancel = nullptr;  // this rank's stop request (a signal); may be null
};

class RingSession {
 public:
  // A session on this rank's `train` ratings (its user band's, in the data's
  // index space) and its known `validation` pairs (same), with `params`
  // (no auto field left). Collective: every rank calls it. Errors agreed:
  // invalid params, an unknown kernel, memory beyond the budget.
  static absl::StatusOr<std::unique_ptr<RingSession>> Create(Comm& comm, const Layout& layout,
                                                             std::vector<Rating> train,
                                                             std::vector<Rating> validation,
                                                             const TrainParams& params,
                                                             const RingOptions& options);
  // A session that continues the rank checkpoints SaveCheckpoint wrote under
  // `path` with as many ranks, on the same data (checked: count and a
  // fingerprint of this rank's ratings as arranged): the params, factors,
  // AdaGrad sums, report, early-stopping state and random state of each
  // rank, so the epochs that follow are those the interrupted run would have
  // run (bit for bit with one thread per rank). Collective; errors agreed
  // (kNotFound for a rank's missing file, kInvalidArgument for a corrupt one,
  // another rank count, other data, or files of different epochs).
  static absl::StatusOr<std::unique_ptr<RingSession>> Resume(Comm& comm, const Layout& layout,
                                                             std::vector<Rating> train,
                                                             std::vector<Rating> validation,
                                                             const std::string& path,
                                                             const RingOptions& options);
  ~RingSession();

  // Writes each rank's state between epochs to RankCheckpointPath(path,
  // rank, ranks), atomically (a temporary file renamed over it): its rows
  // (as a hogmf model of its users and home items), AdaGrad sums, the report,
  // its blocks' random state, and the early-stopping best. Collective;
  // errors agreed.
  absl::Status SaveCheckpoint(const std::string& path);

  // One epoch on every rank (collective). kAborted when the factors
  // diverged.
  absl::StatusOr<EpochStats> RunEpoch();
  // Epochs until a stop rule fires or params.max_epochs have run.
  absl::StatusOr<StopReason> Run();
  std::optional<StopReason> stop_reason() const;

  // The figures so far, the same on every rank.
  const TrainReport& report() const;
  // This rank's figures.
  RankStats rank_stats() const;

  // Ends the session (collective): restores the early-stopping best, and
  // gathers the model at rank 0 with the id maps given there (others get
  // nullopt and may pass empty maps).
  std::optional<Model> GatherModel(IdMap users, IdMap items);

 private:
  struct State;
  explicit RingSession(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hogmf::distributed
