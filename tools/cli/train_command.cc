// hogmf train: reads ratings, trains, prints progress, saves the model and the
// run's JSON report.
#include <cmath>
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "cli/common.h"
#include "hogmf/model_io.h"
#include "hogmf/trainer.h"
#include "util/file.h"

namespace hogmf::cli {
namespace {

class ProgressPrinter : public TrainObserver {
 public:
  explicit ProgressPrinter(int max_epochs) : max_epochs_(max_epochs) {}
  void OnEpoch(const EpochStats& s) override {
    std::string validation;
    if (s.validation_rmse >= 0) validation = absl::StrFormat("  val_rmse %.4f", s.validation_rmse);
    absl::FPrintF(stderr, "epoch %3d/%d  loss %-12.6g  train_rmse %.4f%s  %.2f s  %.2f M updates/s\n",
                  s.epoch, max_epochs_, s.loss, s.train_rmse, validation, s.seconds,
                  s.updates_per_second / 1e6);
  }

 private:
  int max_epochs_;
};

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  return absl::StrFormat("%.10g", value);
}

absl::Status WriteReport(const std::string& path, const TrainReport& r) {
  std::string json = "{\n";
  absl::StrAppendFormat(&json, "  \"epochs\": %d,\n", r.epochs);
  absl::StrAppendFormat(&json, "  \"updates\": %d,\n", r.updates);
  absl::StrAppendFormat(&json, "  \"seconds\": %s,\n", JsonNumber(r.seconds));
  absl::StrAppendFormat(&json, "  \"updates_per_second\": %s,\n", JsonNumber(r.updates_per_second));
  absl::StrAppendFormat(&json, "  \"loss\": %s,\n", JsonNumber(r.loss));
  absl::StrAppendFormat(&json, "  \"train_rmse\": %s,\n", JsonNumber(r.train_rmse));
  absl::StrAppendFormat(&json, "  \"validation_rmse\": %s,\n",
                        r.validation_rmse >= 0 ? JsonNumber(r.validation_rmse) : "null");
  absl::StrAppendFormat(&json, "  \"stop_reason\": \"%s\"\n", std::string(StopReasonName(r.stop_reason)));
  json += "}\n";
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Create(path);
  if (!writer.ok()) return writer.status();
  (*writer)->Write(json);
  return (*writer)->Commit();
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  TrainParams params;
  ReadFlags read_flags;
  std::string validation_path;
  std::string report_path;
  std::string schedule = "constant";
  bool quiet = false;
  bool keep_rated = true;
  FlagSet flags("hogmf train [flags] TRAIN [MODEL]",
                "Fits R ~ P Q^T to the ratings in TRAIN by SGD on the squared error plus\n"
                "l2/2 (|p|^2 + |q|^2) per observed rating, and saves the model to MODEL.\n"
                "Step: p += lr (2 e q - l2 p), q += lr (2 e p - l2 q) (LIBMF's eta = 2 lr).");
  AddReadFlags(flags, &read_flags);
  flags.AddInt("k", &params.k, "latent factors");
  flags.AddFloat("lr", &params.learning_rate, "learning rate alpha");
  flags.AddFloat("l2", &params.l2, "L2 weight beta");
  flags.AddInt("epochs", &params.max_epochs, "epoch limit");
  flags.AddInt("threads", &params.threads, "worker threads; 0 = every core");
  flags.AddUint64("seed", &params.seed, "random seed (initial factors, epoch orders)");
  flags.AddDouble("stop-loss", &params.stop_loss, "stop when the loss is at or under this; 0 = off");
  flags.AddDouble("stop-rmse", &params.stop_rmse, "stop when train RMSE is at or under this; 0 = off");
  flags.AddFloat("init-scale", &params.init_scale,
                 "initial factors uniform in [0, scale); 0 = 2 sqrt(mean/k)");
  flags.AddString("schedule", &schedule, "learning-rate schedule: constant or decay");
  flags.AddFloat("lr-decay", &params.lr_decay, "decay d: lr / (1 + d epoch)");
  flags.AddString("validation", &validation_path, "held-out ratings file (same formats)");
  flags.AddString("report", &report_path, "write the run's summary as JSON to this file");
  flags.AddBool("keep-rated", &keep_rated, "keep each user's rated items in the model");
  flags.AddBool("quiet", &quiet, "print nothing but errors");

  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("train", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.empty() || positional.size() > 2) {
    return UsageError("train", "expected TRAIN [MODEL]", flags);
  }
  absl::StatusOr<LearningRateSchedule> parsed_schedule = ParseSchedule(schedule);
  if (!parsed_schedule.ok()) return Fail("train", parsed_schedule.status());
  params.schedule = *parsed_schedule;
  if (absl::Status valid = params.Validate(); !valid.ok()) return Fail("train", valid);

  absl::StatusOr<ReadResult> train = ReadWithFlags(positional[0], read_flags, quiet);
  if (!train.ok()) return Fail("train", train.status());
  absl::StatusOr<ReadResult> validation;
  TrainOptions options;
  if (!validation_path.empty()) {
    validation = ReadWithFlags(validation_path, read_flags, quiet);
    if (!validation.ok()) return Fail("train", validation.status());
    options.validation = &validation->ratings;
  }
  options.keep_rated_items = keep_rated;
  ProgressPrinter printer(params.max_epochs);
  if (!quiet) options.observer = &printer;

  absl::StatusOr<TrainResult> result = Train(train->ratings, params, options);
  if (!result.ok()) return Fail("train", result.status());
  const TrainReport& report = result->report;
  if (!quiet) {
    absl::FPrintF(stderr, "stopped after %d epochs (%s): %d updates in %.2f s, %.2f M updates/s\n",
                  report.epochs, std::string(StopReasonName(report.stop_reason)), report.updates,
                  report.seconds, report.updates_per_second / 1e6);
    if (report.validation_unknown > 0) {
      absl::FPrintF(stderr, "validation: %d pairs with a user or item unseen in training (predicted as the mean)\n",
                    report.validation_unknown);
    }
  }
  if (positional.size() == 2) {
    if (absl::Status saved = SaveModel(result->model, positional[1]); !saved.ok()) {
      return Fail("train", saved);
    }
    if (!quiet) absl::FPrintF(stderr, "saved model to %s\n", positional[1]);
  }
  if (!report_path.empty()) {
    if (absl::Status written = WriteReport(report_path, report); !written.ok()) {
      return Fail("train", written);
    }
  }
  return kExitOk;
}

}  // namespace hogmf::cli
