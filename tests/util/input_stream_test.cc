// Tests of util/input_stream.h on plain inputs: blocks of whole lines with
// their line numbers and offsets (from a mapped file and from a pipe, with
// blocks far smaller than the text), NUL bytes and devices refused or read at
// once, FIFOs without a writer refused within the wait, bounded buffers for a
// large stream, and ReadAll.
#include "util/input_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "testing/input_sources.h"
#include "testing/status_matchers.h"

namespace hogmf::internal {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::PipeSource;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Lines of varying length, the last without a newline.
std::string SampleText() {
  std::string text;
  for (int i = 0; i < 300; ++i) {
    text += std::to_string(i) + " " + std::string(static_cast<size_t>(i % 37), 'x') + "\n";
    if (i % 50 == 0) text += "\n";
  }
  text += "last line";
  return text;
}

uint64_t CountLines(std::string_view text) {
  uint64_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// Reads every block of `in` and checks each against `text`.
void ExpectBlocksCover(InputStream& in, const std::string& text) {
  std::string joined;
  TextBlock block;
  int blocks = 0;
  for (;;) {
    absl::StatusOr<bool> more = in.NextBlock(&block);
    ASSERT_THAT(more.status(), IsOk());
    if (!*more) break;
    ++blocks;
    ASSERT_FALSE(block.text.empty());
    ASSERT_EQ(block.text.back(), '\n');
    EXPECT_EQ(block.offset, joined.size());
    EXPECT_EQ(block.first_line, 1 + CountLines(joined));
    joined += block.text;
  }
  EXPECT_GT(blocks, 10);
  EXPECT_EQ(joined, text + "\n");  // the last line gets its newline
}

InputStream::Options SmallBlocks() {
  InputStream::Options options;
  options.block_size = 64;
  return options;
}

TEST(InputStreamTest, RegularFileBlocksAreWholeLines) {
  TempDir dir;
  const std::string text = SampleText();
  auto in = InputStream::Open(dir.Write("t.txt", text), SmallBlocks());
  ASSERT_THAT(in.status(), IsOk());
  EXPECT_FALSE((*in)->is_stream());
  absl::StatusOr<std::string_view> head = (*in)->Head();
  ASSERT_THAT(head.status(), IsOk());
  EXPECT_EQ(*head, text.substr(0, 64));
  // The head holds 64 of the file's bytes: the estimate scales its lines.
  const std::optional<uint64_t> lines = (*in)->EstimatedLines();
  ASSERT_TRUE(lines.has_value());
  EXPECT_GE(*lines, 1u);
  ExpectBlocksCover(**in, text);
}

// A file cut short between two blocks (another program truncating it) is an
// error naming the file, never a crash or a silently shorter input.
TEST(InputStreamTest, AFileTruncatedWhileReadIsAnError) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "1 2 3.5\n";
  const std::string path = dir.Write("t.txt", text);
  auto in = InputStream::Open(path, SmallBlocks());
  ASSERT_THAT(in.status(), IsOk());
  TextBlock block;
  absl::StatusOr<bool> first = (*in)->NextBlock(&block);
  ASSERT_THAT(first, IsOk());
  ASSERT_TRUE(*first);
  ASSERT_EQ(::truncate(path.c_str(), 100), 0);
  absl::StatusOr<bool> more = true;
  while (more.ok() && *more) more = (*in)->NextBlock(&block);
  EXPECT_THAT(more, StatusIs(absl::StatusCode::kAborted,
                             HasSubstr(path + ": the file changed while it was read")));
}

// A last line without '\n' whose writer was still appending ("17 17 3." of
// "17 17 3.5\n") is an error, not the rating 3; the same line in a file that
// did not change is read.
TEST(InputStreamTest, ATornLastLineOfAGrowingFileIsAnError) {
  TempDir dir;
  const std::string path = dir.Write("t.txt", "1 1 5\n17 17 3.");
  auto in = InputStream::Open(path);
  ASSERT_THAT(in.status(), IsOk());
  {
    std::FILE* append = std::fopen(path.c_str(), "ab");
    ASSERT_NE(append, nullptr);
    std::fputs("5\n", append);
    std::fclose(append);
  }
  TextBlock block;
  EXPECT_THAT((*in)->NextBlock(&block),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("changed while it was read")));

  auto again = InputStream::Open(dir.Write("u.txt", "1 1 5\n17 17 3."));
  ASSERT_THAT(again.status(), IsOk());
  std::string text;
  for (;;) {
    absl::StatusOr<bool> read = (*again)->NextBlock(&block);
    ASSERT_THAT(read, IsOk());
    if (!*read) break;
    text += block.text;
  }
  EXPECT_EQ(text, "1 1 5\n17 17 3.\n");
}

