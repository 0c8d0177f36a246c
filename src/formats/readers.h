// The readers behind ReadRatings, one per text format (binary_ratings.h has
// the binary one). Each takes the input as blocks of whole lines (an
// InputStream: a mapped file or a stream) and returns the ratings or an
// InvalidArgument error naming the file and line.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "hogmf/input.h"
#include "hogmf/ratings.h"
#include "util/input_stream.h"

namespace hogmf::formats {

// "row col value" lines; identity id maps sized to the largest index + 1.
absl::StatusOr<Ratings> ReadLibmfText(hogmf::internal::InputStream& in);
// "user item" lines, each a rating of value 1; identity id maps as for LIBMF.
absl::StatusOr<Ratings> ReadPairsText(hogmf::internal::InputStream& in);
// u.data (kMovielensTsv) or ratings.dat (kMovielensDat); string id maps.
absl::StatusOr<Ratings> ReadMovielens(hogmf::internal::InputStream& in, Format format);
// csv (delimiter ',', quoted fields) or tsv (delimiter '\t', no quoting) with
// a header row; columns chosen by `options`; string id maps.
absl::StatusOr<Ratings> ReadDelimited(hogmf::internal::InputStream& in, char delimiter,
                                      const ReadOptions& options);
// A whitespace-separated matrix, 0 for missing; identity id maps. SniffFormat
// takes a first row of two integers for kPairs, so such a matrix is read here
// only when kDense is named.
absl::StatusOr<Ratings> ReadDenseText(hogmf::internal::InputStream& in);

// The format of an input from its first bytes `head` (not empty): binary by
// its magic, text by its first non-blank line.
absl::StatusOr<Format> SniffFormat(std::string_view path, std::string_view head);

// ReadRatings over an opened input (tests open it with small blocks).
absl::StatusOr<ReadResult> ReadRatingsFrom(hogmf::internal::InputStream& in,
                                           const ReadOptions& options);

}  // namespace hogmf::formats
