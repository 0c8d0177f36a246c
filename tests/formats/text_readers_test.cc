// Tests of the text readers: libmf, movielens-tsv, movielens-dat, csv, tsv and
// dense, with their id maps and every error they report.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

struct Entry {
  std::string user;
  std::string item;
  float value;
  bool operator==(const Entry&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Entry& e) {
  return os << "(" << e.user << ", " << e.item << ", " << e.value << ")";
}

// The entries with their external ids.
std::vector<Entry> Named(const Ratings& ratings) {
  std::vector<Entry> out;
  for (const Rating& r : ratings.entries()) {
    out.push_back({ratings.users().Name(r.user), ratings.items().Name(r.item), r.value});
  }
  return out;
}

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

// ---- libmf ----

TEST(LibmfTextTest, ReadsIndicesAsTheyAre) {
  TempDir dir;
  const std::string path = dir.Write("r.txt", "0 1 3.5\n2\t0  4\r\n\n   \n  1 3 -2.25");
  absl::StatusOr<ReadResult> read = Read(path, Format::kLibmf);
  ASSERT_THAT(read, IsOk());
  const Ratings& r = read->ratings;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].user, 0u);
  EXPECT_EQ(r[0].item, 1u);
  EXPECT_EQ(r[0].value, 3.5f);
  EXPECT_EQ(r[1].user, 2u);
  EXPECT_EQ(r[1].item, 0u);
  EXPECT_EQ(r[1].value, 4.0f);
  EXPECT_EQ(r[2].value, -2.25f);
  EXPECT_TRUE(r.users().is_identity());
  EXPECT_TRUE(r.items().is_identity());
  EXPECT_EQ(r.num_users(), 3u);
  EXPECT_EQ(r.num_items(), 4u);
  EXPECT_TRUE(r.owns_entries());
  EXPECT_EQ(read->format, Format::kLibmf);
}

TEST(LibmfTextTest, AcceptsTheLargestIndex) {
  TempDir dir;
  absl::StatusOr<ReadResult> read = Read(dir.Write("r.txt", "4294967294 0 1\n"), Format::kLibmf);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->ratings.num_users(), 4294967295u);
}

TEST(LibmfTextTest, ReportsTheLineAndWhatIsWrong) {
  TempDir dir;
  struct Case {
    std::string line3;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"1 2 abc", "rating 'abc' is not a number; expected 'row col value' with a numeric value"},
      {"1 2 nan", "rating 'nan' is not a finite number"},
      {"1 2 -Inf", "rating '-Inf' is not a finite number"},
      {"1 2 1e39", "rating '1e39' is out of the range of a 32-bit float"},
      {"-1 2 3", "row '-1' is negative"},
      {"1 -2 3", "col '-2' is negative"},
      {"4294967295 2 3", "row '4294967295' is too large (the largest index is 4294967294)"},
      {"1 99999999999999999999 3", "col '99999999999999999999' is too large"},
      {"1.5 2 3", "row '1.5' is not a non-negative integer"},
      {"1 2", "line has 2 fields; expected 'row col value' (3 fields"},
      {"1 2 3 4", "line has 4 fields"},
      {"1,2,3", "line has 1 field"},
      {"1 2 3.5x", "rating '3.5x' is not a number"},
  };
  for (const Case& c : cases) {
    const std::string path = dir.Write("bad.txt", "0 0 1\n\n" + c.line3 + "\n5 5 5\n");
    EXPECT_THAT(Read(path, Format::kLibmf), FailsAt(path, 3, c.message)) << c.line3;
  }
}

TEST(LibmfTextTest, ReadsAPageSizedFileEndingInADigit) {
  // The mapping ends exactly at the end of the page: nothing may read past it.
  std::string content;
  for (int i = 0; i < 681; ++i) content += "1 2 3\n";
  content += "1 2 5.0000";
  ASSERT_EQ(content.size(), 4096u);
  TempDir dir;
  for (Format format : {Format::kLibmf, Format::kDense, Format::kAuto}) {
    absl::StatusOr<ReadResult> read = Read(dir.Write("page.txt", content), format);
    ASSERT_THAT(read, IsOk());
    EXPECT_EQ(read->ratings.size(), format == Format::kDense ? 682u * 3 : 682u);
    EXPECT_EQ(read->ratings.entries().back().value, 5.0f);
  }
}

TEST(LibmfTextTest, RefusesFilesWithoutRatings) {
  TempDir dir;
  const std::string empty = dir.Write("empty.txt", "");
  EXPECT_THAT(Read(empty, Format::kLibmf), StatusIs(absl::StatusCode::kInvalidArgument,
                                                    StartsWith(empty + ": the file is empty")));
  const std::string blank = dir.Write("blank.txt", "\n  \n\r\n");
  EXPECT_THAT(Read(blank, Format::kLibmf),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(blank + ": no ratings")));
}

// ---- MovieLens ----

