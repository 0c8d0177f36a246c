// Tests of SaveModel and LoadModel in hogmf's binary format: exact round
// trips (biases, loss, clipping range and L2 weights included), version 1
// files still loading, atomic writes, and an error (never a crash) for every
// damaged file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "hogmf/loss.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "model/model_internal.h"
#include "testing/status_matchers.h"
#include "util/checksum.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::ListDir;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Layout facts the tests poke at (see docs/formats.md).
constexpr size_t kFlagsAt = 24;
constexpr size_t kNumUsersAt = 32;
constexpr size_t kSectionsAt = 48;
constexpr size_t kNumSections = 10;
constexpr size_t kHeaderSize = kSectionsAt + 16 * kNumSections;
constexpr size_t kTrailerSize = 16;
constexpr int kUserBiasesSection = 7;
constexpr int kItemBiasesSection = 8;
constexpr int kTrainingSection = 9;
constexpr size_t kTrainingBytes = 28;

// Writes each variant of a file under a fresh name, removing the previous
// one (rewriting one name would make ext4 flush it every time).
class VariantWriter {
 public:
  VariantWriter(const TempDir& dir, std::string stem) : dir_(dir), stem_(std::move(stem)) {}
  std::string Write(const std::string& bytes) {
    if (!last_.empty()) std::filesystem::remove(last_);
    last_ = dir_.Write(stem_ + "-" + std::to_string(count_++), bytes);
    return last_;
  }

 private:
  const TempDir& dir_;
  std::string stem_;
  std::string last_;
  int count_ = 0;
};

// Recomputes the trailer checksum after a deliberate edit, so the structural
// checks behind the checksum get exercised.
void Reseal(std::string& bytes) {
  internal::Checksum64 checksum;
  checksum.Update(bytes.data(), bytes.size() - kTrailerSize);
  const uint64_t value = checksum.value();
  std::memcpy(bytes.data() + bytes.size() - kTrailerSize, &value, sizeof(value));
}

uint64_t SectionOffset(const std::string& bytes, int section) {
  uint64_t offset;
  std::memcpy(&offset, bytes.data() + kSectionsAt + 16 * section, sizeof(offset));
  return offset;
}

uint64_t SectionSize(const std::string& bytes, int section) {
  uint64_t size;
  std::memcpy(&size, bytes.data() + kSectionsAt + 16 * section + 8, sizeof(size));
  return size;
}

std::string U32Bytes(uint32_t value) { return std::string(reinterpret_cast<char*>(&value), 4); }
std::string F32Bytes(float value) { return std::string(reinterpret_cast<char*>(&value), 4); }
std::string U64Bytes(uint64_t value) { return std::string(reinterpret_cast<char*>(&value), 8); }

RatedItems RatedItemsOf(std::vector<Rating> training, uint32_t num_users) {
  return RatedItems::Build(training, num_users);
}

// String ids (an empty and a non-ASCII one among them), k not a multiple of
// the padding, row counts not multiples of 8, odd float values, rated items
// with large indices.
Model StringIdModel() {
  IdMap users;
  for (int u = 0; u < 11; ++u) users.Intern("user-" + std::to_string(u));
  users.Intern("");
  users.Intern("Zoë \xF0\x9F\x8E\xAC");
  IdMap items;
  for (int i = 0; i < 300; ++i) items.Intern("Film #" + std::to_string(i * 7));
  Model model(5, std::move(users), std::move(items));
  internal::Rng rng(7);
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    for (int d = 0; d < 5; ++d)
      internal::ModelInternal::user_factors(model).row(u)[d] = static_cast<float>(rng.Normal());
    internal::ModelInternal::set_user_seen(model, u, u % 3 != 1);
  }
  for (uint32_t i = 0; i < model.num_items(); ++i) {
    for (int d = 0; d < 5; ++d)
      internal::ModelInternal::item_factors(model).row(i)[d] = static_cast<float>(rng.Normal());
    internal::ModelInternal::set_item_seen(model, i, i % 4 != 2);
  }
  internal::ModelInternal::user_factors(model).row(0)[0] = -0.0f;
  internal::ModelInternal::user_factors(model).row(0)[1] = std::numeric_limits<float>::denorm_min();
  internal::ModelInternal::user_factors(model).row(0)[2] = std::numeric_limits<float>::max();
  internal::ModelInternal::user_factors(model).row(0)[3] = -std::numeric_limits<float>::max();
  internal::ModelInternal::set_mean(model, 3.5293f);
  std::vector<Rating> training;
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    if (u == 4) continue;  // a user without ratings
    for (int j = 0; j < 20; ++j) {
      training.push_back({u, static_cast<uint32_t>(rng.Below(model.num_items())), 1.0f});
    }
  }
  training.push_back({0, 299, 1.0f});
  internal::ModelInternal::set_rated_items(model, RatedItems::Build(training, model.num_users()));
  internal::ModelInternal::AddBiases(model);
  for (float& b : internal::ModelInternal::user_biases(model)) b = static_cast<float>(rng.Normal());
  for (float& b : internal::ModelInternal::item_biases(model)) b = static_cast<float>(rng.Normal());
  internal::ModelInternal::user_biases(model)[1] = -0.0f;
  internal::ModelInternal::item_biases(model)[7] = std::numeric_limits<float>::min();
  internal::ModelInternal::set_loss(model, Loss::kAbsolute);
  internal::ModelInternal::set_value_range(model, 0.5f, 5.0f, true);
  internal::ModelInternal::set_l2(model, 0.05f, 0.0625f, 1e-3f, 0.0f);
  return model;
}

