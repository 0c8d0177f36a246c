// Replays the fuzz targets' inputs in the normal test suite: the seed corpus
// (tests/fuzz/corpus/TARGET/) and every input that once crashed a target
// (tests/fuzz/regressions/TARGET/, named after what it found), through the
// same checks the libFuzzer executables run (tests/fuzz/fuzz_targets.cc). A
// target aborts on a broken invariant, which fails this test. Also tests
// InputStream::FromBytes, the fuzz targets' in-memory input.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "formats/readers.h"
#include "fuzz/fuzz_targets.h"
#include "hogmf/input.h"
#include "testing/input_sources.h"
#include "testing/status_matchers.h"
#include "util/input_stream.h"

namespace hogmf {
namespace {

using ::hogmf::internal::InputStream;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::TempDir;

// The files of folder `dir`, or none when it does not exist.
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  return files;
}

class FuzzInputsTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(FuzzInputsTest, SeedsAndRegressionsPassTheTarget) {
  const std::string target(GetParam());
  fuzz::TargetFunction run = fuzz::FindTarget(target);
  ASSERT_NE(run, nullptr);
  const std::vector<std::string> seeds = FilesIn(std::string(HOGMF_FUZZ_DIR) + "/corpus/" + target);
  EXPECT_GE(seeds.size(), 2u) << "every target has seed inputs";
  std::vector<std::string> inputs = seeds;
  for (const std::string& file : FilesIn(std::string(HOGMF_FUZZ_DIR) + "/regressions/" + target)) {
    inputs.push_back(file);
  }
  for (const std::string& file : inputs) {
    SCOPED_TRACE(file);
    run(ReadFileBytes(file));
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, FuzzInputsTest, ::testing::ValuesIn(fuzz::TargetNames()),
                         [](const ::testing::TestParamInfo<std::string_view>& info) {
                           return std::string(info.param);
                         });

TEST(FuzzInputsTest, EveryTargetHasAName) {
  EXPECT_EQ(fuzz::TargetNames().size(), 12u);
  EXPECT_EQ(fuzz::FindTarget("no-such-target"), nullptr);
}

// FromBytes reads as the same bytes in a file read, plain and gzip, with any
// block size.
TEST(InputStreamFromBytesTest, ReadsAsAFileReads) {
  TempDir dir;
  const std::string text = "0 0 5\n1 2 3.5\n4 1 -2";
  for (const std::string& bytes : {text, testing::Gzip(text)}) {
    const std::string path = dir.Write("ratings", bytes);
    absl::StatusOr<ReadResult> from_file = ReadRatings(path);
    ASSERT_TRUE(from_file.ok()) << from_file.status();
    for (size_t block : {size_t{16}, size_t{1} << 20}) {
      InputStream::Options options;
      options.block_size = block;
      absl::StatusOr<std::unique_ptr<InputStream>> made =
          InputStream::FromBytes("memory", bytes, options);
      ASSERT_TRUE(made.ok()) << made.status();
      std::unique_ptr<InputStream> in = *std::move(made);
      EXPECT_EQ(in->path(), "memory");
      EXPECT_EQ(in->compressed(), bytes != text);
      absl::StatusOr<ReadResult> from_bytes = formats::ReadRatingsFrom(*in, ReadOptions());
      ASSERT_TRUE(from_bytes.ok()) << from_bytes.status();
      EXPECT_EQ(from_bytes->format, Format::kLibmf);
      ASSERT_EQ(from_bytes->ratings.size(), 3u);
      for (size_t k = 0; k < 3; ++k) {
        EXPECT_EQ(from_bytes->ratings.entries()[k].user, from_file->ratings.entries()[k].user);
        EXPECT_EQ(from_bytes->ratings.entries()[k].item, from_file->ratings.entries()[k].item);
        EXPECT_EQ(from_bytes->ratings.entries()[k].value, from_file->ratings.entries()[k].value);
      }
    }
  }
}

TEST(InputStreamFromBytesTest, EmptyBytesAreAnEmptyInput) {
  absl::StatusOr<std::unique_ptr<InputStream>> in =
      InputStream::FromBytes("memory", "", InputStream::Options());
  ASSERT_TRUE(in.ok()) << in.status();
  absl::StatusOr<ReadResult> read = formats::ReadRatingsFrom(**in, ReadOptions());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
}

// What the sniff target found: the format was sniffed from the first block
// only, so megabytes of blank lines before the data read as "only blank
// lines". The head a sniffer sees now grows to the first line with data.
TEST(SniffRegressionTest, DataAfterMoreThanABlockOfBlankLinesIsSniffed) {
  TempDir dir;
  const std::string path = dir.Write("late.txt", std::string(9 << 20, '\n') + "0 0 1\n2 1 3\n");
  absl::StatusOr<ReadResult> read = ReadRatings(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->format, Format::kLibmf);
  EXPECT_EQ(read->ratings.size(), 2u);
  absl::StatusOr<Format> detected = DetectFormat(path);
  ASSERT_TRUE(detected.ok()) << detected.status();
  EXPECT_EQ(*detected, Format::kLibmf);
}

}  // namespace
}  // namespace hogmf
