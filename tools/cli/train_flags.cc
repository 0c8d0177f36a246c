// Training flags shared by train, cv and tune.
#include "cli/train_flags.h"

namespace hogmf::cli {

void AddTrainFlags(FlagSet& flags, TrainFlags* train_flags) {
  TrainParams& params = train_flags->params;
  flags.AddInt("k", &params.k, "latent factors");
  flags.AddFloat("lr", &params.learning_rate, "learning rate alpha");
  flags.AddFloat("l2", &params.l2, "L2 weight beta");
  flags.AddInt("epochs", &params.max_epochs, "epoch limit");
  flags.AddInt("threads", &params.threads, "worker threads; 0 = every core");
  flags.AddUint64("seed", &params.seed, "random seed (initial factors, epoch orders)");
  flags.AddDouble("stop-loss", &params.stop_loss,
                  "stop when the loss is at or under this; 0 = off");
  flags.AddDouble("stop-rmse", &params.stop_rmse,
                  "stop when train RMSE is at or under this; 0 = off");
  flags.AddFloat("init-scale", &params.init_scale,
                 "initial factors uniform in [0, scale); 0 = 2 sqrt(mean/k)");
  flags.AddString("lr-schedule", &train_flags->lr_schedule,
                  "learning-rate schedule: constant or decay");
  flags.AddFloat("lr-decay", &params.lr_decay, "decay d: lr / (1 + d epoch)");
  flags.AddString("schedule", &train_flags->schedule,
                  "how workers share the ratings: auto (blocked from 2^20 ratings, else hogwild), "
                  "hogwild (chunks, no coordination) or blocked (a grid of user x item bands; "
                  "concurrent blocks share no row)");
  flags.AddInt("grid", &params.grid, "blocked: bands per side; 0 = max(2 threads + 2, 8)");
  flags.AddString("order", &train_flags->order,
                  "epoch order: auto (shuffle under 1M ratings, else user-chunks), shuffle (fresh "
                  "permutation), chunks (shuffled once, chunk order fresh each epoch) or "
                  "user-chunks (user-sorted chunks)");
  flags.AddInt("chunk-size", &params.chunk_size, "ratings per chunk handed to a worker");
  flags.AddString("isa", &params.isa,
                  "SIMD kernel: auto (or $HOGMF_ISA), scalar, avx512, avx2, sse4, ...");
  flags.AddInt("monitor-ms", &params.monitor_ms, "monitor sampling period in milliseconds");
  flags.AddInt("monitor-sample", &params.monitor_sample, "training ratings the monitor samples");
  flags.AddDouble("time-limit", &params.time_limit_seconds,
                  "stop after this many seconds; 0 = off");
  flags.AddDouble("stop-validation-rmse", &params.stop_validation_rmse,
                  "stop after the first epoch whose validation RMSE is at or under this; 0 = off");
  flags.AddInt("early-stop", &params.early_stop,
               "stop when validation RMSE has not improved for N epochs, keep the best; 0 = off");
}

absl::Status ResolveTrainFlags(TrainFlags* train_flags) {
  TrainParams& params = train_flags->params;
  absl::StatusOr<LearningRateSchedule> lr_schedule = ParseSchedule(train_flags->lr_schedule);
  if (!lr_schedule.ok()) return lr_schedule.status();
  params.lr_schedule = *lr_schedule;
  absl::StatusOr<Schedule> schedule = ParseParallelSchedule(train_flags->schedule);
  if (!schedule.ok()) return schedule.status();
  params.schedule = *schedule;
  absl::StatusOr<RatingOrder> order = ParseOrder(train_flags->order);
  if (!order.ok()) return order.status();
  params.order = *order;
  return params.Validate();
}

}  // namespace hogmf::cli
