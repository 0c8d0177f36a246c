// Debian's Abseil (20220623) has its own absl::string_view, a type distinct
// from std::string_view: hogmf's API speaks std::string_view, Abseil's string
// functions take absl::string_view. These convert without copying.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace hogmf::cli {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace hogmf::cli
