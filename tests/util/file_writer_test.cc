// Tests of util/file.h's AtomicFileWriter on outputs that are not regular
// files: devices, pipes, FIFOs and descriptors are written straight (never
// replaced by a renamed file), a closed pipe is an error, and a symbolic link
// to a regular file is replaced as it always was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "testing/status_matchers.h"
#include "util/file.h"

namespace hogmf::internal {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;

// Text of about `bytes` bytes, more than the writer's 1 MiB buffer when
// `bytes` is, so that writing it reaches the output before Commit.
std::string Lines(size_t bytes) {
  std::string text;
  for (int i = 0; text.size() < bytes; ++i) text += std::to_string(i) + " 7 3.5\n";
  return text;
}

// Reads `fd` to its end.
std::string ReadAll(int fd) {
  std::string got;
  char block[65536];
  for (;;) {
    const ssize_t n = ::read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(block, static_cast<size_t>(n));
  }
  return got;
}

// Writes `text` to `path` in pieces and commits.
absl::Status WriteAndCommit(const std::string& path, const std::string& text) {
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Create(path);
  if (!writer.ok()) return writer.status();
  EXPECT_TRUE((*writer)->streaming()) << path;
  for (size_t at = 0; at < text.size(); at += 100000) {
    (*writer)->Write(std::string_view(text).substr(at, 100000));
  }
  return (*writer)->Commit();
}

// Whether `folder` holds a temporary file made for `name`.
bool TempFileIn(const std::string& folder, const std::string& name) {
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().filename().string().rfind(name + ".tmp.", 0) == 0) return true;
  }
  return false;
}

// /dev/null takes the bytes and stays the machine's null device: no
// temporary file in /dev, nothing renamed over it.
TEST(AtomicFileWriterStreamTest, DevNullStaysACharacterDevice) {
  ASSERT_THAT(WriteAndCommit("/dev/null", Lines(3 << 20)), IsOk());
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 1u);
  EXPECT_EQ(minor(st.st_rdev), 3u);
  EXPECT_FALSE(TempFileIn("/dev", "null"));
}

// A pipe named by its descriptor (/dev/fd/N, /proc/self/fd/N) gets every
// byte, in order, while another thread reads it.
TEST(AtomicFileWriterStreamTest, APipeReadByAThreadGetsEveryByte) {
  for (const std::string prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::string got;
    std::thread reader([&] { got = ReadAll(fds[0]); });
    const std::string sent = Lines(3 << 20);
    const absl::Status committed = WriteAndCommit(prefix + std::to_string(fds[1]), sent);
    ::close(fds[1]);  // the writer wrote to a copy: the reader sees the end now
    reader.join();
    ::close(fds[0]);
    EXPECT_THAT(committed, IsOk()) << prefix;
    EXPECT_EQ(got.size(), sent.size()) << prefix;
    EXPECT_TRUE(got == sent) << prefix;
  }
}

// A FIFO is opened as it is (the open waits for the reader), written, and
// stays a FIFO; nothing else appears in its folder.
TEST(AtomicFileWriterStreamTest, AFifoIsWrittenStraightAndStaysAFifo) {
  TempDir dir;
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] {
    const int fd = ::open(fifo.c_str(), O_RDONLY);
    if (fd < 0) return;
    got = ReadAll(fd);
    ::close(fd);
  });
  const std::string sent = Lines(2 << 20);
  const absl::Status committed = WriteAndCommit(fifo, sent);
  reader.join();
  EXPECT_THAT(committed, IsOk());
  EXPECT_TRUE(got == sent);
  struct stat st;
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// With SIGPIPE ignored, a pipe whose reader is gone is the error "writing
// PATH: broken pipe" from Commit, whether the bytes overflowed the buffer
// before Commit or were sent by its flush.
TEST(AtomicFileWriterStreamTest, AClosedPipeIsABrokenPipeError) {
  void (*const old_handler)(int) = std::signal(SIGPIPE, SIG_IGN);
  for (const size_t bytes : {size_t{100}, size_t{3} << 20}) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ::close(fds[0]);
    const std::string path = "/dev/fd/" + std::to_string(fds[1]);
    absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Create(path);
    ASSERT_THAT(writer, IsOk());
    (*writer)->Write(Lines(bytes));
    EXPECT_THAT((*writer)->Commit(), StatusIs(absl::StatusCode::kInternal,
                                              HasSubstr("writing " + path + ": broken pipe")))
        << bytes;
    writer->reset();
    ::close(fds[1]);
  }
  std::signal(SIGPIPE, old_handler);
}

// A descriptor that is not open, or open only for reading, cannot be written.
TEST(AtomicFileWriterStreamTest, ADescriptorThatCannotBeWrittenIsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_THAT(AtomicFileWriter::Create("/dev/fd/" + std::to_string(fds[0])),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("open for reading only")));
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_THAT(AtomicFileWriter::Create("/dev/fd/" + std::to_string(fds[0])),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot write")));
}

// A symbolic link to a regular file is replaced by the new file (rename
// replaces the link, not its target), as before; a link to a device writes
// into the device and stays a link.
TEST(AtomicFileWriterStreamTest, ALinkToAFileIsReplacedAndALinkToADeviceIsWrittenThrough) {
  TempDir dir;
  const std::string target = dir.Write("target.txt", "old");
  const std::string link = dir.File("link.txt");
  std::filesystem::create_symlink(target, link);
  {
    absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Create(link);
    ASSERT_THAT(writer, IsOk());
    EXPECT_FALSE((*writer)->streaming());
    (*writer)->Write("new");
    ASSERT_THAT((*writer)->Commit(), IsOk());
  }
  EXPECT_FALSE(std::filesystem::is_symlink(link));
  EXPECT_EQ(ReadFileBytes(link), "new");
  EXPECT_EQ(ReadFileBytes(target), "old");
  const std::string null_link = dir.File("null");
  std::filesystem::create_symlink("/dev/null", null_link);
  ASSERT_THAT(WriteAndCommit(null_link, "discarded"), IsOk());
  EXPECT_TRUE(std::filesystem::is_symlink(null_link));
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
}

}  // namespace
}  // namespace hogmf::internal
