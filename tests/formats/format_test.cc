// Tests of format names, format sniffing, ReadRatings' dispatch and file-level
// errors, and the LIBMF text writer's exact round trip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "hogmf/input.h"
#include "testing/status_matchers.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(FormatNameTest, NamesRoundTrip) {
  for (Format format :
       {Format::kAuto, Format::kLibmf, Format::kPairs, Format::kMovielensTsv, Format::kMovielensDat,
        Format::kCsv, Format::kTsv, Format::kDense, Format::kBinary}) {
    absl::StatusOr<Format> parsed = ParseFormat(FormatName(format));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, format);
  }
  EXPECT_EQ(FormatName(Format::kMovielensDat), "movielens-dat");
  EXPECT_EQ(FormatName(Format::kPairs), "pairs");
  EXPECT_THAT(
      ParseFormat("xml"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          HasSubstr("unknown format 'xml'; expected one of auto, libmf, pairs, movielens-tsv")));
}

struct SniffCase {
  std::string name;
  std::string content;
  Format expected;
};

TEST(DetectFormatTest, RecognisesEveryTextFormat) {
  TempDir dir;
  const std::vector<SniffCase> cases = {
      {"libmf", "0 1 3.5\n1 2 4\n", Format::kLibmf},
      {"libmf_tabs", "\n\n0\t1\t3\n", Format::kLibmf},
      {"libmf_negative", "-1 2 3\n", Format::kLibmf},
      {"libmf_bad_rating", "0 1 abc\n", Format::kLibmf},
      {"pairs", "0 1\n1 2\n", Format::kPairs},
      {"pairs_tabs", "\n7\t3\n", Format::kPairs},
      {"udata", "196\t242\t3\t881250949\n", Format::kMovielensTsv},
      {"udata_bad_rating", "196\t242\tx\t881250949\n", Format::kMovielensTsv},
      {"dat", "1::1193::5::978300760\n", Format::kMovielensDat},
      {"csv", "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n", Format::kCsv},
      {"csv_bom", "\xEF\xBB\xBFuser,item,rating\r\na,b,1\r\n", Format::kCsv},
      {"tsv", "user\titem\trating\nalice\tx\t4\n", Format::kTsv},
      {"dense", "5 0 3 0 1\n", Format::kDense},
      {"dense_two_floats", "5 0.5\n0 1\n", Format::kDense},
      {"dense_floats", "0.5 1.5 2\n", Format::kDense},
      {"dense_tabs", "1\t2\t3\t4\t5\n", Format::kDense},
  };
  for (const SniffCase& c : cases) {
    const std::string path = dir.Write(c.name, c.content);
    absl::StatusOr<Format> format = DetectFormat(path);
    ASSERT_THAT(format, IsOk()) << c.name;
    EXPECT_EQ(FormatName(*format), FormatName(c.expected)) << c.name;
  }
}

TEST(DetectFormatTest, RecognisesBinaryByMagic) {
  TempDir dir;
  const std::string text = dir.Write("r.txt", "0 1 3.5\n");
  absl::StatusOr<ReadResult> read = ReadRatings(text);
  ASSERT_THAT(read, IsOk());
  const std::string path = dir.File("ratings.txt");
  ASSERT_THAT(WriteBinaryRatings(read->ratings, path), IsOk());
  EXPECT_THAT(DetectFormat(path), IsOk());
  EXPECT_EQ(*DetectFormat(path), Format::kBinary);
}

TEST(DetectFormatTest, RefusesHeaderlessCsvAndEmptyFiles) {
  TempDir dir;
  const std::string numbers = dir.Write("n.csv", "\n1,2,3\n");
  EXPECT_THAT(DetectFormat(numbers),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(numbers + ":2: the first line holds comma-separated numbers")));
  const std::string empty = dir.Write("e.txt", "");
  EXPECT_THAT(DetectFormat(empty), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith(empty + ": the file is empty")));
  const std::string blank = dir.Write("b.txt", " \n\n");
  EXPECT_THAT(DetectFormat(blank), StatusIs(absl::StatusCode::kInvalidArgument,
                                            StartsWith(blank + ": the file has only blank lines")));
}

