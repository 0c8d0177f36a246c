// The check every model reader runs on what it read: factors, biases and the
// mean must be finite numbers (a file can carry a valid checksum over a NaN
// that a diverged run wrote, or a text model can spell "nan").
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "hogmf/model.h"

namespace hogmf::formats {

// kInvalidArgument "NAME: user 'ID' (row R), factor column C is nan; the
// model is corrupt or from a diverged run" for the first non-finite value
// (mean, then user and item factors, then biases).
absl::Status CheckModelFinite(std::string_view name, const Model& model);

}  // namespace hogmf::formats
