// Text scanning shared by the text readers: line iteration over a mapped
// buffer, allocation-free parsing of indices and decimal ratings, and the
// one-line error messages ("file:line: what was wrong; expected what").
//
// The number parsers come in two forms: pointer scanners (Scan*) for the hot
// loops, which stop at the first character that cannot continue the number and
// leave the caller to check what follows, and whole-token parsers (Parse*)
// that also say what is wrong with a bad token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hogmf::input {

// The largest index a file may use: 0xFFFFFFFF is kUnknownIndex, and a map
// holding index 4294967294 already has 2^32 - 1 entries.
inline constexpr uint32_t kMaxIndex = 0xFFFFFFFEu;

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
// Horizontal white space inside a line. A carriage return counts, so CRLF
// line endings need no special case.
inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Removes blanks (spaces, tabs, carriage returns) from both ends.
std::string_view TrimBlanks(std::string_view text);
// True when the text holds nothing but blanks.
bool IsBlankLine(std::string_view line);
// The text after a UTF-8 byte order mark, if it starts with one.
std::string_view SkipByteOrderMark(std::string_view text);
// The number of '\n' in the text (a bound on its line count, for reserving).
size_t CountNewlines(std::string_view text);

// Iterates the lines of a text. A line ends at '\n' (a preceding '\r' stays in
// the line; IsBlank treats it as white space); a last line without newline
// counts.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : pos_(text.data()), end_(text.data() + text.size()) {}

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
  uint64_t line_number_ = 0;
};

// Scans decimal digits at [p, end) into *value. Returns the position after the
// digits (p itself when there is none). Sets *overflow when the value exceeds
// kMaxIndex; the digits are consumed either way.
inline const char* ScanIndex(const char* p, const char* end, uint32_t* value, bool* overflow) {
  uint64_t v = 0;
  bool over = false;
  while (p < end && IsDigit(*p)) {
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
  kOutOfRange,  // a decimal number beyond the range of float
};

// Scans a decimal number at [p, end): an optional sign, digits with an
// optional '.' and fraction (at least one digit in all), and an optional
// exponent 'e' or 'E' with an optional sign and digits. Returns the position
// after the number; on kSyntax the returned position is meaningless. The result
// is the float nearest the decimal value (round to nearest even), computed
// exactly for the short decimals ratings use and by std::from_chars otherwise.
const char* ScanFloat(const char* p, const char* end, float* value, FloatScan* status);

enum class NumberProblem {
  kNone,
  kEmpty,        // the token is empty
  kNotInteger,   // not a run of decimal digits
  kNegative,     // an integer with a minus sign
  kTooLarge,     // an index beyond kMaxIndex
  kNotANumber,   // not a decimal number
  kNotFinite,    // nan or inf spelled out
  kOutOfRange,   // a decimal beyond the range of float
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

}  // namespace hogmf::input
