// ReadRatings: opens the input (a file, a stream, gzip data), picks the reader
// (sniffing its first bytes when the format is kAuto) and reports which format
// it read.
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "formats/binary_ratings.h"
#include "formats/readers.h"
#include "formats/text_scanner.h"
#include "hogmf/input.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/input_stream.h"
#include "util/status_macros.h"

namespace hogmf {

using ::hogmf::internal::InputStream;
using ::hogmf::internal::MappedFile;
using ::hogmf::internal::ToAbsl;

namespace formats {

absl::StatusOr<ReadResult> ReadRatingsFrom(InputStream& in, const ReadOptions& options) {
  const std::string& path = in.path();
  HOGMF_ASSIGN_OR_RETURN(std::string_view head, in.Head());
  if (head.empty()) return FileError(path, in.EmptyMessage(), "ratings");
  Format format = options.format;
  if (format == Format::kAuto) {
    HOGMF_ASSIGN_OR_RETURN(format, SniffFormat(path, head));
  } else if (format != Format::kBinary && HasBinaryMagic(head)) {
    return FileError(
        path, absl::StrCat("this is a hogmf binary ratings file, not ", ToAbsl(FormatName(format))),
        "--format binary or auto for this file");
  }
  absl::StatusOr<Ratings> ratings = absl::InternalError("no reader ran");
  switch (format) {
    case Format::kLibmf:
      ratings = ReadLibmfText(in);
      break;
    case Format::kPairs:
      ratings = ReadPairsText(in);
      break;
    case Format::kMovielensTsv:
    case Format::kMovielensDat:
      ratings = ReadMovielens(in, format);
      break;
    case Format::kCsv:
      ratings = ReadDelimited(in, ',', options);
      break;
    case Format::kTsv:
      ratings = ReadDelimited(in, '\t', options);
      break;
    case Format::kDense:
      ratings = ReadDenseText(in);
      break;
    case Format::kBinary: {
      HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, in.ReadAll());
      ratings = ReadBinaryRatings(std::move(file));
      break;
    }
    case Format::kAuto:
      break;
  }
  if (!ratings.ok()) return ratings.status();
  ReadResult result{std::move(*ratings), format};
  return result;
}

}  // namespace formats

absl::StatusOr<ReadResult> ReadRatings(const std::string& path, const ReadOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> in, InputStream::Open(path));
  return formats::ReadRatingsFrom(*in, options);
}

}  // namespace hogmf
