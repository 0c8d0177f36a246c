// Tests of WriteFileAtomically: new and replaced files hold exactly the bytes
// given, and a failed write leaves the target and its folder as they were.
#include "hogmf/write_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;

int CountEntries(const std::string& folder) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    (void)entry;
    ++n;
  }
  return n;
}

TEST(WriteFileTest, CreatesAFileWithTheBytesGiven) {
  TempDir dir;
  const std::string path = dir.File("out.txt");
  const std::string contents("line 1\nzero \0 byte\n", 19);
  EXPECT_THAT(WriteFileAtomically(path, contents), IsOk());
  EXPECT_EQ(ReadFileBytes(path), contents);
  EXPECT_EQ(CountEntries(dir.path()), 1);  // no temporary file left behind
}

TEST(WriteFileTest, ReplacesAnExistingFile) {
  TempDir dir;
  const std::string path = dir.Write("out.txt", "a much longer old content than the new one\n");
  EXPECT_THAT(WriteFileAtomically(path, "new\n"), IsOk());
  EXPECT_EQ(ReadFileBytes(path), "new\n");
  EXPECT_THAT(WriteFileAtomically(path, ""), IsOk());
  EXPECT_EQ(ReadFileBytes(path), "");
  EXPECT_EQ(CountEntries(dir.path()), 1);
}

TEST(WriteFileTest, AMissingFolderIsAnErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.File("missing/out.txt");
  EXPECT_THAT(WriteFileAtomically(path, "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr(path)));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(CountEntries(dir.path()), 0);
}

TEST(WriteFileTest, AFailedRenameLeavesTheTargetAndNoTemporaryFile) {
  TempDir dir;
  // A non-empty folder at the target path: the rename over it fails.
  const std::string path = dir.File("target");
  std::filesystem::create_directory(path);
  dir.Write("target/kept.txt", "kept");
  EXPECT_THAT(WriteFileAtomically(path, "x"),
              StatusIs(absl::StatusCode::kInternal, ::testing::HasSubstr(path)));
  EXPECT_TRUE(std::filesystem::is_directory(path));
  EXPECT_EQ(ReadFileBytes(path + "/kept.txt"), "kept");
  EXPECT_EQ(CountEntries(dir.path()), 1);
}

}  // namespace
}  // namespace hogmf
