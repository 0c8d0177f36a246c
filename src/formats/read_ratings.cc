// ReadRatings: opens and maps the file, picks the reader (sniffing when the
// format is kAuto) and reports which format it read.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "hogmf/input.h"
#include "formats/binary_ratings.h"
#include "formats/readers.h"
#include "formats/text_scanner.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace hogmf {

absl::StatusOr<ReadResult> ReadRatings(const std::string& path, const ReadOptions& options) {
  HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  if (file->size() == 0) return input::FileError(path, "the file is empty", "ratings");
  Format format = options.format;
  if (format == Format::kAuto) {
    HOGMF_ASSIGN_OR_RETURN(format, input::SniffFormat(*file));
  } else if (format != Format::kBinary && input::HasBinaryMagic(file->view())) {
    return input::FileError(
        path, absl::StrCat("this is a hogmf binary ratings file, not ", ToAbsl(FormatName(format))),
        "--format binary or auto for this file");
  }
  absl::StatusOr<Ratings> ratings = absl::InternalError("no reader ran");
  switch (format) {
    case Format::kLibmf:
      ratings = input::ReadLibmfText(*file);
      break;
    case Format::kMovielensTsv:
    case Format::kMovielensDat:
      ratings = input::ReadMovielens(*file, format);
      break;
    case Format::kCsv:
      ratings = input::ReadDelimited(*file, ',', options);
      break;
    case Format::kTsv:
      ratings = input::ReadDelimited(*file, '\t', options);
      break;
    case Format::kDense:
      ratings = input::ReadDenseText(*file);
      break;
    case Format::kBinary:
      ratings = input::ReadBinaryRatings(std::move(file));
      break;
    case Format::kAuto:
      break;
  }
  if (!ratings.ok()) return ratings.status();
  ReadResult result{std::move(*ratings), format};
  return result;
}

}  // namespace hogmf
