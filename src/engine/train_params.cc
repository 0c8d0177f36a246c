// TrainParams::Validate and the schedule names.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "hogmf/params.h"
#include "util/absl_compat.h"

namespace hogmf {

std::string_view ScheduleName(LearningRateSchedule schedule) {
  switch (schedule) {
    case LearningRateSchedule::kConstant:
      return "constant";
    case LearningRateSchedule::kDecay:
      return "decay";
    case LearningRateSchedule::kAdaGrad:
      return "adagrad";
  }
  return "unknown";
}

absl::StatusOr<LearningRateSchedule> ParseSchedule(std::string_view name) {
  if (name == "constant") return LearningRateSchedule::kConstant;
  if (name == "decay") return LearningRateSchedule::kDecay;
  if (name == "adagrad") return LearningRateSchedule::kAdaGrad;
  return absl::InvalidArgumentError(absl::StrCat("unknown learning-rate schedule '",
                                                 internal::ToAbsl(name),
                                                 "'; expected constant, decay or adagrad"));
}

Schedule ResolveSchedule(Schedule schedule, uint64_t num_ratings) {
  if (schedule != Schedule::kAuto) return schedule;
  return num_ratings >= kAutoBlockedMinRatings ? Schedule::kBlocked : Schedule::kHogwild;
}

std::string_view ScheduleName(Schedule schedule) {
  switch (schedule) {
    case Schedule::kAuto:
      return "auto";
    case Schedule::kHogwild:
      return "hogwild";
    case Schedule::kBlocked:
      return "blocked";
  }
  return "unknown";
}

absl::StatusOr<Schedule> ParseParallelSchedule(std::string_view name) {
  if (name == "auto") return Schedule::kAuto;
  if (name == "hogwild") return Schedule::kHogwild;
  if (name == "blocked") return Schedule::kBlocked;
  return absl::InvalidArgumentError(absl::StrCat("unknown schedule '", internal::ToAbsl(name),
                                                 "'; expected auto, hogwild or blocked"));
}

RatingOrder ResolveOrder(RatingOrder order, uint64_t num_ratings) {
  if (order != RatingOrder::kAuto) return order;
  return num_ratings >= kAutoOrderMinRatings ? RatingOrder::kUserChunks : RatingOrder::kShuffle;
}

std::string_view OrderName(RatingOrder order) {
  switch (order) {
    case RatingOrder::kAuto:
      return "auto";
    case RatingOrder::kShuffle:
      return "shuffle";
    case RatingOrder::kChunks:
      return "chunks";
    case RatingOrder::kUserChunks:
      return "user-chunks";
  }
  return "unknown";
}

absl::StatusOr<RatingOrder> ParseOrder(std::string_view name) {
  for (RatingOrder order : {RatingOrder::kAuto, RatingOrder::kShuffle, RatingOrder::kChunks,
                            RatingOrder::kUserChunks}) {
    if (name == OrderName(order)) return order;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown rating order '", internal::ToAbsl(name),
                   "'; expected auto, shuffle, chunks or user-chunks"));
}

namespace {

absl::Status Bad(const char* field, double value, const char* allowed) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid ", field, " = ", value, "; expected ", allowed));
}

bool ValidWeight(float weight) { return std::isfinite(weight) && weight >= 0; }
bool ValidWeightOrAuto(float weight) { return ValidWeight(weight) || weight == kAutoWeight; }

}  // namespace

TrainParams TrainParams::Seed() {
  TrainParams params;
  params.k = 32;
  params.loss = Loss::kSquared;
  params.biases = false;
  params.learning_rate = 0.01f;
  params.lr_schedule = LearningRateSchedule::kConstant;
  params.l2_p = 0.1f;
  params.l2_q = 0.1f;
  params.l2_user_bias = 0.0f;
  params.l2_item_bias = 0.0f;
  params.clip = false;
  params.max_epochs = 20;
  return params;
}

bool TrainParams::UsesBiases() const {
  if (biases.has_value()) return *biases;
  return loss == Loss::kSquared || loss == Loss::kAbsolute || loss == Loss::kKl;
}

