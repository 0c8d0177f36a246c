// Number parsing and error text for the text readers (see text_scanner.h).
#include "input/text_scanner.h"

#include <bit>
#include <cfloat>
#include <charconv>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"

namespace hogmf::input {
namespace {

// Powers of ten that a double holds exactly.
constexpr double kExactPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kMaxExactPow10 = 22;
// A double's 52 fraction bits minus a float's 23: the bits rounding to float drops.
constexpr uint64_t kDroppedBits = (uint64_t{1} << 29) - 1;
constexpr uint64_t kHalfWay = uint64_t{1} << 28;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// nan, inf or infinity in any case, with an optional sign.
bool IsNonFiniteWord(std::string_view token) {
  if (!token.empty() && (token[0] == '-' || token[0] == '+')) token.remove_prefix(1);
  return EqualsIgnoreCase(token, "nan") || EqualsIgnoreCase(token, "inf") ||
         EqualsIgnoreCase(token, "infinity");
}

}  // namespace

std::string_view TrimBlanks(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsBlank(text[begin])) ++begin;
  while (end > begin && IsBlank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
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

size_t CountNewlines(std::string_view text) {
  // A plain counting loop: the compiler vectorizes it.
  size_t count = 0;
  const char* p = text.data();
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) count += (p[i] == '\n');
  return count;
}

const char* ScanFloat(const char* p, const char* end, float* value, FloatScan* status) {
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  const char* unsigned_start = p;
  // The value is mantissa * 10^exponent. At most 19 significant digits fit the
  // mantissa; `truncated` records a nonzero digit that did not.
  uint64_t mantissa = 0;
  int significant = 0;
  int64_t exponent = 0;
  bool any_digit = false;
  bool truncated = false;
  while (p < end && IsDigit(*p)) {
    any_digit = true;
    const int digit = *p - '0';
    if (significant < 19) {
      if (mantissa != 0 || digit != 0) {
        mantissa = mantissa * 10 + static_cast<uint64_t>(digit);
        ++significant;
      }
    } else {
      ++exponent;
      truncated |= digit != 0;
    }
    ++p;
  }
  if (p < end && *p == '.') {
    ++p;
    while (p < end && IsDigit(*p)) {
      any_digit = true;
      const int digit = *p - '0';
      if (significant < 19) {
        if (mantissa != 0 || digit != 0) {
          mantissa = mantissa * 10 + static_cast<uint64_t>(digit);
          ++significant;
        }
        --exponent;
      } else {
        truncated |= digit != 0;
      }
      ++p;
    }
  }
  if (!any_digit) {
    *status = FloatScan::kSyntax;
    return p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    const char* q = p + 1;
    bool exponent_negative = false;
    if (q < end && (*q == '-' || *q == '+')) {
      exponent_negative = *q == '-';
      ++q;
    }
    if (q == end || !IsDigit(*q)) {
      *status = FloatScan::kSyntax;
      return q;
    }
    int64_t e = 0;
    while (q < end && IsDigit(*q)) {
      if (e < 100000000) e = e * 10 + (*q - '0');
      ++q;
    }
    exponent += exponent_negative ? -e : e;
    p = q;
  }
  *status = FloatScan::kOk;
  if (mantissa == 0 && !truncated) {
    *value = negative ? -0.0f : 0.0f;
    return p;
  }
  // Fast path: an exact mantissa and an exact power of ten make one correctly
  // rounded double operation. Rounding that double to float is then correct
  // unless it landed exactly halfway between two floats, where the first
  // rounding may have decided the tie; those go to from_chars.
  if (!truncated && mantissa <= (uint64_t{1} << 53) && exponent >= -kMaxExactPow10 &&
      exponent <= kMaxExactPow10) {
    double d = static_cast<double>(mantissa);
    d = exponent < 0 ? d / kExactPow10[-exponent] : d * kExactPow10[exponent];
    if (d >= static_cast<double>(FLT_MIN) && d <= static_cast<double>(FLT_MAX) &&
        (std::bit_cast<uint64_t>(d) & kDroppedBits) != kHalfWay) {
      const float f = static_cast<float>(d);
      *value = negative ? -f : f;
      return p;
    }
  }
  float f = 0.0f;
  const auto [stop, error] = std::from_chars(unsigned_start, p, f, std::chars_format::general);
  if (error == std::errc::result_out_of_range) {
    *status = FloatScan::kOutOfRange;
  } else if (error != std::errc() || stop != p) {
    *status = FloatScan::kSyntax;
  } else {
    *value = negative ? -f : f;
  }
  return p;
}

NumberProblem ParseIndex(std::string_view token, uint32_t* value) {
  if (token.empty()) return NumberProblem::kEmpty;
  const char* begin = token.data();
  const char* end = begin + token.size();
  bool overflow = false;
  if (*begin == '-') {
    uint32_t ignored;
    const char* stop = ScanIndex(begin + 1, end, &ignored, &overflow);
    return (stop == end && stop != begin + 1) ? NumberProblem::kNegative : NumberProblem::kNotInteger;
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
      return absl::StrCat(name, " ", quoted, " is too large (the largest index is ", kMaxIndex, ")");
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

}  // namespace hogmf::input