Model IdentityModel(uint32_t users, uint32_t items, int k) {
  Model model(k, IdMap::Identity(users), IdMap::Identity(items));
  internal::Rng rng(11);
  for (uint32_t u = 0; u < users; ++u) {
    for (int d = 0; d < k; ++d)
      internal::ModelInternal::user_factors(model).row(u)[d] = rng.UniformFloat();
    internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < items; ++i) {
    for (int d = 0; d < k; ++d)
      internal::ModelInternal::item_factors(model).row(i)[d] = rng.UniformFloat();
    internal::ModelInternal::set_item_seen(model, i, i != 1);
  }
  internal::ModelInternal::set_mean(model, -1.25f);
  return model;
}

void ExpectSameIds(const IdMap& a, const IdMap& b) {
  EXPECT_EQ(a.is_identity(), b.is_identity());
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.names(), b.names());
  for (uint32_t i = 0; i < a.size(); ++i) EXPECT_EQ(b.Find(a.Name(i)), i);
}

void ExpectBitEqualFactors(const FactorMatrix& a, const FactorMatrix& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.k(), b.k());
  for (uint32_t r = 0; r < a.rows(); ++r) {
    EXPECT_EQ(std::memcmp(a.row(r), b.row(r), b.stride() * sizeof(float)), 0) << "row " << r;
  }
}

void ExpectBitEqual(float a, float b, const char* what) {
  EXPECT_EQ(std::memcmp(&a, &b, sizeof(float)), 0) << what << ": " << a << " vs " << b;
}

void ExpectBitEqualBiases(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  if (a.empty()) return;  // memcmp takes no null pointer, even for 0 bytes
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

void ExpectSameModel(const Model& a, const Model& b) {
  ExpectBitEqualFactors(a.user_factors(), b.user_factors());
  ExpectBitEqualFactors(a.item_factors(), b.item_factors());
  ExpectSameIds(a.users(), b.users());
  ExpectSameIds(a.items(), b.items());
  ExpectBitEqual(a.mean(), b.mean(), "mean");
  EXPECT_EQ(a.has_biases(), b.has_biases());
  ExpectBitEqualBiases(a.user_biases(), b.user_biases());
  ExpectBitEqualBiases(a.item_biases(), b.item_biases());
  EXPECT_EQ(a.loss(), b.loss());
  EXPECT_EQ(a.clips(), b.clips());
  ExpectBitEqual(a.min_value(), b.min_value(), "min_value");
  ExpectBitEqual(a.max_value(), b.max_value(), "max_value");
  ExpectBitEqual(a.l2_p(), b.l2_p(), "l2_p");
  ExpectBitEqual(a.l2_q(), b.l2_q(), "l2_q");
  ExpectBitEqual(a.l2_user_bias(), b.l2_user_bias(), "l2_user_bias");
  ExpectBitEqual(a.l2_item_bias(), b.l2_item_bias(), "l2_item_bias");
  for (uint32_t u = 0; u < a.num_users(); ++u) EXPECT_EQ(a.user_seen(u), b.user_seen(u)) << u;
  for (uint32_t i = 0; i < a.num_items(); ++i) EXPECT_EQ(a.item_seen(i), b.item_seen(i)) << i;
  EXPECT_EQ(a.has_rated_items(), b.has_rated_items());
  EXPECT_EQ(a.rated_items(), b.rated_items());
}

// Every failure is kInvalidArgument on one line that starts with the path.
void ExpectLoadError(const std::string& path, const std::string& what) {
  absl::StatusOr<Model> loaded = LoadModel(path);
  ASSERT_THAT(loaded, StatusIs(absl::StatusCode::kInvalidArgument)) << what;
  const std::string message(loaded.status().message());
  EXPECT_THAT(message, StartsWith(path + ": ")) << what;
  EXPECT_EQ(message.find('\n'), std::string::npos) << what;
}

TEST(ModelFileTest, RoundTripWithStringIdsIsExact) {
  TempDir dir;
  const Model model = StringIdModel();
  const std::string path = dir.File("movies.model");
  ASSERT_THAT(SaveModel(model, path), IsOk());
  ModelFormat format = ModelFormat::kLibmf;
  absl::StatusOr<Model> loaded = LoadModel(path, &format);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(format, ModelFormat::kHogmf);
  ExpectSameModel(model, *loaded);
  EXPECT_EQ(loaded->users().Find("Zoë \xF0\x9F\x8E\xAC"), 12u);
  EXPECT_EQ(loaded->users().Find(""), 11u);
  EXPECT_THAT(loaded->rated_items().Decode(4), ::testing::IsEmpty());
  EXPECT_EQ(loaded->rated_items().Decode(0).back(), 299u);
  EXPECT_TRUE(loaded->has_biases());
  EXPECT_EQ(loaded->loss(), Loss::kAbsolute);
  EXPECT_TRUE(loaded->clips());
  EXPECT_EQ(loaded->max_value(), 5.0f);
  EXPECT_EQ(loaded->l2_q(), 0.0625f);
  for (uint32_t u = 1; u < model.num_users(); ++u) {
    for (uint32_t i = 0; i < model.num_items(); i += 13) {
      EXPECT_EQ(model.Score(u, i), loaded->Score(u, i));
      EXPECT_EQ(model.Predict(u, i), loaded->Predict(u, i));
    }
  }
}

// The model of the golden files: string user ids, identity item ids, unseen
// rows, rated items.
Model GoldenModel() {
  IdMap users;
  for (const char* name : {"ann", "bob", "cy", "dee"}) users.Intern(name);
  Model model(3, std::move(users), IdMap::Identity(200));
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    for (int d = 0; d < 3; ++d)
      internal::ModelInternal::user_factors(model).row(u)[d] = 0.25f * (u + 1) - 0.5f * d;
    internal::ModelInternal::set_user_seen(model, u, u != 2);
  }
  for (uint32_t i = 0; i < model.num_items(); ++i) {
    for (int d = 0; d < 3; ++d)
      internal::ModelInternal::item_factors(model).row(i)[d] = 0.01f * i + d;
    internal::ModelInternal::set_item_seen(model, i, i % 5 != 0);
  }
  internal::ModelInternal::set_mean(model, 3.25f);
  internal::ModelInternal::set_rated_items(model, RatedItemsOf({{0, 199, 1},
                                                                {0, 0, 2},
                                                                {0, 130, 3},
                                                                {0, 0, 4},
                                                                {1, 5, 5},
                                                                {3, 1, 1},
                                                                {3, 150, 2},
                                                                {3, 2, 3}},
                                                               4));
  return model;
}

