// The one mapping from absl::Status to Python exceptions: ValueError for bad
// data or parameters, FileNotFoundError for a missing file, OSError for other
// file-system failures, RuntimeError for everything else.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hogmf::python {

// Throws the Python exception of a failed status (its message unchanged);
// does nothing for OK.
void ThrowIfError(const absl::Status& status);

template <typename T>
T ValueOrThrow(absl::StatusOr<T> result) {
  ThrowIfError(result.status());
  return *std::move(result);
}

}  // namespace hogmf::python
