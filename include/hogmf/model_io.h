// Model files: hogmf's own binary format (versioned header, checksum, id maps
// included) and LIBMF's text model format, read and written both ways.
// Every write goes to a temporary file in the same folder, then is renamed, so
// a failed or interrupted save never leaves a half-written model.
//
//   if (absl::Status s = hogmf::SaveModel(model, "movies.model"); !s.ok()) ...
//   absl::StatusOr<hogmf::Model> back = hogmf::LoadModel("movies.model");
//   hogmf::ExportLibmfModel(model, "movies.libmf");  // for LIBMF's mf-predict
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/model.h"

namespace hogmf {

enum class ModelFormat { kHogmf, kLibmf };

// Saves in hogmf's binary format.
absl::Status SaveModel(const Model& model, const std::string& path);

// Loads a model in either format (sniffed). A corrupt, truncated or foreign
// file is kInvalidArgument naming the file and what is wrong.
absl::StatusOr<Model> LoadModel(const std::string& path, ModelFormat* format = nullptr);

// LIBMF's text model: header lines f, m, n, k, b, then "p<i> T v..." rows
// ("F" rows for rows that were not trained) and "q<j> ..." rows. Indices are
// the model's dense indices. b is the training mean.
absl::Status ExportLibmfModel(const Model& model, const std::string& path);
absl::StatusOr<Model> ImportLibmfModel(const std::string& path);

}  // namespace hogmf