// GoldenModel with biases (b_u = u - 1.5, b_i = i / 64), hinge loss, the
// range [-1, 1] clipped, and L2 weights.
Model GoldenBiasedModel() {
  Model model = GoldenModel();
  internal::ModelInternal::AddBiases(model);
  for (uint32_t u = 0; u < model.num_users(); ++u)
    internal::ModelInternal::user_biases(model)[u] = static_cast<float>(u) - 1.5f;
  for (uint32_t i = 0; i < model.num_items(); ++i)
    internal::ModelInternal::item_biases(model)[i] = static_cast<float>(i) / 64.0f;
  internal::ModelInternal::set_loss(model, Loss::kHinge);
  internal::ModelInternal::set_value_range(model, -1.0f, 1.0f, true);
  internal::ModelInternal::set_l2(model, 0.5f, 0.25f, 0.125f, 2.0f);
  return model;
}

uint64_t ChecksumOf(const std::string& bytes) {
  internal::Checksum64 checksum;
  checksum.Update(bytes.data(), bytes.size());
  return checksum.value();
}

// GoldenModel as the version 1 writer saved it (testdata/golden_v1.model, 2679
// bytes): it loads as it did, with the defaults of the fields version 1 did
// not have.
TEST(ModelFileTest, VersionOneFilesStillLoad) {
  const std::string path = std::string(HOGMF_TESTDATA_DIR) + "/golden_v1.model";
  const std::string bytes = ReadFileBytes(path);
  ASSERT_EQ(bytes.size(), 2679u);
  EXPECT_EQ(ChecksumOf(bytes), 0x375f70d257e68ae1u);
  ASSERT_EQ(bytes.substr(8, 8), std::string("\x01\0\0\0\xa0\0\0\0", 8));  // version 1, 160
  absl::StatusOr<Model> loaded = LoadModel(path);
  ASSERT_THAT(loaded, IsOk());
  const Model model = GoldenModel();
  ExpectSameModel(model, *loaded);
  EXPECT_FALSE(loaded->has_biases());
  EXPECT_TRUE(loaded->user_biases().empty());
  EXPECT_EQ(loaded->loss(), Loss::kSquared);
  EXPECT_FALSE(loaded->clips());
  EXPECT_EQ(loaded->l2_p(), 0.0f);
  EXPECT_EQ(loaded->l2_item_bias(), 0.0f);
  EXPECT_THAT(loaded->rated_items().Decode(0), ::testing::ElementsAre(0u, 130u, 199u));
  EXPECT_THAT(loaded->rated_items().Decode(3), ::testing::ElementsAre(1u, 2u, 150u));
  EXPECT_EQ(loaded->Predict(1, 3), model.Predict(1, 3));
  // Version 1 knows neither the bias nor the clipping flag.
  std::string with_flag = bytes;
  with_flag[kFlagsAt] = static_cast<char>(with_flag[kFlagsAt] | 0x08);
  Reseal(with_flag);
  TempDir dir;
  EXPECT_THAT(LoadModel(dir.Write("v1-flag.model", with_flag)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("corrupt hogmf model: unknown flags 0x8 in version 1")));
}