TEST(MovielensTest, TsvInternsIdsInOrderOfAppearance) {
  TempDir dir;
  const std::string path = dir.Write(
      "u.data", "196\t242\t3\t881250949\n186\t302\t3.5\t891717742\n196\t377\t1\t878887116\n");
  absl::StatusOr<ReadResult> read = Read(path, Format::kMovielensTsv);
  ASSERT_THAT(read, IsOk());
  const Ratings& r = read->ratings;
  EXPECT_FALSE(r.users().is_identity());
  EXPECT_EQ(r.num_users(), 2u);
  EXPECT_EQ(r.num_items(), 3u);
  EXPECT_EQ(r.users().Name(0), "196");
  EXPECT_EQ(r.users().Find("186"), 1u);
  EXPECT_EQ(Named(r),
            (std::vector<Entry>{{"196", "242", 3}, {"186", "302", 3.5}, {"196", "377", 1}}));
}

TEST(MovielensTest, DatSplitsOnDoubleColons) {
  TempDir dir;
  const std::string path = dir.Write(
      "ratings.dat", "1::1193::5::978300760\r\n1::661::3::978302109\r\n2::1193::4.5::978300275");
  absl::StatusOr<ReadResult> read = Read(path, Format::kMovielensDat);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings),
            (std::vector<Entry>{{"1", "1193", 5}, {"1", "661", 3}, {"2", "1193", 4.5}}));
  EXPECT_EQ(read->ratings.num_items(), 2u);
}

TEST(MovielensTest, ReportsBadLines) {
  TempDir dir;
  const std::string tsv = dir.Write("u.data", "1\t2\t3\t4\n1\t2\t3\n");
  EXPECT_THAT(
      Read(tsv, Format::kMovielensTsv),
      FailsAt(tsv, 2,
              "line has 3 fields; expected 4 fields 'user<TAB>item<TAB>rating<TAB>timestamp'"));
  const std::string rating = dir.Write("u2.data", "1\t2\t3\t4\n\n1\t2\tfive\t4\n");
  EXPECT_THAT(Read(rating, Format::kMovielensTsv),
              FailsAt(rating, 3, "rating 'five' is not a number"));
  const std::string dat = dir.Write("r.dat", "1::2::3::4\n1::2::NaN::4\n");
  EXPECT_THAT(Read(dat, Format::kMovielensDat),
              FailsAt(dat, 2, "rating 'NaN' is not a finite number"));
  const std::string extra = dir.Write("r2.dat", "1::2::3::4::5\n");
  EXPECT_THAT(Read(extra, Format::kMovielensDat), FailsAt(extra, 1, "line has 5 fields"));
  const std::string empty_id = dir.Write("r3.dat", "::2::3::4\n");
  EXPECT_THAT(Read(empty_id, Format::kMovielensDat), FailsAt(empty_id, 1, "the user id is empty"));
}

// ---- csv and tsv ----

TEST(DelimitedTest, ReadsMovielensCsvByHeaderNames) {
  TempDir dir;
  const std::string path =
      dir.Write("ratings.csv",
                "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n"
                "7,31,4.0,1260759185\n");
  absl::StatusOr<ReadResult> read = Read(path, Format::kCsv);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings),
            (std::vector<Entry>{{"1", "31", 2.5}, {"1", "1029", 3}, {"7", "31", 4}}));
  EXPECT_EQ(read->ratings.num_users(), 2u);
  EXPECT_EQ(read->ratings.num_items(), 2u);
}

TEST(DelimitedTest, FindsDefaultColumnsAnywhereInAnyCase) {
  TempDir dir;
  const std::string path =
      dir.Write("r.csv", "Score,title,ITEM_ID,User\n4.5,\"Heat, (1995)\",i1,alice\n");
  absl::StatusOr<ReadResult> read = Read(path, Format::kCsv);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings), (std::vector<Entry>{{"alice", "i1", 4.5}}));
}

TEST(DelimitedTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  TempDir dir;
  const std::string rows =
      "user,title,rating\n"
      "\"Smith, J\",\"Heat, \"\"the\"\" movie (1995)\",4\r\n"
      "bob , \"Two\nlines\" , 3\n"
      "\"carol\",plain,5\n";
  ReadOptions options;
  options.format = Format::kCsv;
  options.item_column = "title";
  const std::string good = dir.Write("g.csv", rows);
  absl::StatusOr<ReadResult> read = ReadRatings(good, options);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings), (std::vector<Entry>{{"Smith, J", "Heat, \"the\" movie (1995)", 4},
                                                      {"bob", "Two\nlines", 3},
                                                      {"carol", "plain", 5}}));
  // An empty quoted id is refused, on the line where its row starts.
  const std::string empty = dir.Write("e.csv", rows + "\"Smith, J\",\"\",1\n");
  EXPECT_THAT(ReadRatings(empty, options), FailsAt(empty, 6, "the item id in column 1 is empty"));
}

