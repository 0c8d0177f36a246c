// hogmf-mpi: hogmf train across the ranks of an Open MPI job.
//
//   mpirun -np 4 hogmf-mpi train [hogmf train's flags] DATA MODEL
//
// Every rank reads its share of DATA (a slice of a binary ratings file, or
// rank 0 reads any other format and deals it out), the ranks train together
// (src/distributed: item bands passed around a ring of ranks), and rank 0
// writes the model (and --report) once, atomically. Errors are agreed between
// the ranks: rank 0 prints one line naming the failing rank, and every rank
// exits with the same code. The first SIGINT or SIGTERM on any rank stops the
// training at the next step on all of them, and the model so far is saved.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <tbb/info.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/common.h"
#include "cli/report_json.h"
#include "cli/signals.h"
#include "cli/train_flags.h"
#include "distributed/comm.h"
#include "distributed/share.h"
#include "distributed/train.h"
#include "hogmf/model_io.h"
#include "hogmf/write_file.h"

namespace hogmf::cli {
namespace {

constexpr const char* kUsage =
    "usage: mpirun -np N hogmf-mpi train [flags] DATA MODEL\n"
    "Run 'hogmf-mpi train --help' for the flags (those of hogmf train).\n";

// Prints "hogmf-mpi train: <message>" (rank 0 only: an agreed error is the
// same on every rank) and returns the exit code hogmf gives it.
int Fail(const distributed::Comm& comm, const absl::Status& status) {
  if (comm.rank() == 0) absl::FPrintF(stderr, "hogmf-mpi train: %s\n", status.message());
  return ExitCodeFor(status);
}

// Rank 0's progress lines on stderr.
class RankZeroPrinter : public TrainObserver {
 public:
  explicit RankZeroPrinter(bool print) : print_(print) {}
  ProgressAction OnEpoch(const EpochStats& s) override {
    if (!print_) return ProgressAction::kContinue;
    std::string validation;
    if (s.validation_rmse >= 0) validation = absl::StrFormat("  val_rmse %.4f", s.validation_rmse);
    if (s.validation_loss >= 0) validation = absl::StrFormat("  val_loss %.5g", s.validation_loss);
    absl::FPrintF(stderr, "epoch %3d  loss %-12.6g  train_rmse %.4f%s  %.2f s  %.2f M updates/s\n",
                  s.epoch, s.loss, s.train_rmse, validation, s.seconds, s.updates_per_second / 1e6);
    return ProgressAction::kContinue;
  }
  void OnTrial(const ParamsTrial& t) override {
    if (!print_) return;
    absl::FPrintF(stderr, "trial: l2 %-9.4g %3d epochs  held-out score %.4f  %.2f s\n", t.l2,
                  t.epochs, t.score, t.seconds);
  }

