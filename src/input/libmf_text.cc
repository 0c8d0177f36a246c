// LIBMF text: "row col value" lines with 0-based indices used as they are.
// The reader is hogmf's fastest text path (a single pointer scan over the
// mapping, no allocation per line); the writer emits shortest round-trip
// values so a file reads back bit-exactly.
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hogmf/input.h"
#include "input/readers.h"
#include "input/text_scanner.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/status_macros.h"

namespace hogmf {
namespace input {
namespace {

constexpr std::string_view kShape = "'row col value'";

std::string FieldCount(size_t count) {
  return absl::StrCat("line has ", count, count == 1 ? " field" : " fields");
}

// Says what is wrong with a line the fast scan refused.
absl::Status DiagnoseLine(std::string_view path, uint64_t line_number, std::string_view line) {
  std::string_view fields[3];
  size_t count = 0;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size()) break;
    const size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    if (count < 3) fields[count] = line.substr(start, i - start);
    ++count;
  }
  if (count != 3) {
    return LineError(path, line_number, FieldCount(count),
                     absl::StrCat(ToAbsl(kShape), " (3 fields separated by spaces or tabs)"));
  }
  const char* names[2] = {"row", "col"};
  for (int k = 0; k < 2; ++k) {
    uint32_t index;
    const NumberProblem problem = ParseIndex(fields[k], &index);
    if (problem != NumberProblem::kNone) {
      return LineError(path, line_number, DescribeProblem(names[k], fields[k], problem),
                       absl::StrCat(ToAbsl(kShape), " with row and col integers in [0, ", kMaxIndex, "]"));
    }
  }
  float value;
  const NumberProblem problem = ParseRating(fields[2], &value);
  if (problem != NumberProblem::kNone) {
    return LineError(path, line_number, DescribeProblem("rating", fields[2], problem),
                     absl::StrCat(ToAbsl(kShape), " with a numeric value"));
  }
  return LineError(path, line_number, absl::StrCat("line ", Quote(line), " is malformed"), kShape);
}

const char* SkipBlanks(const char* p, const char* end) {
  while (p < end && IsBlank(*p)) ++p;
  return p;
}

// Parses the line starting at p (at a non-blank character) up to and
// including its '\n'. Returns the position after the line, or nullptr when
// the line is not a valid "row col value".
inline const char* ParseLine(const char* p, const char* end, Rating* rating) {
  bool overflow;
  const char* q = ScanIndex(p, end, &rating->user, &overflow);
  if (q == p || overflow || q == end || !IsBlank(*q)) return nullptr;
  p = SkipBlanks(q + 1, end);
  q = ScanIndex(p, end, &rating->item, &overflow);
  if (q == p || overflow || q == end || !IsBlank(*q)) return nullptr;
  p = SkipBlanks(q + 1, end);
  FloatScan status;
  q = ScanFloat(p, end, &rating->value, &status);
  if (status != FloatScan::kOk) return nullptr;
  p = SkipBlanks(q, end);
  if (p == end) return p;
  if (*p != '\n') return nullptr;
  return p + 1;
}

}  // namespace

absl::StatusOr<Ratings> ReadLibmfText(const MappedFile& file) {
  const std::string_view text = SkipByteOrderMark(file.view());
  std::vector<Rating> entries;
  entries.reserve(CountNewlines(text) + 1);
  const char* p = text.data();
  const char* const end = p + text.size();
  uint64_t line_number = 1;
  uint32_t max_user = 0;
  uint32_t max_item = 0;
  while (p < end) {
    const char* const line_start = p;
    p = SkipBlanks(p, end);
    if (p == end) break;
    if (*p == '\n') {
      ++p;
      ++line_number;
      continue;
    }
    Rating rating;
    const char* next = ParseLine(p, end, &rating);
    if (next == nullptr) {
      const void* newline = std::memchr(line_start, '\n', end - line_start);
      const char* line_end = newline != nullptr ? static_cast<const char*>(newline) : end;
      return DiagnoseLine(file.path(), line_number,
                          std::string_view(line_start, line_end - line_start));
    }
    p = next;
    ++line_number;
    if (rating.user > max_user) max_user = rating.user;
    if (rating.item > max_item) max_item = rating.item;
    entries.push_back(rating);
  }
  if (entries.empty()) {
    return FileError(file.path(), "no ratings in the file",
                     "lines of 'row col value' separated by spaces or tabs");
  }
  return Ratings(std::move(entries), IdMap::Identity(max_user + 1), IdMap::Identity(max_item + 1));
}

}  // namespace input

absl::Status WriteLibmfText(const Ratings& ratings, const std::string& path) {
  const std::span<const Rating> entries = ratings.entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!std::isfinite(entries[i].value)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write entry ", i,
                                                     ": its value is not finite; expected finite values"));
    }
  }
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> writer, AtomicFileWriter::Create(path));
  constexpr size_t kBufferSize = 1 << 16;
  // The longest line: two 10-digit indices, a shortest float (at most 15
  // characters), two spaces and a newline.
  constexpr size_t kMaxLine = 64;
  std::vector<char> buffer(kBufferSize);
  char* out = buffer.data();
  char* const limit = buffer.data() + kBufferSize - kMaxLine;
  for (const Rating& r : entries) {
    out = std::to_chars(out, limit + kMaxLine, r.user).ptr;
    *out++ = ' ';
    out = std::to_chars(out, limit + kMaxLine, r.item).ptr;
    *out++ = ' ';
    out = std::to_chars(out, limit + kMaxLine, r.value).ptr;
    *out++ = '\n';
    if (out >= limit) {
      writer->Write(buffer.data(), out - buffer.data());
      out = buffer.data();
    }
  }
  writer->Write(buffer.data(), out - buffer.data());
  return writer->Commit();
}

}  // namespace hogmf
