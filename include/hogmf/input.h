// Input: reading ratings from files in every format hogmf understands, and
// writing them back as LIBMF text or hogmf's memory-mappable binary format.
//
// Errors name the file, the line (or byte offset) and what was expected, e.g.
//   "ratings.txt:17: expected a rating value, found 'abc'".
//
//   hogmf::ReadOptions options;                  // format = kAuto: sniffed
//   absl::StatusOr<hogmf::ReadResult> read = hogmf::ReadRatings("u.data", options);
//   if (!read.ok()) return read.status();
//   hogmf::Ratings ratings = std::move(read->ratings);
//   // read->format says which reader was chosen.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/ratings.h"

namespace hogmf {

enum class Format {
  kAuto,          // sniff the file (binary by its magic header, text by its first lines)
  kLibmf,         // "row col value", whitespace separated, 0-based indices used as they are
  kMovielensTsv,  // u.data: user<TAB>item<TAB>rating<TAB>timestamp
  kMovielensDat,  // ratings.dat: user::item::rating::timestamp
  kCsv,           // comma separated with a header row; ids are arbitrary strings
  kTsv,           // tab separated with a header row; ids are arbitrary strings
  kDense,         // a whitespace-separated text matrix; 0 means missing
  kBinary,        // hogmf's binary ratings file (hogmf convert), loaded by mmap
};

// "auto", "libmf", "movielens-tsv", "movielens-dat", "csv", "tsv", "dense", "binary".
std::string_view FormatName(Format format);
absl::StatusOr<Format> ParseFormat(std::string_view name);

struct ReadOptions {
  /// Which reader to use; kAuto sniffs the file.
  Format format = Format::kAuto;
  /// csv/tsv: the user id column, by header name or 0-based position. Empty:
  /// the first of userId/user_id/user/uid, else column 0.
  std::string user_column;
  /// csv/tsv: the item id column. Empty: itemId/movieId/item_id/item/iid, else column 1.
  std::string item_column;
  /// csv/tsv: the rating column. Empty: rating/value/score, else column 2.
  std::string rating_column;
};

struct ReadResult {
  Ratings ratings;
  /// The format actually read (the sniffed one when options.format was kAuto).
  Format format = Format::kAuto;
};

// Reads a ratings file. Fails with kNotFound for a missing file and
// kInvalidArgument (file, line or offset, what was expected) for bad content,
// including an empty file, NaN/Inf ratings and negative or overflowing indices.
absl::StatusOr<ReadResult> ReadRatings(const std::string& path, const ReadOptions& options = {});

// Guesses the format of a file from its magic header or first lines.
absl::StatusOr<Format> DetectFormat(const std::string& path);

// Writes hogmf's binary ratings format (atomically: temporary file, then rename).
absl::Status WriteBinaryRatings(const Ratings& ratings, const std::string& path);

// Writes LIBMF text: one "user item value" line per entry, dense 0-based
// indices (atomically). Values are written so that they read back exactly.
absl::Status WriteLibmfText(const Ratings& ratings, const std::string& path);

}  // namespace hogmf
