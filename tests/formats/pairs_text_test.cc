// Tests of the implicit-feedback inputs: "user item" pairs files (reader,
// writer, sniffing) and csv/tsv files whose header has only a user and an item
// column. Every pair is read with value 1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hogmf/input.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<ReadResult> Read(const std::string& path, Format format) {
  ReadOptions options;
  options.format = format;
  return ReadRatings(path, options);
}

// An InvalidArgument error whose message starts "path:line: " and has `text`.
::testing::Matcher<const absl::StatusOr<ReadResult>&> FailsAt(const std::string& path, int line,
                                                              const std::string& text) {
  return StatusIs(absl::StatusCode::kInvalidArgument,
                  AllOf(StartsWith(path + ":" + std::to_string(line) + ": "), HasSubstr(text),
                        HasSubstr("; expected ")));
}

// (user, item, value) with the file's ids.
std::vector<std::string> Named(const Ratings& ratings) {
  std::vector<std::string> out;
  for (const Rating& r : ratings.entries()) {
    out.push_back(ratings.users().Name(r.user) + " " + ratings.items().Name(r.item) + " " +
                  std::to_string(r.value));
  }
  return out;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ---- pairs files ----

TEST(PairsTextTest, ReadsIndicesAsTheyAreWithValueOne) {
  TempDir dir;
  const std::string path = dir.Write("p.txt", "1 2\n0\t7\r\n\n   \n  3   0  \n1 3");
  for (Format format : {Format::kPairs, Format::kAuto}) {
    absl::StatusOr<ReadResult> read = Read(path, format);
    ASSERT_THAT(read, IsOk());
    EXPECT_EQ(read->format, Format::kPairs);
    const Ratings& r = read->ratings;
    ASSERT_EQ(r.size(), 4u);
    const std::vector<Rating> expected = {{1, 2, 1.0f}, {0, 7, 1.0f}, {3, 0, 1.0f}, {1, 3, 1.0f}};
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(r[i].user, expected[i].user) << i;
      EXPECT_EQ(r[i].item, expected[i].item) << i;
      EXPECT_EQ(r[i].value, 1.0f) << i;
    }
    EXPECT_TRUE(r.users().is_identity());
    EXPECT_TRUE(r.items().is_identity());
    EXPECT_EQ(r.num_users(), 4u);
    EXPECT_EQ(r.num_items(), 8u);
  }
}

TEST(PairsTextTest, AcceptsTheLargestIndexAndRefusesLarger) {
  TempDir dir;
  absl::StatusOr<ReadResult> read = Read(dir.Write("r.txt", "4294967294 0\n"), Format::kPairs);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->ratings.num_users(), 4294967295u);
  const std::string big = dir.Write("big.txt", "0 1\n0 4294967295\n");
  EXPECT_THAT(Read(big, Format::kAuto),
              FailsAt(big, 2, "item '4294967295' is too large (the largest index is 4294967294)"));
}

TEST(PairsTextTest, ReportsTheLineAndWhatIsWrong) {
  TempDir dir;
  struct Case {
    std::string line3;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"7", "line has 1 field; expected 'user item' (2 fields separated by spaces or tabs)"},
      {"1 2 3", "line has 3 fields; expected 'user item' (2 fields"},
      {"1 2 3.5", "line has 3 fields"},
      {"-1 2",
       "user '-1' is negative; expected 'user item' with user and item integers in [0, "
       "4294967294]"},
      {"1 -2", "item '-2' is negative"},
      {"4294967295 2", "user '4294967295' is too large (the largest index is 4294967294)"},
      {"1 99999999999999999999", "item '99999999999999999999' is too large"},
      {"1.5 2", "user '1.5' is not a non-negative integer"},
      {"1 2x", "item '2x' is not a non-negative integer"},
      {"1,2", "line has 1 field"},
  };
  for (const Case& c : cases) {
    const std::string path = dir.Write("bad.txt", "0 0\n\n" + c.line3 + "\n5 5\n");
    EXPECT_THAT(Read(path, Format::kPairs), FailsAt(path, 3, c.message)) << c.line3;
  }
  // A last line without its newline is checked the same way.
  const std::string last = dir.Write("last.txt", "0 0\n1 2 3");
  EXPECT_THAT(Read(last, Format::kPairs), FailsAt(last, 2, "line has 3 fields"));
}

