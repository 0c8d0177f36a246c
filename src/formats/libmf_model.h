// LIBMF text models parsed from bytes already in memory: LoadModel reads an
// input once (a pipe cannot be read twice) and hands a LIBMF model here.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "hogmf/model.h"

namespace hogmf::formats {

// ImportLibmfModel's parse of `text`, the contents of the input `path`.
absl::StatusOr<Model> ParseLibmfModel(std::string_view path, std::string_view text);

}  // namespace hogmf::formats