// A model whose checksum is valid but whose numbers are not (a NaN factor, an
// infinite bias or mean: a diverged run, a buggy writer) is refused, naming
// the row and the column, in version 1 and 2 files and in serialized bytes.
TEST(ModelFileTest, NonFiniteFactorsBiasesAndMeanAreRefused) {
  TempDir dir;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  {
    Model model = StringIdModel();
    internal::ModelInternal::user_factors(model).row(2)[1] = nan;
    const std::string path = dir.File("nan-factor.model");
    ASSERT_THAT(SaveModel(model, path), IsOk());
    EXPECT_THAT(LoadModel(path),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(path + ": user 'user-2' (row 2), factor column 1 is nan")));
    absl::StatusOr<std::string> bytes = SerializeModel(model);
    ASSERT_THAT(bytes, IsOk());
    EXPECT_THAT(DeserializeModel(*bytes),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("user 'user-2' (row 2), factor column 1 is nan")));
  }
  {
    Model model = StringIdModel();
    internal::ModelInternal::item_factors(model).row(299)[4] = -inf;
    const std::string path = dir.File("inf-factor.model");
    ASSERT_THAT(SaveModel(model, path), IsOk());
    EXPECT_THAT(LoadModel(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("item 'Film #2093' (row 299), factor column "
                                                    "4 is -inf")));
  }
  {
    Model model = StringIdModel();
    internal::ModelInternal::item_biases(model)[7] = nan;
    const std::string path = dir.File("nan-bias.model");
    ASSERT_THAT(SaveModel(model, path), IsOk());
    EXPECT_THAT(LoadModel(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("item 'Film #49' (row 7), bias is nan")));
  }
  {
    Model model = StringIdModel();
    internal::ModelInternal::set_mean(model, inf);
    const std::string path = dir.File("inf-mean.model");
    ASSERT_THAT(SaveModel(model, path), IsOk());
    EXPECT_THAT(LoadModel(path),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the mean is inf")));
  }
  // Version 1: a NaN written over user 1's third factor, the checksum resealed.
  std::string v1 = ReadFileBytes(std::string(HOGMF_TESTDATA_DIR) + "/golden_v1.model");
  const int k = GoldenModel().k();
  std::memcpy(v1.data() + SectionOffset(v1, 0) + (k + 2) * sizeof(float), &nan, sizeof(nan));
  Reseal(v1);
  EXPECT_THAT(LoadModel(dir.Write("v1-nan.model", v1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("user 'bob' (row 1), factor column 2 is nan")));
}

// Version 2 bytes pinned: the same model saves to the same bytes in every
// later build, so files written now keep loading as they do.
TEST(ModelFileTest, VersionTwoFilesAreByteIdenticalToThePinnedOnes) {
  const Model model = GoldenBiasedModel();
  TempDir dir;
  const std::string path = dir.File("golden.model");
  ASSERT_THAT(SaveModel(model, path), IsOk());
  const std::string bytes = ReadFileBytes(path);
  // Header, the version 1 sections, 4 + 200 biases, the training section, trailer.
  ASSERT_EQ(bytes.size(), 2679u - 160 + kHeaderSize + 4 * 204 + kTrainingBytes);
  EXPECT_EQ(ChecksumOf(bytes), 0x78fc1b459e270171u);
  EXPECT_EQ(bytes.substr(8, 8), std::string("\x02\0\0\0\xd0\0\0\0", 8));  // version 2, 208
  EXPECT_EQ(bytes[kFlagsAt], 0x02 | 0x04 | 0x08 | 0x10);  // item identity, rated, biases, clips
  // Sections in table order right after the header.
  uint64_t offset = kHeaderSize;
  for (int section = 0; section < static_cast<int>(kNumSections); ++section) {
    EXPECT_EQ(SectionOffset(bytes, section), offset) << section;
    offset += SectionSize(bytes, section);
  }
  EXPECT_EQ(offset, bytes.size() - kTrailerSize);
  EXPECT_EQ(bytes.substr(SectionOffset(bytes, kUserBiasesSection), 16),
            F32Bytes(-1.5f) + F32Bytes(-0.5f) + F32Bytes(0.5f) + F32Bytes(1.5f));
  EXPECT_EQ(SectionSize(bytes, kItemBiasesSection), 800u);
  EXPECT_EQ(bytes.substr(SectionOffset(bytes, kItemBiasesSection) + 4 * 32, 4), F32Bytes(0.5f));
  EXPECT_EQ(bytes.substr(SectionOffset(bytes, kTrainingSection), kTrainingBytes),
            U32Bytes(7) + F32Bytes(-1.0f) + F32Bytes(1.0f) + F32Bytes(0.5f) + F32Bytes(0.25f) +
                F32Bytes(0.125f) + F32Bytes(2.0f));
  absl::StatusOr<Model> loaded = LoadModel(path);
  ASSERT_THAT(loaded, IsOk());
  ExpectSameModel(model, *loaded);
  // b_u = -0.5, b_i = 3/64, p.q = 0.5*0.03 + 0*1.03 - 0.5*2.03 = -1: Score
  // 3.25 - 0.5 + 0.046875 - 1 = 1.796875, clipped to 1.
  EXPECT_NEAR(loaded->Score(1, 3), 1.796875f, 1e-6f);
  EXPECT_EQ(loaded->Predict(1, 3), 1.0f);
}

TEST(ModelFileTest, RoundTripWithIdentityIdsAndNoRatedItems) {
  TempDir dir;
  const Model model = IdentityModel(9, 17, 16);
  const std::string path = dir.File("m.model");
  ASSERT_THAT(SaveModel(model, path), IsOk());
  absl::StatusOr<Model> loaded = LoadModel(path);
  ASSERT_THAT(loaded, IsOk());
  ExpectSameModel(model, *loaded);
  EXPECT_TRUE(loaded->users().is_identity());
  EXPECT_FALSE(loaded->has_rated_items());
  EXPECT_FALSE(loaded->item_seen(1));
}

TEST(ModelFileTest, RoundTripOfAnEmptyModel) {
  TempDir dir;
  Model model(3, IdMap::Identity(0), IdMap());
  internal::ModelInternal::set_rated_items(model, RatedItems());
  const std::string path = dir.File("empty.model");
  ASSERT_THAT(SaveModel(model, path), IsOk());
  absl::StatusOr<Model> loaded = LoadModel(path);
  ASSERT_THAT(loaded, IsOk());
  ExpectSameModel(model, *loaded);
  EXPECT_EQ(loaded->k(), 3);
  EXPECT_TRUE(loaded->has_rated_items());
}

TEST(ModelFileTest, FactorsAreStoredWithoutPadding) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  ASSERT_THAT(SaveModel(IdentityModel(3, 2, 5), path), IsOk());
  // Header, 5 rows of 5 floats, two one-byte bitmaps, the training section,
  // trailer.
  EXPECT_EQ(ReadFileBytes(path).size(), kHeaderSize + 5 * 5 * 4 + 2 + kTrainingBytes + 16);
}