TEST(PairsTextTest, RefusesFilesWithoutPairs) {
  TempDir dir;
  const std::string blank = dir.Write("blank.txt", "\n  \n\r\n");
  EXPECT_THAT(Read(blank, Format::kPairs),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith(blank + ": no ratings"), HasSubstr("'user item'"))));
}

TEST(PairsTextTest, WriterDropsValuesAndReadsBack) {
  TempDir dir;
  Ratings ratings({Rating{3, 0, 4.5f}, Rating{0, 11, -1.0f}, Rating{4294967294u, 2, 1.0f}},
                  IdMap::Identity(4294967295u), IdMap::Identity(12));
  const std::string path = dir.File("out.txt");
  ASSERT_THAT(WritePairsText(ratings, path), IsOk());
  EXPECT_EQ(ReadText(path), "3 0\n0 11\n4294967294 2\n");
  absl::StatusOr<ReadResult> read = ReadRatings(path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->format, Format::kPairs);
  EXPECT_EQ(Named(read->ratings),
            (std::vector<std::string>{"3 0 1.000000", "0 11 1.000000", "4294967294 2 1.000000"}));
}

// ---- sniffing ----

TEST(PairsSniffTest, TwoIntegersArePairsAndOtherShapesAreNot) {
  TempDir dir;
  struct Case {
    std::string content;
    Format expected;
  };
  const std::vector<Case> cases = {
      {"1 2\n1 3\n2 3\n", Format::kPairs},
      {"\n  1\t2\n", Format::kPairs},
      {"5 0\n0 1\n", Format::kPairs},  // a 2-column dense matrix: needs --format=dense
      {"-1 2\n", Format::kPairs},      // its reader reports the negative index
      {"0.5 1.5\n", Format::kDense},   // not integers
      {"1 2.0\n", Format::kDense},     // not integers
      {"1 2 3\n", Format::kLibmf},     // three fields
      {"1\n", Format::kDense},         // one column
      {"user\titem\n1\t2\n", Format::kTsv},
      {"user item\n1 2\n", Format::kTsv},  // a header row of words
  };
  for (const Case& c : cases) {
    const std::string path = dir.Write("s.txt", c.content);
    absl::StatusOr<Format> format = DetectFormat(path);
    ASSERT_THAT(format, IsOk()) << c.content;
    EXPECT_EQ(FormatName(*format), FormatName(c.expected)) << c.content;
  }
}

TEST(PairsSniffTest, ATwoColumnDenseMatrixIsReadWhenNamed) {
  TempDir dir;
  const std::string path = dir.Write("m.txt", "5 0\n0 1\n2 3\n");
  absl::StatusOr<ReadResult> dense = Read(path, Format::kDense);
  ASSERT_THAT(dense, IsOk());
  EXPECT_EQ(dense->ratings.size(), 4u);
  EXPECT_EQ(dense->ratings.num_users(), 3u);
  EXPECT_EQ(dense->ratings.num_items(), 2u);
  absl::StatusOr<ReadResult> pairs = Read(path, Format::kAuto);
  ASSERT_THAT(pairs, IsOk());
  EXPECT_EQ(pairs->format, Format::kPairs);
  EXPECT_EQ(pairs->ratings.size(), 3u);
  EXPECT_EQ(pairs->ratings.num_users(), 6u);
}

// ---- csv and tsv with only user and item columns ----

