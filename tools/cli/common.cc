// Exit-code policy, error printing, "-" as a path, and ratings-reading flags for
// every subcommand.
#include "cli/common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "cli/string_views.h"
#include "hogmf/write_file.h"

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

namespace {
// "hogmf " before a subcommand's name; nothing before a program's own name
// ("hogmf-mpi train").
const char* ProgramPrefix(std::string_view command) {
  return command.starts_with("hogmf") ? "" : "hogmf ";
}
}  // namespace

int Fail(std::string_view command, const absl::Status& status) {
  std::fprintf(stderr, "%s%.*s: %.*s\n", ProgramPrefix(command), static_cast<int>(command.size()),
               command.data(), static_cast<int>(status.message().size()), status.message().data());
  return ExitCodeFor(status);
}

int UsageError(std::string_view command, std::string_view message, const FlagSet& flags) {
  std::fprintf(stderr, "%s%.*s: %.*s\n%s", ProgramPrefix(command), static_cast<int>(command.size()),
               command.data(), static_cast<int>(message.size()), message.data(),
               flags.Help().c_str());
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
    WriteStdout(flags.Help());
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
  return CheckPaths(args);
}

namespace {

// What a path names, for telling whether two paths are one file: a regular
// file's device and inode, and the path with its folder resolved (links
// followed) for one that does not exist yet. Streams, FIFOs and devices have
// no identity: they are never the same file as anything.
struct FileIdentity {
  bool has_inode = false;
  dev_t device = 0;
  ino_t inode = 0;
  std::string resolved;  // empty when unknown
  bool Same(const FileIdentity& other) const {
    if (has_inode && other.has_inode) return device == other.device && inode == other.inode;
    return !resolved.empty() && resolved == other.resolved;
  }
};

std::string Folder(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<std::string> RealPath(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (resolved == nullptr) return std::nullopt;
  std::string result(resolved);
  std::free(resolved);
  return result;
}

FileIdentity IdentityOf(const struct stat& st, const std::string& path) {
  FileIdentity id;
  if (!S_ISREG(st.st_mode)) return id;
  id.has_inode = true;
  id.device = st.st_dev;
  id.inode = st.st_ino;
  if (path.empty()) return id;
  if (std::optional<std::string> real = RealPath(path)) id.resolved = *real;
  return id;
}

// The identity of an input; nothing for one that does not exist (its read
// reports that) or is not a regular file.
FileIdentity InputIdentity(const std::string& path) {
  struct stat st;
  if (path == "/dev/stdin") {
    if (::fstat(STDIN_FILENO, &st) != 0) return {};
    FileIdentity id = IdentityOf(st, "");
    id.resolved.clear();
    return id;
  }
  if (::stat(path.c_str(), &st) != 0) return {};
  return IdentityOf(st, path);
}

// Checks that `path` can be written as the output `role` and returns its
// identity.
absl::StatusOr<FileIdentity> OutputIdentity(const std::string& path, std::string_view role) {
  const auto refuse = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", ToAbsl(role), " to ", path, ": ", ToAbsl(why)));
  };
  struct stat st;
  int descriptor = -1;
  const OutputTarget target = OutputTargetOf(path, &descriptor);
  if (target == OutputTarget::kDescriptor) {
    // A descriptor the shell opened: written into at its offset; a regular
    // file there is still a file (`> FILE`), one of the inputs perhaps.
    if (::fstat(descriptor, &st) != 0) return refuse(std::strerror(errno));
    FileIdentity id = IdentityOf(st, "");
    id.resolved.clear();
    return id;
  }
  if (target == OutputTarget::kRefused) {
    return refuse(
        "it is a block device or a socket; hogmf writes regular files, pipes, FIFOs "
        "and character devices only");
  }
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return refuse("it is a folder; name a file in it");
    if (!S_ISREG(st.st_mode)) {
      // A character device or FIFO: opened and written into as it is.
      if (::access(path.c_str(), W_OK) != 0) return refuse(std::strerror(errno));
      return FileIdentity{};
    }
  } else if (errno != ENOENT && errno != ENOTDIR) {
    return refuse(std::strerror(errno));
  }
  // A regular file or a new one: a temporary file is made in its folder and
  // renamed over it.
  const std::string folder = Folder(path);
  struct stat folder_st;
  if (::stat(folder.c_str(), &folder_st) != 0) {
    return refuse(absl::StrCat("its folder ", folder,
                               errno == ENOENT ? " does not exist"
                                               : ": " + std::string(std::strerror(errno))));
  }
  if (!S_ISDIR(folder_st.st_mode)) return refuse(absl::StrCat(folder, " is not a folder"));
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    return refuse(
        absl::StrCat("its folder ", folder, " is not writable (", std::strerror(errno), ")"));
  }
  if (::stat(path.c_str(), &st) == 0) return IdentityOf(st, path);
  FileIdentity id;
  if (std::optional<std::string> real = RealPath(folder)) {
    id.resolved = absl::StrCat(*real == "/" ? "" : *real, "/", BaseName(path));
  }
  return id;
}

}  // namespace

