// The C API (include/hogmf/c_api.h), part two: training. Turns hogmf_params
// into TrainParams (checking the struct's size, the ABI rule), the epoch
// callback into a TrainObserver, and the caller's int cancel flag into the
// atomic flag the trainer polls, through a small thread that watches it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "c_api/c_api_internal.h"
#include "hogmf/c_api.h"
#include "hogmf/params.h"
#include "hogmf/trainer.h"
#include "util/status_macros.h"

namespace hogmf::c_api {
namespace {

// The sizes of the first released versions of the structs: the smallest
// struct_size a caller may pass. Fields added later extend the structs past these.
constexpr size_t kParamsV1Size = offsetof(hogmf_params, max_memory_bytes);
constexpr size_t kOptionsV1Size = sizeof(hogmf_train_options);
constexpr size_t kReportV1Size = sizeof(hogmf_train_report);

// Every name a hogmf_params field may default to, as C strings that live forever.
constexpr const char* kDefaultNames[] = {"squared",  "absolute",      "kl",
                                         "logistic", "squared-hinge", "hinge",
                                         "bpr-row",  "bpr-column",    "one-class-squared",
                                         "constant", "decay",         "adagrad",
                                         "auto",     "hogwild",       "blocked",
                                         "shuffle",  "chunks",        "user-chunks"};

const char* StaticName(std::string_view name) {
  for (const char* candidate : kDefaultNames) {
    if (name == candidate) return candidate;
  }
  return nullptr;  // a name this table lacks: NULL, which means the default too
}

absl::Status CheckSize(size_t size, size_t v1_size, size_t known, absl::string_view what,
                       absl::string_view init) {
  if (size >= v1_size && size <= known) return absl::OkStatus();
  if (size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ".struct_size is 0; fill the struct with ", init, " first"));
  }
  return absl::InvalidArgumentError(absl::StrCat(what, ".struct_size = ", size, "; this library (",
                                                 HOGMF_VERSION_STRING, ") takes ", v1_size, " .. ",
                                                 known, " bytes"));
}

// A copy of the caller's struct, completed with defaults past its struct_size.
template <typename Struct>
Struct Complete(const Struct& given, void (*init)(Struct*)) {
  Struct full;
  init(&full);
  std::memcpy(static_cast<void*>(&full), &given, given.struct_size);
  full.struct_size = sizeof(Struct);
  return full;
}

template <typename Enum>
absl::Status ParseName(const char* name, absl::string_view field,
                       absl::StatusOr<Enum> (*parse)(std::string_view), Enum* out) {
  if (name == nullptr) return absl::OkStatus();
  absl::StatusOr<Enum> parsed = parse(name);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("params.", field, ": ", parsed.status().message()));
  }
  *out = *parsed;
  return absl::OkStatus();
}

float AutoIfNegative(float weight) { return weight < 0 ? kAutoWeight : weight; }

