// hogmf train: reads ratings, trains (optionally writing checkpoints, or
// resuming one), prints progress, saves the model and the run's JSON report.
// The first SIGINT or SIGTERM stops training at the next chunk; the model as
// it is, the report and the log are still written, and the exit code is
// 128 + the signal.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/common.h"
#include "cli/report_json.h"
#include "cli/signals.h"
#include "cli/string_views.h"
#include "cli/train_flags.h"
#include "hogmf/model_io.h"
#include "hogmf/trainer.h"
#include "hogmf/write_file.h"

namespace hogmf::cli {

namespace {

// Prints progress on stderr: a live line that rewrites itself when stderr is
// a terminal, else a plain line per epoch (and a sample line every 10 s), and
// keeps every monitor sample for --log.
class ProgressPrinter : public TrainObserver {
 public:
  ProgressPrinter(int max_epochs, uint64_t num_ratings, bool print)
      : max_epochs_(max_epochs),
        num_ratings_(num_ratings),
        total_updates_(static_cast<double>(max_epochs) * num_ratings),
        print_(print),
        live_(isatty(fileno(stderr)) != 0) {}

  // The epoch limit once known (a resumed session's params).
  void set_max_epochs(int max_epochs) {
    max_epochs_ = max_epochs;
    total_updates_ = static_cast<double>(max_epochs) * num_ratings_;
  }

  ProgressAction OnEpoch(const EpochStats& s) override {
    training_seconds_ += s.seconds;
    epochs_.push_back(s);
    epoch_seconds_.push_back(training_seconds_);
    if (!print_) return ProgressAction::kContinue;
    std::string validation;
    if (s.validation_rmse >= 0) validation = absl::StrFormat("  val_rmse %.4f", s.validation_rmse);
    if (s.validation_loss >= 0) validation = absl::StrFormat("  val_loss %.5g", s.validation_loss);
    // "~": the monitor's estimate (TrainOptions::fit), not the exact figure.
    const char* mark = s.exact_fit ? "" : "~";
    absl::FPrintF(stderr,
                  "%sepoch %3d/%s  loss%s %-12.6g  train_rmse%s %.4f%s  %.2f s  %.2f M updates/s\n",
                  live_ ? "\r\033[K" : "", s.epoch, EpochLimit(), mark, s.loss, mark, s.train_rmse,
                  validation, s.seconds, s.updates_per_second / 1e6);
    return ProgressAction::kContinue;
  }

  void OnTrial(const ParamsTrial& t) override {
    if (!print_) return;
    absl::FPrintF(stderr, "%strial: l2 %-9.4g %3d epochs  held-out score %.4f  %.2f s\n",
                  live_ ? "\r\033[K" : "", t.l2, t.epochs, t.score, t.seconds);
  }

  ProgressAction OnSample(const ProgressSample& s) override {
    samples_.push_back(s);
    if (!print_) return ProgressAction::kContinue;
    const double rate =
        s.seconds > last_seconds_ ? (s.updates - last_updates_) / (s.seconds - last_seconds_) : 0.0;
    last_seconds_ = s.seconds;
    last_updates_ = s.updates;
    const double overall = s.seconds > 0 ? s.updates / s.seconds : 0.0;
    const double eta = overall > 0 ? (total_updates_ - s.updates) / overall : 0.0;
    const std::string line = absl::StrFormat(
        "epoch %d/%s  loss~ %-10.5g  rmse~ %.4f  %.2f M updates/s%s", s.epoch, EpochLimit(),
        s.loss_estimate, s.rmse_estimate, rate / 1e6,
        max_epochs_ > 0 ? absl::StrFormat("  ETA %.0f s", std::max(eta, 0.0)) : std::string());
    if (live_) {
      absl::FPrintF(stderr, "\r\033[K%s", line);
    } else if (s.seconds - last_plain_ >= 10.0) {
      last_plain_ = s.seconds;
      absl::FPrintF(stderr, "%s\n", line);
    }
    return ProgressAction::kContinue;
  }

