// WriteFileAtomically (include/hogmf/write_file.h) over util's AtomicFileWriter.
#include "hogmf/write_file.h"

#include <sys/stat.h>

#include <memory>

#include "absl/status/statusor.h"
#include "util/file.h"

namespace hogmf {

absl::Status WriteFileAtomically(const std::string& path, std::string_view contents) {
  absl::StatusOr<std::unique_ptr<internal::AtomicFileWriter>> writer =
      internal::AtomicFileWriter::Create(path);
  if (!writer.ok()) return writer.status();
  (*writer)->Write(contents);
  return (*writer)->Commit();
}

void RemovePartialOutputs() { internal::RemoveTemporaryFilesForSignal(); }
int RegisterPartialOutput(const std::string& path) { return internal::RegisterPartialFile(path); }
void ForgetPartialOutput(int handle) { internal::ForgetPartialFile(handle); }
void RemoveStaleOutputs(const std::string& target) { internal::RemoveStaleTemporaryFiles(target); }

OutputTarget OutputTargetOf(const std::string& path, int* descriptor) {
  if (const int fd = internal::NamedDescriptor(path); fd >= 0) {
    if (descriptor != nullptr) *descriptor = fd;
    return OutputTarget::kDescriptor;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    return OutputTarget::kReplaced;
  }
  if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) return OutputTarget::kInto;
  return OutputTarget::kRefused;
}

}  // namespace hogmf
