// What every subcommand shares: the exit-code policy, error printing, "-" for
// standard input and output, and the flags and messages of reading a ratings
// file.
#pragma once

#include <initializer_list>
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
// Prints "hogmf <command>: <message>" on stderr and returns the exit code
// (a command that starts with "hogmf", such as "hogmf-mpi train", is printed
// as it is).
int Fail(std::string_view command, const absl::Status& status);
// Prints a usage error and the usage line; returns 2.
int UsageError(std::string_view command, std::string_view message, const FlagSet& flags);

// Parses flags; on --help prints the help and sets *exit_code to 0, on a bad
// flag prints it and sets *exit_code to 2. Returns false when the caller must
// return *exit_code.
bool ParseFlags(std::string_view command, FlagSet& flags, const std::vector<std::string>& args,
                std::vector<std::string>* positional, int* exit_code);

// "-" as a path: standard input for a file the command reads, standard output
// for one it writes. Every command resolves all its paths with one call of
// ResolveStdStreams before it reads anything, so a stream given twice is
// refused at once (never a read that waits on a drained standard input).
enum class PathUse {
  kInput,         // read: "-" becomes /dev/stdin
  kOutput,        // written as text: "-" becomes /dev/stdout
  kBinaryOutput,  // written as bytes (a hogmf model, binary ratings): "-" too
  kPrinted,       // not a path: what the command prints on standard output
};
struct PathArg {
  std::string* path;  // rewritten in place; empty (a flag not given) is skipped
  PathUse use;
  std::string_view role;  // how messages name it: "MODEL", "--report"
  // An output only: the role of an input it may name too, because the command
  // reads that input whole before its first write (--checkpoint over --resume).
  std::string_view may_replace = {};
};
// Maps "-" to /dev/stdin or /dev/stdout, in order. kInvalidArgument when
// standard input is given to two inputs ("-" and /dev/stdin count), standard
// output to two outputs or to an output and the printed results, and
// kFailedPrecondition for a binary output to standard output while it is a
// terminal. The writers write /dev/stdout straight into the descriptor, never
// through a temporary file (util/file.h), whatever standard output is.
absl::Status ResolveStdStreams(std::initializer_list<PathArg> args);

// ResolveStdStreams ends with CheckPaths over the same list.
//
// Checks a command's paths before it reads anything (ResolveStdStreams calls
// it; a command may call it again on paths it computed itself), each refusal
// kInvalidArgument naming the role(s) and the path:
//   - an output that names the same file as an input or as another output
//     (the same inode, or the same path after resolving links and the folder):
//     "MODEL and TRAIN name the same file (x.txt)". Standard streams, FIFOs
//     and devices are not files and may be named twice (/dev/null);
//   - an output whose folder is missing or not writable, or that is a folder,
//     a block device or a socket. A character device (/dev/null) or a FIFO is
//     written into, never replaced; a regular file is replaced as a whole.
absl::Status CheckPaths(std::initializer_list<PathArg> args);

// Every file a command writes, landed together at the end: each regular-file
// output is written to a temporary path beside it (Stage), and Commit renames
// all of them over their targets. A command that fails before Commit (a write
// that ran out of space, a training that diverged) leaves no new file and
// every old one as it was: the destructor removes the temporary files. If a
// rename fails during Commit, those already done are undone (an old file is
// put back from a hard link kept during Commit, a new one is removed).
//
// Outputs that cannot be staged (standard output, a FIFO, a character
// device, a descriptor such as /dev/fd/3) are written straight by their
// writer: Stage returns the path itself, and they cannot be taken back, so a
// command writes them after the staged files.
//
//   OutputSet outputs;
//   const std::string model_tmp = outputs.Stage(model_path);
//   const std::string report_tmp = outputs.Stage(report_path);
//   if (absl::Status s = SaveModel(model, model_tmp); !s.ok()) return Fail("train",
//   outputs.Named(s)); if (absl::Status s = WriteFileAtomically(report_tmp, json); !s.ok()) ... if
//   (absl::Status s = outputs.Commit(); !s.ok()) return Fail("train", s);
class OutputSet {
 public:
  OutputSet() = default;
  ~OutputSet();  // removes the temporary files unless committed
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  // The path the writer must write for the output `path`: a new temporary
  // name in the same folder for a regular file (or a path that does not
  // exist yet), `path` itself for a stream or device. An empty path (a flag
  // not given) stays empty.
  std::string Stage(const std::string& path);
  // Renames every staged file over its target, all or none (see above).
  // kInternal naming the target when a rename fails. Call it once.
  absl::Status Commit();
  // `status` with each temporary path in its message replaced by its
  // target's, so that errors name the file the user asked for.
  absl::Status Named(const absl::Status& status) const;
  // The temporary paths not yet committed (for a signal handler that must
  // remove them; the list does not change after the last Stage).
  std::vector<std::string> TemporaryPaths() const;

 private:
  struct Staged {
    std::string target;
    std::string temp;
    int handle = -1;  // RegisterPartialOutput's, forgotten by the destructor
  };
  std::vector<Staged> staged_;
  bool committed_ = false;
};

// Writes `text` to standard output; a failure is kept for FlushStdout.
void WriteStdout(std::string_view text);
// Flushes standard output. kInternal "writing standard output: broken pipe"
// (or the system's reason) when a write to it failed: main ignores SIGPIPE,
// so a reader that went away (`| head`) is this error, not a killed process.
absl::Status FlushStdout();

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