TEST(ReadRatingsTest, AutoReportsTheSniffedFormat) {
  TempDir dir;
  struct Case {
    std::string content;
    Format format;
    size_t size;
  };
  const std::vector<Case> cases = {
      {"0 1 3.5\n1 2 4\n", Format::kLibmf, 2},
      {"0 1\n1 2\n2 2\n", Format::kPairs, 3},
      {"user,item\na,b\nc,b\n", Format::kCsv, 2},
      {"196\t242\t3\t881250949\n186\t302\t3\t891717742\n", Format::kMovielensTsv, 2},
      {"1::1193::5::978300760\n", Format::kMovielensDat, 1},
      {"userId,movieId,rating\n1,31,2.5\n1,32,3\n2,31,1\n", Format::kCsv, 3},
      {"user\titem\trating\nalice\tx\t4\n", Format::kTsv, 1},
      {"5 0 3 0 1\n0 0 0 0 2\n", Format::kDense, 4},
  };
  for (const Case& c : cases) {
    const std::string path = dir.Write("r", c.content);
    absl::StatusOr<ReadResult> read = ReadRatings(path);
    ASSERT_THAT(read, IsOk()) << c.content;
    EXPECT_EQ(read->format, c.format) << c.content;
    EXPECT_EQ(read->ratings.size(), c.size) << c.content;
  }
}

TEST(ReadRatingsTest, FileLevelErrors) {
  TempDir dir;
  const std::string missing = dir.File("missing.txt");
  EXPECT_THAT(ReadRatings(missing), StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing)));
  EXPECT_THAT(DetectFormat(missing), StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing)));
  EXPECT_THAT(ReadRatings(dir.path()), StatusIs(absl::StatusCode::kInvalidArgument,
                                                StartsWith(dir.path() + ": is a directory")));
  const std::string empty = dir.Write("empty.txt", "");
  for (Format format : {Format::kAuto, Format::kLibmf, Format::kPairs, Format::kCsv,
                        Format::kBinary, Format::kDense}) {
    ReadOptions options;
    options.format = format;
    EXPECT_THAT(ReadRatings(empty, options), StatusIs(absl::StatusCode::kInvalidArgument,
                                                      StartsWith(empty + ": the file is empty")));
  }
}

TEST(ReadRatingsTest, GarbageNeverCrashes) {
  TempDir dir;
  internal::Rng rng(3);
  const char alphabet[] = "0123456789 \t\r\n,.:-+eE\"abcnaifHOGMFRAT\x00\xff";
  for (int trial = 0; trial < 500; ++trial) {
    std::string content;
    const size_t size = rng.Below(80);
    for (size_t i = 0; i < size; ++i) content += alphabet[rng.Below(sizeof(alphabet) - 1)];
    if (trial % 7 == 0) content = "HOGMFRAT" + content;
    const std::string path = dir.Write("garbage", content);
    for (Format format :
         {Format::kAuto, Format::kLibmf, Format::kPairs, Format::kMovielensTsv,
          Format::kMovielensDat, Format::kCsv, Format::kTsv, Format::kDense, Format::kBinary}) {
      ReadOptions options;
      options.format = format;
      absl::StatusOr<ReadResult> read = ReadRatings(path, options);
      if (!read.ok()) {
        EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument) << read.status();
        EXPECT_THAT(std::string(read.status().message()), StartsWith(path + ":"));
        EXPECT_EQ(std::string(read.status().message()).find('\n'), std::string::npos);
      } else {
        for (const Rating& r : read->ratings.entries()) {
          EXPECT_LT(r.user, read->ratings.num_users());
          EXPECT_LT(r.item, read->ratings.num_items());
        }
      }
    }
  }
}

