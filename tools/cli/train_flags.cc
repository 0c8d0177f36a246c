// Training flags shared by train, cv and tune.
#include "cli/train_flags.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "cli/string_views.h"

namespace hogmf::cli {
namespace {

std::string FormatWeight(float weight) {
  return weight == kAutoWeight ? "auto" : absl::StrCat(weight);
}

// A flag's one number: the whole of `text`, finite.
absl::Status ParseNumber(std::string_view flag, std::string_view text, float* value) {
  const std::string copy(text);
  char* end = nullptr;
  const float parsed = std::strtof(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --", ToAbsl(flag), "=", ToAbsl(text), "; expected a number"));
  }
  *value = parsed;
  return absl::OkStatus();
}

// "x" sets both, "a,b" each, every value a finite number >= 0; "auto" (when
// `allow_auto`) sets kAutoWeight.
absl::Status ParsePair(std::string_view flag, std::string_view text, bool allow_auto, float* first,
                       float* second) {
  if (allow_auto && text == "auto") {
    *first = *second = kAutoWeight;
    return absl::OkStatus();
  }
  const size_t comma = text.find(',');
  const std::string_view a = text.substr(0, comma);
  const std::string_view b = comma == std::string_view::npos ? a : text.substr(comma + 1);
  if (!ParseNumber(flag, a, first).ok() || !ParseNumber(flag, b, second).ok() || *first < 0 ||
      *second < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --", ToAbsl(flag), "=", ToAbsl(text), "; expected a weight >= 0",
                     allow_auto ? ", two of them as P,Q, or auto" : " or two of them as P,Q"));
  }
  return absl::OkStatus();
}

// --max-memory: "auto" (0), or a byte count with an optional K, M, G or T
// suffix (powers of 1024; "KiB", "GB" and lower case are read alike).
absl::Status ParseMemory(std::string_view text, uint64_t* bytes) {
  if (text == "auto") {
    *bytes = 0;
    return absl::OkStatus();
  }
  const absl::Status bad = absl::InvalidArgumentError(
      absl::StrCat("invalid --max-memory=", ToAbsl(text),
                   "; expected a size such as 512M, 8G or 1.5T (bytes without a suffix), or auto"));
  size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) return bad;
  std::string unit(text.substr(digits));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && (unit.ends_with("IB") || unit.ends_with("B"))) {
    unit.resize(unit.ends_with("IB") ? unit.size() - 2 : unit.size() - 1);
  }
  int shift = 0;
  if (unit == "K") {
    shift = 10;
  } else if (unit == "M") {
    shift = 20;
  } else if (unit == "G") {
    shift = 30;
  } else if (unit == "T") {
    shift = 40;
  } else if (!unit.empty() && unit != "B") {
    return bad;
  }
  const std::string number(text.substr(0, digits));
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  const double scaled = value * static_cast<double>(uint64_t{1} << shift);
  if (end != number.c_str() + number.size() || !(scaled >= 1) || scaled > 1.8e19) return bad;
  *bytes = static_cast<uint64_t>(scaled);
  return absl::OkStatus();
}

}  // namespace

TrainFlags InitialTrainFlags(const std::vector<std::string>& args) {
  TrainFlags flags;
  for (size_t a = 0; a < args.size(); ++a) {
    if (args[a] == "--") break;
    if (args[a] == "--model=seed" ||
        (args[a] == "--model" && a + 1 < args.size() && args[a + 1] == "seed")) {
      flags.params = TrainParams::Seed();
      flags.model = "seed";
    }
  }
  const TrainParams& p = flags.params;
  flags.loss = std::string(LossName(p.loss));
  flags.biases = p.biases.has_value() ? (*p.biases ? "true" : "false") : "auto";
  flags.l2 = p.l2_p == p.l2_q ? FormatWeight(p.l2_p)
                              : absl::StrCat(FormatWeight(p.l2_p), ",", FormatWeight(p.l2_q));
  flags.l1 = p.l1_p == p.l1_q ? absl::StrCat(p.l1_p) : absl::StrCat(p.l1_p, ",", p.l1_q);
  flags.l2_bias = p.l2_user_bias == p.l2_item_bias ? FormatWeight(p.l2_user_bias)
                                                   : absl::StrCat(FormatWeight(p.l2_user_bias), ",",
                                                                  FormatWeight(p.l2_item_bias));
  flags.epochs = p.max_epochs == kAutoEpochs ? "auto" : absl::StrCat(p.max_epochs);
  flags.lr_schedule = std::string(ScheduleName(p.lr_schedule));
  return flags;
}