TEST(DelimitedTest, ColumnsChosenByPositionOrName) {
  TempDir dir;
  const std::string path = dir.Write("r.csv", "a,b,c,d\nx,1,y,2\n");
  ReadOptions options;
  options.format = Format::kCsv;
  options.user_column = "2";
  options.item_column = "a";
  options.rating_column = "3";
  absl::StatusOr<ReadResult> read = ReadRatings(path, options);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings), (std::vector<Entry>{{"y", "x", 2}}));

  options.user_column = "nope";
  EXPECT_THAT(ReadRatings(path, options),
              FailsAt(path, 1,
                      "the header has no user column named 'nope'; expected a column name "
                      "from the header ('a', 'b', 'c', 'd')"));
  options.user_column = "9";
  EXPECT_THAT(ReadRatings(path, options), FailsAt(path, 1, "the user column is position 9"));
  options.user_column = "a";
  EXPECT_THAT(ReadRatings(path, options), FailsAt(path, 1, "columns are both column 0"));
}

TEST(DelimitedTest, TsvHasNoQuoting) {
  TempDir dir;
  const std::string path = dir.Write("r.tsv", "user\titem\trating\n\"a\tb,c\t1\n");
  absl::StatusOr<ReadResult> read = Read(path, Format::kTsv);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(Named(read->ratings), (std::vector<Entry>{{"\"a", "b,c", 1}}));
}

TEST(DelimitedTest, ReportsBadRows) {
  TempDir dir;
  const std::string few = dir.Write("few.csv", "userId,movieId,rating\n1,2,3\n\n1,2\n");
  EXPECT_THAT(Read(few, Format::kCsv),
              FailsAt(few, 4, "row has 2 columns; expected at least 3 columns"));
  const std::string bad = dir.Write("bad.csv", "userId,movieId,rating\n1,2,good\n");
  EXPECT_THAT(
      Read(bad, Format::kCsv),
      FailsAt(bad, 2,
              "rating 'good' is not a number; expected a numeric rating in column 2 ('rating')"));
  const std::string unclosed = dir.Write("open.csv", "u,i,r\n1,2,3\n\"x,2,3\n4,5,6\n");
  EXPECT_THAT(Read(unclosed, Format::kCsv), FailsAt(unclosed, 3, "a quoted field is not closed"));
  const std::string stray = dir.Write("stray.csv", "u,i,r\n\"x\"y,2,3\n");
  EXPECT_THAT(Read(stray, Format::kCsv),
              FailsAt(stray, 2, "unexpected 'y' after the closing quote"));
  const std::string header_only = dir.Write("h.csv", "userId,movieId,rating\n\n");
  EXPECT_THAT(Read(header_only, Format::kCsv),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(header_only + ": no ratings after the header row")));
  const std::string narrow = dir.Write("n.tsv", "user\n1\n");
  EXPECT_THAT(Read(narrow, Format::kTsv), FailsAt(narrow, 1, "the header has 1 column"));
  const std::string empty_id = dir.Write("e.csv", "u,i,r\n,2,3\n");
  EXPECT_THAT(Read(empty_id, Format::kCsv),
              FailsAt(empty_id, 2, "the user id in column 0 is empty"));
}

TEST(DelimitedTest, LineNumbersCountLinesInsideQuotedFields) {
  TempDir dir;
  const std::string path = dir.Write("r.csv", "u,i,r\n1,\"a\nb\nc\",3\n1,2,x\n");
  EXPECT_THAT(Read(path, Format::kCsv), FailsAt(path, 5, "rating 'x' is not a number"));
}

// ---- dense ----

TEST(DenseTextTest, ZeroMeansMissingAndShapeCountsEmptyRowsAndColumns) {
  TempDir dir;
  const std::string path = dir.Write("m.txt", "5 0 3 0\n0 0 0 0\n\n1\t2.5 0 0\r\n");
  absl::StatusOr<ReadResult> read = Read(path, Format::kDense);
  ASSERT_THAT(read, IsOk());
  const Ratings& r = read->ratings;
  EXPECT_EQ(r.num_users(), 3u);
  EXPECT_EQ(r.num_items(), 4u);
  EXPECT_TRUE(r.users().is_identity());
  EXPECT_EQ(Named(r),
            (std::vector<Entry>{{"0", "0", 5}, {"0", "2", 3}, {"2", "0", 1}, {"2", "1", 2.5}}));
}

TEST(DenseTextTest, ReportsRaggedRowsAndBadValues) {
  TempDir dir;
  const std::string ragged = dir.Write("r.txt", "1 2 3\n4 5\n");
  EXPECT_THAT(Read(ragged, Format::kDense),
              FailsAt(ragged, 2,
                      "row has 2 columns; expected 3 columns like the first row (line 1)"));
  const std::string bad = dir.Write("b.txt", "1 2 3\n4 inf 6\n");
  EXPECT_THAT(Read(bad, Format::kDense),
              FailsAt(bad, 2, "value in column 1 'inf' is not a finite number"));
  const std::string zeros = dir.Write("z.txt", "0 0\n0 0\n");
  EXPECT_THAT(Read(zeros, Format::kDense),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(zeros + ": no ratings")));
}

}  // namespace
}  // namespace hogmf
