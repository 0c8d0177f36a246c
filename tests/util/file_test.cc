// Tests of util/file.h: MappedFile maps whole files (and reports missing
// files and folders), AtomicFileWriter publishes a file only on Commit and
// leaves nothing behind otherwise.
#include "util/file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testing/status_matchers.h"

namespace hogmf::internal {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;

// The names in `folder`.
std::vector<std::string> Listing(const std::string& folder) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The contents of the file at `path`, read through MappedFile.
std::string Contents(const std::string& path) {
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  EXPECT_THAT(file, IsOk());
  return file.ok() ? std::string((*file)->view()) : std::string();
}

// A writer for `path`; null (and a failed expectation) if it cannot be made.
std::unique_ptr<AtomicFileWriter> CreateWriter(const std::string& path) {
  absl::StatusOr<std::unique_ptr<AtomicFileWriter>> writer = AtomicFileWriter::Create(path);
  EXPECT_THAT(writer, IsOk());
  return writer.ok() ? std::move(*writer) : nullptr;
}

TEST(MappedFileTest, ReadsTheWholeFile) {
  TempDir dir;
  const std::string path = dir.Write("data.txt", "hello, mapped world");
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ((*file)->view(), "hello, mapped world");
  EXPECT_EQ((*file)->size(), 19u);
  EXPECT_EQ((*file)->path(), path);
}

// The bytes are this process's own: a file cut short after it was read (a
// mapping would raise SIGBUS on the lost pages) changes nothing.
TEST(MappedFileTest, AFileTruncatedAfterItWasReadKeepsItsBytes) {
  TempDir dir;
  const std::string text(100000, 'x');
  const std::string path = dir.Write("big.bin", text);
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(path);
  ASSERT_THAT(file, IsOk());
  ASSERT_EQ(::truncate(path.c_str(), 10), 0);
  EXPECT_EQ((*file)->view(), text);
}

TEST(MappedFileTest, AnEmptyFileIsAnEmptyRange) {
  TempDir dir;
  absl::StatusOr<std::shared_ptr<const MappedFile>> file = MappedFile::Open(dir.Write("empty", ""));
  ASSERT_THAT(file, IsOk());
  EXPECT_EQ((*file)->size(), 0u);
  EXPECT_TRUE((*file)->view().empty());
}

// Only regular files are mapped: a pipe, a FIFO (without blocking on its
// missing writer) or a device is refused; InputStream reads those.
TEST(MappedFileTest, APathThatIsNotARegularFileIsRefused) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_THAT(MappedFile::Open("/proc/self/fd/" + std::to_string(fds[0])),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  ::close(fds[0]);
  ::close(fds[1]);
  TempDir dir;
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(MappedFile::Open(fifo),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
  EXPECT_THAT(MappedFile::Open("/dev/zero"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a regular file")));
}

TEST(MappedFileTest, MissingFilesAndFoldersAreErrors) {
  TempDir dir;
  EXPECT_THAT(MappedFile::Open(dir.File("absent")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent: no such file")));
  EXPECT_THAT(MappedFile::Open(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is a directory")));
}

TEST(AtomicFileWriterTest, CommitPublishesTheFile) {
  TempDir dir;
  const std::string path = dir.File("out.txt");
  std::unique_ptr<AtomicFileWriter> writer = CreateWriter(path);
  ASSERT_NE(writer, nullptr);
  writer->Write("first ");
  writer->Write("second", 6);
  EXPECT_EQ(writer->offset(), 12u);
  EXPECT_FALSE(std::filesystem::exists(path));  // not before Commit
  ASSERT_THAT(writer->Commit(), IsOk());
  writer.reset();
  EXPECT_EQ(Contents(path), "first second");
  EXPECT_THAT(Listing(dir.path()), ::testing::ElementsAre("out.txt"));
}

TEST(AtomicFileWriterTest, CommitReplacesAnOldFile) {
  TempDir dir;
  const std::string path = dir.Write("out.txt", "old contents");
  std::unique_ptr<AtomicFileWriter> writer = CreateWriter(path);
  ASSERT_NE(writer, nullptr);
  writer->Write("new");
  ASSERT_THAT(writer->Commit(), IsOk());
  EXPECT_THAT(writer->Commit(), StatusIs(absl::StatusCode::kFailedPrecondition));
  writer.reset();
  EXPECT_EQ(Contents(path), "new");
}

TEST(AtomicFileWriterTest, WithoutCommitTheTemporaryFileIsRemoved) {
  TempDir dir;
  const std::string path = dir.Write("out.txt", "kept");
  {
    std::unique_ptr<AtomicFileWriter> writer = CreateWriter(path);
    ASSERT_NE(writer, nullptr);
    writer->Write("never published");
    EXPECT_EQ(Listing(dir.path()).size(), 2u);  // the target and the temporary file
  }
  EXPECT_THAT(Listing(dir.path()), ::testing::ElementsAre("out.txt"));
  EXPECT_EQ(Contents(path), "kept");
}

TEST(AtomicFileWriterTest, AFolderThatDoesNotExistIsAnError) {
  TempDir dir;
  EXPECT_THAT(AtomicFileWriter::Create(dir.File("absent/out.txt")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot create output file")));
}

TEST(AtomicFileWriterTest, AWriteFailureIsReportedByCommitAndNothingIsPublished) {
  // A file size limit makes writes past 4 KiB fail with EFBIG (SIGXFSZ,
  // which would end the process, is ignored meanwhile).
  TempDir dir;
  const std::string path = dir.File("out.bin");
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 4096;
  void (*const old_handler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  absl::Status committed;
  {
    std::unique_ptr<AtomicFileWriter> writer = CreateWriter(path);
    if (writer != nullptr) {
      const std::string block(1 << 20, 'x');
      for (int i = 0; i < 3; ++i) writer->Write(block);
      committed = writer->Commit();
    }
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_THAT(committed,
              StatusIs(absl::StatusCode::kInternal, HasSubstr("writing " + path + ": ")));
  EXPECT_TRUE(Listing(dir.path()).empty());
}

}  // namespace
}  // namespace hogmf::internal
