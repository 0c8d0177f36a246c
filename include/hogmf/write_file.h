// Writing an output file atomically: the bytes go to a temporary file in the
// target's folder, which is synced and then renamed over the target, so a
// reader sees the old file or the whole new one, never a part; on failure the
// temporary file is removed and the target is left as it was. hogmf's own
// writers (models, ratings) work this way; this is the same for any text a
// program produces (logs, reports, predictions). An output that is not a
// regular file cannot be replaced that way and is written straight: a
// device (/dev/null), a FIFO, or a descriptor of this process named as
// /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N (a pipe, a terminal).
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

}  // namespace hogmf
