// TrainParams: every knob of a training run, with validated defaults.
//
// The seed's update (docs/design.md): for an observed rating r_ij with error
// e = r_ij - p_i.q_j,
//   p_i <- p_i + lr (2 e q_i - l2 p_i),   q_j <- q_j + lr (2 e p_i - l2 q_j),
// both from their values before the step. LIBMF folds the 2 into its learning
// rate: hogmf's lr = LIBMF's eta / 2 and hogmf's l2 = 2 x LIBMF's lambda give
// the same step. TrainParams::Seed() is that algorithm with the seed's
// constants, exactly; the default TrainParams is the model docs/models.md
// measures best without tuning: user and item biases, AdaGrad steps, and the
// regularization and epoch count chosen from the data (kAuto fields, resolved
// by ChooseParams in hogmf/auto_params.h on a held-out slice of the training
// data, then a refit on all of it).
//
//   hogmf::TrainParams params;             // the defaults: chosen from the data
//   params.k = 64;
//   hogmf::TrainParams seed = hogmf::TrainParams::Seed();   // the seed, exactly
//   if (absl::Status s = params.Validate(); !s.ok()) return s;
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/loss.h"

namespace hogmf {

enum class LearningRateSchedule {
  kConstant,  // lr every epoch (the seed)
  kDecay,     // lr / (1 + lr_decay * epoch), epoch counted from 0
  kAdaGrad,   // per row: lr / sqrt(G), G the row's accumulated mean squared gradient (LIBMF's)
};

// "constant", "decay", "adagrad".
std::string_view ScheduleName(LearningRateSchedule schedule);
// The schedule named `name`; kInvalidArgument for any other name.
absl::StatusOr<LearningRateSchedule> ParseSchedule(std::string_view name);

// The order in which an epoch visits the ratings (docs/design.md compares them).
enum class RatingOrder {
  kAuto,        // kShuffle below kAutoOrderMinRatings ratings, kUserChunks from there
  kShuffle,     // a fresh full permutation every epoch (the seed's SGD exactly)
  kChunks,      // shuffled once into chunks; the chunk order is fresh every epoch
  kUserChunks,  // sorted by user (random user and item order) into chunks; fresh chunk order
};

// At and above this many training ratings, RatingOrder::kAuto means
// kUserChunks (fast, and on par with or better than a full shuffle per
// epoch); below, kShuffle (the seed's SGD exactly, and a fresh order even when
// the ratings fill only a few chunks).
inline constexpr uint64_t kAutoOrderMinRatings = uint64_t{1} << 20;

// The order that `order` stands for on `num_ratings` training ratings.
RatingOrder ResolveOrder(RatingOrder order, uint64_t num_ratings);

// "auto", "shuffle", "chunks", "user-chunks".
std::string_view OrderName(RatingOrder order);
// The order named `name`; kInvalidArgument for any other name.
absl::StatusOr<RatingOrder> ParseOrder(std::string_view name);

// How the workers share the ratings.
enum class Schedule {
  kAuto,     // kHogwild below kAutoBlockedMinRatings ratings, kBlocked from there
  kHogwild,  // chunks in `order`, handed to any worker, no coordination (the design card)
  kBlocked,  // a grid of user bands x item bands; workers run blocks that share no band
};

// At and above this many training ratings, Schedule::kAuto means kBlocked:
// measured faster to a target RMSE than Hogwild from 2^20 ratings on one and
// two threads (docs/performance.md, "Schedule auto"). Below, kHogwild, whose
// kAuto order is the seed's SGD exactly.
inline constexpr uint64_t kAutoBlockedMinRatings = uint64_t{1} << 20;

// The schedule that `schedule` stands for on `num_ratings` training ratings.
Schedule ResolveSchedule(Schedule schedule, uint64_t num_ratings);

// "auto", "hogwild", "blocked".
std::string_view ScheduleName(Schedule schedule);
// The schedule named `name`; kInvalidArgument for any other name.
absl::StatusOr<Schedule> ParseParallelSchedule(std::string_view name);

// Marks a field the data decides (ChooseParams): regularization weights and
// the epoch count.
inline constexpr float kAutoWeight = -1.0f;
inline constexpr int kAutoEpochs = 0;
// The most epochs an early-stopped run with kAutoEpochs takes.
inline constexpr int kAutoMaxEpochs = 100;

struct TrainParams {
  /// The seed's algorithm and constants: squared loss, no biases, constant
  /// step lr = 0.01, l2 = 0.1 on both sides, 20 epochs, no clipping. Results
  /// are bit-identical to the seed's kernels.
  static TrainParams Seed();

