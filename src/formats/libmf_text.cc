// Index text: LIBMF's "row col value" lines and implicit-feedback "user item"
// pairs (every pair read with value 1), both with 0-based indices used as they
// are. One reader serves both: hogmf's fastest text path (a single pointer
// scan over each block of lines, no allocation per line). The LIBMF writer emits
// shortest round-trip values so a file reads back bit-exactly; the pairs
// writer drops the values.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "formats/readers.h"
#include "formats/text_scanner.h"
#include "hogmf/input.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/input_stream.h"
#include "util/status_macros.h"

namespace hogmf {

using ::hogmf::internal::AtomicFileWriter;
using ::hogmf::internal::InputStream;
using ::hogmf::internal::TextBlock;
using ::hogmf::internal::ToAbsl;

namespace formats {
namespace {

// The two line shapes this file reads.
enum class Shape {
  kTriples,  // "row col value"
  kPairs,    // "user item", value 1
};

template <Shape kShape>
struct Layout;

template <>
struct Layout<Shape::kTriples> {
  static constexpr size_t kFields = 3;
  static constexpr std::string_view kLine = "'row col value'";
  static constexpr std::string_view kFieldCount = "3 fields";
  static constexpr const char* kIndexNames[2] = {"row", "col"};
};

template <>
struct Layout<Shape::kPairs> {
  static constexpr size_t kFields = 2;
  static constexpr std::string_view kLine = "'user item'";
  static constexpr std::string_view kFieldCount = "2 fields";
  static constexpr const char* kIndexNames[2] = {"user", "item"};
};

std::string FieldCount(size_t count) {
  return absl::StrCat("line has ", count, count == 1 ? " field" : " fields");
}

// Says what is wrong with a line the fast scan refused.
template <Shape kShape>
absl::Status DiagnoseLine(std::string_view path, uint64_t line_number, std::string_view line) {
  using L = Layout<kShape>;
  std::string_view fields[L::kFields];
  size_t count = 0;
  std::string_view rest = line;
  std::string_view token;
  while (NextToken(rest, &token)) {
    if (count < L::kFields) fields[count] = token;
    ++count;
  }
  if (count != L::kFields) {
    return LineError(path, line_number, FieldCount(count),
                     absl::StrCat(ToAbsl(L::kLine), " (", ToAbsl(L::kFieldCount),
                                  " separated by spaces or tabs)"));
  }
  for (int k = 0; k < 2; ++k) {
    uint32_t index;
    const NumberProblem problem = ParseIndex(fields[k], &index);
    if (problem != NumberProblem::kNone) {
      return LineError(path, line_number, DescribeProblem(L::kIndexNames[k], fields[k], problem),
                       absl::StrCat(ToAbsl(L::kLine), " with ", L::kIndexNames[0], " and ",
                                    L::kIndexNames[1], " integers in [0, ", kMaxIndex, "]"));
    }
  }
  if constexpr (kShape == Shape::kTriples) {
    float value;
    const NumberProblem problem = ParseRating(fields[2], &value);
    if (problem != NumberProblem::kNone) {
      return LineError(path, line_number, DescribeProblem("rating", fields[2], problem),
                       absl::StrCat(ToAbsl(L::kLine), " with a numeric value"));
    }
  }
  return LineError(path, line_number, absl::StrCat("line ", Quote(line), " is malformed"),
                   L::kLine);
}

// Skips blanks; stops at the '\n' every region parsed here ends with.
inline const char* SkipBlanks(const char* p) {
  while (IsBlank(*p)) ++p;
  return p;
}

// Parses the line starting at p (at a non-blank character) up to and
// including its '\n' (which is before end). Returns the position after the
// line, or nullptr when the line does not have the shape.
template <Shape kShape>
inline const char* ParseLine(const char* p, const char* end, Rating* rating) {
  bool overflow;
  const char* q = ScanIndex<true>(p, end, &rating->user, &overflow);
  if (q == p || overflow || !IsBlank(*q)) return nullptr;
  p = SkipBlanks(q + 1);
  q = ScanIndex<true>(p, end, &rating->item, &overflow);
  if constexpr (kShape == Shape::kTriples) {
    if (q == p || overflow || !IsBlank(*q)) return nullptr;
    p = SkipBlanks(q + 1);
    FloatScan status;
    q = ScanFloat<true>(p, end, &rating->value, &status);
    if (status != FloatScan::kOk) return nullptr;
  } else {
    if (q == p || overflow) return nullptr;
    rating->value = 1.0f;
  }
  p = SkipBlanks(q);
  return *p == '\n' ? p + 1 : nullptr;
}

struct Parsed {
  std::vector<Rating> entries;
  uint64_t line_number = 1;  // of the next line to parse
  uint32_t max_user = 0;
  uint32_t max_item = 0;
};

// Parses [begin, end), which ends with '\n', so no scan needs a bounds check.
template <Shape kShape>
absl::Status ParseRegion(std::string_view path, const char* p, const char* const end, Parsed* out) {
  uint64_t line_number = out->line_number;
  uint32_t max_user = out->max_user;
  uint32_t max_item = out->max_item;
  std::vector<Rating>& entries = out->entries;
  while (p < end) {
    const char* const line_start = p;
    p = SkipBlanks(p);
    if (*p == '\n') {
      ++p;
      ++line_number;
      continue;
    }
    Rating rating;
    const char* next = ParseLine<kShape>(p, end, &rating);
    if (next == nullptr) {
      const char* line_end =
          static_cast<const char*>(std::memchr(line_start, '\n', end - line_start));
      return DiagnoseLine<kShape>(path, line_number,
                                  std::string_view(line_start, line_end - line_start));
    }
    p = next;
    ++line_number;
    if (rating.user > max_user) max_user = rating.user;
    if (rating.item > max_item) max_item = rating.item;
    entries.push_back(rating);
  }
  out->line_number = line_number;
  out->max_user = max_user;
  out->max_item = max_item;
  return absl::OkStatus();
}

template <Shape kShape>
absl::StatusOr<Ratings> ReadIndexText(InputStream& in) {
  Parsed parsed;
  // A regular file sizes the ratings from its head and size; a stream's grow
  // as they come. Blocks are dropped from memory once parsed, so the input
  // and the ratings are never resident in full at the same time.
  if (const std::optional<uint64_t> lines = in.EstimatedLines()) {
    parsed.entries.reserve(*lines + 1);
  }
  TextBlock block;
  for (;;) {
    HOGMF_ASSIGN_OR_RETURN(const bool more, in.NextBlock(&block));
    if (!more) break;
    // Every block ends with '\n', so no scan needs a bounds check.
    const std::string_view text = block.offset == 0 ? SkipByteOrderMark(block.text) : block.text;
    parsed.line_number = block.first_line;
    HOGMF_RETURN_IF_ERROR(
        ParseRegion<kShape>(in.path(), text.data(), text.data() + text.size(), &parsed));
  }
  if (parsed.entries.empty()) {
    return FileError(in.path(), "no ratings in the file",
                     absl::StrCat("lines of ", ToAbsl(Layout<kShape>::kLine),
                                  " separated by spaces or tabs"));
  }
  return Ratings(std::move(parsed.entries), IdMap::Identity(parsed.max_user + 1),
                 IdMap::Identity(parsed.max_item + 1));
}

}  // namespace

absl::StatusOr<Ratings> ReadLibmfText(InputStream& in) {
  return ReadIndexText<Shape::kTriples>(in);
}

absl::StatusOr<Ratings> ReadPairsText(InputStream& in) { return ReadIndexText<Shape::kPairs>(in); }

}  // namespace formats

namespace {

// Writes one "user item value" (with_values) or "user item" line per entry,
// dense 0-based indices, single spaces.
absl::Status WriteIndexLines(const Ratings& ratings, const std::string& path, bool with_values) {
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> writer, AtomicFileWriter::Create(path));
  constexpr size_t kBufferSize = 1 << 16;
  // The longest line: two 10-digit indices, a shortest float (at most 15
  // characters), two spaces and a newline.
  constexpr size_t kMaxLine = 64;
  std::vector<char> buffer(kBufferSize);
  char* out = buffer.data();
  char* const limit = buffer.data() + kBufferSize - kMaxLine;
  for (const Rating& r : ratings.entries()) {
    out = std::to_chars(out, limit + kMaxLine, r.user).ptr;
    *out++ = ' ';
    out = std::to_chars(out, limit + kMaxLine, r.item).ptr;
    if (with_values) {
      *out++ = ' ';
      out = std::to_chars(out, limit + kMaxLine, r.value).ptr;
    }
    *out++ = '\n';
    if (out >= limit) {
      writer->Write(buffer.data(), out - buffer.data());
      out = buffer.data();
    }
  }
  writer->Write(buffer.data(), out - buffer.data());
  return writer->Commit();
}

}  // namespace

absl::Status WriteLibmfText(const Ratings& ratings, const std::string& path) {
  const std::span<const Rating> entries = ratings.entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!std::isfinite(entries[i].value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": cannot write entry ", i, ": its value is not finite; expected finite values"));
    }
  }
  return WriteIndexLines(ratings, path, /*with_values=*/true);
}

absl::Status WritePairsText(const Ratings& ratings, const std::string& path) {
  return WriteIndexLines(ratings, path, /*with_values=*/false);
}

}  // namespace hogmf
