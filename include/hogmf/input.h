// Input: reading ratings from files in every format hogmf understands or from
// arrays of ids and values (what embedders hold), and writing them back as
// LIBMF text, "user item" pairs or hogmf's memory-mappable binary format.
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

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/ratings.h"

namespace hogmf {

enum class Format {
  kAuto,          // sniff the file (binary by its magic header, text by its first lines)
  kLibmf,         // "row col value", whitespace separated, 0-based indices used as they are
  kPairs,         // "user item", like kLibmf without the value: each pair is read with value 1
  kMovielensTsv,  // u.data: user<TAB>item<TAB>rating<TAB>timestamp
  kMovielensDat,  // ratings.dat: user::item::rating::timestamp
  kCsv,           // comma separated with a header row; ids are arbitrary strings
  kTsv,           // tab separated with a header row; ids are arbitrary strings
  kDense,         // a whitespace-separated text matrix; 0 means missing (a matrix of two
                  // integer columns is sniffed as kPairs: name kDense for it)
  kBinary,        // hogmf's binary ratings file (hogmf convert), read whole, no parsing
};

// "auto", "libmf", "pairs", "movielens-tsv", "movielens-dat", "csv", "tsv", "dense", "binary".
std::string_view FormatName(Format format);
// The format named `name` (one of FormatName's names). kInvalidArgument for
// any other name; the message lists the valid ones.
absl::StatusOr<Format> ParseFormat(std::string_view name);

struct ReadOptions {
  /// Which reader to use; kAuto sniffs the file.
  Format format = Format::kAuto;
  /// csv/tsv: the user id column, by header name or 0-based position. Empty:
  /// the first of userId/user_id/user/uid, else column 0.
  std::string user_column;
  /// csv/tsv: the item id column. Empty: itemId/movieId/item_id/item/iid, else column 1.
  std::string item_column;
  /// csv/tsv: the rating column. Empty: rating/value/score, else, when the
  /// header has exactly two columns, none (every row is read with value 1),
  /// else column 2.
  std::string rating_column;
};

struct ReadResult {
  Ratings ratings;
  /// The format actually read (the sniffed one when options.format was kAuto).
  Format format = Format::kAuto;
};

// Reads a ratings file. Errors:
//   kNotFound         `path` does not exist.
//   kInvalidArgument  `path` cannot be opened (no permission, ...) or is a
//                     directory; or its content is bad (the message names the
//                     file, the line or byte offset and what was expected): an
//                     empty or all-blank file, a line the format cannot parse,
//                     NaN/Inf ratings, negative or overflowing indices, a csv/tsv
//                     column option the header lacks, a binary file that is
//                     truncated, corrupt (checksums) or of another version, a
//                     binary file read with a text `options.format` or a text
//                     file with kBinary; with kAuto, a file whose first line is
//                     comma-separated numbers (a csv without a header row).
//   kInternal         the operating system fails to stat or read the file.
absl::StatusOr<ReadResult> ReadRatings(const std::string& path, const ReadOptions& options = {});

// Guesses the format of a file from its magic header or first non-blank line.
// Errors: kNotFound for a missing file; kInvalidArgument for a file that
// cannot be opened, a directory, an empty or all-blank file, or a first line
// of comma-separated numbers (a csv without a header row); kInternal when the
// file cannot be stat'ed or read.
absl::StatusOr<Format> DetectFormat(const std::string& path);

// How RatingsFromArrays turns integer ids into dense indices.
enum class IdMapping {
  kDense,     // each distinct id gets the next index in order of first appearance;
              // the id maps are string maps whose names are the ids in decimal
  kIdentity,  // the id is the index (LIBMF's convention); identity maps sized to
              // the largest id + 1. Ids must be in 0 .. 2^32 - 2.
};

// A borrowed array of integer ids, of any of the common widths.
using IdSpan = std::variant<std::span<const int32_t>, std::span<const int64_t>,
                            std::span<const uint32_t>, std::span<const uint64_t>>;
// A borrowed array of rating values; an empty one reads every pair with value 1.
using ValueSpan = std::variant<std::span<const float>, std::span<const double>>;

// Ratings from parallel arrays: entry j is (users[j], items[j], values[j]).
// Entries keep their order; repeated pairs are kept as they are. Errors, all
// kInvalidArgument and naming the array and position (e.g. "values[17]: NaN;
// expected a finite rating"): arrays of different lengths (values may be
// empty), with kIdentity an id that is negative or above 2^32 - 2, with
// kDense more than 2^32 - 1 distinct ids, a value that is NaN, infinite or
// outside the float range.
absl::StatusOr<Ratings> RatingsFromArrays(IdSpan users, IdSpan items, ValueSpan values = {},
                                          IdMapping mapping = IdMapping::kDense);

// Writes hogmf's binary ratings format (atomically: temporary file, then rename).
// Errors:
//   kInvalidArgument  an entry indexes outside the id maps or has a non-finite
//                     value (nothing is written); or the temporary file cannot
//                     be created in the target's folder (missing folder, no
//                     permission).
//   kInternal         writing, syncing or renaming the file fails (a full disk).
absl::Status WriteBinaryRatings(const Ratings& ratings, const std::string& path);

// Writes LIBMF text: one "user item value" line per entry, dense 0-based
// indices (atomically). Values are written so that they read back exactly.
// Errors: kInvalidArgument for a non-finite value (nothing is written) or a
// temporary file that cannot be created; kInternal when writing, syncing or
// renaming fails.
absl::Status WriteLibmfText(const Ratings& ratings, const std::string& path);

// Writes "user item" pairs (Format::kPairs): one line per entry, dense 0-based
// indices, values dropped (atomically). Errors: kInvalidArgument for a
// temporary file that cannot be created; kInternal when writing, syncing or
// renaming fails.
absl::Status WritePairsText(const Ratings& ratings, const std::string& path);

}  // namespace hogmf