// The whole input of a binary reader too: a file that grew after it was
// opened is refused.
TEST(InputStreamTest, ReadAllOfAFileThatGrewIsAnError) {
  TempDir dir;
  const std::string path = dir.Write("m.bin", std::string(5000, 'b'));
  auto in = InputStream::Open(path);
  ASSERT_THAT(in.status(), IsOk());
  {
    std::FILE* append = std::fopen(path.c_str(), "ab");
    ASSERT_NE(append, nullptr);
    std::fputs("more", append);
    std::fclose(append);
  }
  EXPECT_THAT((*in)->ReadAll(),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("changed while it was read")));
}

TEST(InputStreamTest, PipeBlocksAreWholeLines) {
  const std::string text = SampleText();
  PipeSource pipe(text);
  auto in = InputStream::Open(pipe.path(), SmallBlocks());
  ASSERT_THAT(in.status(), IsOk());
  EXPECT_TRUE((*in)->is_stream());
  EXPECT_EQ((*in)->EstimatedLines(), std::nullopt);
  absl::StatusOr<std::string_view> head = (*in)->Head();
  ASSERT_THAT(head.status(), IsOk());
  EXPECT_EQ(*head, text.substr(0, 64));
  ExpectBlocksCover(**in, text);
}

TEST(InputStreamTest, ALineLongerThanABlockMakesALongerBlock) {
  const std::string text = "1 2\n" + std::string(5000, 'a') + "\n3 4\n";
  for (bool piped : {false, true}) {
    TempDir dir;
    PipeSource pipe(text);
    auto in = InputStream::Open(piped ? pipe.path() : dir.Write("t", text), SmallBlocks());
    ASSERT_THAT(in.status(), IsOk());
    std::string joined;
    TextBlock block;
    while (true) {
      absl::StatusOr<bool> more = (*in)->NextBlock(&block);
      ASSERT_THAT(more.status(), IsOk());
      if (!*more) break;
      ASSERT_EQ(block.text.back(), '\n');
      joined += block.text;
    }
    EXPECT_EQ(joined, text) << piped;
  }
}

TEST(InputStreamTest, ExtendBlockAddsLinesAndStopsAtTheEnd) {
  const std::string text = SampleText();
  for (bool piped : {false, true}) {
    TempDir dir;
    PipeSource pipe(text);
    auto in = InputStream::Open(piped ? pipe.path() : dir.Write("t", text), SmallBlocks());
    ASSERT_THAT(in.status(), IsOk());
    TextBlock block;
    ASSERT_TRUE(*(*in)->NextBlock(&block));
    ASSERT_TRUE(*(*in)->NextBlock(&block));
    const uint64_t first_line = block.first_line;
    const uint64_t offset = block.offset;
    size_t size = block.text.size();
    for (;;) {
      absl::StatusOr<bool> grown = (*in)->ExtendBlock(&block);
      ASSERT_THAT(grown.status(), IsOk());
      if (!*grown) break;
      EXPECT_GT(block.text.size(), size);
      EXPECT_EQ(block.text.back(), '\n');
      size = block.text.size();
    }
    EXPECT_EQ(block.first_line, first_line);
    EXPECT_EQ(block.offset, offset);
    EXPECT_EQ(block.text, text.substr(offset) + "\n") << piped;
    EXPECT_FALSE(*(*in)->NextBlock(&block));
  }
}

TEST(InputStreamTest, ANulByteIsRefusedWithItsLine) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "1 2 3\n";
  text += std::string("4 5\0 6\n", 7);
  for (bool piped : {false, true}) {
    TempDir dir;
    PipeSource pipe(text);
    const std::string path = piped ? pipe.path() : dir.Write("t", text);
    auto in = InputStream::Open(path, SmallBlocks());
    ASSERT_THAT(in.status(), IsOk());
    TextBlock block;
    absl::StatusOr<bool> more = true;
    while (more.ok() && *more) more = (*in)->NextBlock(&block);
    EXPECT_THAT(more.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                        path + ":41: NUL byte; expected text"));
  }
}

TEST(InputStreamTest, DevZeroIsRefusedAtTheFirstBlock) {
  const auto start = std::chrono::steady_clock::now();
  auto in = InputStream::Open("/dev/zero");
  ASSERT_THAT(in.status(), IsOk());
  TextBlock block;
  EXPECT_THAT((*in)->NextBlock(&block).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, "/dev/zero:1: NUL byte; expected text"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_LE((*in)->peak_buffered(), (size_t{8} << 20) + 1);
}

TEST(InputStreamTest, DevNullIsEmptyInput) {
  auto in = InputStream::Open("/dev/null");
  ASSERT_THAT(in.status(), IsOk());
  absl::StatusOr<std::string_view> head = (*in)->Head();
  ASSERT_THAT(head.status(), IsOk());
  EXPECT_TRUE(head->empty());
  EXPECT_THAT((*in)->EmptyMessage(), StartsWith("empty input"));
  TextBlock block;
  EXPECT_FALSE(*(*in)->NextBlock(&block));
}

TEST(InputStreamTest, AFifoWithoutAWriterIsRefusedWithinTheWait) {
  TempDir dir;
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  InputStream::Options options;
  options.fifo_wait_ms = 200;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(InputStream::Open(fifo, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith(fifo + ": "),
                             HasSubstr("no process opened the FIFO for writing"))));
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(190));
  EXPECT_LT(waited, std::chrono::seconds(3));
}