TEST(WriteLibmfTextTest, RoundTripIsBitExact) {
  TempDir dir;
  internal::Rng rng(11);
  std::vector<Rating> entries;
  for (int i = 0; i < 20000; ++i) {
    uint32_t bits = static_cast<uint32_t>(rng.Next());
    if ((bits & 0x7F800000u) == 0x7F800000u) bits &= 0xBFFFFFFFu;  // keep it finite
    const float value =
        i < 4 ? std::vector<float>{0.0f, -0.0f, 3.5f, 1e-45f}[i] : std::bit_cast<float>(bits);
    entries.push_back(Rating{static_cast<uint32_t>(rng.Below(1000)),
                             static_cast<uint32_t>(rng.Below(50)), value});
  }
  entries.push_back(Rating{999, 49, 1.0f});  // so the maps read back at full size
  Ratings ratings(entries, IdMap::Identity(1000), IdMap::Identity(50));
  const std::string path = dir.File("out.txt");
  ASSERT_THAT(WriteLibmfText(ratings, path), IsOk());
  absl::StatusOr<ReadResult> read = ReadRatings(path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->format, Format::kLibmf);
  ASSERT_EQ(read->ratings.size(), entries.size());
  EXPECT_EQ(read->ratings.num_users(), 1000u);
  EXPECT_EQ(read->ratings.num_items(), 50u);
  for (size_t i = 0; i < entries.size(); ++i) {
    ASSERT_EQ(read->ratings[i].user, entries[i].user) << i;
    ASSERT_EQ(read->ratings[i].item, entries[i].item) << i;
    ASSERT_EQ(std::bit_cast<uint32_t>(read->ratings[i].value),
              std::bit_cast<uint32_t>(entries[i].value))
        << i << " " << entries[i].value;
  }
}

TEST(WriteLibmfTextTest, StringIdsAreWrittenAsDenseIndices) {
  TempDir dir;
  const std::string csv = dir.Write("r.csv", "user,item,rating\nalice,x,1\nbob,y,2\n");
  absl::StatusOr<ReadResult> read = ReadRatings(csv);
  ASSERT_THAT(read, IsOk());
  const std::string path = dir.File("out.txt");
  ASSERT_THAT(WriteLibmfText(read->ratings, path), IsOk());
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "0 0 1\n1 1 2\n");
}

TEST(WriteLibmfTextTest, RefusesNonFiniteValuesAndLeavesNoFile) {
  TempDir dir;
  Ratings ratings({Rating{0, 0, std::numeric_limits<float>::infinity()}}, IdMap::Identity(1),
                  IdMap::Identity(1));
  const std::string path = dir.File("out.txt");
  EXPECT_THAT(WriteLibmfText(ratings, path), StatusIs(absl::StatusCode::kInvalidArgument,
                                                      StartsWith(path + ": cannot write entry 0")));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(TextToBinaryTest, EveryTextFormatSurvivesConversion) {
  TempDir dir;
  const std::vector<std::string> contents = {
      "0 1 3.5\n7 2 4\n",
      "0 1\n7 2\n",
      "user,item\nalice,x\nbob,x\n",
      "196\t242\t3\t881250949\n186\t302\t3\t891717742\n",
      "1::1193::5::978300760\n2::1::1::1\n",
      "userId,movieId,rating\n1,31,2.5\n1,32,3\n2,31,1\n",
      "5 0 3 0 1\n0 0 0 0 2\n",
  };
  for (const std::string& content : contents) {
    const std::string text_path = dir.Write("r", content);
    absl::StatusOr<ReadResult> text = ReadRatings(text_path);
    ASSERT_THAT(text, IsOk());
    const std::string bin_path = dir.File("r.bin");
    ASSERT_THAT(WriteBinaryRatings(text->ratings, bin_path), IsOk());
    absl::StatusOr<ReadResult> binary = ReadRatings(bin_path);
    ASSERT_THAT(binary, IsOk());
    const Ratings& a = text->ratings;
    const Ratings& b = binary->ratings;
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].user, b[i].user);
      EXPECT_EQ(a[i].item, b[i].item);
      EXPECT_EQ(a[i].value, b[i].value);
    }
    EXPECT_EQ(a.num_users(), b.num_users());
    EXPECT_EQ(a.num_items(), b.num_items());
    EXPECT_EQ(a.users().is_identity(), b.users().is_identity());
    EXPECT_EQ(a.users().names(), b.users().names());
    EXPECT_EQ(a.items().names(), b.items().names());
  }
}

}  // namespace
}  // namespace hogmf