absl::Status TrainParams::Validate() const {
  if (k < 1 || k > 4096) return Bad("k", k, "an integer in 1 .. 4096");
  if (!std::isfinite(learning_rate) || learning_rate <= 0) {
    return Bad("learning_rate (--lr)", learning_rate, "a finite value > 0");
  }
  if (!ValidWeightOrAuto(l2_p)) return Bad("l2_p (--l2)", l2_p, "a finite value >= 0, or auto");
  if (!ValidWeightOrAuto(l2_q)) return Bad("l2_q (--l2)", l2_q, "a finite value >= 0, or auto");
  if (!ValidWeight(l1_p)) return Bad("l1_p (--l1)", l1_p, "a finite value >= 0");
  if (!ValidWeight(l1_q)) return Bad("l1_q (--l1)", l1_q, "a finite value >= 0");
  if (!ValidWeightOrAuto(l2_user_bias)) {
    return Bad("l2_user_bias (--l2-bias)", l2_user_bias, "a finite value >= 0, or auto");
  }
  if (!ValidWeightOrAuto(l2_item_bias)) {
    return Bad("l2_item_bias (--l2-bias)", l2_item_bias, "a finite value >= 0, or auto");
  }
  if (IsPairwise(loss) && biases == true) {
    return absl::InvalidArgumentError(
        absl::StrCat("biases (--biases) do not apply to the pairwise loss ",
                     internal::ToAbsl(LossName(loss)), "; leave them off"));
  }
  if (negatives < 1 || negatives > 1000) {
    return Bad("negatives (--negatives)", negatives, "an integer in 1 .. 1000");
  }
  if (!std::isfinite(negative_weight) || negative_weight <= 0) {
    return Bad("negative_weight (--negative-weight)", negative_weight, "a finite value > 0");
  }
  if (max_epochs < 0) return Bad("max_epochs (--epochs)", max_epochs, "an integer >= 1, or auto");
  if (!std::isfinite(holdout) || holdout <= 0 || holdout > 0.5) {
    return Bad("holdout (--holdout)", holdout, "a fraction in (0, 0.5]");
  }
  if (!std::isfinite(stop_loss) || stop_loss < 0) {
    return Bad("stop_loss (--stop-loss)", stop_loss, "a finite value >= 0 (0 = off)");
  }
  if (!std::isfinite(stop_rmse) || stop_rmse < 0) {
    return Bad("stop_rmse (--stop-rmse)", stop_rmse, "a finite value >= 0 (0 = off)");
  }
  if (!std::isfinite(stop_validation_rmse) || stop_validation_rmse < 0) {
    return Bad("stop_validation_rmse (--stop-validation-rmse)", stop_validation_rmse,
               "a finite value >= 0 (0 = off)");
  }
  if (!std::isfinite(init_scale) || init_scale < 0) {
    return Bad("init_scale (--init-scale)", init_scale, "a finite value >= 0 (0 = auto)");
  }
  if (threads < 0 || threads > 1024)
    return Bad("threads (--threads)", threads, "0 (all cores) .. 1024");
  if (!std::isfinite(lr_decay) || lr_decay < 0) {
    return Bad("lr_decay (--lr-decay)", lr_decay, "a finite value >= 0");
  }
  if (chunk_size < 1 || chunk_size > (1 << 24)) {
    return Bad("chunk_size (--chunk-size)", chunk_size, "an integer in 1 .. 16777216");
  }
  if (monitor_ms < 1 || monitor_ms > 3600000) {
    return Bad("monitor_ms (--monitor-ms)", monitor_ms, "an integer in 1 .. 3600000");
  }
  if (monitor_sample < 1)
    return Bad("monitor_sample (--monitor-sample)", monitor_sample, "an integer >= 1");
  if (!std::isfinite(time_limit_seconds) || time_limit_seconds < 0) {
    return Bad("time_limit_seconds (--time-limit)", time_limit_seconds,
               "a finite value >= 0 (0 = off)");
  }
  if (grid < 0 || grid > 4096) return Bad("grid (--grid)", grid, "0 (auto) .. 4096");
  if (grid > 0 && threads > 0 && grid < threads + 1) {
    return Bad("grid (--grid)", grid, "at least threads + 1 so a free block always exists");
  }
  if (!std::isfinite(early_stop_tolerance) || early_stop_tolerance < 0 ||
      early_stop_tolerance >= 1) {
    return Bad("early_stop_tolerance (--early-stop-tolerance)", early_stop_tolerance,
               "a fraction in [0, 1)");
  }
  if (early_stop < 0)
    return Bad("early_stop (--early-stop)", early_stop, "an integer >= 0 (0 = off)");
  return absl::OkStatus();
}

}  // namespace hogmf