  absl::Status WriteLog(const std::string& path, bool cancelled) const {
    // "sample" rows are the monitor's estimates while training runs; "epoch"
    // rows are the exact figures at each epoch end (seconds: SGD time so far);
    // a run stopped by a signal ends with a "cancelled" row (SGD time, epochs
    // and updates at the stop).
    std::string csv = "kind,seconds,epoch,updates,loss,train_rmse,validation_rmse\n";
    for (const ProgressSample& s : samples_) {
      absl::StrAppendFormat(&csv, "sample,%.4f,%d,%d,%.9g,%.9g,\n", s.seconds, s.epoch, s.updates,
                            s.loss_estimate, s.rmse_estimate);
    }
    uint64_t updates = 0;
    for (size_t i = 0; i < epochs_.size(); ++i) {
      const EpochStats& e = epochs_[i];
      updates += e.updates;
      absl::StrAppendFormat(
          &csv, "epoch,%.4f,%d,%d,%.9g,%.9g,%s\n", epoch_seconds_[i], e.epoch, updates, e.loss,
          e.train_rmse, e.validation_rmse >= 0 ? absl::StrFormat("%.9g", e.validation_rmse) : "");
    }
    if (cancelled) {
      absl::StrAppendFormat(&csv, "cancelled,%.4f,%d,%d,,,\n", training_seconds_,
                            epochs_.empty() ? 0 : epochs_.back().epoch, updates);
    }
    return WriteFileAtomically(path, csv);
  }

 private:
  std::string EpochLimit() const { return max_epochs_ > 0 ? absl::StrCat(max_epochs_) : "?"; }

