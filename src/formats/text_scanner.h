// Text scanning shared by the text readers: line iteration over a mapped
// buffer, allocation-free parsing of indices and decimal ratings, and the
// one-line error messages ("file:line: what was wrong; expected what").
//
// The number parsers come in two forms: pointer scanners (Scan*) for the hot
// loops, which stop at the first character that cannot continue the number and
// leave the caller to check what follows, and whole-token parsers (Parse*)
// that also say what is wrong with a bad token.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hogmf::formats {

// The largest index a file may use: 0xFFFFFFFF is kUnknownIndex, and a map
// holding index 4294967294 already has 2^32 - 1 entries.
inline constexpr uint32_t kMaxIndex = 0xFFFFFFFEu;

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
// Horizontal white space inside a line. A carriage return counts, so CRLF
// line endings need no special case.
inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Removes blanks (spaces, tabs, carriage returns) from both ends.
inline std::string_view TrimBlanks(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsBlank(text[begin])) ++begin;
  while (end > begin && IsBlank(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}
// ASCII letters compared without case (Abseil's EqualsIgnoreCase).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Splits `rest` into blank-separated tokens (IsBlank), one per call: stores
// the next token in *token, removes it from `rest` and returns true, or
// returns false (and empties `rest`) when only blanks are left.
bool NextToken(std::string_view& rest, std::string_view* token);
// True when the text holds nothing but blanks.
bool IsBlankLine(std::string_view line);
// The text after a UTF-8 byte order mark, if it starts with one.
std::string_view SkipByteOrderMark(std::string_view text);

// Iterates the lines of a text. A line ends at '\n' (a preceding '\r' stays in
// the line; IsBlank treats it as white space); a last line without newline
// counts.
class LineReader {
 public:
  // `first_line` is the number of the text's first line (a block of a file
  // starts past line 1).
  explicit LineReader(std::string_view text, uint64_t first_line = 1)
      : pos_(text.data()), end_(text.data() + text.size()), line_number_(first_line - 1) {}

  // The next line, without its '\n'; false at the end of the text.
  bool Next(std::string_view* line) {
    if (pos_ == end_) return false;
    const char* newline = static_cast<const char*>(std::memchr(pos_, '\n', end_ - pos_));
    const char* stop = newline != nullptr ? newline : end_;
    *line = std::string_view(pos_, stop - pos_);
    pos_ = newline != nullptr ? newline + 1 : end_;
    ++line_number_;
    return true;
  }
  // The 1-based number of the line Next returned last.
  uint64_t line_number() const { return line_number_; }

 private:
  const char* pos_;
  const char* end_;
  uint64_t line_number_;
};

// How many of the 8 bytes in `chunk` (first byte lowest) are decimal digits
// before the first byte that is not.
inline int LeadingDigits(uint64_t chunk) {
  // A byte's top bit in `below` marks a byte under '0', in `above` one over
  // '9' (bytes from 0x80 up have it set in `chunk`). Borrows and carries only
  // run from a non-digit byte to later ones, which do not matter.
  const uint64_t below = chunk - 0x3030303030303030ull;
  const uint64_t above = chunk + 0x4646464646464646ull;
  const uint64_t non_digit = (below | above | chunk) & 0x8080808080808080ull;
  return non_digit == 0 ? 8 : std::countr_zero(non_digit) >> 3;
}

// The value of the first `count` (1..8) bytes of `chunk`, all digits.
inline uint32_t DigitsValue(uint64_t chunk, int count) {
  // Right-align the digits (leading zeros come in below), then combine
  // neighbours: 8 digits -> 4 two-digit -> 2 four-digit -> 1 eight-digit.
  uint64_t v = (chunk - 0x3030303030303030ull) << (8 * (8 - count));
  v = (v * 10) + (v >> 8);
  v = (((v & 0x000000FF000000FFull) * 0x000F424000000064ull) +
       (((v >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >>
      32;
  return static_cast<uint32_t>(v);
}

// Scans decimal digits at [p, end) into *value. Returns the position after the
// digits (p itself when there is none). Sets *overflow when the value exceeds
// kMaxIndex; the digits are consumed either way.
//
// With kTerminated the caller guarantees a '\n' in [p, end), which stops every
// scan without bounds checks; digits are then read 8 bytes at a time.
template <bool kTerminated = false>
inline const char* ScanIndex(const char* p, const char* end, uint32_t* value, bool* overflow) {
  uint64_t v = 0;
  if constexpr (kTerminated) {
    if (end - p >= 8) {
      uint64_t chunk;
      std::memcpy(&chunk, p, sizeof(chunk));
      const int count = LeadingDigits(chunk);
      if (count == 0) {
        *value = 0;
        *overflow = false;
        return p;
      }
      v = DigitsValue(chunk, count);
      p += count;
      if (count < 8) {
        *value = static_cast<uint32_t>(v);
        *overflow = false;
        return p;
      }
    }
  }
  bool over = false;
  while ((kTerminated || p < end) && IsDigit(*p)) {
    v = v * 10 + static_cast<uint64_t>(*p - '0');
    if (v > kMaxIndex) {
      over = true;
      v = kMaxIndex;  // keeps the accumulator small; the result is discarded
    }
    ++p;
  }
  *value = static_cast<uint32_t>(v);
  *overflow = over;
  return p;
}

enum class FloatScan {
  kOk,
  kSyntax,      // not a decimal number
  kOutOfRange,  // a decimal beyond the range of float
};

namespace internal {

// Powers of ten that a double holds exactly.
inline constexpr double kExactPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                         1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                         1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The unsigned decimal [begin, end) by std::from_chars: the slow, always
// correct path for what the fast path leaves.
FloatScan FloatFromChars(const char* begin, const char* end, float* value);

}  // namespace internal

// Scans a decimal number at [p, end): an optional sign, digits with an
// optional '.' and fraction (at least one digit in all), and an optional
// exponent 'e' or 'E' with an optional sign and digits. Returns the position
// after the number; on kSyntax the returned position is meaningless. The
// result is the float nearest the decimal value (ties to even): computed
// directly for decimals of up to 19 digits with a small exponent (every
// rating and every shortest float string), by std::from_chars otherwise.
// kTerminated is as for ScanIndex.
template <bool kTerminated = false>
inline const char* ScanFloat(const char* p, const char* end, float* value, FloatScan* status) {
  auto more = [&](const char* at) { return kTerminated || at < end; };
  bool negative = false;
  if (more(p) && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  const char* const unsigned_start = p;
  // The value is mantissa * 10^exponent. The first 19 digits (leading zeros
  // included) go into the mantissa; `truncated` records a nonzero digit after.
  uint64_t mantissa = 0;
  int digits = 0;
  int64_t exponent = 0;
  bool truncated = false;
  while (more(p) && IsDigit(*p)) {
    if (digits < 19) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
    } else {
      ++exponent;
      truncated |= *p != '0';
    }
    ++digits;
    ++p;
  }
  if (more(p) && *p == '.') {
    ++p;
    while (more(p) && IsDigit(*p)) {
      if (digits < 19) {
        mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
        --exponent;
      } else {
        truncated |= *p != '0';
      }
      ++digits;
      ++p;
    }
  }
  if (digits == 0) {
    *status = FloatScan::kSyntax;
    return p;
  }
  if (more(p) && (*p == 'e' || *p == 'E')) {
    const char* q = p + 1;
    bool exponent_negative = false;
    if (more(q) && (*q == '-' || *q == '+')) {
      exponent_negative = *q == '-';
      ++q;
    }
    if (!more(q) || !IsDigit(*q)) {
      *status = FloatScan::kSyntax;
      return q;
    }
    int64_t e = 0;
    while (more(q) && IsDigit(*q)) {
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
  // unless it landed exactly halfway between two floats (the 29 bits rounding
  // drops are 1000...0), where the first rounding may have decided the tie.
  if (!truncated && mantissa <= (uint64_t{1} << 53) && exponent >= -22 && exponent <= 22) {
    double d = static_cast<double>(mantissa);
    d = exponent < 0 ? d / internal::kExactPow10[-exponent] : d * internal::kExactPow10[exponent];
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof(bits));
    if (d >= 0x1p-126 && d <= 0x1.fffffep127 && (bits & 0x1FFFFFFFu) != 0x10000000u) {
      const float f = static_cast<float>(d);
      *value = negative ? -f : f;
      return p;
    }
  }
  float f = 0.0f;
  *status = internal::FloatFromChars(unsigned_start, p, &f);
  *value = negative ? -f : f;
  return p;
}

enum class NumberProblem {
  kNone,
  kEmpty,       // the token is empty
  kNotInteger,  // not a run of decimal digits
  kNegative,    // an integer with a minus sign
  kTooLarge,    // an index beyond kMaxIndex
  kNotANumber,  // not a decimal number
  kNotFinite,   // nan or inf spelled out
  kOutOfRange,  // a decimal beyond the range of float
};

// Parses a whole token as an index in [0, kMaxIndex].
NumberProblem ParseIndex(std::string_view token, uint32_t* value);
// Parses a whole token as a finite float.
NumberProblem ParseRating(std::string_view token, float* value);
// True when the token is a decimal number, or nan/inf spelled out (format
// sniffing treats those as numbers so the reader can report them precisely).
bool LooksNumeric(std::string_view token);
// True when the token is an optional sign followed by digits.
bool LooksInteger(std::string_view token);

// The token in single quotes, cut to a readable length, with control and
// non-ASCII bytes written as \xHH, for error messages.
std::string Quote(std::string_view token);
// "<what> '<token>' <problem text>", e.g. "row '-3' is negative".
std::string DescribeProblem(std::string_view what, std::string_view token, NumberProblem problem);

// InvalidArgument "path:line: problem; expected expected".
absl::Status LineError(std::string_view path, uint64_t line, std::string_view problem,
                       std::string_view expected);
// InvalidArgument "path: problem; expected expected" (no line applies).
absl::Status FileError(std::string_view path, std::string_view problem, std::string_view expected);

}  // namespace hogmf::formats
