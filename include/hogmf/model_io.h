// Model files: hogmf's own binary format (versioned header, checksum, id maps,
// biases, loss, clipping range and L2 weights included) and LIBMF's text
// model format, read and written both ways.
// Every write goes to a temporary file in the same folder, then is renamed, so
// a failed or interrupted save never leaves a half-written model.
//
//   if (absl::Status s = hogmf::SaveModel(model, "movies.model"); !s.ok()) ...
//   absl::StatusOr<hogmf::Model> back = hogmf::LoadModel("movies.model");
//   hogmf::ExportLibmfModel(model, "movies.libmf");  // for LIBMF's mf-predict
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/model.h"

namespace hogmf {

enum class ModelFormat { kHogmf, kLibmf };

// Saves in hogmf's binary format (version 2: everything a Model holds).
// Errors:
//   kInvalidArgument  the model cannot be saved (k = 0, k above 2^20, more
//                     than 2^32 - 2 users or items, rated items that are not
//                     item indices of the model, a non-finite value range, an
//                     empty clipping range, an L2 weight that is negative or
//                     not finite); or the temporary file
//                     cannot be created in the target's folder (missing
//                     folder, no permission).
//   kInternal         writing, syncing or renaming the file fails (a full
//                     disk), or fewer bytes were written than the header says.
absl::Status SaveModel(const Model& model, const std::string& path);

// Loads a model in either format (sniffed); `*format`, when given, says which.
// hogmf files of format version 1 (before biases) load as models without
// biases, with squared loss, no clipping and zero L2 weights.
// Errors:
//   kNotFound         `path` does not exist.
//   kInvalidArgument  `path` cannot be opened or is a directory; or the file
//                     is empty, neither format, or a corrupt, truncated or
//                     unsupported-version hogmf model (checksums, sizes and
//                     every section are checked; an unknown loss code, a
//                     non-finite value range or L2 weight is corrupt), or a
//                     LIBMF model that
//                     ImportLibmfModel refuses. The message names the file and
//                     what is wrong.
//   kInternal         the operating system fails to stat or read the file.
absl::StatusOr<Model> LoadModel(const std::string& path, ModelFormat* format = nullptr);

// The bytes SaveModel would write (hogmf's binary format), in memory: for
// pickling, caches and network transfers. The errors of SaveModel that are
// not about files (kInvalidArgument for a model that cannot be saved); the
// messages name "<serialized model>".
absl::StatusOr<std::string> SerializeModel(const Model& model);

// A model from SerializeModel's bytes (or a native model file's contents),
// checked as LoadModel checks a file. kInvalidArgument for bytes that are
// empty, not a hogmf model, or a corrupt, truncated or unsupported-version
// one (LIBMF text is not accepted here).
absl::StatusOr<Model> DeserializeModel(std::string_view bytes);

// LIBMF's text model: header lines f, m, n, k, b, then "p<i> T v..." rows
// ("F" rows for rows that were not trained) and "q<j> ..." rows. Indices are
// the model's dense indices. b is the training mean; f is LibmfLossCode of
// the model's loss.
//
// A model with biases is exported with k + 2 columns that fold them in:
// p' = [p, mean + b_u, 1], q' = [q, 1, b_i], so LIBMF's mf-predict computes
// the model's Score for every seen pair (to float rounding). Unseen rows are
// F rows, for which LIBMF predicts b: a pair with an unseen side gets the
// mean there, not the biased model's mean + b_i or mean + b_u. For the
// classification losses (f 5, 6, 7) mf-predict prints the sign of the score.
// Export keeps neither the clipping range, the L2 weights nor the ids.
//
// Export errors: kInvalidArgument when LIBMF could not read the model (k = 0,
// more than 2^31 - 1 users or items, a non-finite mean or a non-finite factor
// or bias in a trained row) or the temporary file cannot be created;
// kInternal when writing, syncing or renaming fails.
absl::Status ExportLibmfModel(const Model& model, const std::string& path);
// Import gives a model without biases (an exported biased model comes back
// as a plain k + 2 model with the same scores), its loss read from f, no
// clipping. Import errors: kNotFound for a missing file; kInvalidArgument for
// a file that cannot be opened, a directory, an empty file, or content that
// is not a LIBMF model (the message names the line: a missing or malformed
// header, a loss function other than LIBMF's f 0, 1, 2, 5, 6, 7, 10, 11, 12,
// sizes out of range or more rows than the file can hold, a missing, misnamed
// or short row, a non-finite value, text after the last row); kInternal when
// the file cannot be stat'ed or read.
absl::StatusOr<Model> ImportLibmfModel(const std::string& path);

}  // namespace hogmf