// A thread that opens `fifo` for writing, writes `text` and closes it.
std::thread FifoWriter(const std::string& fifo, std::string text) {
  return std::thread([fifo, text] {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (!text.empty() && ::write(fd, text.data(), text.size()) < 0) {
      // the reader gave up; nothing to do
    }
    ::close(fd);
  });
}

TEST(InputStreamTest, AFifoWriterThatClosesWithoutWritingGivesEmptyInput) {
  TempDir dir;
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer = FifoWriter(fifo, "");
  InputStream::Options options;
  options.fifo_wait_ms = 5000;
  auto in = InputStream::Open(fifo, options);
  writer.join();
  ASSERT_THAT(in.status(), IsOk());
  absl::StatusOr<std::string_view> head = (*in)->Head();
  ASSERT_THAT(head.status(), IsOk());
  EXPECT_TRUE(head->empty());
  EXPECT_THAT((*in)->EmptyMessage(),
              AllOf(StartsWith("empty input"), HasSubstr("stream was empty")));
}

TEST(InputStreamTest, AFifoIsReadOnceItsWriterComes) {
  TempDir dir;
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([fifo] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    FifoWriter(fifo, "1 2 3\n4 5 6\n").join();
  });
  InputStream::Options options;
  options.fifo_wait_ms = 5000;
  auto in = InputStream::Open(fifo, options);
  ASSERT_THAT(in.status(), IsOk());
  TextBlock block;
  ASSERT_TRUE(*(*in)->NextBlock(&block));
  EXPECT_EQ(block.text, "1 2 3\n4 5 6\n");
  EXPECT_FALSE(*(*in)->NextBlock(&block));
  writer.join();
}

TEST(InputStreamTest, ALargeStreamIsReadWithBoundedBuffers) {
  std::string text;
  text.reserve(52u << 20);
  for (uint32_t i = 0; text.size() < (50u << 20); ++i) {
    text += std::to_string(i) + " " + std::to_string(i % 1000) + " 4.5\n";
  }
  PipeSource pipe(text);
  InputStream::Options options;
  options.block_size = size_t{1} << 20;
  auto in = InputStream::Open(pipe.path(), options);
  ASSERT_THAT(in.status(), IsOk());
  uint64_t bytes = 0;
  uint64_t lines = 0;
  TextBlock block;
  for (;;) {
    absl::StatusOr<bool> more = (*in)->NextBlock(&block);
    ASSERT_THAT(more.status(), IsOk());
    if (!*more) break;
    ASSERT_EQ(block.offset, bytes);
    ASSERT_EQ(block.first_line, lines + 1);
    bytes += block.text.size();
    lines += CountLines(block.text);
  }
  EXPECT_EQ(bytes, text.size());
  EXPECT_EQ(lines, CountLines(text));
  // One block and a bit: never the whole 50 MB.
  EXPECT_LE((*in)->peak_buffered(), 2u << 20);
}

TEST(InputStreamTest, ReadAllHoldsTheWholeInput) {
  const std::string text = SampleText();
  PipeSource pipe(text);
  auto in = InputStream::Open(pipe.path(), SmallBlocks());
  ASSERT_THAT(in.status(), IsOk());
  ASSERT_THAT((*in)->Head().status(), IsOk());
  absl::StatusOr<std::shared_ptr<const MappedFile>> all = (*in)->ReadAll();
  ASSERT_THAT(all.status(), IsOk());
  EXPECT_EQ((*all)->view(), text);
  EXPECT_EQ((*all)->path(), pipe.path());

  TempDir dir;
  const std::string path = dir.Write("t", text);
  absl::StatusOr<std::shared_ptr<const MappedFile>> mapped = ReadWholeInput(path);
  ASSERT_THAT(mapped.status(), IsOk());
  EXPECT_EQ((*mapped)->view(), text);
}

TEST(InputStreamTest, MissingPathsAndFoldersAreErrors) {
  TempDir dir;
  EXPECT_THAT(InputStream::Open(dir.File("absent")).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no such file")));
  EXPECT_THAT(InputStream::Open(dir.path()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is a directory")));
}

}  // namespace
}  // namespace hogmf::internal
