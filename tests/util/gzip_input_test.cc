// Tests of util/input_stream.h on gzip data: recognized by its magic bytes
// (not the name), from a mapped file and from a pipe; concatenated members
// read fully; truncated, corrupt or trailing bytes are errors naming the file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/input_sources.h"
#include "testing/status_matchers.h"
#include "util/input_stream.h"

namespace hogmf::internal {
namespace {

using ::hogmf::testing::Gzip;
using ::hogmf::testing::IsOk;
using ::hogmf::testing::PipeSource;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Lines(int first, int count) {
  std::string text;
  for (int i = first; i < first + count; ++i) text += std::to_string(i) + " 7 2.5\n";
  return text;
}

// All blocks of `in` joined, or the first error.
absl::StatusOr<std::string> ReadBlocks(InputStream& in) {
  std::string joined;
  TextBlock block;
  for (;;) {
    absl::StatusOr<bool> more = in.NextBlock(&block);
    if (!more.ok()) return more.status();
    if (!*more) return joined;
    joined += block.text;
  }
}

MATCHER_P(HoldsText, text, "is OK and holds the text") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  if (*arg != text) *result_listener << "holds " << arg->size() << " other bytes";
  return *arg == text;
}

InputStream::Options SmallBlocks() {
  InputStream::Options options;
  options.block_size = 100;
  return options;
}

TEST(GzipInputTest, AGzipFileReadsAsItsTextWhateverItsName) {
  TempDir dir;
  const std::string text = Lines(0, 500);
  for (const char* name : {"ratings.gz", "ratings.txt"}) {
    auto in = InputStream::Open(dir.Write(name, Gzip(text)), SmallBlocks());
    ASSERT_THAT(in.status(), IsOk());
    EXPECT_TRUE((*in)->compressed());
    EXPECT_EQ(*(*in)->Head(), text.substr(0, 100));
    EXPECT_EQ((*in)->EstimatedLines(), std::nullopt);
    EXPECT_THAT(ReadBlocks(**in), HoldsText(text)) << name;
  }
  // A text file named .gz is read as text.
  auto plain = InputStream::Open(dir.Write("plain.gz", text));
  ASSERT_THAT(plain.status(), IsOk());
  EXPECT_FALSE((*plain)->compressed());
  EXPECT_THAT(ReadBlocks(**plain), HoldsText(text));
}

TEST(GzipInputTest, AGzipPipeReadsAsItsText) {
  const std::string text = Lines(0, 2000);
  PipeSource pipe(Gzip(text));
  auto in = InputStream::Open(pipe.path(), SmallBlocks());
  ASSERT_THAT(in.status(), IsOk());
  EXPECT_TRUE((*in)->compressed());
  EXPECT_THAT(ReadBlocks(**in), HoldsText(text));
}

TEST(GzipInputTest, ConcatenatedMembersReadFully) {
  const std::string a = Lines(0, 300);
  const std::string b = Lines(300, 1);
  const std::string c = Lines(301, 700);
  const std::string gz = Gzip(a) + Gzip(b, 1) + Gzip("", 9) + Gzip(c, 9);
  TempDir dir;
  auto in = InputStream::Open(dir.Write("m.gz", gz), SmallBlocks());
  ASSERT_THAT(in.status(), IsOk());
  EXPECT_THAT(ReadBlocks(**in), HoldsText(a + b + c));
  PipeSource pipe(gz);
  auto piped = InputStream::Open(pipe.path());
  ASSERT_THAT(piped.status(), IsOk());
  absl::StatusOr<std::shared_ptr<const MappedFile>> all = (*piped)->ReadAll();
  ASSERT_THAT(all.status(), IsOk());
  EXPECT_EQ((*all)->view(), a + b + c);
}

TEST(GzipInputTest, TruncatedDataIsAnErrorNeverAShortRead) {
  const std::string text = Lines(0, 5000);
  const std::string gz = Gzip(text);
  TempDir dir;
  for (size_t keep : {size_t{10}, gz.size() / 2, gz.size() - 4}) {
    const std::string path = dir.Write("t.gz", gz.substr(0, keep));
    auto in = InputStream::Open(path, SmallBlocks());
    ASSERT_THAT(in.status(), IsOk());
    EXPECT_THAT(ReadBlocks(**in), StatusIs(absl::StatusCode::kInvalidArgument,
                                           AllOf(StartsWith(path + ": the gzip data is truncated"),
                                                 HasSubstr("decompressed bytes"))))
        << keep;
    auto whole = InputStream::Open(path);
    ASSERT_THAT(whole.status(), IsOk());
    EXPECT_THAT((*whole)->ReadAll().status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated")));
  }
}

TEST(GzipInputTest, CorruptDataIsAnErrorWithTheDecompressedOffset) {
  const std::string text = Lines(0, 5000);
  std::string gz = Gzip(text);
  TempDir dir;
  // A damaged checksum in the trailer.
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  const std::string crc_path = dir.Write("crc.gz", bad_crc);
  auto in = InputStream::Open(crc_path);
  ASSERT_THAT(in.status(), IsOk());
  EXPECT_THAT(ReadBlocks(**in),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(crc_path + ": corrupt gzip data at decompressed offset " +
                                  std::to_string(text.size()))));
  // Bytes that are not gzip after the last member.
  const std::string trailing = dir.Write("trail.gz", gz + "garbage");
  auto after = InputStream::Open(trailing);
  ASSERT_THAT(after.status(), IsOk());
  EXPECT_THAT(ReadBlocks(**after),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not gzip follows")));
  // Zero padding after the last member is ignored, as gzip does.
  auto padded = InputStream::Open(dir.Write("pad.gz", gz + std::string(100, '\0')));
  ASSERT_THAT(padded.status(), IsOk());
  EXPECT_THAT(ReadBlocks(**padded), HoldsText(text));
}

TEST(GzipInputTest, AnEmptyMemberIsEmptyInput) {
  TempDir dir;
  auto in = InputStream::Open(dir.Write("e.gz", Gzip("")));
  ASSERT_THAT(in.status(), IsOk());
  EXPECT_TRUE((*in)->Head()->empty());
  EXPECT_THAT((*in)->EmptyMessage(), StartsWith("empty input"));
}

}  // namespace
}  // namespace hogmf::internal
