// Tests of the text readers on streams: every text format from a pipe, with
// blocks far smaller than the text so records and errors fall across block
// boundaries (the error lines must match a mapped file's), a large stream read
// with bounded buffers, and devices and empty streams through ReadRatings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "formats/format_samples.h"
#include "formats/readers.h"
#include "hogmf/input.h"
#include "testing/input_sources.h"
#include "testing/status_matchers.h"
#include "util/input_stream.h"

namespace hogmf {
namespace {

using ::hogmf::internal::InputStream;
using ::hogmf::testing::FormatSample;
using ::hogmf::testing::Gzip;
using ::hogmf::testing::IsOk;
using ::hogmf::testing::MakeSample;
using ::hogmf::testing::PipeSource;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::hogmf::testing::TextFormats;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Reads `path` with blocks of `block_size` bytes.
absl::StatusOr<ReadResult> ReadInBlocks(const std::string& path, Format format, size_t block_size) {
  InputStream::Options stream_options;
  stream_options.block_size = block_size;
  absl::StatusOr<std::unique_ptr<InputStream>> in = InputStream::Open(path, stream_options);
  if (!in.ok()) return in.status();
  ReadOptions options;
  options.format = format;
  return formats::ReadRatingsFrom(**in, options);
}

void ExpectSameRatings(const Ratings& a, const Ratings& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.num_users(), b.num_users());
  EXPECT_EQ(a.num_items(), b.num_items());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a.entries()[k].user, b.entries()[k].user) << k;
    ASSERT_EQ(a.entries()[k].item, b.entries()[k].item) << k;
    ASSERT_EQ(a.entries()[k].value, b.entries()[k].value) << k;
  }
  for (uint32_t u = 0; u < a.num_users(); ++u) ASSERT_EQ(a.users().Name(u), b.users().Name(u));
  for (uint32_t i = 0; i < a.num_items(); ++i) ASSERT_EQ(a.items().Name(i), b.items().Name(i));
}

TEST(StreamedInputTest, EveryTextFormatReadsFromAPipeInSmallBlocks) {
  TempDir dir;
  for (Format format : TextFormats()) {
    const FormatSample sample = MakeSample(format, 500);
    const std::string file = dir.Write("r.txt", sample.text);
    ReadOptions options;
    options.format = format;
    absl::StatusOr<ReadResult> expected = ReadRatings(file, options);
    ASSERT_THAT(expected.status(), IsOk()) << FormatName(format);
    for (size_t block_size : {size_t{16}, size_t{100}, size_t{4096}}) {
      // A mapped file in small slices, a pipe, and gzip data from a pipe.
      absl::StatusOr<ReadResult> sliced = ReadInBlocks(file, format, block_size);
      ASSERT_THAT(sliced.status(), IsOk()) << FormatName(format) << " " << block_size;
      ExpectSameRatings(sliced->ratings, expected->ratings);
      PipeSource pipe(sample.text);
      absl::StatusOr<ReadResult> piped =
          ReadInBlocks(pipe.path(), format == Format::kDense ? format : Format::kAuto, block_size);
      ASSERT_THAT(piped.status(), IsOk()) << FormatName(format) << " " << block_size;
      EXPECT_EQ(piped->format, format);
      ExpectSameRatings(piped->ratings, expected->ratings);
      PipeSource gz_pipe(Gzip(sample.text));
      absl::StatusOr<ReadResult> unzipped = ReadInBlocks(gz_pipe.path(), format, block_size);
      ASSERT_THAT(unzipped.status(), IsOk()) << FormatName(format) << " " << block_size;
      ExpectSameRatings(unzipped->ratings, expected->ratings);
    }
  }
}

TEST(StreamedInputTest, ErrorLinesAreExactAcrossBlocks) {
  TempDir dir;
  for (Format format : TextFormats()) {
    for (int bad_row : {0, 1, 37, 254, 499}) {
      const FormatSample sample = MakeSample(format, 500, bad_row);
      const std::string file = dir.Write("bad.txt", sample.text);
      ReadOptions options;
      options.format = format;
      absl::StatusOr<ReadResult> expected = ReadRatings(file, options);
      ASSERT_FALSE(expected.ok());
      const std::string tail =
          std::string(expected.status().message()).substr(file.size());  // ":line: ..."
      ASSERT_THAT(tail, StartsWith(":" + std::to_string(sample.bad_line) + ": "))
          << FormatName(format) << " row " << bad_row;
      for (size_t block_size : {size_t{16}, size_t{50}, size_t{1000}}) {
        PipeSource pipe(sample.text);
        EXPECT_THAT(ReadInBlocks(pipe.path(), format, block_size),
                    StatusIs(absl::StatusCode::kInvalidArgument, pipe.path() + tail))
            << FormatName(format) << " row " << bad_row << " block " << block_size;
        EXPECT_THAT(ReadInBlocks(file, format, block_size),
                    StatusIs(absl::StatusCode::kInvalidArgument, file + tail))
            << FormatName(format) << " row " << bad_row << " block " << block_size;
      }
    }
  }
}

TEST(StreamedInputTest, AnUnclosedQuoteAtTheEndOfAStreamIsAnError) {
  const std::string text = "user,item,rating\n1,2,3\n4,\"open\n5,6,7\n8,9,1\n";
  PipeSource pipe(text);
  EXPECT_THAT(ReadInBlocks(pipe.path(), Format::kCsv, 16),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(pipe.path() + ":3: a quoted field is not closed")));
}

TEST(StreamedInputTest, ALargeStreamIsReadWithBoundedBuffers) {
  std::string text;
  text.reserve(52u << 20);
  for (uint32_t i = 0; text.size() < (50u << 20); ++i) {
    text += std::to_string(i % 100000) + " " + std::to_string(i % 1009) + " 3.5\n";
  }
  PipeSource pipe(text);
  InputStream::Options stream_options;
  stream_options.block_size = size_t{1} << 20;
  absl::StatusOr<std::unique_ptr<InputStream>> in = InputStream::Open(pipe.path(), stream_options);
  ASSERT_THAT(in.status(), IsOk());
  absl::StatusOr<ReadResult> read = formats::ReadRatingsFrom(**in, ReadOptions());
  ASSERT_THAT(read.status(), IsOk());
  EXPECT_EQ(read->format, Format::kLibmf);
  EXPECT_EQ(read->ratings.num_users(), 100000u);
  EXPECT_EQ(read->ratings.num_items(), 1009u);
  // The reader held about one block of the 50 MB at a time.
  EXPECT_LE((*in)->peak_buffered(), 2u << 20);
}

TEST(StreamedInputTest, DevicesAndEmptyStreamsAreRefusedClearly) {
  const auto start = std::chrono::steady_clock::now();
  for (Format format : {Format::kAuto, Format::kLibmf, Format::kCsv, Format::kDense}) {
    ReadOptions options;
    options.format = format;
    EXPECT_THAT(ReadRatings("/dev/zero", options), StatusIs(absl::StatusCode::kInvalidArgument,
                                                            "/dev/zero:1: NUL byte; expected text"))
        << FormatName(format);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_THAT(ReadRatings("/dev/null"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("/dev/null: empty input")));
  EXPECT_THAT(DetectFormat("/dev/null"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty input")));
  PipeSource empty("");
  EXPECT_THAT(ReadRatings(empty.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(empty.path() + ": empty input: the stream was empty")));
}

}  // namespace
}  // namespace hogmf
