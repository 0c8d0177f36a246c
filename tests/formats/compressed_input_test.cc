// Tests that gzip data reads transparently everywhere a file is read: every
// text format and the binary ratings format through ReadRatings (sniffed or
// named), DetectFormat, and hogmf and LIBMF models through LoadModel and
// ImportLibmfModel. Errors keep their file:line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "formats/format_samples.h"
#include "hogmf/input.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "model/model_internal.h"
#include "testing/input_sources.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::FormatSample;
using ::hogmf::testing::Gzip;
using ::hogmf::testing::IsOk;
using ::hogmf::testing::MakeSample;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::hogmf::testing::TextFormats;
using ::testing::StartsWith;

void ExpectSameRatings(const Ratings& a, const Ratings& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.num_users(), b.num_users());
  EXPECT_EQ(a.num_items(), b.num_items());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a.entries()[k].user, b.entries()[k].user) << k;
    ASSERT_EQ(a.entries()[k].item, b.entries()[k].item) << k;
    ASSERT_EQ(a.entries()[k].value, b.entries()[k].value) << k;
  }
}

TEST(CompressedInputTest, EveryTextFormatReadsFromGzip) {
  TempDir dir;
  for (Format format : TextFormats()) {
    const FormatSample sample = MakeSample(format, 400);
    const std::string plain = dir.Write("plain", sample.text);
    const std::string gz = dir.Write("ratings.data", Gzip(sample.text));
    ReadOptions options;
    options.format = format;
    absl::StatusOr<ReadResult> expected = ReadRatings(plain, options);
    ASSERT_THAT(expected.status(), IsOk()) << FormatName(format);
    absl::StatusOr<ReadResult> named = ReadRatings(gz, options);
    ASSERT_THAT(named.status(), IsOk()) << FormatName(format);
    ExpectSameRatings(named->ratings, expected->ratings);
    if (format != Format::kDense) {
      absl::StatusOr<ReadResult> sniffed = ReadRatings(gz);
      ASSERT_THAT(sniffed.status(), IsOk()) << FormatName(format);
      EXPECT_EQ(sniffed->format, format);
      ExpectSameRatings(sniffed->ratings, expected->ratings);
      ASSERT_THAT(DetectFormat(gz), IsOk());
      EXPECT_EQ(*DetectFormat(gz), format);
    }
  }
}

TEST(CompressedInputTest, ErrorsInGzipTextNameTheFileAndLine) {
  TempDir dir;
  for (Format format : TextFormats()) {
    const FormatSample sample = MakeSample(format, 400, 321);
    const std::string gz = dir.Write("bad.gz", Gzip(sample.text));
    ReadOptions options;
    options.format = format;
    EXPECT_THAT(ReadRatings(gz, options),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         StartsWith(gz + ":" + std::to_string(sample.bad_line) + ": ")))
        << FormatName(format);
  }
}

TEST(CompressedInputTest, BinaryRatingsReadFromGzip) {
  TempDir dir;
  const FormatSample sample = MakeSample(Format::kCsv, 300);
  absl::StatusOr<ReadResult> read = ReadRatings(dir.Write("r.csv", sample.text));
  ASSERT_THAT(read.status(), IsOk());
  const std::string binary = dir.File("r.bin");
  ASSERT_THAT(WriteBinaryRatings(read->ratings, binary), IsOk());
  const std::string gz = dir.Write("r.bin.gz", Gzip(ReadFileBytes(binary)));
  absl::StatusOr<ReadResult> back = ReadRatings(gz);
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(back->format, Format::kBinary);
  ExpectSameRatings(back->ratings, read->ratings);
  EXPECT_EQ(back->ratings.users().Name(0), read->ratings.users().Name(0));
  ASSERT_THAT(DetectFormat(gz), IsOk());
  EXPECT_EQ(*DetectFormat(gz), Format::kBinary);
  // Named as a text format, the decompressed magic is still recognized.
  ReadOptions libmf;
  libmf.format = Format::kLibmf;
  EXPECT_THAT(ReadRatings(gz, libmf),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith(gz + ": this is a hogmf binary ratings file")));
}

Model SmallModel() {
  Model model(3, IdMap::Identity(5), IdMap::Identity(4));
  for (uint32_t u = 0; u < 5; ++u) {
    for (int d = 0; d < 3; ++d) {
      internal::ModelInternal::user_factors(model).row(u)[d] = 0.25f * static_cast<float>(u + d);
    }
    internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < 4; ++i) {
    for (int d = 0; d < 3; ++d) {
      internal::ModelInternal::item_factors(model).row(i)[d] = 0.5f - 0.125f * (i * d);
    }
    internal::ModelInternal::set_item_seen(model, i, true);
  }
  internal::ModelInternal::set_mean(model, 3.5f);
  return model;
}

void ExpectSamePredictions(const Model& a, const Model& b) {
  ASSERT_EQ(a.num_users(), b.num_users());
  ASSERT_EQ(a.num_items(), b.num_items());
  for (uint32_t u = 0; u < a.num_users(); ++u) {
    for (uint32_t i = 0; i < a.num_items(); ++i) EXPECT_EQ(a.Predict(u, i), b.Predict(u, i));
  }
}

TEST(CompressedInputTest, ModelsLoadFromGzip) {
  TempDir dir;
  const Model model = SmallModel();
  const std::string native = dir.File("m.model");
  ASSERT_THAT(SaveModel(model, native), IsOk());
  const std::string native_gz = dir.Write("m.model.gz", Gzip(ReadFileBytes(native)));
  ModelFormat format = ModelFormat::kLibmf;
  absl::StatusOr<Model> loaded = LoadModel(native_gz, &format);
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_EQ(format, ModelFormat::kHogmf);
  ExpectSamePredictions(*loaded, model);

  const std::string libmf = dir.File("m.libmf");
  ASSERT_THAT(ExportLibmfModel(model, libmf), IsOk());
  absl::StatusOr<Model> plain = ImportLibmfModel(libmf);
  ASSERT_THAT(plain.status(), IsOk());
  const std::string libmf_gz = dir.Write("m.libmf.gz", Gzip(ReadFileBytes(libmf)));
  absl::StatusOr<Model> imported = ImportLibmfModel(libmf_gz);
  ASSERT_THAT(imported.status(), IsOk());
  ExpectSamePredictions(*imported, *plain);
  absl::StatusOr<Model> via_load = LoadModel(libmf_gz, &format);
  ASSERT_THAT(via_load.status(), IsOk());
  EXPECT_EQ(format, ModelFormat::kLibmf);
  ExpectSamePredictions(*via_load, *plain);

  // A truncated model is an error, not a short read.
  const std::string gz = ReadFileBytes(native_gz);
  const std::string cut = dir.Write("cut.gz", gz.substr(0, gz.size() - 10));
  EXPECT_THAT(LoadModel(cut),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(cut + ": the gzip data")));
}

}  // namespace
}  // namespace hogmf
