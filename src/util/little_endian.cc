// LittleEndianReader's error message.
#include "util/little_endian.h"

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"

namespace hogmf::internal {

absl::Status LittleEndianReader::Truncated(uint64_t offset, size_t width) const {
  return absl::InvalidArgumentError(absl::StrCat(
      ToAbsl(path_), ": at byte ", size_, ": the file is truncated: ", ToAbsl(what_),
      " ends inside the ", width, "-byte field at byte ", offset, "; expected a complete file"));
}

}  // namespace hogmf::internal
