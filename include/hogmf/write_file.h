// Writing an output file atomically: the bytes go to a temporary file in the
// target's folder, which is synced and then renamed over the target, so a
// reader sees the old file or the whole new one, never a part; on failure the
// temporary file is removed and the target is left as it was. hogmf's own
// writers (models, ratings) work this way; this is the same for any text a
// program produces (logs, reports, predictions). An output that is not a
// regular file cannot be replaced that way and is written straight: a
// device (/dev/null), a FIFO, or a descriptor of this process named as
// /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N (a pipe, a terminal).
// A block device or a socket is refused.
//
//   std::string csv = "user,item,prediction\n...";
//   if (absl::Status s = hogmf::WriteFileAtomically("out.csv", csv); !s.ok()) ...
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hogmf {

// Replaces (or creates) the file at `path` with `contents`. kInvalidArgument
// when the temporary file cannot be created (a missing folder, no permission),
// kInternal when writing, syncing or renaming fails (the error names `path`;
// a closed pipe is "writing PATH: broken pipe" when the process ignores
// SIGPIPE, as the hogmf command line does).
[[nodiscard]] absl::Status WriteFileAtomically(const std::string& path, std::string_view contents);

// Removes the temporary files of every atomic write of this process still in
// progress (models, checkpoints, text outputs): for a signal handler that
// ends the process right after, so an interrupted write leaves nothing behind.
// Async-signal-safe. Temporary files are named TARGET.tmp.<pid>.<n>; the next
// atomic write to TARGET removes those whose process no longer exists (one
// killed by SIGKILL).
void RemovePartialOutputs();
// For a program that stages outputs itself (writes TARGET.tmp.<pid>.<n>,
// renames it later): registers that file for RemovePartialOutputs and
// returns a handle to forget it by once it is renamed or removed (-1 when
// too many are registered; forgetting -1 does nothing); and removes the
// stale temporary files of `target` as hogmf's own writers do.
int RegisterPartialOutput(const std::string& path);
void ForgetPartialOutput(int handle);
void RemoveStaleOutputs(const std::string& target);

// How hogmf's writers write `path`, decided before anything is written.
enum class OutputTarget {
  kReplaced,    // a regular file, a new file, or anything not below: replaced as a whole
  kDescriptor,  // a descriptor of this process (/dev/stdout, /dev/fd/N): written at its offset
  kInto,        // an existing character device or FIFO (/dev/null): opened and written into
  kRefused,     // an existing block device or socket: never written
};
// For kDescriptor, *descriptor (when not null) is set to the descriptor.
OutputTarget OutputTargetOf(const std::string& path, int* descriptor = nullptr);

}  // namespace hogmf