TEST(ImplicitDelimitedTest, ATwoColumnHeaderReadsValueOne) {
  TempDir dir;
  const std::string csv = dir.Write("r.csv", "user,item\nalice,Heat\nalice,Up\nbob,Heat\n");
  absl::StatusOr<ReadResult> read = ReadRatings(csv);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->format, Format::kCsv);
  EXPECT_EQ(
      Named(read->ratings),
      (std::vector<std::string>{"alice Heat 1.000000", "alice Up 1.000000", "bob Heat 1.000000"}));
  // Any two names, in either order once chosen; tsv the same way.
  const std::string tsv = dir.Write("r.tsv", "item\tuser\nx\t7\ny\t8\n");
  read = ReadRatings(tsv);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->format, Format::kTsv);
  EXPECT_EQ(Named(read->ratings), (std::vector<std::string>{"7 x 1.000000", "8 y 1.000000"}));
  const std::string plain = dir.Write("p.csv", "a,b\n1,2\n");
  read = ReadRatings(plain);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings), (std::vector<std::string>{"1 2 1.000000"}));
}

TEST(ImplicitDelimitedTest, ColumnFlagsStillApply) {
  TempDir dir;
  const std::string path = dir.Write("r.csv", "a,b\nx,1\ny,2\n");
  ReadOptions options;
  options.user_column = "b";
  options.item_column = "0";
  absl::StatusOr<ReadResult> read = ReadRatings(path, options);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings), (std::vector<std::string>{"1 x 1.000000", "2 y 1.000000"}));
  // A rating column that is named is read, so it must not be a user or item one.
  options.rating_column = "b";
  EXPECT_THAT(ReadRatings(path, options), FailsAt(path, 1, "columns are both column 1"));
  options = {};
  options.item_column = "a";
  EXPECT_THAT(ReadRatings(path, options), FailsAt(path, 1, "the user and item columns are both"));
  // A value column among two is a rating column: nothing is left for the item.
  const std::string rated = dir.Write("v.csv", "user,rating\nx,1\n");
  EXPECT_THAT(ReadRatings(rated), FailsAt(rated, 1, "columns are both column 1"));
}

TEST(ImplicitDelimitedTest, RowsNeedBothColumnsAndLinesAreReported) {
  TempDir dir;
  const std::string narrow = dir.Write("n.csv", "user,item\na,b\n\nc\n");
  EXPECT_THAT(ReadRatings(narrow),
              FailsAt(narrow, 4,
                      "row has 1 column; expected at least 2 columns (user in column 0, item in "
                      "column 1)"));
  const std::string empty = dir.Write("e.csv", "user,item\na,\n");
  EXPECT_THAT(ReadRatings(empty), FailsAt(empty, 2, "the item id in column 1 is empty"));
  // Extra fields in a row are allowed, as for rated files.
  const std::string wide = dir.Write("w.csv", "user,item\na,b,c\n");
  EXPECT_THAT(ReadRatings(wide), IsOk());
}

TEST(ImplicitDelimitedTest, AmbiguousHeadersAreStillRefused) {
  TempDir dir;
  // One column: no item column.
  const std::string one = dir.Write("o.tsv", "user\n1\n");
  EXPECT_THAT(Read(one, Format::kTsv),
              FailsAt(one, 1, "the header has 1 column and none is named as an item column"));
  // Three columns, none named as a rating, and the user or item column where
  // the rating would default to: which of the others is the rating is a guess.
  const std::string three = dir.Write("t.csv", "a,b,c\nx,2,1\n");
  ReadOptions options;
  options.user_column = "c";
  EXPECT_THAT(ReadRatings(three, options),
              FailsAt(three, 1,
                      "the header has 3 columns and none is named as a rating column; expected a "
                      "column named rating, value or score, or --rating-column naming one"));
  // With --rating-column it reads.
  options.rating_column = "b";
  options.item_column = "a";
  absl::StatusOr<ReadResult> read = ReadRatings(three, options);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings), (std::vector<std::string>{"1 x 2.000000"}));
}

}  // namespace
}  // namespace hogmf
