// hogmf: the command line. Dispatches to one subcommand per verb.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/signals.h"

namespace {

constexpr const char* kUsage =
    "usage: hogmf <command> [flags] [args]\n"
    "\n"
    "Matrix factorization by lock-free parallel SGD.\n"
    "\n"
    "commands:\n"
    "  train      fit a model to a ratings file:     hogmf train [flags] TRAIN [MODEL]\n"
    "  predict    predict the ratings of a file:     hogmf predict MODEL FILE [OUT]\n"
    "  eval       RMSE, MAE, ranking metrics:        hogmf eval [--metrics=...] MODEL FILE\n"
    "  recommend  top items for a user or for all:   hogmf recommend MODEL --user=ID --top=N\n"
    "                                                hogmf recommend MODEL --all-users [OUT]\n"
    "  foldin     rows for new users, items fixed:   hogmf foldin MODEL RATINGS OUT\n"
    "  cv         K-fold cross-validation:           hogmf cv --folds=K [flags] FILE\n"
    "  tune       search k, l2, lr, epochs:          hogmf tune --k=16,32 --lr=A:B ... FILE\n"
    "  convert    ratings to binary, models to LIBMF: hogmf convert [--to=...] IN OUT\n"
    "  gen        generate a synthetic data set:     hogmf gen --shape=... --out=FILE\n"
    "\n"
    "A file given as '-' is standard input or output (docs/cli.md).\n"
    "Run 'hogmf <command> --help' for a command's flags.\n";

// Runs the named subcommand; kExitUsage for an unknown one.
int Dispatch(const std::string& command, const std::vector<std::string>& args) {
  using namespace hogmf::cli;
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (command == "train") return RunTrain(args);
  if (command == "predict") return RunPredict(args);
  if (command == "eval") return RunEval(args);
  if (command == "recommend") return RunRecommend(args);
  if (command == "convert") return RunConvert(args);
  if (command == "gen") return RunGen(args);
  if (command == "foldin") return RunFoldIn(args);
  if (command == "cv") return RunCv(args);
  if (command == "tune") return RunTune(args);
  std::fprintf(stderr, "hogmf: unknown command '%s'\n%s", command.c_str(), kUsage);
  return kExitUsage;
}

// Dispatch with a last resort: every command reports its errors as statuses,
// but an allocation that fails outside the estimates must still end in a
// message and exit 1, not in std::terminate.
int Run(const std::string& command, const std::vector<std::string>& args) {
  using namespace hogmf::cli;
  // SIGINT and SIGTERM end a command at once, leaving no partial output
  // (train asks to stop cleanly instead: cli/signals.h).
  InstallStopSignals(StopMode::kExit);
  try {
    return Dispatch(command, args);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "hogmf %s: out of memory\n", command.c_str());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "hogmf %s: internal error: %s\n", command.c_str(), error.what());
  }
  return kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hogmf::cli;
  // A reader that goes away (`hogmf ... | head`) makes writes fail with EPIPE,
  // reported as "writing ...: broken pipe" and exit code 1, instead of
  // SIGPIPE ending the process.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string command = argv[1];
  const int exit_code = Run(command, std::vector<std::string>(argv + 2, argv + argc));
  // What the command printed on standard output (eval's metrics, cv's
  // table) must have arrived too.
  if (absl::Status flushed = FlushStdout(); !flushed.ok()) {
    const int failed = Fail(command, flushed);
    return exit_code != kExitOk ? exit_code : failed;
  }
  return exit_code;
}