absl::Status ToTrainParams(const hogmf_params* given, TrainParams* out) {
  *out = TrainParams();
  if (given == nullptr) return absl::OkStatus();
  HOGMF_RETURN_IF_ERROR(CheckSize(given->struct_size, kParamsV1Size, sizeof(hogmf_params), "params",
                                  "hogmf_params_init"));
  const hogmf_params p = Complete(*given, &hogmf_params_init);
  TrainParams& t = *out;
  t.k = p.k;
  HOGMF_RETURN_IF_ERROR(ParseName(p.loss, "loss", &ParseLoss, &t.loss));
  if (p.biases < -1 || p.biases > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid biases = ", p.biases, "; expected -1 (the loss's default), 0 or 1"));
  }
  if (p.biases >= 0) t.biases = p.biases == 1;
  t.learning_rate = p.learning_rate;
  HOGMF_RETURN_IF_ERROR(ParseName(p.lr_schedule, "lr_schedule", &ParseSchedule, &t.lr_schedule));
  t.lr_decay = p.lr_decay;
  t.l2_p = AutoIfNegative(p.l2_p);
  t.l2_q = AutoIfNegative(p.l2_q);
  t.l1_p = p.l1_p;
  t.l1_q = p.l1_q;
  t.l2_user_bias = AutoIfNegative(p.l2_user_bias);
  t.l2_item_bias = AutoIfNegative(p.l2_item_bias);
  t.nonneg = p.nonneg != 0;
  t.clip = p.clip != 0;
  t.negatives = p.negatives;
  t.negative_weight = p.negative_weight;
  t.max_epochs = p.max_epochs;
  t.holdout = p.holdout;
  t.seed = p.seed;
  t.threads = p.threads;
  HOGMF_RETURN_IF_ERROR(ParseName(p.schedule, "schedule", &ParseParallelSchedule, &t.schedule));
  t.grid = p.grid;
  HOGMF_RETURN_IF_ERROR(ParseName(p.order, "order", &ParseOrder, &t.order));
  t.chunk_size = p.chunk_size;
  if (p.isa != nullptr) t.isa = p.isa;
  t.init_scale = p.init_scale;
  t.time_limit_seconds = p.time_limit_seconds;
  t.early_stop = p.early_stop;
  t.early_stop_tolerance = p.early_stop_tolerance;
  t.stop_loss = p.stop_loss;
  t.stop_rmse = p.stop_rmse;
  t.stop_validation_rmse = p.stop_validation_rmse;
  t.monitor_ms = p.monitor_ms;
  t.monitor_sample = p.monitor_sample;
  t.max_memory_bytes = p.max_memory_bytes;
  return t.Validate();
}

// Hands each epoch's figures to the caller's callback.
class EpochCallback : public TrainObserver {
 public:
  EpochCallback(hogmf_epoch_callback callback, void* user_data)
      : callback_(callback), user_data_(user_data) {}

  ProgressAction OnEpoch(const EpochStats& stats) override {
    hogmf_epoch_stats c = {};
    c.struct_size = sizeof(c);
    c.epoch = stats.epoch;
    c.updates = stats.updates;
    c.complete = stats.complete ? 1 : 0;
    c.loss = stats.loss;
    c.train_rmse = stats.train_rmse;
    c.validation_rmse = stats.validation_rmse;
    c.validation_loss = stats.validation_loss;
    c.seconds = stats.seconds;
    c.elapsed_seconds = stats.elapsed_seconds;
    c.learning_rate = stats.learning_rate;
    return callback_(&c, user_data_) != 0 ? ProgressAction::kStop : ProgressAction::kContinue;
  }

 private:
  hogmf_epoch_callback callback_;
  void* user_data_;
};

// Copies the caller's int flag into the atomic flag that the trainer polls,
// from a thread that reads the int about every millisecond until destroyed.
// The read is an atomic load (GCC's and Clang's builtin on a plain int), so a
// caller's atomic store from another thread is no data race.
class CancelWatch {
 public:
  explicit CancelWatch(const volatile int* flag) : flag_(flag) {
    if (flag_ != nullptr) thread_ = std::thread([this] { Watch(); });
  }
  CancelWatch(const CancelWatch&) = delete;
  CancelWatch& operator=(const CancelWatch&) = delete;
  ~CancelWatch() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  // The flag for TrainOptions::cancel, or null without a caller's flag.
  const std::atomic<bool>* flag() const { return flag_ == nullptr ? nullptr : &cancelled_; }

 private:
  void Watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_) {
      if (__atomic_load_n(flag_, __ATOMIC_RELAXED) != 0) {  // a race detector sees an atomic read
        cancelled_.store(true, std::memory_order_relaxed);
        return;
      }
      wake_.wait_for(lock, std::chrono::milliseconds(1));
    }
  }

  const volatile int* flag_;
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

