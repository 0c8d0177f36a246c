// What every subcommand shares: the exit-code policy, error printing, and the
// flags and messages of reading a ratings file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "hogmf/input.h"

namespace hogmf::cli {

// Exit codes: 0 success, 2 bad usage or bad input, 1 anything else.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// kInvalidArgument, kNotFound, kOutOfRange, kFailedPrecondition are the
// user's to fix (2); everything else is 1.
int ExitCodeFor(const absl::Status& status);
// Prints "hogmf <command>: <message>" on stderr and returns the exit code.
int Fail(std::string_view command, const absl::Status& status);
// Prints a usage error and the usage line; returns 2.
int UsageError(std::string_view command, std::string_view message, const FlagSet& flags);

// Parses flags; on --help prints the help and sets *exit_code to 0, on a bad
// flag prints it and sets *exit_code to 2. Returns false when the caller must
// return *exit_code.
bool ParseFlags(std::string_view command, FlagSet& flags, const std::vector<std::string>& args,
                std::vector<std::string>* positional, int* exit_code);

struct ReadFlags {
  std::string format = "auto";
  std::string user_column;
  std::string item_column;
  std::string rating_column;
};
void AddReadFlags(FlagSet& flags, ReadFlags* read_flags);
// Reads a ratings file; unless quiet, says on stderr which format was read
// and how many ratings.
absl::StatusOr<ReadResult> ReadWithFlags(const std::string& path, const ReadFlags& read_flags,
                                         bool quiet);

// The subcommands. `args` excludes "hogmf" and the subcommand name.
int RunTrain(const std::vector<std::string>& args);
int RunPredict(const std::vector<std::string>& args);
int RunEval(const std::vector<std::string>& args);
int RunRecommend(const std::vector<std::string>& args);
int RunConvert(const std::vector<std::string>& args);
int RunGen(const std::vector<std::string>& args);
int RunFoldIn(const std::vector<std::string>& args);
int RunCv(const std::vector<std::string>& args);
int RunTune(const std::vector<std::string>& args);

}  // namespace hogmf::cli