  /// Latent factors per row: 1 .. 4096.
  int k = 32;
  /// What training minimises over the observed entries.
  Loss loss = Loss::kSquared;
  /// User and item biases (score = mean + b_u + b_i + p.q). Unset: on for
  /// losses that predict values (squared, absolute, kl), off for the others;
  /// refused with pairwise losses.
  std::optional<bool> biases;
  /// Learning rate alpha: > 0 and finite. With kAdaGrad the first step of a
  /// row (whose G starts at 1).
  float learning_rate = 0.05f;
  /// Per-row step schedule.
  LearningRateSchedule lr_schedule = LearningRateSchedule::kAdaGrad;
  /// L2 weights of the P rows and the Q rows: >= 0 and finite, or
  /// kAutoWeight (chosen from the data).
  float l2_p = kAutoWeight;
  float l2_q = kAutoWeight;
  /// L1 weights of the P and Q rows (a proximal soft threshold after each
  /// step): >= 0 and finite.
  float l1_p = 0.0f;
  float l1_q = 0.0f;
  /// L2 weights of the user and item biases: >= 0 and finite, or kAutoWeight
  /// (the factor weight of the same side, l2_p and l2_q).
  float l2_user_bias = kAutoWeight;
  float l2_item_bias = kAutoWeight;
  /// Keep every factor >= 0 (clamped after each step; needed by kl).
  bool nonneg = false;
  /// Predictions of value losses are clipped to the training values' range.
  bool clip = true;
  /// kOneClassSquared: sampled negatives per positive (1 .. 1000) and the
  /// weight of each one's loss (> 0).
  int negatives = 3;
  float negative_weight = 1.0f;
  /// Epoch limit: >= 1, or kAutoEpochs: early stopping on a held-out slice
  /// (or the validation set) picks the count, at most kAutoMaxEpochs.
  int max_epochs = kAutoEpochs;
  /// Fraction of the training ratings held out while ChooseParams decides the
  /// kAuto fields (then training refits on all of them): in (0, 0.5].
  double holdout = 0.1;
  /// Seed of every random draw (initial factors, epoch orders).
  uint64_t seed = 1;
  /// Stop once the seed's loss (sum of squared errors + l2/2 (|p|^2 + |q|^2)
  /// per observed rating) is at or under this; 0 disables. >= 0.
  double stop_loss = 0.0;
  /// Stop once the train RMSE is at or under this; 0 disables. >= 0.
  double stop_rmse = 0.0;
  /// Stop at the end of the first epoch whose validation RMSE is at or under
  /// this; 0 disables. >= 0; needs a validation set.
  double stop_validation_rmse = 0.0;
  /// Initial factors: without biases uniform in [0, init_scale), where 0
  /// picks 2 sqrt(mean / k) so that p.q starts near the mean rating; with
  /// biases uniform in [-init_scale, init_scale) (in [0, 2 init_scale) with
  /// nonneg), where 0 picks 0.1 sqrt(3) (sd 0.1). >= 0.
  float init_scale = 0.0f;
  /// Worker threads; 0 means every core. 0 .. 1024.
  int threads = 0;
  /// Training refuses to start (kResourceExhausted) when it would need more
  /// memory than this many bytes, estimated before anything is allocated; 0
  /// means the memory this process may use (the smallest of physical memory,
  /// the cgroup limit and RLIMIT_AS).
  uint64_t max_memory_bytes = 0;
  /// kDecay's d: >= 0.
  float lr_decay = 0.0f;
  /// How the workers share the ratings.
  Schedule schedule = Schedule::kAuto;
  /// kBlocked: bands per side of the grid; 0 picks max(2 threads + 2, 8).
  /// Otherwise at least threads + 1, so a free block always exists. 0 .. 4096.
  int grid = 0;
  /// kHogwild: how each epoch orders the ratings.
  RatingOrder order = RatingOrder::kAuto;
  /// Ratings per chunk handed to a worker: 1 .. 2^24.
  int chunk_size = 4096;
  /// SIMD kernel: "auto" (the best this CPU runs, or $HOGMF_ISA), "scalar",
  /// "avx512", "avx2", "sse4", "neon", ...
  std::string isa = "auto";
  /// How often the monitor samples the loss, in milliseconds: 1 .. 3600000.
  int monitor_ms = 200;
  /// Training ratings the monitor samples (all if fewer): >= 1.
  int monitor_sample = 100000;
  /// Stop after this many seconds of training; 0 disables. >= 0.
  double time_limit_seconds = 0.0;
  /// Stop when the validation RMSE has not improved for this many epochs and
  /// return the best model; 0 disables. >= 0; needs a validation set.
  int early_stop = 0;
  /// Early stopping: an epoch is a gain only when it lowers the validation
  /// score by more than this fraction of the last gain's score; 0 counts any
  /// decrease. In [0, 1).
  double early_stop_tolerance = 0.0;

  /// Whether any field is left for the data to decide.
  bool HasAutoFields() const {
    return l2_p == kAutoWeight || l2_q == kAutoWeight || l2_user_bias == kAutoWeight ||
           l2_item_bias == kAutoWeight || max_epochs == kAutoEpochs;
  }
  /// Whether the model gets biases (`biases`, or the loss's default).
  bool UsesBiases() const;

  // OK, or kInvalidArgument (the only error) for the first field, in the
  // order declared above, that is outside the range its comment gives (a NaN
  // or infinite value included), or for a grid below threads + 1 when both
  // are set; the message names the field and the allowed range. What depends on more than these
  // fields is checked when training starts, not here: `isa` naming a kernel this CPU runs, and a
  // validation set for early_stop and stop_validation_rmse.
  absl::Status Validate() const;

  bool operator==(const TrainParams&) const = default;
};

}  // namespace hogmf