hogmf_stop_reason ToC(StopReason reason) {
  switch (reason) {
    case StopReason::kEpochLimit:
      return HOGMF_STOP_EPOCH_LIMIT;
    case StopReason::kLossThreshold:
      return HOGMF_STOP_LOSS_THRESHOLD;
    case StopReason::kRmseThreshold:
      return HOGMF_STOP_RMSE_THRESHOLD;
    case StopReason::kTimeLimit:
      return HOGMF_STOP_TIME_LIMIT;
    case StopReason::kEarlyStop:
      return HOGMF_STOP_EARLY_STOP;
    case StopReason::kValidationRmseThreshold:
      return HOGMF_STOP_VALIDATION_RMSE_THRESHOLD;
    case StopReason::kCancelled:
      return HOGMF_STOP_CANCELLED;
    case StopReason::kCallback:
      return HOGMF_STOP_CALLBACK;
    case StopReason::kDiverged:
      return HOGMF_STOP_DIVERGED;
  }
  return HOGMF_STOP_EPOCH_LIMIT;
}

void FillReport(const TrainReport& report, hogmf_train_report* out) {
  hogmf_train_report c = {};
  c.epochs = report.epochs;
  c.updates = report.updates;
  c.seconds = report.seconds;
  c.loss = report.loss;
  c.train_rmse = report.train_rmse;
  c.validation_rmse = report.validation_rmse;
  c.stop_reason = ToC(report.stop_reason);
  c.best_epoch = report.best_epoch;
  c.threads = report.threads;
  c.l2_p = report.params.l2_p;
  c.l2_q = report.params.l2_q;
  c.max_epochs = report.params.max_epochs;
  const size_t kernel_length = std::min(report.kernel.size(), sizeof(c.kernel) - 1);
  std::memcpy(c.kernel, report.kernel.data(), kernel_length);
  c.kernel[kernel_length] = '\0';
  // Fills the caller's struct_size bytes (a caller built against an older header has fewer).
  c.struct_size = out->struct_size;
  std::memcpy(static_cast<void*>(out), &c, std::min(out->struct_size, sizeof(c)));
}

// hogmf_train and hogmf_train_continue: `initial` null for a fresh model.
absl::Status TrainModel(const hogmf_model* initial, const hogmf_ratings* train,
                        const hogmf_params* params, const hogmf_train_options* given_options,
                        hogmf_model** out, hogmf_train_report* report) {
  HOGMF_RETURN_IF_ERROR(NotNull(out, "out"));
  *out = nullptr;
  HOGMF_RETURN_IF_ERROR(NotNull(train, "train"));
  TrainParams train_params;
  HOGMF_RETURN_IF_ERROR(ToTrainParams(params, &train_params));
  hogmf_train_options options;
  hogmf_train_options_init(&options);
  if (given_options != nullptr) {
    HOGMF_RETURN_IF_ERROR(CheckSize(given_options->struct_size, kOptionsV1Size,
                                    sizeof(hogmf_train_options), "options",
                                    "hogmf_train_options_init"));
    options = Complete(*given_options, &hogmf_train_options_init);
  }
  if (report != nullptr) {
    HOGMF_RETURN_IF_ERROR(CheckSize(report->struct_size, kReportV1Size, SIZE_MAX, "report",
                                    "sizeof(hogmf_train_report)"));
  }
  if (options.cancel != nullptr && *options.cancel != 0) {
    return absl::CancelledError("training cancelled before it started (*options->cancel is set)");
  }

  EpochCallback callback(options.on_epoch, options.user_data);
  CancelWatch cancel(options.cancel);
  TrainOptions train_options;
  train_options.validation = options.validation == nullptr ? nullptr : &options.validation->ratings;
  train_options.observer = options.on_epoch == nullptr ? nullptr : &callback;
  train_options.keep_rated_items = options.keep_rated_items != 0;
  train_options.cancel = cancel.flag();

  TrainResult result;
  if (initial == nullptr) {
    HOGMF_ASSIGN_OR_RETURN(result, Train(train->ratings, train_params, train_options));
  } else {
    HOGMF_ASSIGN_OR_RETURN(Trainer trainer, Trainer::Continue(initial->model, train->ratings,
                                                              train_params, train_options));
    HOGMF_RETURN_IF_ERROR(trainer.Run().status());
    result = trainer.Finish();
  }
  if (report != nullptr) FillReport(result.report, report);
  *out = new hogmf_model{std::move(result.model)};
  return absl::OkStatus();
}

}  // namespace
}  // namespace hogmf::c_api