absl::Status CheckPaths(std::initializer_list<PathArg> args) {
  struct Checked {
    std::string_view role;
    const std::string* path;
    bool output;
    std::string_view may_replace;
    FileIdentity id;
  };
  std::vector<Checked> checked;
  for (const PathArg& arg : args) {
    if (arg.use == PathUse::kPrinted || arg.path == nullptr || arg.path->empty()) continue;
    const bool output = arg.use != PathUse::kInput;
    FileIdentity id;
    if (output) {
      absl::StatusOr<FileIdentity> out = OutputIdentity(*arg.path, arg.role);
      if (!out.ok()) return out.status();
      id = *out;
    } else {
      id = InputIdentity(*arg.path);
    }
    for (const Checked& before : checked) {
      if (!(output || before.output) || !id.Same(before.id)) continue;
      if ((output && !before.output && !arg.may_replace.empty() &&
           arg.may_replace == before.role) ||
          (!output && before.output && !before.may_replace.empty() &&
           before.may_replace == arg.role)) {
        continue;
      }
      const std::string_view out_role = output ? arg.role : before.role;
      const std::string_view other_role = output ? before.role : arg.role;
      const bool both_outputs = output && before.output;
      return absl::InvalidArgumentError(absl::StrCat(
          ToAbsl(out_role), " and ", ToAbsl(other_role), " name the same file (",
          *arg.path == *before.path ? *arg.path : absl::StrCat(*before.path, " and ", *arg.path),
          both_outputs ? "): each output needs its own file"
                       : absl::StrCat("): writing the output would overwrite the input; "
                                      "name another file for ",
                                      ToAbsl(out_role))));
    }
    checked.push_back({arg.role, arg.path, output, arg.may_replace, std::move(id)});
  }
  return absl::OkStatus();
}

OutputSet::~OutputSet() {
  if (!committed_) {
    for (const Staged& s : staged_) ::unlink(s.temp.c_str());
  }
  for (const Staged& s : staged_) ForgetPartialOutput(s.handle);
}

std::string OutputSet::Stage(const std::string& path) {
  if (path.empty() || OutputTargetOf(path) != OutputTarget::kReplaced) return path;
  // TARGET.tmp.<pid>.<n>, the shape of every atomic write's temporary file,
  // so that the next run removes it when this process is killed (util/file.h).
  std::string temp = absl::StrCat(path, ".tmp.", ::getpid(), ".", 1000000 + staged_.size());
  // Those of a killed run go first; this one's goes if a second signal ends
  // this run before Commit (RemovePartialOutputs).
  RemoveStaleOutputs(path);
  staged_.push_back({path, temp, RegisterPartialOutput(temp)});
  return temp;
}

absl::Status OutputSet::Commit() {
  if (committed_) return absl::FailedPreconditionError("outputs already committed");
  committed_ = true;
  // While committing, the old file of each target is kept as a hard link
  // (empty: there was none), to be put back if a later rename fails.
  std::vector<std::string> kept;
  absl::Status failed;
  size_t done = 0;
  for (; done < staged_.size(); ++done) {
    const Staged& s = staged_[done];
    std::string old = absl::StrCat(s.temp, ".old");
    if (::link(s.target.c_str(), old.c_str()) != 0) old.clear();
    kept.push_back(old);
    if (::rename(s.temp.c_str(), s.target.c_str()) != 0) {
      failed = absl::InternalError(
          absl::StrCat(s.target, ": cannot rename into place: ", std::strerror(errno)));
      break;
    }
  }
  if (failed.ok()) {
    for (const std::string& old : kept) {
      if (!old.empty()) ::unlink(old.c_str());
    }
    return absl::OkStatus();
  }
  // Undo: the failed one keeps its old file; the earlier ones get theirs back.
  if (!kept[done].empty()) ::unlink(kept[done].c_str());
  for (size_t i = done; i-- > 0;) {
    const Staged& s = staged_[i];
    if (kept[i].empty()) {
      ::unlink(s.target.c_str());
    } else {
      ::rename(kept[i].c_str(), s.target.c_str());
    }
  }
  for (size_t i = done; i < staged_.size(); ++i) ::unlink(staged_[i].temp.c_str());
  return absl::InternalError(absl::StrCat(failed.message(), "; no output was written"));
}

absl::Status OutputSet::Named(const absl::Status& status) const {
  if (status.ok()) return status;
  std::string message(status.message());
  for (const Staged& s : staged_) message = absl::StrReplaceAll(message, {{s.temp, s.target}});
  return absl::Status(status.code(), message);
}

std::vector<std::string> OutputSet::TemporaryPaths() const {
  std::vector<std::string> paths;
  if (committed_) return paths;
  for (const Staged& s : staged_) paths.push_back(s.temp);
  return paths;
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
                                                : err == ENOSPC ? "no space left on device"
                                                : err == EDQUOT ? "disk quota exceeded"
                                                : err != 0      ? std::strerror(err)
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
