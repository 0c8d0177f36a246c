// ReadRatings: opens and maps the file, picks the reader (sniffing when the
// format is kAuto) and reports which format it read.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "formats/binary_ratings.h"
#include "formats/readers.h"
#include "formats/text_scanner.h"
#include "hogmf/input.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace hogmf {

using ::hogmf::internal::MappedFile;
using ::hogmf::internal::ToAbsl;

absl::StatusOr<ReadResult> ReadRatings(const std::string& path, const ReadOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  if (file->size() == 0) return formats::FileError(path, "the file is empty", "ratings");
  Format format = options.format;
  if (format == Format::kAuto) {
    HOGMF_ASSIGN_OR_RETURN(format, formats::SniffFormat(*file));
  } else if (format != Format::kBinary && formats::HasBinaryMagic(file->view())) {
    return formats::FileError(
        path, absl::StrCat("this is a hogmf binary ratings file, not ", ToAbsl(FormatName(format))),
        "--format binary or auto for this file");
  }
  absl::StatusOr<Ratings> ratings = absl::InternalError("no reader ran");
  switch (format) {
    case Format::kLibmf:
      ratings = formats::ReadLibmfText(*file);
      break;
    case Format::kPairs:
      ratings = formats::ReadPairsText(*file);
      break;
    case Format::kMovielensTsv:
    case Format::kMovielensDat:
      ratings = formats::ReadMovielens(*file, format);
      break;
    case Format::kCsv:
      ratings = formats::ReadDelimited(*file, ',', options);
      break;
    case Format::kTsv:
      ratings = formats::ReadDelimited(*file, '\t', options);
      break;
    case Format::kDense:
      ratings = formats::ReadDenseText(*file);
      break;
    case Format::kBinary:
      ratings = formats::ReadBinaryRatings(std::move(file));
      break;
    case Format::kAuto:
      break;
  }
  if (!ratings.ok()) return ratings.status();
  ReadResult result{std::move(*ratings), format};
  return result;
}

}  // namespace hogmf