extern "C" {

void hogmf_params_init(hogmf_params* params) {
  if (params == nullptr) return;
  const hogmf::TrainParams d;
  hogmf_params p = {};
  p.struct_size = sizeof(p);
  p.k = d.k;
  p.loss = hogmf::c_api::StaticName(hogmf::LossName(d.loss));
  p.biases = d.biases.has_value() ? (*d.biases ? 1 : 0) : -1;
  p.learning_rate = d.learning_rate;
  p.lr_schedule = hogmf::c_api::StaticName(hogmf::ScheduleName(d.lr_schedule));
  p.lr_decay = d.lr_decay;
  p.l2_p = d.l2_p;
  p.l2_q = d.l2_q;
  p.l1_p = d.l1_p;
  p.l1_q = d.l1_q;
  p.l2_user_bias = d.l2_user_bias;
  p.l2_item_bias = d.l2_item_bias;
  p.nonneg = d.nonneg ? 1 : 0;
  p.clip = d.clip ? 1 : 0;
  p.negatives = d.negatives;
  p.negative_weight = d.negative_weight;
  p.max_epochs = d.max_epochs;
  p.holdout = d.holdout;
  p.seed = d.seed;
  p.threads = d.threads;
  p.schedule = hogmf::c_api::StaticName(hogmf::ScheduleName(d.schedule));
  p.grid = d.grid;
  p.order = hogmf::c_api::StaticName(hogmf::OrderName(d.order));
  p.chunk_size = d.chunk_size;
  p.isa = d.isa == "auto" ? "auto" : nullptr;
  p.init_scale = d.init_scale;
  p.time_limit_seconds = d.time_limit_seconds;
  p.early_stop = d.early_stop;
  p.early_stop_tolerance = d.early_stop_tolerance;
  p.stop_loss = d.stop_loss;
  p.stop_rmse = d.stop_rmse;
  p.stop_validation_rmse = d.stop_validation_rmse;
  p.monitor_ms = d.monitor_ms;
  p.monitor_sample = d.monitor_sample;
  p.max_memory_bytes = d.max_memory_bytes;
  *params = p;
}

void hogmf_train_options_init(hogmf_train_options* options) {
  if (options == nullptr) return;
  hogmf_train_options o = {};
  o.struct_size = sizeof(o);
  o.keep_rated_items = 1;
  *options = o;
}

hogmf_status hogmf_train(const hogmf_ratings* train, const hogmf_params* params,
                         const hogmf_train_options* options, hogmf_model** out,
                         hogmf_train_report* report) {
  return hogmf::c_api::Guard(
      [&] { return hogmf::c_api::TrainModel(nullptr, train, params, options, out, report); });
}

hogmf_status hogmf_train_continue(const hogmf_model* initial, const hogmf_ratings* train,
                                  const hogmf_params* params, const hogmf_train_options* options,
                                  hogmf_model** out, hogmf_train_report* report) {
  return hogmf::c_api::Guard([&]() -> absl::Status {
    if (out != nullptr) *out = nullptr;
    HOGMF_RETURN_IF_ERROR(hogmf::c_api::NotNull(initial, "initial"));
    return hogmf::c_api::TrainModel(initial, train, params, options, out, report);
  });
}

}  // extern "C"
