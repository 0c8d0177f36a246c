// Number parsing and error text for the text readers (see text_scanner.h).
#include "formats/text_scanner.h"

#include <charconv>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"

namespace hogmf::formats {

using ::hogmf::internal::ToAbsl;

namespace {

// nan, inf or infinity in any case, with an optional sign.
bool IsNonFiniteWord(std::string_view token) {
  if (!token.empty() && (token[0] == '-' || token[0] == '+')) token.remove_prefix(1);
  return EqualsIgnoreCase(token, "nan") || EqualsIgnoreCase(token, "inf") ||
         EqualsIgnoreCase(token, "infinity");
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}

bool NextToken(std::string_view& rest, std::string_view* token) {
  size_t begin = 0;
  while (begin < rest.size() && IsBlank(rest[begin])) ++begin;
  if (begin == rest.size()) {
    rest = {};
    return false;
  }
  size_t end = begin;
  while (end < rest.size() && !IsBlank(rest[end])) ++end;
  *token = rest.substr(begin, end - begin);
  rest.remove_prefix(end);
  return true;
}

bool IsBlankLine(std::string_view line) {
  for (char c : line) {
    if (!IsBlank(c)) return false;
  }
  return true;
}

std::string_view SkipByteOrderMark(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

namespace internal {

FloatScan FloatFromChars(const char* begin, const char* end, float* value) {
  const auto [stop, error] = std::from_chars(begin, end, *value, std::chars_format::general);
  if (error == std::errc::result_out_of_range) return FloatScan::kOutOfRange;
  if (error != std::errc() || stop != end) return FloatScan::kSyntax;
  return FloatScan::kOk;
}

}  // namespace internal

NumberProblem ParseIndex(std::string_view token, uint32_t* value) {
  if (token.empty()) return NumberProblem::kEmpty;
  const char* begin = token.data();
  const char* end = begin + token.size();
  bool overflow = false;
  if (*begin == '-') {
    uint32_t ignored;
    const char* stop = ScanIndex(begin + 1, end, &ignored, &overflow);
    return (stop == end && stop != begin + 1) ? NumberProblem::kNegative
                                              : NumberProblem::kNotInteger;
  }
  const char* stop = ScanIndex(begin, end, value, &overflow);
  if (stop != end) return NumberProblem::kNotInteger;
  if (overflow) return NumberProblem::kTooLarge;
  return NumberProblem::kNone;
}

NumberProblem ParseRating(std::string_view token, float* value) {
  if (token.empty()) return NumberProblem::kEmpty;
  const char* end = token.data() + token.size();
  FloatScan status;
  const char* stop = ScanFloat(token.data(), end, value, &status);
  if (status == FloatScan::kSyntax || stop != end) {
    return IsNonFiniteWord(token) ? NumberProblem::kNotFinite : NumberProblem::kNotANumber;
  }
  if (status == FloatScan::kOutOfRange) return NumberProblem::kOutOfRange;
  return NumberProblem::kNone;
}

bool LooksNumeric(std::string_view token) {
  float ignored;
  const NumberProblem problem = ParseRating(token, &ignored);
  return problem == NumberProblem::kNone || problem == NumberProblem::kNotFinite ||
         problem == NumberProblem::kOutOfRange;
}

bool LooksInteger(std::string_view token) {
  if (!token.empty() && (token[0] == '-' || token[0] == '+')) token.remove_prefix(1);
  if (token.empty()) return false;
  for (char c : token) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

std::string Quote(std::string_view token) {
  constexpr size_t kMaxShown = 40;
  const bool cut = token.size() > kMaxShown;
  if (cut) token = token.substr(0, kMaxShown - 3);
  std::string out = "'";
  for (char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F || c == '\\') {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  if (cut) out += "...";
  out += "'";
  return out;
}

std::string DescribeProblem(std::string_view what, std::string_view token, NumberProblem problem) {
  const std::string name(what);
  const std::string quoted = Quote(token);
  switch (problem) {
    case NumberProblem::kNone:
      return absl::StrCat(name, " ", quoted, " is valid");
    case NumberProblem::kEmpty:
      return absl::StrCat(name, " is empty");
    case NumberProblem::kNotInteger:
      return absl::StrCat(name, " ", quoted, " is not a non-negative integer");
    case NumberProblem::kNegative:
      return absl::StrCat(name, " ", quoted, " is negative");
    case NumberProblem::kTooLarge:
      return absl::StrCat(name, " ", quoted, " is too large (the largest index is ", kMaxIndex,
                          ")");
    case NumberProblem::kNotANumber:
      return absl::StrCat(name, " ", quoted, " is not a number");
    case NumberProblem::kNotFinite:
      return absl::StrCat(name, " ", quoted, " is not a finite number");
    case NumberProblem::kOutOfRange:
      return absl::StrCat(name, " ", quoted, " is out of the range of a 32-bit float");
  }
  return absl::StrCat(name, " ", quoted, " is malformed");
}

absl::Status LineError(std::string_view path, uint64_t line, std::string_view problem,
                       std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(path), ":", line, ": ", ToAbsl(problem),
                                                 "; expected ", ToAbsl(expected)));
}

absl::Status FileError(std::string_view path, std::string_view problem, std::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(path), ": ", ToAbsl(problem), "; expected ", ToAbsl(expected)));
}

}  // namespace hogmf::formats
