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