TEST(ModelFileTest, SavingReplacesAnExistingFileAndLeavesNoTemporaryFile) {
  TempDir dir;
  const std::string path = dir.Write("m.model", "an older file that is not a model");
  ASSERT_THAT(SaveModel(IdentityModel(4, 4, 2), path), IsOk());
  const Model second = StringIdModel();
  ASSERT_THAT(SaveModel(second, path), IsOk());
  absl::StatusOr<Model> loaded = LoadModel(path);
  ASSERT_THAT(loaded, IsOk());
  ExpectSameModel(second, *loaded);
  EXPECT_THAT(ListDir(dir.path()), ::testing::ElementsAre("m.model"));
}

TEST(ModelFileTest, FailedSavesLeaveNothingBehind) {
  TempDir dir;
  const std::string missing_folder = dir.File("no/such/folder/m.model");
  EXPECT_THAT(SaveModel(IdentityModel(2, 2, 2), missing_folder),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(missing_folder)));
  // Rated items that are not item indices of the model.
  Model out_of_range = IdentityModel(2, 5, 2);
  internal::ModelInternal::set_rated_items(out_of_range,
                                           RatedItemsOf({{1, 2, 1.0f}, {1, 5, 1.0f}}, 2));
  EXPECT_THAT(SaveModel(out_of_range, dir.File("bad.model")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user 1")));
  EXPECT_THAT(SaveModel(Model(), dir.File("bad.model")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("k = 0")));
  EXPECT_THAT(ListDir(dir.path()), ::testing::IsEmpty());
}

TEST(ModelFileTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(LoadModel(dir.File("absent.model")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.model")));
}

TEST(ModelFileTest, DirectoryIsAnError) {
  TempDir dir;
  EXPECT_THAT(LoadModel(dir.path()), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ModelFileTest, EmptyFileIsAnError) {
  TempDir dir;
  const std::string path = dir.Write("empty.model", "");
  ExpectLoadError(path, "empty");
  EXPECT_THAT(LoadModel(path),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty file, not a model")));
}

TEST(ModelFileTest, ForeignFilesAreRecognizedAsSuch) {
  TempDir dir;
  for (const std::string& content :
       {std::string("user,item,rating\n1,2,3\n"), std::string("\x89PNG\r\n\x1a\n", 8),
        std::string("f"), std::string("HOGMFXXX and more")}) {
    const std::string path = dir.Write("foreign", content);
    ExpectLoadError(path, content);
    EXPECT_THAT(LoadModel(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("not a hogmf or LIBMF model file")));
  }
}

TEST(ModelFileTest, EveryFlippedByteIsDetected) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  Model model = IdentityModel(3, 10, 3);
  internal::ModelInternal::set_rated_items(
      model, RatedItemsOf({{0, 9, 1.0f}, {2, 1, 1.0f}, {2, 4, 1.0f}}, 3));
  ASSERT_THAT(SaveModel(model, path), IsOk());
  const std::string original = ReadFileBytes(path);
  VariantWriter damaged(dir, "damaged.model");
  for (size_t at = 0; at < original.size(); ++at) {
    for (const uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string bytes = original;
      bytes[at] = static_cast<char>(bytes[at] ^ mask);
      ExpectLoadError(damaged.Write(bytes), "byte " + std::to_string(at));
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(ModelFileTest, DamageInEachRegionIsNamed) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  ASSERT_THAT(SaveModel(StringIdModel(), path), IsOk());
  const std::string original = ReadFileBytes(path);
  VariantWriter damaged(dir, "damaged.model");
  auto load_with = [&](size_t at, uint8_t value) {
    std::string bytes = original;
    bytes[at] = static_cast<char>(value);
    return LoadModel(damaged.Write(bytes));
  };
  EXPECT_THAT(load_with(0, 'X'), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("not a hogmf or LIBMF model file")));
  EXPECT_THAT(load_with(8, 3),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("format version 3 is newer")));
  // Each section: user and item factors, seen bitmaps, ids, rated items,
  // biases, training.
  for (int section = 0; section < static_cast<int>(kNumSections); ++section) {
    const size_t at = SectionOffset(original, section);
    EXPECT_THAT(load_with(at, static_cast<uint8_t>(original[at] ^ 0x10)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checksum mismatch")))
        << "section " << section;
  }
  EXPECT_THAT(load_with(original.size() - kTrailerSize,
                        static_cast<uint8_t>(original[original.size() - kTrailerSize] ^ 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checksum mismatch")));
  EXPECT_THAT(load_with(original.size() - 1, 'x'),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("end marker")));
}

TEST(ModelFileTest, EveryTruncationIsDetected) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  ASSERT_THAT(SaveModel(StringIdModel(), path), IsOk());
  const std::string original = ReadFileBytes(path);
  VariantWriter cut(dir, "cut.model");
  for (size_t length = 0; length < original.size(); length += (length < 400 ? 1 : 97)) {
    const std::string cut_path = cut.Write(original.substr(0, length));
    ExpectLoadError(cut_path, "length " + std::to_string(length));
    if (length >= 200) {
      EXPECT_THAT(LoadModel(cut_path),
                  StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated hogmf model")));
    }
  }
  EXPECT_THAT(LoadModel(cut.Write(original.substr(0, original.size() - 1))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated hogmf model")));
}

TEST(ModelFileTest, AppendedBytesAreAnError) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  ASSERT_THAT(SaveModel(IdentityModel(2, 2, 2), path), IsOk());
  const std::string longer = dir.Write("longer.model", ReadFileBytes(path) + "extra");
  ExpectLoadError(longer, "appended");
}

// Files with a valid checksum whose contents contradict the header: what a
// buggy writer or a deliberate edit would produce.
TEST(ModelFileTest, ResealedInconsistentFilesAreErrors) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  Model model = IdentityModel(1, 2, 2);
  internal::ModelInternal::set_rated_items(model, RatedItemsOf({{0, 0, 1.0f}, {0, 1, 1.0f}}, 1));
  ASSERT_THAT(SaveModel(model, path), IsOk());
  const std::string original = ReadFileBytes(path);
  // The rated items section is varints total=2, count=2, 0, +1.
  const size_t rated_at = SectionOffset(original, 6);
  ASSERT_EQ(original.substr(rated_at, 4), std::string("\x02\x02\x00\x01", 4));
  VariantWriter edited(dir, "edited.model");
  auto load_edited = [&](size_t at, const std::string& replacement) {
    std::string bytes = original;
    bytes.replace(at, replacement.size(), replacement);
    Reseal(bytes);
    return LoadModel(edited.Write(bytes));
  };
  EXPECT_THAT(load_edited(rated_at + 3, std::string("\x05", 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  EXPECT_THAT(load_edited(rated_at + 3, std::string("\x00", 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("repeat")));
  EXPECT_THAT(load_edited(rated_at, std::string("\x7f", 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rated items")));
  EXPECT_THAT(load_edited(rated_at + 1, std::string("\x03", 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rated items")));
  // Huge row counts and k must not allocate: the sections disagree.
  EXPECT_THAT(load_edited(kNumUsersAt, std::string("\xf0\xff\xff\xff", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user factors")));
  EXPECT_THAT(load_edited(28, std::string("\x00\x00\x00\x40", 4)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("k = ")));
  // A section pointing past the end of the file.
  EXPECT_THAT(load_edited(kSectionsAt, std::string("\x00\x00\x00\x00\x00\x01\x00\x00", 8)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside")));
  // Unknown flags.
  EXPECT_THAT(load_edited(24, std::string("\x80", 1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("flags")));
}

// The version 2 sections behind a valid checksum: bias sizes that disagree
// with the header, and training fields no saved model can hold.
TEST(ModelFileTest, ResealedBadBiasAndTrainingSectionsAreErrors) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  Model model = IdentityModel(2, 3, 2);
  internal::ModelInternal::AddBiases(model);
  internal::ModelInternal::user_biases(model)[1] = 0.5f;
  internal::ModelInternal::set_value_range(model, 1.0f, 5.0f, true);
  ASSERT_THAT(SaveModel(model, path), IsOk());
  const std::string original = ReadFileBytes(path);
  ASSERT_EQ(SectionSize(original, kUserBiasesSection), 8u);
  const size_t training_at = SectionOffset(original, kTrainingSection);
  VariantWriter edited(dir, "edited.model");
  auto load_edited = [&](size_t at, const std::string& replacement) {
    std::string bytes = original;
    bytes.replace(at, replacement.size(), replacement);
    Reseal(bytes);
    return LoadModel(edited.Write(bytes));
  };
  auto corrupt = [](const std::string& what) {
    return StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corrupt hogmf model: " + what));
  };
  const size_t user_biases_size_at = kSectionsAt + 16 * kUserBiasesSection + 8;
  EXPECT_THAT(load_edited(user_biases_size_at, U64Bytes(4)),
              corrupt("user biases are 4 bytes, expected 8 for 2 users with biases"));
  EXPECT_THAT(load_edited(kSectionsAt + 16 * kItemBiasesSection + 8, U64Bytes(16)),
              corrupt("item biases are 16 bytes, expected 12 for 3 items with biases"));
  // The flag cleared: the bias sections should be empty.
  const uint8_t flags = static_cast<uint8_t>(original[kFlagsAt]);
  ASSERT_EQ(flags & 0x18, 0x18);
  EXPECT_THAT(load_edited(kFlagsAt, std::string(1, static_cast<char>(flags & ~0x08))),
              corrupt("user biases are 8 bytes, expected 0 for 2 users and no biases"));
  EXPECT_THAT(load_edited(kFlagsAt, std::string(1, static_cast<char>(flags | 0x20))),
              corrupt("unknown flags 0x20 in version 2"));
  EXPECT_THAT(load_edited(kSectionsAt + 16 * kTrainingSection + 8, U64Bytes(24)),
              corrupt("the training section is 24 bytes, expected 28"));
  EXPECT_THAT(load_edited(training_at, U32Bytes(3)),
              corrupt("training section: unknown loss code 3"));
  EXPECT_THAT(load_edited(training_at, U32Bytes(0xFFFFFFFFu)),
              corrupt("training section: unknown loss code 4294967295"));
  EXPECT_THAT(load_edited(training_at + 4, F32Bytes(std::numeric_limits<float>::quiet_NaN())),
              corrupt("training section: the value range [nan, 5] is not finite"));
  EXPECT_THAT(load_edited(training_at + 8, F32Bytes(std::numeric_limits<float>::infinity())),
              corrupt("training section: the value range [1, inf] is not finite"));
  EXPECT_THAT(load_edited(training_at + 4, F32Bytes(6.0f)),
              corrupt("training section: the clipping range [6, 5] is empty"));
  EXPECT_THAT(load_edited(training_at + 16, F32Bytes(-1.0f)),
              corrupt("training section: l2_q = -1 is not a finite weight >= 0"));
  EXPECT_THAT(load_edited(training_at + 24, F32Bytes(std::numeric_limits<float>::infinity())),
              corrupt("training section: l2_item_bias = inf is not a finite weight >= 0"));
  // Without the clip flag the range is only recorded, in any order.
  absl::StatusOr<Model> unclipped = [&] {
    std::string bytes = original;
    bytes[kFlagsAt] = static_cast<char>(flags & ~0x10);
    bytes.replace(training_at + 4, 4, F32Bytes(6.0f));
    Reseal(bytes);
    return LoadModel(edited.Write(bytes));
  }();
  ASSERT_THAT(unclipped, IsOk());
  EXPECT_FALSE(unclipped->clips());
  EXPECT_EQ(unclipped->min_value(), 6.0f);
  EXPECT_EQ(unclipped->user_biases()[1], 0.5f);
}

TEST(ModelFileTest, SaveRefusesTrainingFieldsNoFileMayHold) {
  TempDir dir;
  Model model = IdentityModel(2, 2, 2);
  internal::ModelInternal::set_value_range(model, std::numeric_limits<float>::quiet_NaN(), 1.0f,
                                           false);
  EXPECT_THAT(SaveModel(model, dir.File("m.model")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot save: the value range [nan, 1] is not finite")));
  internal::ModelInternal::set_value_range(model, 1.0f, 5.0f, true);
  internal::ModelInternal::set_l2(model, 0.1f, 0.1f, -0.5f, 0.0f);
  EXPECT_THAT(SaveModel(model, dir.File("m.model")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot save: l2_user_bias = -0.5 is not a finite weight >= 0")));
  EXPECT_THAT(ListDir(dir.path()), ::testing::IsEmpty());
  internal::ModelInternal::set_l2(model, 0.1f, 0.1f, 0.5f, 0.0f);
  EXPECT_THAT(SaveModel(model, dir.File("m.model")), IsOk());
}

TEST(ModelFileTest, RepeatedStringIdsAreAnError) {
  TempDir dir;
  IdMap users;
  users.Intern("ab");
  users.Intern("ac");
  Model model(1, std::move(users), IdMap::Identity(1));
  const std::string path = dir.File("m.model");
  ASSERT_THAT(SaveModel(model, path), IsOk());
  std::string bytes = ReadFileBytes(path);
  const size_t ids_at = SectionOffset(bytes, 4);
  ASSERT_EQ(bytes.substr(ids_at, 6), std::string("\x02"
                                                 "ab"
                                                 "\x02"
                                                 "ac",
                                                 6));
  bytes[ids_at + 5] = 'b';
  Reseal(bytes);
  const std::string edited = dir.Write("edited.model", bytes);
  EXPECT_THAT(LoadModel(edited),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
}

// Random edits behind a valid checksum: every outcome is a model or an error.
TEST(ModelFileTest, ResealedRandomBytesNeverCrash) {
  TempDir dir;
  const std::string path = dir.File("m.model");
  Model model = StringIdModel();
  ASSERT_THAT(SaveModel(model, path), IsOk());
  const std::string original = ReadFileBytes(path);
  VariantWriter variants(dir, "edited.model");
  internal::Rng rng(2024);
  for (int round = 0; round < 300; ++round) {
    std::string bytes = original;
    const int edits = 1 + static_cast<int>(rng.Below(4));
    for (int e = 0; e < edits; ++e) {
      // Mostly the header and the variable-length sections, where parsing happens.
      const size_t at = rng.Below(2) == 0 ? 8 + rng.Below(kHeaderSize - 8)
                                          : rng.Below(bytes.size() - kTrailerSize);
      bytes[at] = static_cast<char>(rng.Below(256));
    }
    Reseal(bytes);
    const std::string edited = variants.Write(bytes);
    absl::StatusOr<Model> loaded = LoadModel(edited);
    if (!loaded.ok()) {
      EXPECT_THAT(std::string(loaded.status().message()), StartsWith(edited + ": "));
    }
  }
}

TEST(ModelFileTest, LoadModelRecognizesLibmfModels) {
  TempDir dir;
  const std::string path = dir.Write("m.libmf", "f 0\nm 1\nn 1\nk 1\nb 2\np0 T 3 \nq0 F 0 \n");
  ModelFormat format = ModelFormat::kHogmf;
  absl::StatusOr<Model> loaded = LoadModel(path, &format);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(format, ModelFormat::kLibmf);
  EXPECT_EQ(loaded->user_factors().row(0)[0], 3.0f);
  EXPECT_FALSE(loaded->item_seen(0));
  EXPECT_EQ(loaded->mean(), 2.0f);
  // A malformed LIBMF file reports LIBMF's errors.
  const std::string bad = dir.Write("bad.libmf", "f 0\nm x\n");
  EXPECT_THAT(LoadModel(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(bad + ":2:")));
}

// SerializeModel writes SaveModel's bytes; DeserializeModel reads them back
// exactly and refuses damaged bytes as LoadModel refuses damaged files.
TEST(ModelBytesTest, SerializeWritesTheFileBytesAndRoundTripsExactly) {
  TempDir dir;
  const Model model = StringIdModel();
  const std::string path = dir.File("movies.model");
  ASSERT_THAT(SaveModel(model, path), IsOk());
  absl::StatusOr<std::string> bytes = SerializeModel(model);
  ASSERT_THAT(bytes, IsOk());
  EXPECT_EQ(*bytes, ReadFileBytes(path));
  absl::StatusOr<Model> back = DeserializeModel(*bytes);
  ASSERT_THAT(back, IsOk());
  ExpectSameModel(model, *back);
  const Model golden = GoldenBiasedModel();
  absl::StatusOr<std::string> golden_bytes = SerializeModel(golden);
  ASSERT_THAT(golden_bytes, IsOk());
  absl::StatusOr<Model> golden_back = DeserializeModel(*golden_bytes);
  ASSERT_THAT(golden_back, IsOk());
  ExpectSameModel(golden, *golden_back);
  EXPECT_EQ(golden_back->Score(1, 7), golden.Score(1, 7));
}

TEST(ModelBytesTest, DamagedBytesAreErrorsNamingTheSource) {
  absl::StatusOr<std::string> bytes = SerializeModel(GoldenModel());
  ASSERT_THAT(bytes, IsOk());
  EXPECT_THAT(DeserializeModel(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DeserializeModel("f 0\nm 1\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  for (const size_t size : {size_t{4}, bytes->size() / 2, bytes->size() - 1}) {
    absl::StatusOr<Model> cut = DeserializeModel(std::string_view(*bytes).substr(0, size));
    ASSERT_THAT(cut, StatusIs(absl::StatusCode::kInvalidArgument)) << size;
    EXPECT_THAT(std::string(cut.status().message()), StartsWith("<serialized model>: "));
  }
  std::string flipped = *bytes;
  flipped[kHeaderSize + 3] ^= 0x10;
  EXPECT_THAT(DeserializeModel(flipped), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ModelBytesTest, UnsavableModelsAreRefused) {
  const Model empty;
  absl::StatusOr<std::string> bytes = SerializeModel(empty);
  ASSERT_THAT(bytes, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bytes.status().message()), HasSubstr("k = 0"));
}

}  // namespace
}  // namespace hogmf
