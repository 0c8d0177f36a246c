// Format names (the --format values) and format sniffing: binary by its magic
// header, text by the shape of its first non-blank line.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "formats/binary_ratings.h"
#include "formats/readers.h"
#include "formats/text_scanner.h"
#include "hogmf/input.h"
#include "util/absl_compat.h"
#include "util/input_stream.h"
#include "util/status_macros.h"

namespace hogmf {

namespace {

struct NamedFormat {
  Format format;
  std::string_view name;
};

constexpr NamedFormat kFormats[] = {
    {Format::kAuto, "auto"},
    {Format::kLibmf, "libmf"},
    {Format::kPairs, "pairs"},
    {Format::kMovielensTsv, "movielens-tsv"},
    {Format::kMovielensDat, "movielens-dat"},
    {Format::kCsv, "csv"},
    {Format::kTsv, "tsv"},
    {Format::kDense, "dense"},
    {Format::kBinary, "binary"},
};

// Splits at each `separator`, trimming blanks from every field.
std::vector<std::string_view> SplitAt(std::string_view line, char separator) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t stop = line.find(separator, start);
    fields.push_back(formats::TrimBlanks(
        line.substr(start, stop == std::string_view::npos ? stop : stop - start)));
    if (stop == std::string_view::npos) return fields;
    start = stop + 1;
  }
}

// Splits at runs of blanks.
std::vector<std::string_view> SplitBlanks(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (true) {
    while (i < line.size() && formats::IsBlank(line[i])) ++i;
    if (i == line.size()) return fields;
    const size_t start = i;
    while (i < line.size() && !formats::IsBlank(line[i])) ++i;
    fields.push_back(line.substr(start, i - start));
  }
}

}  // namespace

std::string_view FormatName(Format format) {
  for (const NamedFormat& named : kFormats) {
    if (named.format == format) return named.name;
  }
  return "unknown";
}

absl::StatusOr<Format> ParseFormat(std::string_view name) {
  for (const NamedFormat& named : kFormats) {
    if (named.name == name) return named.format;
  }
  std::string names;
  for (const NamedFormat& named : kFormats) {
    if (!names.empty()) names += ", ";
    names += named.name;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown format ", formats::Quote(name), "; expected one of ", names));
}

namespace formats {

absl::StatusOr<Format> SniffFormat(std::string_view path, std::string_view head) {
  if (HasBinaryMagic(head)) return Format::kBinary;
  LineReader lines(SkipByteOrderMark(head));
  std::string_view line;
  bool found = false;
  while (!found && lines.Next(&line)) {
    // A NUL byte (binary data, /dev/zero) is refused here, before a reader
    // would scan on through it.
    if (line.find('\0') != std::string_view::npos) {
      return LineError(path, lines.line_number(), "NUL byte", "text");
    }
    found = !IsBlankLine(line);
  }
  if (!found) {
    return FileError(path, head.empty() ? "the file is empty" : "the file has only blank lines",
                     "ratings");
  }
  line = TrimBlanks(line);
  if (line.find("::") != std::string_view::npos) return Format::kMovielensDat;

  const bool commas = line.find(',') != std::string_view::npos;
  const bool tabs = line.find('\t') != std::string_view::npos;
  // Data whose id columns look like LIBMF or u.data is read as such even when
  // a later field is not a number, so that reader reports the bad field.
  const std::vector<std::string_view> blank_fields = SplitBlanks(line);
  if (!commas) {
    if (tabs) {
      const std::vector<std::string_view> tab_fields = SplitAt(line, '\t');
      if (tab_fields.size() == 4 && LooksInteger(tab_fields[0]) && LooksInteger(tab_fields[1])) {
        return Format::kMovielensTsv;
      }
    }
    if (blank_fields.size() == 3 && LooksInteger(blank_fields[0]) &&
        LooksInteger(blank_fields[1])) {
      return Format::kLibmf;
    }
    // Two integers: implicit feedback, not a two-column dense matrix (which
    // then needs --format=dense).
    if (blank_fields.size() == 2 && LooksInteger(blank_fields[0]) &&
        LooksInteger(blank_fields[1])) {
      return Format::kPairs;
    }
  }
  const std::vector<std::string_view> fields =
      commas ? SplitAt(line, ',') : (tabs ? SplitAt(line, '\t') : blank_fields);
  for (std::string_view field : fields) {
    if (!LooksNumeric(field)) return commas ? Format::kCsv : Format::kTsv;
  }
  if (commas) {
    return LineError(path, lines.line_number(),
                     "the first line holds comma-separated numbers, not a header row",
                     "a csv file to start with a header row naming its columns "
                     "(or --format naming the format)");
  }
  return Format::kDense;
}

}  // namespace formats

absl::StatusOr<Format> DetectFormat(const std::string& path) {
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<internal::InputStream> in,
                         internal::InputStream::Open(path));
  HOGMF_ASSIGN_OR_RETURN(std::string_view head, in->Head());
  if (head.empty()) return formats::FileError(path, in->EmptyMessage(), "ratings");
  return formats::SniffFormat(path, head);
}

}  // namespace hogmf