 private:
  bool print_;
};

// Where rank 0's wall time went besides training.
struct Phases {
  double read = 0;
  double save = 0;
};

std::string DistributedReport(const distributed::DistributedResult& result, double wall_seconds,
                              int ranks, const Phases& phases) {
  std::string json = "{\n" + TrainReportFields(result.report);
  absl::StrAppendFormat(&json, "  \"ranks\": %d,\n", ranks);
  absl::StrAppendFormat(&json, "  \"read_seconds\": %s,\n", JsonNumber(phases.read));
  absl::StrAppendFormat(&json, "  \"gather_seconds\": %s,\n", JsonNumber(result.gather_seconds));
  absl::StrAppendFormat(&json, "  \"save_seconds\": %s,\n", JsonNumber(phases.save));
  double compute = 0;
  uint64_t sent = 0;
  for (const distributed::RankStats& r : result.ranks) {
    compute += r.compute_seconds;
    sent += r.bytes_sent;
  }
  absl::StrAppendFormat(&json, "  \"wall_seconds\": %s,\n", JsonNumber(wall_seconds));
  // The ranks' SGD seconds over ranks x the final session's training time
  // (first epoch's start to the last one's end, evaluation and waits
  // included): 1 when no rank ever waited or measured.
  const double training =
      result.report.history.empty() ? 0.0 : result.report.history.back().elapsed_seconds;
  absl::StrAppendFormat(&json, "  \"training_seconds\": %s,\n", JsonNumber(training));
  absl::StrAppendFormat(&json, "  \"parallel_efficiency\": %s,\n",
                        JsonNumber(training > 0 ? compute / (ranks * training) : 0.0));
  absl::StrAppendFormat(&json, "  \"bytes_sent_per_epoch\": %s,\n",
                        JsonNumber(result.report.epochs > 0
                                       ? static_cast<double>(sent) / result.report.epochs
                                       : 0.0));
  json += "  \"per_rank\": [";
  for (size_t i = 0; i < result.ranks.size(); ++i) {
    const distributed::RankStats& r = result.ranks[i];
    absl::StrAppendFormat(
        &json,
        "%s\n    {\"rank\": %d, \"ratings\": %d, \"updates\": %d, \"compute_seconds\": %s, "
        "\"evaluate_seconds\": %s, \"wait_seconds\": %s, \"bytes_sent\": %d, "
        "\"bytes_received\": %d}",
        i == 0 ? "" : ",", r.rank, r.ratings, r.updates, JsonNumber(r.compute_seconds),
        JsonNumber(r.evaluate_seconds), JsonNumber(r.wait_seconds), r.bytes_sent, r.bytes_received);
  }
  json += "\n  ],\n";
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  absl::StrAppendFormat(&json, "  \"peak_rss_bytes_rank0\": %d\n",
                        static_cast<int64_t>(usage.ru_maxrss) * 1024);
  json += "}\n";
  return json;
}

int RunMpiTrain(distributed::Comm& comm, const std::vector<std::string>& args) {
  const bool root = comm.rank() == 0;
  const auto wall_start = std::chrono::steady_clock::now();
  TrainFlags train_flags = InitialTrainFlags(args);
  ReadFlags read_flags;
  std::string validation_path;
  std::string report_path;
  bool quiet = false;
  FlagSet flags("mpirun -np N hogmf-mpi train [flags] DATA MODEL",
                "Trains as hogmf train does, across the ranks of an MPI job: users are cut\n"
                "into one band per rank, items into two bands per rank, and the item bands\n"
                "travel around the ranks (docs/distributed.md). DATA is best a binary ratings\n"
                "file (hogmf convert): each rank then reads only its slice. Rank 0 writes\n"
                "MODEL and --report.");
  AddReadFlags(flags, &read_flags);
  AddTrainFlags(flags, &train_flags);
  flags.AddString("validation", &validation_path, "held-out ratings file (same formats)");
  flags.AddString("report", &report_path, "write the run's summary as JSON to this file");
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  distributed::CheckpointPlan plan;
  double checkpoint_every = 60.0;
  flags.AddString("checkpoint", &plan.path,
                  "write each rank's state to PATH.RANK-of-RANKS at epoch ends (for --resume)");
  flags.AddDouble("checkpoint-every", &checkpoint_every,
                  "with --checkpoint: seconds between checkpoints, checked at each epoch end "
                  "(0: by epochs only)");
  flags.AddInt("checkpoint-epochs", &plan.epochs,
               "with --checkpoint: also checkpoint every N epochs (0: by time only)");
  flags.AddString("resume", &plan.resume,
                  "continue the run checkpointed under this path (same DATA, as many ranks; its "
                  "params are used)");

  // Parsing is the same on every rank; only rank 0 prints (help or a usage
  // error).
  std::vector<std::string> positional;
  int exit_code = 0;
  const int saved_stderr = root ? -1 : dup(STDERR_FILENO);
  if (!root) {
    std::fflush(stdout);
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    close(null);
  }
  const bool parsed = ParseFlags("hogmf-mpi train", flags, args, &positional, &exit_code);
  if (parsed && positional.size() != 2) {
    exit_code = UsageError("hogmf-mpi train", "expected DATA MODEL", flags);
  }
  if (saved_stderr >= 0) {
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
  }
  if (!parsed || positional.size() != 2) return exit_code;
  absl::Status status = ResolveTrainFlags(&train_flags);
  plan.seconds = checkpoint_every;
  if (status.ok() &&
      (checkpoint_every < 0 || !std::isfinite(checkpoint_every) || plan.epochs < 0)) {
    status = absl::InvalidArgumentError("--checkpoint-every and --checkpoint-epochs must be >= 0");
  }
  if (status.ok() && !plan.path.empty() && plan.seconds == 0 && plan.epochs == 0) {
    status = absl::InvalidArgumentError(
        "--checkpoint needs --checkpoint-every > 0 or --checkpoint-epochs > 0");
  }
  if (status.ok() && (plan.path == "-" || plan.resume == "-")) {
    status = absl::InvalidArgumentError("--checkpoint and --resume must name files");
  }
  std::string data_path = positional[0];
  std::string model_path = positional[1];
  // Rank 0's own checkpoint files stand for every rank's in the checks.
  std::string checkpoint_file =
      plan.path.empty() ? "" : distributed::RankCheckpointPath(plan.path, 0, comm.size());
  std::string resume_file =
      plan.resume.empty() ? "" : distributed::RankCheckpointPath(plan.resume, 0, comm.size());
  if (status.ok() && root) {
    status =
        ResolveStdStreams({{&data_path, PathUse::kInput, "DATA"},
                           {&validation_path, PathUse::kInput, "--validation"},
                           {&resume_file, PathUse::kInput, "--resume"},
                           {&model_path, PathUse::kBinaryOutput, "MODEL"},
                           {&report_path, PathUse::kOutput, "--report"},
                           {&checkpoint_file, PathUse::kBinaryOutput, "--checkpoint", "--resume"}});
  }
  status = comm.Agree(status);
  if (!status.ok()) return Fail(comm, status);
  comm.BroadcastString(data_path, 0);
  comm.BroadcastString(validation_path, 0);

  static const std::string signal_name = absl::StrCat("hogmf-mpi rank ", comm.rank());
  InstallStopSignals(StopMode::kCancel, signal_name.c_str());
  // mpirun binds each rank to one core by default (up to 2 ranks), and the
  // worker pool only gets the cores a rank may run on: say so once.
  double cores[2] = {-static_cast<double>(tbb::info::default_concurrency()),
                     static_cast<double>(train_flags.params.threads)};
  comm.MaxInPlace(cores);
  if (root && !quiet && cores[1] > -cores[0]) {
    absl::FPrintF(stderr,
                  "hogmf-mpi train: a rank may run on only %d core(s), fewer than --threads=%d; "
                  "start mpirun with --bind-to none or --map-by slot:PE=%d\n",
                  static_cast<int>(-cores[0]), train_flags.params.threads,
                  train_flags.params.threads);
  }
  absl::StatusOr<Format> format = ParseFormat(read_flags.format);
  status = comm.Agree(format.status());
  if (!status.ok()) return Fail(comm, status);
  ReadOptions read_options;
  read_options.format = *format;
  read_options.user_column = read_flags.user_column;
  read_options.item_column = read_flags.item_column;
  read_options.rating_column = read_flags.rating_column;

  const auto read_start = std::chrono::steady_clock::now();
  absl::StatusOr<distributed::Share> share =
      distributed::ReadShare(comm, data_path, read_options, train_flags.params);
  if (!share.ok()) return Fail(comm, share.status());
  std::vector<Rating> validation;
  uint64_t unknown = 0;
  if (!validation_path.empty()) {
    absl::StatusOr<std::vector<Rating>> held =
        distributed::ReadValidationShare(comm, validation_path, read_options, *share, &unknown);
    if (!held.ok()) return Fail(comm, held.status());
    validation = std::move(*held);
  }
  Phases phases;
  phases.read =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count();
  if (root && !quiet) {
    absl::FPrintF(stderr, "read %s as %s: %d ratings, %d users, %d items over %d ranks (%.2f s)\n",
                  data_path, share->format, share->layout.total_ratings, share->layout.num_users,
                  share->layout.num_items, comm.size(), phases.read);
  }

  RankZeroPrinter printer(root && !quiet);
  distributed::RingOptions options;
  options.observer = root ? &printer : nullptr;
  options.cancel = CancelFlag();
  absl::StatusOr<distributed::DistributedResult> result = distributed::TrainDistributed(
      comm, *share, std::move(validation), unknown, train_flags.params, options, plan);
  if (!result.ok()) {
    return Fail(comm, result.status());
  }
  const int signal = StopSignal();
  if (!root) return signal != 0 ? SignalExitCode(signal) : kExitOk;

  const TrainReport& report = result->report;
  if (!quiet) {
    absl::FPrintF(stderr,
                  "stopped after %d epochs (%s): %d updates in %.2f s, %.2f M updates/s "
                  "(%d ranks x %d threads, %s kernel)\n",
                  report.epochs, std::string(StopReasonName(report.stop_reason)), report.updates,
                  report.seconds, report.updates_per_second / 1e6, comm.size(), report.threads,
                  report.kernel);
    if (report.choice.chosen && !report.choice.trials.empty()) {
      absl::FPrintF(stderr, "chose l2 %s, %d epochs from %d trials on %d held-out ratings\n",
                    absl::StrCat(report.params.l2_p), report.params.max_epochs,
                    report.choice.trials.size(), report.choice.holdout_ratings);
    }
  }
  OutputSet outputs;
  const std::string model_out = outputs.Stage(model_path);
  const std::string report_out = outputs.Stage(report_path);
  const auto save_start = std::chrono::steady_clock::now();
  if (absl::Status saved = SaveModel(*result->model, model_out); !saved.ok()) {
    return Fail(comm, outputs.Named(saved));
  }
  phases.save =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - save_start).count();
  if (!report_out.empty()) {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    if (absl::Status written =
            WriteFileAtomically(report_out, DistributedReport(*result, wall, comm.size(), phases));
        !written.ok()) {
      return Fail(comm, outputs.Named(written));
    }
  }
  if (absl::Status committed = outputs.Commit(); !committed.ok()) {
    return Fail(comm, committed);
  }
  if (signal != 0) {
    absl::FPrintF(stderr, "hogmf-mpi train: stopped by a signal; saved the model as it was\n");
    return SignalExitCode(signal);
  }
  return kExitOk;
}

}  // namespace
}  // namespace hogmf::cli

int main(int argc, char** argv) {
  // A closed pipe (stderr into `| head`) is a failed write, not a killed rank.
  std::signal(SIGPIPE, SIG_IGN);
  hogmf::distributed::MpiSession mpi(&argc, &argv);
  hogmf::distributed::Comm comm;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] != "train") {
    if (comm.rank() == 0) std::fputs(hogmf::cli::kUsage, args.empty() ? stderr : stderr);
    return args.size() == 1 && (args[0] == "--help" || args[0] == "-h") ? 0 : 2;
  }
  args.erase(args.begin());
  int code = 1;
  try {
    code = hogmf::cli::RunMpiTrain(comm, args);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "hogmf-mpi train: rank %d: out of memory\n", comm.rank());
    comm.Abort(1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hogmf-mpi train: rank %d: %s\n", comm.rank(), e.what());
    comm.Abort(1);
  }
  return code;
}
