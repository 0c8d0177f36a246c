// Tests of the binary ratings format: round trips, the zero-copy load, and
// every way a binary file can be damaged.
#include "formats/binary_ratings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "hogmf/input.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::StatusOr<ReadResult> Read(const std::string& path, Format format = Format::kBinary) {
  ReadOptions options;
  options.format = format;
  return ReadRatings(path, options);
}

void ExpectSameRatings(const Ratings& a, const Ratings& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].user, b[i].user) << i;
    EXPECT_EQ(a[i].item, b[i].item) << i;
    EXPECT_EQ(std::memcmp(&a[i].value, &b[i].value, sizeof(float)), 0) << i;
  }
  EXPECT_EQ(a.users().is_identity(), b.users().is_identity());
  EXPECT_EQ(a.items().is_identity(), b.items().is_identity());
  EXPECT_EQ(a.num_users(), b.num_users());
  EXPECT_EQ(a.num_items(), b.num_items());
  EXPECT_EQ(a.users().names(), b.users().names());
  EXPECT_EQ(a.items().names(), b.items().names());
}

// A small string-id data set written as csv, read, and converted to binary.
class BinaryRatingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string csv = dir_.Write(
        "r.csv",
        "user,item,rating\nalice,Heat (1995),4.5\nbob,Heat (1995),3\nalice,\"Up, Up\",-1.25\n"
        "carol,x,5\n");
    absl::StatusOr<ReadResult> read = ReadRatings(csv);
    ASSERT_THAT(read, IsOk());
    text_ = std::move(read->ratings);
    binary_path_ = dir_.File("r.bin");
    ASSERT_THAT(WriteBinaryRatings(text_, binary_path_), IsOk());
    bytes_ = ReadFileBytes(binary_path_);
  }

  // Writes a modified copy of the binary file and returns its path.
  std::string Damaged(const std::string& bytes) const { return dir_.Write("damaged.bin", bytes); }

  TempDir dir_;
  Ratings text_;
  std::string binary_path_;
  std::string bytes_;
};

TEST_F(BinaryRatingsTest, RoundTripKeepsEntriesAndIdMaps) {
  absl::StatusOr<ReadResult> read = Read(binary_path_);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->format, Format::kBinary);
  ExpectSameRatings(read->ratings, text_);
  EXPECT_EQ(read->ratings.users().Find("carol"), 2u);
  EXPECT_EQ(read->ratings.items().Name(1), "Up, Up");
}

TEST_F(BinaryRatingsTest, LoadIsAZeroCopyViewOfTheMapping) {
  absl::StatusOr<ReadResult> read = Read(binary_path_);
  ASSERT_THAT(read, IsOk());
  EXPECT_FALSE(read->ratings.owns_entries());
  // The array starts at offset 128 of a page-aligned mapping.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(read->ratings.entries().data()) % 64, 0u);
  // The view outlives the ReadResult it came in.
  Ratings moved = std::move(read->ratings);
  read = absl::InternalError("gone");
  EXPECT_EQ(moved[3].value, 5.0f);
}

TEST_F(BinaryRatingsTest, LayoutMatchesTheDocumentedHeader) {
  ASSERT_GE(bytes_.size(), 128u);
  EXPECT_EQ(bytes_.substr(0, 8), "HOGMFRAT");
  uint64_t count;
  std::memcpy(&count, bytes_.data() + 16, 8);
  EXPECT_EQ(count, 4u);
  uint64_t file_size;
  std::memcpy(&file_size, bytes_.data() + 64, 8);
  EXPECT_EQ(file_size, bytes_.size());
  Rating first;
  std::memcpy(&first, bytes_.data() + 128, sizeof(first));
  EXPECT_EQ(first.value, 4.5f);
}

TEST_F(BinaryRatingsTest, IdentityMapsRoundTripWithoutNames) {
  const std::string libmf = dir_.Write("r.txt", "0 5 1\n3 0 2.5\n");
  absl::StatusOr<ReadResult> text = ReadRatings(libmf);
  ASSERT_THAT(text, IsOk());
  const std::string path = dir_.File("identity.bin");
  ASSERT_THAT(WriteBinaryRatings(text->ratings, path), IsOk());
  EXPECT_EQ(std::filesystem::file_size(path), 128u + 2 * 12);
  absl::StatusOr<ReadResult> read = Read(path);
  ASSERT_THAT(read, IsOk());
  ExpectSameRatings(read->ratings, text->ratings);
  EXPECT_EQ(read->ratings.num_users(), 4u);
  EXPECT_EQ(read->ratings.num_items(), 6u);
}

