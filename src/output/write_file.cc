// WriteFileAtomically (include/hogmf/write_file.h) over util's AtomicFileWriter.
#include "hogmf/write_file.h"

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

}  // namespace hogmf
