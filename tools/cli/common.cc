// Exit-code policy, error printing and ratings-reading flags for every subcommand.
#include "cli/common.h"

#include <chrono>
#include <cstdio>

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