TEST_F(BinaryRatingsTest, RefusesAForeignFile) {
  const std::string path = dir_.Write("foreign.bin", "0 1 3\n");
  EXPECT_THAT(Read(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(path + ": at byte 0: not a hogmf binary ratings file")));
}

TEST_F(BinaryRatingsTest, RefusesAnotherVersion) {
  std::string bytes = bytes_;
  bytes[8] = 2;
  const std::string path = Damaged(bytes);
  EXPECT_THAT(Read(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(path + ": at byte 8: unsupported binary ratings version 2; "
                                         "expected version 1")));
}

TEST_F(BinaryRatingsTest, RefusesATruncatedFile) {
  for (size_t size : {size_t{10}, size_t{100}, size_t{128 + 20}, bytes_.size() - 1}) {
    const std::string path = Damaged(bytes_.substr(0, size));
    EXPECT_THAT(Read(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(StartsWith(path + ": at byte " + std::to_string(size) + ": "),
                               HasSubstr("the file is truncated"))))
        << size;
  }
}

TEST_F(BinaryRatingsTest, RefusesTrailingBytes) {
  const std::string path = Damaged(bytes_ + "x");
  EXPECT_THAT(Read(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("expected nothing after the id maps")));
}

TEST_F(BinaryRatingsTest, RefusesACorruptHeader) {
  std::string bytes = bytes_;
  bytes[16] ^= 1;  // the rating count
  const std::string path = Damaged(bytes);
  EXPECT_THAT(Read(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                   StartsWith(path + ": at byte 120: the header is corrupt")));
}

TEST_F(BinaryRatingsTest, RefusesCorruptIdMaps) {
  std::string bytes = bytes_;
  bytes[bytes.size() - 2] ^= 0x20;
  const std::string path = Damaged(bytes);
  const std::string maps_offset = std::to_string(128 + 4 * 12);
  EXPECT_THAT(Read(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                   StartsWith(path + ": at byte " + maps_offset +
                                              ": the id maps are corrupt")));
}

TEST_F(BinaryRatingsTest, ReportsTheOffsetOfAnIndexOutOfRange) {
  std::string bytes = bytes_;
  const uint32_t user = 3;  // there are 3 users
  std::memcpy(&bytes[128 + 12 * 2], &user, 4);
  std::string path = Damaged(bytes);
  EXPECT_THAT(Read(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                   StartsWith(path + ": at byte 152: rating 2 has user index 3 but "
                                                     "there are 3 users")));
  bytes = bytes_;
  const uint32_t item = 0xFFFFFFFFu;
  std::memcpy(&bytes[128 + 12 * 3 + 4], &item, 4);
  path = Damaged(bytes);
  EXPECT_THAT(Read(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(path + ": at byte 168: rating 3 has item index 4294967295")));
}

TEST_F(BinaryRatingsTest, RefusesNonFiniteValuesAndChangedValues) {
  std::string bytes = bytes_;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&bytes[128 + 8], &nan, 4);
  std::string path = Damaged(bytes);
  EXPECT_THAT(
      Read(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               StartsWith(path + ": at byte 136: rating 0 has a value that is not finite")));
  bytes = bytes_;
  bytes[128 + 12 + 8] ^= 1;  // a finite value changed in its last bit
  path = Damaged(bytes);
  EXPECT_THAT(Read(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(path + ": at byte 128: the rating array is corrupt")));
}

TEST_F(BinaryRatingsTest, RefusesAnEmptySet) {
  Ratings empty;
  const std::string path = dir_.File("empty.bin");
  ASSERT_THAT(WriteBinaryRatings(empty, path), IsOk());
  EXPECT_THAT(Read(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                   StartsWith(path + ": no ratings in the file")));
}

TEST_F(BinaryRatingsTest, FailedWritesLeaveNoFile) {
  // An entry outside the maps.
  Ratings bad({Rating{0, 7, 1.0f}}, IdMap::Identity(1), IdMap::Identity(1));
  const std::string path = dir_.File("bad.bin");
  EXPECT_THAT(WriteBinaryRatings(bad, path), StatusIs(absl::StatusCode::kInvalidArgument,
                                                      StartsWith(path + ": cannot write entry 0")));
  EXPECT_FALSE(std::filesystem::exists(path));
  // A folder that does not exist.
  const std::string nowhere = dir_.File("missing/out.bin");
  EXPECT_FALSE(WriteBinaryRatings(text_, nowhere).ok());
  EXPECT_FALSE(WriteLibmfText(text_, nowhere).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("missing")));
  // Nothing but the files this fixture wrote is left in the folder.
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 2u);  // r.csv and r.bin
}

