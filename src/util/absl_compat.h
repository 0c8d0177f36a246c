// Debian's Abseil (20220623) is built with its own absl::string_view, a type
// distinct from std::string_view. hogmf's API speaks std::string_view; these
// convert at the boundary without copying.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace hogmf::internal {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace hogmf::internal
