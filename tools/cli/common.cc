// Exit-code policy, error printing, "-" as a path, and ratings-reading flags for
// every subcommand.
#include "cli/common.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/string_views.h"

namespace hogmf::cli {

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kFailedPrecondition:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

int Fail(std::string_view command, const absl::Status& status) {
  std::fprintf(stderr, "hogmf %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(status.message().size()), status.message().data());
  return ExitCodeFor(status);
}

int UsageError(std::string_view command, std::string_view message, const FlagSet& flags) {
  std::fprintf(stderr, "hogmf %.*s: %.*s\n%s", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data(), flags.Help().c_str());
  return kExitUsage;
}

bool ParseFlags(std::string_view command, FlagSet& flags, const std::vector<std::string>& args,
                std::vector<std::string>* positional, int* exit_code) {
  absl::Status status = flags.Parse(args, positional);
  if (!status.ok()) {
    *exit_code = UsageError(command, ToStd(status.message()), flags);
    return false;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    *exit_code = kExitOk;
    return false;
  }
  return true;
}

absl::Status ResolveStdStreams(std::initializer_list<PathArg> args) {
  std::string_view input_role;   // what took standard input, if anything
  std::string_view output_role;  // what took standard output
  const auto twice = [&](std::string_view role) {
    return absl::InvalidArgumentError(absl::StrCat("standard output given twice, to ",
                                                   ToAbsl(output_role), " and to ", ToAbsl(role),
                                                   "; only one output can be written to '-'"));
  };
  for (const PathArg& arg : args) {
    if (arg.use == PathUse::kPrinted) {
      if (!output_role.empty()) return twice(arg.role);
      output_role = arg.role;
      continue;
    }
    std::string& path = *arg.path;
    if (arg.use == PathUse::kInput) {
      if (path != "-" && path != "/dev/stdin") continue;
      if (!input_role.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("standard input given twice, as ", ToAbsl(input_role), " and as ",
                         ToAbsl(arg.role), "; only one input can be read from '-'"));
      }
      input_role = arg.role;
      path = "/dev/stdin";
      continue;
    }
    if (path != "-" && path != "/dev/stdout") continue;
    if (!output_role.empty()) return twice(arg.role);
    if (arg.use == PathUse::kBinaryOutput && ::isatty(STDOUT_FILENO) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("refusing to write binary ", ToAbsl(arg.role),
                       " to a terminal; redirect standard output (> FILE, | ...) or name a file"));
    }
    output_role = arg.role;
    path = "/dev/stdout";
  }
  return absl::OkStatus();
}

namespace {
// errno of the first failed WriteStdout; 0 while none failed.
int stdout_error = 0;
}  // namespace

void WriteStdout(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() && stdout_error == 0) {
    stdout_error = errno;
  }
}

absl::Status FlushStdout() {
  errno = 0;
  if (std::fflush(stdout) == 0 && std::ferror(stdout) == 0) return absl::OkStatus();
  const int err = stdout_error != 0 ? stdout_error : errno;
  std::clearerr(stdout);
  return absl::InternalError(
      absl::StrCat("writing standard output: ", err == EPIPE ? "broken pipe (its reader went away)"
                                                : err != 0   ? std::strerror(err)
                                                             : "write error"));
}

void AddReadFlags(FlagSet& flags, ReadFlags* read_flags) {
  flags.AddString(
      "format", &read_flags->format,
      "input format: auto, libmf, pairs, movielens-tsv, movielens-dat, csv, tsv, dense, binary");
  flags.AddString("user-column", &read_flags->user_column,
                  "csv/tsv: user id column, by header name or 0-based position");
  flags.AddString("item-column", &read_flags->item_column, "csv/tsv: item id column");
  flags.AddString("rating-column", &read_flags->rating_column,
                  "csv/tsv: rating column (a header of only user and item columns needs none: "
                  "every row is read as 1)");
}

absl::StatusOr<ReadResult> ReadWithFlags(const std::string& path, const ReadFlags& read_flags,
                                         bool quiet) {
  absl::StatusOr<Format> format = ParseFormat(read_flags.format);
  if (!format.ok()) return format.status();
  ReadOptions options;
  options.format = *format;
  options.user_column = read_flags.user_column;
  options.item_column = read_flags.item_column;
  options.rating_column = read_flags.rating_column;
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<ReadResult> result = ReadRatings(path, options);
  if (!result.ok()) return result.status();
  if (!quiet) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string_view name = FormatName(result->format);
    absl::FPrintF(stderr, "read %s as %s%s: %d ratings, %d users, %d items (%.2f s)\n", path,
                  std::string(name), *format == Format::kAuto ? " (detected)" : "",
                  result->ratings.size(), result->ratings.num_users(), result->ratings.num_items(),
                  seconds);
  }
  return result;
}

}  // namespace hogmf::cli