TEST_F(BinaryRatingsTest, DetectedByMagicWhateverTheName) {
  const std::string path = dir_.Write("looks_like_text.csv", bytes_);
  absl::StatusOr<ReadResult> read = ReadRatings(path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->format, Format::kBinary);
  EXPECT_THAT(Read(path, Format::kCsv),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(path + ": this is a hogmf binary ratings file, not csv")));
}

// Slices (hogmf-mpi's ranks each read one).

TEST_F(BinaryRatingsTest, SlicesCoverTheArrayInOrder) {
  for (uint64_t parts : {1, 2, 3, 4, 7}) {
    std::vector<Rating> joined;
    for (uint64_t part = 0; part < parts; ++part) {
      absl::StatusOr<formats::BinaryRatingsSlice> slice =
          formats::ReadBinaryRatingsSlice(binary_path_, part, parts, {});
      ASSERT_THAT(slice, IsOk());
      EXPECT_EQ(slice->total, 4u);
      EXPECT_EQ(slice->first, joined.size());
      EXPECT_EQ(slice->num_users, 3u);
      EXPECT_EQ(slice->num_items, 3u);
      EXPECT_TRUE(slice->users.is_identity());  // maps only when asked
      joined.insert(joined.end(), slice->entries.begin(), slice->entries.end());
    }
    ASSERT_EQ(joined.size(), text_.size()) << parts;
    for (size_t i = 0; i < joined.size(); ++i) {
      EXPECT_EQ(joined[i].user, text_[i].user);
      EXPECT_EQ(joined[i].item, text_[i].item);
      EXPECT_EQ(joined[i].value, text_[i].value);
    }
  }
}

TEST_F(BinaryRatingsTest, SliceReadsTheIdMapsWhenAsked) {
  formats::BinarySliceOptions options;
  options.id_maps = true;
  absl::StatusOr<formats::BinaryRatingsSlice> slice =
      formats::ReadBinaryRatingsSlice(binary_path_, 1, 2, options);
  ASSERT_THAT(slice, IsOk());
  EXPECT_EQ(slice->users.Find("carol"), 2u);
  EXPECT_EQ(slice->items.Name(1), "Up, Up");
}

TEST_F(BinaryRatingsTest, SliceChecksItsRatingsAndVerifyChecksTheWholeArray) {
  std::string bytes = bytes_;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&bytes[128 + 3 * 12 + 8], &nan, 4);  // rating 3, in the second half
  const std::string path = Damaged(bytes);
  // The first half is intact: only the whole array's checksum tells.
  EXPECT_THAT(formats::ReadBinaryRatingsSlice(path, 0, 2, {}), IsOk());
  EXPECT_THAT(formats::VerifyBinaryRatingsArray(binary_path_), IsOk());
  EXPECT_THAT(formats::VerifyBinaryRatingsArray(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the rating array is corrupt (checksum mismatch)")));
  // The second half holds the bad value: its reader names it.
  EXPECT_THAT(
      formats::ReadBinaryRatingsSlice(path, 1, 2, {}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               StartsWith(path + ": at byte 172: rating 3 has a value that is not finite")));
}

TEST_F(BinaryRatingsTest, SliceRefusesWhatTheWholeReadRefuses) {
  EXPECT_THAT(formats::ReadBinaryRatingsSlice(dir_.File("missing.bin"), 0, 1, {}),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(formats::ReadBinaryRatingsSlice(dir_.path(), 0, 1, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  const std::string truncated = Damaged(bytes_.substr(0, bytes_.size() - 1));
  EXPECT_THAT(formats::ReadBinaryRatingsSlice(truncated, 0, 1, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the file is truncated")));
  std::string header = bytes_;
  header[20] ^= 1;
  EXPECT_THAT(formats::ReadBinaryRatingsSlice(Damaged(header), 0, 1, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the header is corrupt")));
  const std::string text = dir_.Write("t.txt", "1 2 3\n");
  EXPECT_THAT(formats::ReadBinaryRatingsSlice(text, 0, 1, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a hogmf binary ratings file")));
  EXPECT_THAT(formats::ReadBinaryRatingsSlice(binary_path_, 2, 2, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace hogmf