void AddTrainFlags(FlagSet& flags, TrainFlags* train_flags) {
  TrainParams& params = train_flags->params;
  flags.AddString("model", &train_flags->model,
                  "starting point of every other flag: default (biases, AdaGrad, weights and "
                  "epochs chosen from the data) or seed (the seed's algorithm and constants)");
  flags.AddInt("k", &params.k, "latent factors");
  flags.AddString("loss", &train_flags->loss,
                  "squared, absolute, kl (real values); logistic, squared-hinge, hinge (+1/-1 "
                  "values); bpr-row, bpr-column, one-class-squared (implicit feedback); or "
                  "LIBMF's -f number");
  flags.AddString("biases", &train_flags->biases,
                  "user and item biases: auto (on for squared, absolute and kl), true or false");
  flags.AddFloat("lr", &params.learning_rate, "learning rate alpha");
  flags.AddString("lr-schedule", &train_flags->lr_schedule,
                  "step schedule: adagrad (per row, LIBMF's), constant or decay");
  flags.AddFloat("lr-decay", &params.lr_decay, "decay d: lr / (1 + d epoch)");
  flags.AddString("l2", &train_flags->l2,
                  "L2 weights of P and Q: auto (chosen on held-out ratings), one value for both, "
                  "or P,Q");
  flags.AddString("l1", &train_flags->l1, "L1 weights of P and Q: one value for both, or P,Q");
  flags.AddString("l2-bias", &train_flags->l2_bias,
                  "L2 weights of user and item biases: auto (the factors' weight of the same "
                  "side), one value, or USER,ITEM");
  flags.AddBool("nonneg", &params.nonneg, "keep every factor >= 0");
  flags.AddBool("clip", &params.clip,
                "clip predictions to the training values' range (--noclip: raw scores)");
  flags.AddInt("negatives", &params.negatives, "one-class-squared: sampled negatives per positive");
  flags.AddFloat("negative-weight", &params.negative_weight,
                 "one-class-squared: weight of each negative's loss");
  flags.AddString("epochs", &train_flags->epochs,
                  "epoch limit, or auto (early stopping on held-out ratings picks it)");
  flags.AddDouble("holdout", &params.holdout,
                  "share of the ratings held out while choosing auto weights and epochs");
  flags.AddInt("threads", &params.threads, "worker threads; 0 = every core");
  flags.AddUint64("seed", &params.seed, "random seed (initial factors, epoch orders)");
  flags.AddDouble("stop-loss", &params.stop_loss,
                  "stop when the loss is at or under this; 0 = off");
  flags.AddDouble("stop-rmse", &params.stop_rmse,
                  "stop when train RMSE is at or under this; 0 = off");
  flags.AddFloat("init-scale", &params.init_scale,
                 "initial factors: uniform in [0, scale) without biases (0 = 2 sqrt(mean/k)), "
                 "in [-scale, scale) with (0 = 0.17)");
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
  flags.AddString("max-memory", &train_flags->max_memory,
                  "refuse to train when the run would need more memory than this (bytes, or "
                  "with K, M, G, T: 512M, 8G); auto = what this process may use");
  flags.AddDouble("time-limit", &params.time_limit_seconds,
                  "stop after this many seconds; 0 = off");
  flags.AddDouble("stop-validation-rmse", &params.stop_validation_rmse,
                  "stop after the first epoch whose validation RMSE is at or under this; 0 = off");
  flags.AddDouble("early-stop-tolerance", &params.early_stop_tolerance,
                  "early stopping: a gain must lower the validation score by more than this "
                  "fraction");
  flags.AddInt("early-stop", &params.early_stop,
               "stop when validation RMSE has not improved for N epochs, keep the best; 0 = off");
}

absl::Status ResolveTrainFlags(TrainFlags* train_flags) {
  TrainParams& params = train_flags->params;
  if (train_flags->model != "default" && train_flags->model != "seed") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown --model=", train_flags->model, "; expected default or seed"));
  }
  absl::StatusOr<Loss> loss = ParseLoss(train_flags->loss);
  if (!loss.ok()) return loss.status();
  params.loss = *loss;
  if (train_flags->biases == "auto") {
    params.biases.reset();
  } else if (train_flags->biases == "true") {
    params.biases = true;
  } else if (train_flags->biases == "false") {
    params.biases = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --biases=", train_flags->biases, "; expected auto, true or false"));
  }
  if (absl::Status s = ParsePair("l2", train_flags->l2, true, &params.l2_p, &params.l2_q);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParsePair("l1", train_flags->l1, false, &params.l1_p, &params.l1_q);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParsePair("l2-bias", train_flags->l2_bias, true, &params.l2_user_bias,
                                 &params.l2_item_bias);
      !s.ok()) {
    return s;
  }
  if (train_flags->epochs == "auto") {
    params.max_epochs = kAutoEpochs;
  } else {
    float epochs = 0;
    if (!ParseNumber("epochs", train_flags->epochs, &epochs).ok() || epochs < 1 ||
        epochs != std::floor(epochs) || epochs > 1e9f) {
      return absl::InvalidArgumentError(absl::StrCat("invalid --epochs=", train_flags->epochs,
                                                     "; expected an integer >= 1, or auto"));
    }
    params.max_epochs = static_cast<int>(epochs);
  }
  if (absl::Status s = ParseMemory(train_flags->max_memory, &params.max_memory_bytes); !s.ok()) {
    return s;
  }
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
