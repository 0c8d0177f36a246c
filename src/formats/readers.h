// The readers behind ReadRatings, one per text format (binary_ratings.h has
// the binary one). Each takes the whole file mapped in memory and returns the
// ratings or an InvalidArgument error naming the file and line.
#pragma once

#include "absl/status/statusor.h"
#include "hogmf/input.h"
#include "hogmf/ratings.h"
#include "util/file.h"

namespace hogmf::formats {

// "row col value" lines; identity id maps sized to the largest index + 1.
absl::StatusOr<Ratings> ReadLibmfText(const hogmf::internal::MappedFile& file);
// "user item" lines, each a rating of value 1; identity id maps as for LIBMF.
absl::StatusOr<Ratings> ReadPairsText(const hogmf::internal::MappedFile& file);
// u.data (kMovielensTsv) or ratings.dat (kMovielensDat); string id maps.
absl::StatusOr<Ratings> ReadMovielens(const hogmf::internal::MappedFile& file, Format format);
// csv (delimiter ',', quoted fields) or tsv (delimiter '\t', no quoting) with
// a header row; columns chosen by `options`; string id maps.
absl::StatusOr<Ratings> ReadDelimited(const hogmf::internal::MappedFile& file, char delimiter,
                                      const ReadOptions& options);
// A whitespace-separated matrix, 0 for missing; identity id maps. SniffFormat
// takes a first row of two integers for kPairs, so such a matrix is read here
// only when kDense is named.
absl::StatusOr<Ratings> ReadDenseText(const hogmf::internal::MappedFile& file);

// The format of a mapped file: binary by its magic, text by its first line.
absl::StatusOr<Format> SniffFormat(const hogmf::internal::MappedFile& file);

}  // namespace hogmf::formats