  int max_epochs_;
  uint64_t num_ratings_;
  double total_updates_;
  bool print_;
  bool live_;
  double last_seconds_ = 0;
  double last_plain_ = 0;
  uint64_t last_updates_ = 0;
  std::vector<ProgressSample> samples_;
  std::vector<EpochStats> epochs_;
  std::vector<double> epoch_seconds_;
  double training_seconds_ = 0;
};

// The CLI's own phases, beside the session's in the TrainReport.
struct CliSeconds {
  double read = 0;  // reading TRAIN (and --validation)
  double save = 0;  // writing MODEL
};

absl::Status WriteReport(const std::string& path, const TrainReport& r, const CliSeconds& cli) {
  std::string json = "{\n" + TrainReportFields(r);
  absl::StrAppendFormat(&json, "  \"read_seconds\": %s,\n", JsonNumber(cli.read));
  absl::StrAppendFormat(&json, "  \"save_seconds\": %s,\n", JsonNumber(cli.save));
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  absl::StrAppendFormat(&json, "  \"peak_rss_bytes\": %d\n",
                        static_cast<int64_t>(usage.ru_maxrss) * 1024);
  json += "}\n";
  return WriteFileAtomically(path, json);
}

// When checkpoints are written (--checkpoint): at the end of an epoch that
// ran to its end, once `epochs` epochs or `seconds` seconds have passed since
// the last checkpoint (or the start), whichever comes first (0: not by that
// measure), and at the end of a whole epoch after a stop signal. An epoch a
// signal cut short is never checkpointed: the last checkpoint stays the
// last whole epoch, so a resumed run goes on as if never interrupted.
struct CheckpointPlan {
  std::string path;
  std::string resume;
  double seconds = 0;
  int epochs = 0;
};

struct SessionEnd {
  absl::StatusOr<TrainResult> result;
  int checkpoint_epoch = 0;  // the epoch of the last checkpoint written (0: none)
};

// A session on `train`, fresh, continuing `initial` or resumed from a
// checkpoint, run to its stop rules (or a stop signal) with checkpoints.
SessionEnd RunSession(Ratings train, std::optional<Model> initial, const TrainParams& params,
                      const TrainOptions& options, const CheckpointPlan& plan,
                      ProgressPrinter& printer, bool quiet) {
  using Clock = std::chrono::steady_clock;
  SessionEnd end;
  absl::StatusOr<Trainer> trainer =
      !plan.resume.empty()
          ? Trainer::Resume(plan.resume, std::move(train), options)
          : (initial.has_value()
                 ? Trainer::Continue(std::move(*initial), std::move(train), params, options)
                 : Trainer::Create(std::move(train), params, options));
  if (!trainer.ok()) {
    end.result = trainer.status();
    return end;
  }
  const int max_epochs = trainer->report().params.max_epochs;
  printer.set_max_epochs(max_epochs);
  if (!plan.resume.empty() && !quiet) {
    absl::FPrintF(stderr, "resumed %s at epoch %d of %d\n", plan.resume, trainer->epoch(),
                  max_epochs);
  }
  Clock::time_point last_checkpoint = Clock::now();
  int epochs_since = 0;
  while (!trainer->stop_reason().has_value() && trainer->epoch() < max_epochs) {
    absl::StatusOr<EpochStats> epoch = trainer->RunEpoch();
    if (!epoch.ok()) {
      end.result = epoch.status();
      return end;
    }
    ++epochs_since;
    if (plan.path.empty() || !epoch->complete) continue;
    const bool due =
        (plan.epochs > 0 && epochs_since >= plan.epochs) ||
        (plan.seconds > 0 &&
         std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >= plan.seconds) ||
        StopSignal() != 0;
    if (!due) continue;
    if (absl::Status saved = trainer->SaveCheckpoint(plan.path); !saved.ok()) {
      end.result = saved;
      return end;
    }
    end.checkpoint_epoch = trainer->epoch();
    last_checkpoint = Clock::now();
    epochs_since = 0;
  }
  const bool epoch_limit = !trainer->stop_reason().has_value();
  end.result = trainer->Finish();
  if (epoch_limit) end.result->report.stop_reason = StopReason::kEpochLimit;
  return end;
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  TrainFlags train_flags = InitialTrainFlags(args);
  TrainParams& params = train_flags.params;
  ReadFlags read_flags;
  std::string validation_path;
  std::string report_path;
  std::string init_model_path;
  std::string log_path;
  bool quiet = false;
  bool keep_rated = true;
  bool exact_fit = false;
  CheckpointPlan plan;
  double checkpoint_every = 60.0;
  FlagSet flags("hogmf train [flags] TRAIN [MODEL]",
                "Fits R ~ P Q^T to the ratings in TRAIN by SGD on the squared error plus\n"
                "l2/2 (|p|^2 + |q|^2) per observed rating, and saves the model to MODEL.\n"
                "Step: p += lr (2 e q - l2 p), q += lr (2 e p - l2 q) (LIBMF's eta = 2 lr).\n"
                "With --init-model, training continues that model: its users and items keep\n"
                "their rows, new ones in TRAIN get fresh rows. A path given as '-' is standard\n"
                "input (TRAIN, --init-model or --validation, one of them) or standard output\n"
                "(MODEL, --report or --log, one of them).");
  AddReadFlags(flags, &read_flags);
  AddTrainFlags(flags, &train_flags);
  flags.AddString("init-model", &init_model_path,
                  "continue this model (warm start); --k defaults to the model's");
  flags.AddString("validation", &validation_path, "held-out ratings file (same formats)");
  flags.AddString("log", &log_path, "write every monitor sample and epoch to this CSV file");
  flags.AddString("report", &report_path, "write the run's summary as JSON to this file");
  flags.AddBool("keep-rated", &keep_rated, "keep each user's rated items in the model");
  flags.AddBool("exact-fit", &exact_fit,
                "measure the final model's loss and train RMSE over every rating for the "
                "report (otherwise the monitor's estimates from a sample)");
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  flags.AddString("checkpoint", &plan.path,
                  "write the session's state to this file at epoch ends (for --resume)");
  flags.AddDouble("checkpoint-every", &checkpoint_every,
                  "with --checkpoint: seconds between checkpoints, checked at each epoch end "
                  "(0: by epochs only)");
  flags.AddInt("checkpoint-epochs", &plan.epochs,
               "with --checkpoint: also checkpoint every N epochs (0: by time only)");
  flags.AddString("resume", &plan.resume,
                  "continue the session of this checkpoint (same TRAIN; its params are used)");

  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("train", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.empty() || positional.size() > 2) {
    return UsageError("train", "expected TRAIN [MODEL]", flags);
  }
  if (absl::Status valid = ResolveTrainFlags(&train_flags); !valid.ok()) {
    return Fail("train", valid);
  }
  if (checkpoint_every < 0 || !std::isfinite(checkpoint_every) || plan.epochs < 0) {
    return Fail("train", absl::InvalidArgumentError(
                             "--checkpoint-every and --checkpoint-epochs must be >= 0"));
  }
  plan.seconds = checkpoint_every;
  if (!plan.path.empty() && plan.seconds == 0 && plan.epochs == 0) {
    return Fail("train",
                absl::InvalidArgumentError(
                    "--checkpoint needs --checkpoint-every > 0 or --checkpoint-epochs > 0"));
  }
  if (plan.path == "-") {
    return Fail("train", absl::InvalidArgumentError(
                             "--checkpoint must name a file (it is rewritten at epoch ends)"));
  }
  if (!init_model_path.empty() && (!plan.path.empty() || !plan.resume.empty())) {
    return Fail("train", absl::InvalidArgumentError(
                             "--checkpoint and --resume do not work with --init-model (a warm "
                             "start cannot be checkpointed)"));
  }
  std::string model_path = positional.size() == 2 ? positional[1] : "";
  if (absl::Status streams =
          ResolveStdStreams({{&positional[0], PathUse::kInput, "TRAIN"},
                             {&init_model_path, PathUse::kInput, "--init-model"},
                             {&validation_path, PathUse::kInput, "--validation"},
                             {&model_path, PathUse::kBinaryOutput, "MODEL"},
                             {&report_path, PathUse::kOutput, "--report"},
                             {&log_path, PathUse::kOutput, "--log"},
                             {&plan.resume, PathUse::kInput, "--resume"},
                             {&plan.path, PathUse::kBinaryOutput, "--checkpoint", "--resume"}});
      !streams.ok()) {
    return Fail("train", streams);
  }

  std::optional<Model> initial;
  if (!init_model_path.empty()) {
    absl::StatusOr<Model> loaded = LoadModel(init_model_path);
    if (!loaded.ok()) return Fail("train", loaded.status());
    if (!flags.WasSet("k")) params.k = loaded->k();
    if (params.k != loaded->k()) {
      return Fail("train", absl::InvalidArgumentError(absl::StrCat(
                               init_model_path, " has k = ", loaded->k(), "; --k=", params.k,
                               " asks for another (leave --k out to continue it)")));
    }
    initial = std::move(*loaded);
  }

  // From here the first SIGINT or SIGTERM stops the training cleanly.
  InstallStopSignals(StopMode::kCancel);
  CliSeconds cli_seconds;
  const std::chrono::steady_clock::time_point read_start = std::chrono::steady_clock::now();
  absl::StatusOr<ReadResult> train = ReadWithFlags(positional[0], read_flags, quiet);
  if (!train.ok()) return Fail("train", train.status());
  absl::StatusOr<ReadResult> validation;
  TrainOptions options;
  if (!validation_path.empty()) {
    validation = ReadWithFlags(validation_path, read_flags, quiet);
    if (!validation.ok()) return Fail("train", validation.status());
    options.validation = &validation->ratings;
  }
  cli_seconds.read =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count();
  options.keep_rated_items = keep_rated;
  options.cancel = CancelFlag();
  // The --log's epoch rows are exact figures; otherwise the epoch lines show
  // the monitor's estimates, and so does the report unless --exact-fit asks
  // for the pass over every rating (a stop rule on the training loss or
  // RMSE measures exactly anyway).
  options.fit = !log_path.empty() ? FitMeasure::kEveryEpoch
                : exact_fit       ? FitMeasure::kAtFinish
                                  : FitMeasure::kEstimate;
  if (StopSignal() != 0) {
    absl::FPrintF(stderr, "hogmf train: stopped by a signal before training; nothing written\n");
    return SignalExitCode(StopSignal());
  }
  ProgressPrinter printer(params.max_epochs, train->ratings.size(),
                          !quiet);  // before the move below
  if (!quiet || !log_path.empty()) options.observer = &printer;

  SessionEnd end = RunSession(std::move(train->ratings), std::move(initial), params, options, plan,
                              printer, quiet);
  absl::StatusOr<TrainResult>& result = end.result;
  if (!result.ok()) {
    // No model and no report; the log, when asked for, tells what happened.
    if (!log_path.empty()) {
      if (absl::Status logged = printer.WriteLog(log_path, StopSignal() != 0); !logged.ok())
        return Fail("train", logged);
    }
    return Fail("train", result.status());
  }
  const TrainReport& report = result->report;
  if (!quiet) {
    absl::FPrintF(stderr,
                  "stopped after %d epochs (%s): %d updates in %.2f s, %.2f M updates/s "
                  "(%d threads, %s kernel, %s)\n",
                  report.epochs, std::string(StopReasonName(report.stop_reason)), report.updates,
                  report.seconds, report.updates_per_second / 1e6, report.threads, report.kernel,
                  report.grid > 0 ? absl::StrCat("blocked schedule ", report.grid, "x", report.grid)
                                  : absl::StrCat("hogwild schedule, ",
                                                 ToAbsl(OrderName(report.order)), " order"));
    if (report.choice.fallback) {
      absl::FPrintF(stderr, "%s: l2 %s and %d epochs (set --l2 and --epochs to choose)\n",
                    report.choice.note, absl::StrCat(report.params.l2_p), report.params.max_epochs);
    } else if (report.choice.chosen && !report.choice.trials.empty()) {
      const ParamsChoice& c = report.choice;
      absl::FPrintF(stderr,
                    "chose l2 %s, l2-bias %s, %d epochs from %d trials on %d held-out ratings "
                    "(score %.4f, %.2f s)%s%s\n",
                    report.params.l2_p == report.params.l2_q
                        ? absl::StrCat(report.params.l2_p)
                        : absl::StrCat(report.params.l2_p, ",", report.params.l2_q),
                    absl::StrCat(report.params.l2_user_bias), report.params.max_epochs,
                    c.trials.size(), c.holdout_ratings, c.best_score, c.seconds,
                    c.user_share < 1
                        ? absl::StrFormat("; tried on %.1f%% of the users (%d ratings)",
                                          100 * c.user_share, c.trial_ratings)
                        : std::string(),
                    c.final_holdout_ratings > 0
                        ? absl::StrFormat("; trained on every rating but those %d, early-stopped "
                                          "on them",
                                          c.final_holdout_ratings)
                    : c.final_early_stop ? std::string("; early-stopped on the validation set")
                    : c.internal_holdout ? std::string("; trained again on every rating")
                                         : std::string());
    }
    if (report.warm_start) {
      absl::FPrintF(stderr, "continued %s: %d new users, %d new items\n", init_model_path,
                    report.new_users, report.new_items);
    }
    if (report.choice.final_keeps_last && report.stop_reason == StopReason::kEarlyStop) {
      absl::FPrintF(stderr, "stopped at epoch %d, the first without a gain (validation %s %.4f)\n",
                    report.epochs, report.validation_rmse >= 0 ? "RMSE" : "loss",
                    report.validation_rmse >= 0 ? report.validation_rmse : report.validation_loss);
    } else if (report.best_epoch > 0 && report.stop_reason == StopReason::kEarlyStop) {
      absl::FPrintF(stderr, "kept the model of epoch %d (best validation RMSE %.4f)\n",
                    report.best_epoch, report.validation_rmse);
    }
    if (report.validation_unknown > 0) {
      absl::FPrintF(
          stderr,
          "validation: %d pairs with a user or item unseen in training (predicted as the mean)\n",
          report.validation_unknown);
    }
  }
  const int signal = StopSignal();
  if (signal != 0) {
    // Printed even with --quiet: the run did not do what it was asked.
    absl::FPrintF(stderr,
                  "hogmf train: stopped by %s after %d epochs (the last one %s); saving the "
                  "model as it is%s\n",
                  signal == SIGINT ? "SIGINT" : "SIGTERM", report.epochs,
                  !report.history.empty() && !report.history.back().complete ? "cut short"
                                                                             : "whole",
                  model_path.empty() ? " (no MODEL given)" : absl::StrCat(" to ", model_path));
    if (!plan.path.empty()) {
      if (end.checkpoint_epoch > 0) {
        absl::FPrintF(stderr, "the checkpoint %s holds epoch %d; continue with --resume=%s\n",
                      plan.path, end.checkpoint_epoch, plan.path);
      } else if (!plan.resume.empty() && plan.resume != plan.path) {
        absl::FPrintF(stderr, "no checkpoint written; %s still holds the resumed state\n",
                      plan.resume);
      } else {
        absl::FPrintF(stderr, "no new checkpoint written\n");
      }
    }
  }
  // The model, the report and the log land together or not at all.
  OutputSet outputs;
  const std::string model_out = outputs.Stage(model_path);
  const std::string report_out = outputs.Stage(report_path);
  const std::string log_out = outputs.Stage(log_path);
  if (!model_out.empty()) {
    const std::chrono::steady_clock::time_point save_start = std::chrono::steady_clock::now();
    if (absl::Status saved = SaveModel(result->model, model_out); !saved.ok()) {
      return Fail("train", outputs.Named(saved));
    }
    cli_seconds.save =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - save_start).count();
  }
  if (!report_out.empty()) {
    if (absl::Status written = WriteReport(report_out, report, cli_seconds); !written.ok()) {
      return Fail("train", outputs.Named(written));
    }
  }
  if (!log_out.empty()) {
    if (absl::Status logged = printer.WriteLog(log_out, signal != 0); !logged.ok()) {
      return Fail("train", outputs.Named(logged));
    }
  }
  if (absl::Status committed = outputs.Commit(); !committed.ok()) {
    return Fail("train", committed);
  }
  if (!model_path.empty() && !quiet) absl::FPrintF(stderr, "saved model to %s\n", model_path);
  if (!quiet) {
    absl::FPrintF(stderr,
                  "time: read %.2f s, choose params %.2f s, setup %.2f s, arrange %.2f s, SGD %.2f "
                  "s, fit %.2f s, validation %.2f s, rated items %.2f s, save %.2f s\n",
                  cli_seconds.read, report.choose_seconds, report.setup_seconds,
                  report.arrange_seconds, report.seconds, report.fit_seconds,
                  report.validation_seconds, report.rated_items_seconds, cli_seconds.save);
  }
  return signal != 0 ? SignalExitCode(signal) : kExitOk;
}

}  // namespace hogmf::cli
