// Tests of the number parsers and error text behind the text readers.
#include "formats/text_scanner.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cstdint>
#include <string>

#include "util/input_stream.h"
#include "util/random.h"

namespace hogmf::formats {
namespace {

// The float from_chars gives for a whole token (the reference).
float Reference(const std::string& text) {
  float value = 0.0f;
  const char* begin = text.data();
  if (*begin == '+') ++begin;
  const auto [stop, error] = std::from_chars(begin, text.data() + text.size(), value);
  EXPECT_EQ(error, std::errc()) << text;
  EXPECT_EQ(stop, text.data() + text.size()) << text;
  return value;
}

float Parse(const std::string& text) {
  float value = -12345.0f;
  EXPECT_EQ(ParseRating(text, &value), NumberProblem::kNone) << text;
  return value;
}

TEST(ScanFloatTest, ShortDecimalsAreExact) {
  EXPECT_EQ(Parse("4"), 4.0f);
  EXPECT_EQ(Parse("3.5"), 3.5f);
  EXPECT_EQ(Parse("-2.25"), -2.25f);
  EXPECT_EQ(Parse("+1"), 1.0f);
  EXPECT_EQ(Parse("0.1"), 0.1f);
  EXPECT_EQ(Parse(".5"), 0.5f);
  EXPECT_EQ(Parse("5."), 5.0f);
  EXPECT_EQ(Parse("007.50"), 7.5f);
  EXPECT_EQ(Parse("1e3"), 1000.0f);
  EXPECT_EQ(Parse("2.5E-1"), 0.25f);
  EXPECT_EQ(Parse("1.5e+20"), 1.5e20f);
  EXPECT_EQ(std::bit_cast<uint32_t>(Parse("-0")), std::bit_cast<uint32_t>(-0.0f));
  EXPECT_EQ(Parse("0e999999999999"), 0.0f);
}

TEST(ScanFloatTest, HalfwayCasesRoundToEven) {
  // 2^24 + 1 lies halfway between two floats; ties go to the even one.
  EXPECT_EQ(Parse("16777217"), 16777216.0f);
  EXPECT_EQ(Parse("16777219"), 16777220.0f);
  // Just above the halfway point between 1 and the next float.
  const std::string above = "1.00000005960464477539062501";
  EXPECT_EQ(Parse(above), Reference(above));
  EXPECT_GT(Parse(above), 1.0f);
  const std::string exact = "1.000000059604644775390625";
  EXPECT_EQ(Parse(exact), 1.0f);
}

TEST(ScanFloatTest, ShortestFloatStringsReadBackBitExactly) {
  hogmf::internal::Rng rng(17);
  for (int i = 0; i < 200000; ++i) {
    uint32_t bits = static_cast<uint32_t>(rng.Next());
    if ((bits & 0x7F800000u) == 0x7F800000u) continue;  // skip nan and inf
    const float value = std::bit_cast<float>(bits);
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    const std::string text(buffer, result.ptr);
    ASSERT_EQ(std::bit_cast<uint32_t>(Parse(text)), bits) << text;
  }
}

TEST(ScanFloatTest, RandomDecimalsMatchFromChars) {
  hogmf::internal::Rng rng(5);
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    if (rng.Below(4) == 0) text += '-';
    const int int_digits = static_cast<int>(rng.Below(12));
    for (int d = 0; d < int_digits; ++d) text += static_cast<char>('0' + rng.Below(10));
    const int frac_digits = static_cast<int>(rng.Below(14));
    if (int_digits == 0 && frac_digits == 0) text += '0';
    if (frac_digits > 0) {
      text += '.';
      for (int d = 0; d < frac_digits; ++d) text += static_cast<char>('0' + rng.Below(10));
    }
    if (rng.Below(3) == 0) {
      text += 'e';
      text += std::to_string(static_cast<int>(rng.Below(41)) - 20);
    }
    ASSERT_EQ(std::bit_cast<uint32_t>(Parse(text)), std::bit_cast<uint32_t>(Reference(text)))
        << text;
  }
}

TEST(ScanFloatTest, ScanStopsAtTheEndOfTheNumber) {
  const std::string text = "3.25 7";
  float value;
  FloatScan status;
  const char* stop = ScanFloat(text.data(), text.data() + text.size(), &value, &status);
  EXPECT_EQ(status, FloatScan::kOk);
  EXPECT_EQ(stop, text.data() + 4);
  EXPECT_EQ(value, 3.25f);
}

TEST(ScanIndexTest, EightByteScanMatchesTheByteLoop) {
  hogmf::internal::Rng rng(9);
  const char alphabet[] = "0123456789012345678901234567890123456789 \t/:.-\x80\xb9\xba\xff";
  for (int trial = 0; trial < 100000; ++trial) {
    std::string text;
    const size_t size = rng.Below(24);
    for (size_t i = 0; i < size; ++i) text += alphabet[rng.Below(sizeof(alphabet) - 1)];
    text += '\n';
    text += "0123456789";  // digits after the end must not be read as part of a number
    const char* end = text.data() + size + 1;
    uint32_t expected_value, value;
    bool expected_overflow, overflow;
    const char* expected_stop = ScanIndex(text.data(), end, &expected_value, &expected_overflow);
    const char* stop = ScanIndex<true>(text.data(), end, &value, &overflow);
    ASSERT_EQ(stop, expected_stop) << text;
    ASSERT_EQ(overflow, expected_overflow) << text;
    if (!overflow) {
      ASSERT_EQ(value, expected_value) << text;
    }
  }
  for (const std::string number :
       {"4294967294", "4294967295", "12345678", "123456789", "00000000001"}) {
    const std::string text = number + " 1\n";
    uint32_t value;
    bool overflow;
    const char* stop = ScanIndex<true>(text.data(), text.data() + text.size(), &value, &overflow);
    EXPECT_EQ(stop, text.data() + number.size());
    EXPECT_EQ(overflow, number == "4294967295");
    if (!overflow) {
      EXPECT_EQ(value, std::stoull(number));
    }
  }
}

TEST(ParseRatingTest, ReportsWhatIsWrong) {
  float value;
  EXPECT_EQ(ParseRating("", &value), NumberProblem::kEmpty);
  EXPECT_EQ(ParseRating("abc", &value), NumberProblem::kNotANumber);
  EXPECT_EQ(ParseRating("3.5x", &value), NumberProblem::kNotANumber);
  EXPECT_EQ(ParseRating("1e", &value), NumberProblem::kNotANumber);
  EXPECT_EQ(ParseRating("-", &value), NumberProblem::kNotANumber);
  EXPECT_EQ(ParseRating(".", &value), NumberProblem::kNotANumber);
  EXPECT_EQ(ParseRating("1.2.3", &value), NumberProblem::kNotANumber);
  EXPECT_EQ(ParseRating("NaN", &value), NumberProblem::kNotFinite);
  EXPECT_EQ(ParseRating("-inf", &value), NumberProblem::kNotFinite);
  EXPECT_EQ(ParseRating("Infinity", &value), NumberProblem::kNotFinite);
  EXPECT_EQ(ParseRating("1e39", &value), NumberProblem::kOutOfRange);
  EXPECT_EQ(ParseRating("-1e39", &value), NumberProblem::kOutOfRange);
  EXPECT_EQ(ParseRating("1e-40", &value), NumberProblem::kNone);  // a subnormal
}

TEST(ParseIndexTest, AcceptsDigitsUpToTheLargestIndex) {
  uint32_t value;
  EXPECT_EQ(ParseIndex("0", &value), NumberProblem::kNone);
  EXPECT_EQ(value, 0u);
  EXPECT_EQ(ParseIndex("00042", &value), NumberProblem::kNone);
  EXPECT_EQ(value, 42u);
  EXPECT_EQ(ParseIndex("4294967294", &value), NumberProblem::kNone);
  EXPECT_EQ(value, 4294967294u);
  EXPECT_EQ(ParseIndex("4294967295", &value), NumberProblem::kTooLarge);
  EXPECT_EQ(ParseIndex("99999999999999999999999", &value), NumberProblem::kTooLarge);
  EXPECT_EQ(ParseIndex("-3", &value), NumberProblem::kNegative);
  EXPECT_EQ(ParseIndex("-", &value), NumberProblem::kNotInteger);
  EXPECT_EQ(ParseIndex("+3", &value), NumberProblem::kNotInteger);
  EXPECT_EQ(ParseIndex("3.0", &value), NumberProblem::kNotInteger);
  EXPECT_EQ(ParseIndex("x", &value), NumberProblem::kNotInteger);
  EXPECT_EQ(ParseIndex("", &value), NumberProblem::kEmpty);
}

TEST(QuoteTest, EscapesAndShortens) {
  EXPECT_EQ(Quote("abc"), "'abc'");
  EXPECT_EQ(Quote(std::string("a\0b", 3)), "'a\\x00b'");
  EXPECT_EQ(Quote(std::string(100, 'x')), "'" + std::string(37, 'x') + "...'");
}

TEST(ErrorTextTest, NamesFileLineProblemAndExpectation) {
  const absl::Status status =
      LineError("bad.txt", 3, DescribeProblem("rating", "abc", NumberProblem::kNotANumber),
                "'row col value' with a numeric value");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      status.message(),
      "bad.txt:3: rating 'abc' is not a number; expected 'row col value' with a numeric value");
}

TEST(LineReaderTest, CountsLinesAndKeepsTheLastLineWithoutNewline) {
  LineReader lines("a\n\nb\r\nc");
  std::string_view line;
  ASSERT_TRUE(lines.Next(&line));
  EXPECT_EQ(line, "a");
  ASSERT_TRUE(lines.Next(&line));
  EXPECT_EQ(line, "");
  ASSERT_TRUE(lines.Next(&line));
  EXPECT_EQ(line, "b\r");
  EXPECT_EQ(lines.line_number(), 3u);
  ASSERT_TRUE(lines.Next(&line));
  EXPECT_EQ(line, "c");
  EXPECT_FALSE(lines.Next(&line));
  EXPECT_EQ(hogmf::internal::CountNewlines("a\n\nb\r\nc"), 3u);
}

}  // namespace
}  // namespace hogmf::formats
