// Tests of ExportLibmfModel and ImportLibmfModel: LIBMF's text model format
// byte for byte as LIBMF writes it, LIBMF's prediction conventions through
// Model::Predict, biases folded into two columns, the loss in the f line, and
// file:line errors for malformed files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "hogmf/loss.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "model/model_internal.h"
#include "testing/status_matchers.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::ListDir;
using ::hogmf::testing::ReadFileBytes;
using ::hogmf::testing::StatusIs;
using ::hogmf::testing::TempDir;
using ::testing::HasSubstr;

Model RandomModel(uint32_t users, uint32_t items, int k, uint64_t seed) {
  Model model(k, IdMap::Identity(users), IdMap::Identity(items));
  internal::Rng rng(seed);
  for (uint32_t u = 0; u < users; ++u) {
    for (int d = 0; d < k; ++d)
      internal::ModelInternal::user_factors(model).row(u)[d] = static_cast<float>(rng.Normal());
    internal::ModelInternal::set_user_seen(model, u, rng.Below(5) != 0);
  }
  for (uint32_t i = 0; i < items; ++i) {
    for (int d = 0; d < k; ++d)
      internal::ModelInternal::item_factors(model).row(i)[d] = static_cast<float>(rng.Normal());
    internal::ModelInternal::set_item_seen(model, i, rng.Below(5) != 0);
  }
  internal::ModelInternal::set_mean(model, 3.58f);
  return model;
}

// RandomModel with user and item biases.
Model RandomBiasedModel(uint32_t users, uint32_t items, int k, uint64_t seed) {
  Model model = RandomModel(users, items, k, seed);
  internal::ModelInternal::AddBiases(model);
  internal::Rng rng(seed + 1);
  for (float& b : internal::ModelInternal::user_biases(model)) b = static_cast<float>(rng.Normal());
  for (float& b : internal::ModelInternal::item_biases(model)) b = static_cast<float>(rng.Normal());
  return model;
}

constexpr Loss kEveryLoss[] = {
    Loss::kSquared, Loss::kAbsolute, Loss::kKl,        Loss::kLogistic,        Loss::kSquaredHinge,
    Loss::kHinge,   Loss::kBprRow,   Loss::kBprColumn, Loss::kOneClassSquared,
};

TEST(LibmfModelTest, ExportWritesLibmfsLayout) {
  TempDir dir;
  Model model(2, IdMap::Identity(2), IdMap::Identity(1));
  internal::ModelInternal::set_mean(model, 0.5f);
  internal::ModelInternal::user_factors(model).row(0)[0] = 1.0f;
  internal::ModelInternal::user_factors(model).row(0)[1] = -2.5f;
  internal::ModelInternal::set_user_seen(model, 0, true);
  internal::ModelInternal::user_factors(model).row(1)[0] =
      9.0f;  // unseen: written as an F row of zeros
  internal::ModelInternal::item_factors(model).row(0)[0] = 0.1f;
  internal::ModelInternal::item_factors(model).row(0)[1] = 3e-7f;
  internal::ModelInternal::set_item_seen(model, 0, true);
  const std::string path = dir.File("m.libmf");
  ASSERT_THAT(ExportLibmfModel(model, path), IsOk());
  EXPECT_EQ(ReadFileBytes(path),
            "f 0\n"
            "m 2\n"
            "n 1\n"
            "k 2\n"
            "b 0.5\n"
            "p0 T 1 -2.5 \n"
            "p1 F 0 0 \n"
            "q0 T 0.1 3e-07 \n");
  EXPECT_THAT(ListDir(dir.path()), ::testing::ElementsAre("m.libmf"));
}

TEST(LibmfModelTest, ExportThenImportKeepsFactorsSeenFlagsAndPredictions) {
  TempDir dir;
  const Model model = RandomModel(40, 70, 10, 3);
  const std::string path = dir.File("m.libmf");
  ASSERT_THAT(ExportLibmfModel(model, path), IsOk());
  absl::StatusOr<Model> back = ImportLibmfModel(path);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->k(), 10);
  EXPECT_EQ(back->num_users(), 40u);
  EXPECT_EQ(back->num_items(), 70u);
  EXPECT_TRUE(back->users().is_identity());
  EXPECT_TRUE(back->items().is_identity());
  EXPECT_FALSE(back->has_rated_items());
  EXPECT_EQ(back->mean(), model.mean());
  for (uint32_t u = 0; u < 40; ++u) {
    EXPECT_EQ(back->user_seen(u), model.user_seen(u));
    if (model.user_seen(u)) {
      for (int d = 0; d < 10; ++d)
        EXPECT_EQ(back->user_factors().row(u)[d], model.user_factors().row(u)[d]);
    }
  }
  for (uint32_t i = 0; i < 70; ++i) EXPECT_EQ(back->item_seen(i), model.item_seen(i));
  for (uint32_t u = 0; u < 41; ++u) {
    for (uint32_t i = 0; i < 71; ++i) EXPECT_FLOAT_EQ(back->Predict(u, i), model.Predict(u, i));
  }
}

TEST(LibmfModelTest, ExportUsesDenseIndicesForStringIds) {
  TempDir dir;
  IdMap users;
  users.Intern("alice");
  IdMap items;
  items.Intern("Heat (1995)");
  Model model(1, std::move(users), std::move(items));
  const std::string path = dir.File("m.libmf");
  ASSERT_THAT(ExportLibmfModel(model, path), IsOk());
  absl::StatusOr<Model> back = ImportLibmfModel(path);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->users().Find("0"), 0u);
  EXPECT_EQ(back->users().Find("alice"), std::nullopt);
}

// The README's example model, as mf_save_model writes it: an "f" line, each
// value followed by a space, six significant digits.
TEST(LibmfModelTest, ReadsAModelAsLibmfWritesIt) {
  TempDir dir;
  const std::string path = dir.Write("model",
                                     "f 0\n"
                                     "m 3\n"
                                     "n 2\n"
                                     "k 3\n"
                                     "b 0.5\n"
                                     "p0 T 1 3 5 \n"
                                     "p1 F 0 0 0 \n"
                                     "p2 T 2 4 6 \n"
                                     "q0 T -1 -3 -5 \n"
                                     "q1 T -0.123457 1e-05 3.40282e+38 \n");
  absl::StatusOr<Model> model = ImportLibmfModel(path);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->k(), 3);
  EXPECT_EQ(model->num_users(), 3u);
  EXPECT_EQ(model->num_items(), 2u);
  EXPECT_EQ(model->mean(), 0.5f);
  EXPECT_TRUE(model->user_seen(0));
  EXPECT_FALSE(model->user_seen(1));
  EXPECT_TRUE(model->user_seen(2));
  EXPECT_TRUE(model->item_seen(1));
  EXPECT_EQ(model->user_factors().row(2)[2], 6.0f);
  EXPECT_EQ(model->user_factors().row(1)[0], 0.0f);
  EXPECT_EQ(model->item_factors().row(1)[0], -0.123457f);
  EXPECT_EQ(model->item_factors().row(1)[1], 1e-05f);
  EXPECT_EQ(model->item_factors().row(1)[2], 3.40282e+38f);
  EXPECT_EQ(model->Predict(0, 0), -35.0f);  // 1*-1 + 3*-3 + 5*-5
  EXPECT_EQ(model->Predict(2, 0), -44.0f);
}

// mf_predict returns b for an index outside the model and for a NaN (F) row.
TEST(LibmfModelTest, FRowsAndIndicesOutsideTheModelPredictB) {
  TempDir dir;
  const std::string path = dir.Write("model",
                                     "f 0\nm 2\nn 2\nk 1\nb 3.25\n"
                                     "p0 T 2 \np1 F 0 \nq0 T 1.5 \nq1 F 0 \n");
  absl::StatusOr<Model> model = ImportLibmfModel(path);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->Predict(0, 0), 3.0f);
  EXPECT_EQ(model->Predict(1, 0), 3.25f);
  EXPECT_EQ(model->Predict(0, 1), 3.25f);
  EXPECT_EQ(model->Predict(2, 0), 3.25f);
  EXPECT_EQ(model->Predict(0, 2), 3.25f);
  EXPECT_EQ(model->Predict(kUnknownIndex, kUnknownIndex), 3.25f);
  EXPECT_EQ(model->users().Find("5"), std::nullopt);
}

TEST(LibmfModelTest, AcceptsCrlfLineEndsBlankLinesAndNoFinalNewline) {
  TempDir dir;
  const std::string path = dir.Write("model",
                                     "f 0\r\nm 1\r\nn 1\r\nk 2\r\nb +1.5\r\n\r\n"
                                     "p0 T 1 2\r\nq0\tT\t3\t4");
  absl::StatusOr<Model> model = ImportLibmfModel(path);
  ASSERT_THAT(model, IsOk());
  EXPECT_EQ(model->mean(), 1.5f);
  EXPECT_EQ(model->Predict(0, 0), 11.0f);
}

TEST(LibmfModelTest, ReadsEveryLossFunctionAsTheModelsLoss) {
  TempDir dir;
  for (const Loss loss : kEveryLoss) {
    const std::string path = dir.Write("model", "f " + std::to_string(LibmfLossCode(loss)) +
                                                    "\nm 1\nn 0\nk 1\nb 0\np0 T 1 \n");
    absl::StatusOr<Model> model = ImportLibmfModel(path);
    ASSERT_THAT(model, IsOk()) << LossName(loss);
    EXPECT_EQ(model->loss(), loss) << LossName(loss);
    EXPECT_FALSE(model->clips());
  }
}

TEST(LibmfModelTest, ExportWritesTheLossInTheFLine) {
  TempDir dir;
  for (const Loss loss : kEveryLoss) {
    Model model = RandomModel(2, 3, 2, 9);
    internal::ModelInternal::set_loss(model, loss);
    const std::string path = dir.File("m.libmf");
    ASSERT_THAT(ExportLibmfModel(model, path), IsOk());
    EXPECT_THAT(ReadFileBytes(path),
                ::testing::StartsWith("f " + std::to_string(LibmfLossCode(loss)) + "\nm 2\n"));
    absl::StatusOr<Model> back = ImportLibmfModel(path);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(back->loss(), loss) << LossName(loss);
  }
}

// p' = [p, mean + b_u, 1], q' = [q, 1, b_i]; unseen rows are F rows of k + 2
// zeros.
TEST(LibmfModelTest, ExportFoldsBiasesIntoTwoColumns) {
  TempDir dir;
  Model model(1, IdMap::Identity(2), IdMap::Identity(2));
  internal::ModelInternal::set_mean(model, 3.5f);
  internal::ModelInternal::AddBiases(model);
  internal::ModelInternal::user_factors(model).row(0)[0] = 2.0f;
  internal::ModelInternal::user_biases(model)[0] = 0.25f;
  internal::ModelInternal::user_biases(model)[1] = -1.0f;  // unseen: counts as 0
  internal::ModelInternal::set_user_seen(model, 0, true);
  internal::ModelInternal::item_factors(model).row(1)[0] = -0.5f;
  internal::ModelInternal::item_biases(model)[1] = -0.75f;
  internal::ModelInternal::set_item_seen(model, 1, true);
  internal::ModelInternal::set_loss(model, Loss::kAbsolute);
  const std::string path = dir.File("m.libmf");
  ASSERT_THAT(ExportLibmfModel(model, path), IsOk());
  EXPECT_EQ(ReadFileBytes(path),
            "f 1\n"
            "m 2\n"
            "n 2\n"
            "k 3\n"
            "b 3.5\n"
            "p0 T 2 3.75 1 \n"
            "p1 T 0 3.5 1 \n"  // unseen: zero factors, zero bias
            "q0 T 0 1 0 \n"
            "q1 T -0.5 1 -0.75 \n");
  absl::StatusOr<Model> back = ImportLibmfModel(path);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(model.Score(0, 1), 2.0f);  // 3.5 + 0.25 - 0.75 - 1
  EXPECT_EQ(back->Score(0, 1), 2.0f);
  // Pairs with an unseen side score as the biased model scores them.
  for (uint32_t u = 0; u < 2; ++u) {
    for (uint32_t i = 0; i < 2; ++i) EXPECT_EQ(back->Score(u, i), model.Score(u, i)) << u << i;
  }
}

// The re-imported model is a plain k + 2 model whose scores equal the biased
// model's for every pair, those with an unseen side included (mean plus the
// seen side's bias); indices outside the model score b, the mean.
TEST(LibmfModelTest, BiasedExportThenImportKeepsEverySeenScore) {
  TempDir dir;
  const Model model = RandomBiasedModel(40, 70, 10, 4);
  const std::string path = dir.File("m.libmf");
  ASSERT_THAT(ExportLibmfModel(model, path), IsOk());
  absl::StatusOr<Model> back = ImportLibmfModel(path);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->k(), 12);
  EXPECT_FALSE(back->has_biases());
  EXPECT_EQ(back->mean(), model.mean());
  int seen_pairs = 0;
  for (uint32_t u = 0; u < 41; ++u) {
    for (uint32_t i = 0; i < 71; ++i) {
      const float score = model.Score(u, i);
      if (u < 40 && i < 70) {
        seen_pairs += model.user_seen(u) && model.item_seen(i);
        EXPECT_NEAR(back->Score(u, i), score, 1e-5f * (8.0f + std::fabs(score))) << u << " " << i;
      } else {
        EXPECT_EQ(back->Score(u, i), model.mean()) << u << " " << i;
      }
    }
  }
  EXPECT_GT(seen_pairs, 1000);
}

// A one-class model's users without a row are written as its cold user, so
// LIBMF ranks items for them as the model does, not as a tie.
TEST(LibmfModelTest, OneClassExportWritesUnseenUsersAsTheColdUser) {
  TempDir dir;
  Model model(2, IdMap::Identity(3), IdMap::Identity(2));
  internal::ModelInternal::set_mean(model, 1.0f);
  internal::ModelInternal::set_loss(model, Loss::kBprRow);
  internal::ModelInternal::user_factors(model).row(0)[0] = 1.0f;
  internal::ModelInternal::user_factors(model).row(1)[0] = 2.0f;
  internal::ModelInternal::user_factors(model).row(1)[1] = 1.0f;
  internal::ModelInternal::set_user_seen(model, 0, true);
  internal::ModelInternal::set_user_seen(model, 1, true);
  internal::ModelInternal::item_factors(model).row(0)[0] = 1.0f;
  internal::ModelInternal::item_factors(model).row(1)[1] = 3.0f;
  internal::ModelInternal::set_item_seen(model, 0, true);
  internal::ModelInternal::set_item_seen(model, 1, true);
  internal::ModelInternal::UpdateColdUser(model);
  const std::string path = dir.File("m.libmf");
  ASSERT_THAT(ExportLibmfModel(model, path), IsOk());
  EXPECT_THAT(ReadFileBytes(path), HasSubstr("f 10\n"));
  EXPECT_THAT(ReadFileBytes(path), HasSubstr("p2 T 1.5 0.5 \n"));
  absl::StatusOr<Model> back = ImportLibmfModel(path);
  ASSERT_THAT(back, IsOk());
  for (uint32_t u = 0; u < 3; ++u) {
    for (uint32_t i = 0; i < 2; ++i) EXPECT_EQ(back->Score(u, i), model.Score(u, i)) << u << i;
  }
  EXPECT_EQ(model.Score(2, 1), 1.5f);  // the cold user (1.5, 0.5) . (0, 3)
}

TEST(LibmfModelTest, EmptyAndMissingFiles) {
  TempDir dir;
  const std::string empty = dir.Write("empty", "");
  EXPECT_THAT(ImportLibmfModel(empty),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(empty + ": empty file")));
  EXPECT_THAT(ImportLibmfModel(dir.File("absent")), StatusIs(absl::StatusCode::kNotFound));
}

struct Malformed {
  const char* name;
  const char* content;
  const char* error;  // expected after "<path>:"
};

class MalformedLibmfTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedLibmfTest, NamesFileLineAndWhatWasExpected) {
  TempDir dir;
  const std::string path = dir.Write("model", GetParam().content);
  absl::StatusOr<Model> model = ImportLibmfModel(path);
  ASSERT_THAT(model, StatusIs(absl::StatusCode::kInvalidArgument));
  const std::string message(model.status().message());
  EXPECT_THAT(message, HasSubstr(path + ":" + GetParam().error));
  EXPECT_EQ(message.find('\n'), std::string::npos);
  // LoadModel sniffs the same file as LIBMF and reports the same error.
  if (std::strncmp(GetParam().content, "f ", 2) == 0) {
    EXPECT_THAT(LoadModel(path), StatusIs(absl::StatusCode::kInvalidArgument, message));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedLibmfTest,
    ::testing::Values(
        Malformed{"MissingFLine", "m 2\nn 1\n",
                  "1: expected header line \"f <loss function>\", found 'm 2'"},
        Malformed{"MissingMLine", "f 0\nn 1\nk 2\nb 3\n",
                  "2: expected header line \"m <number of rows>\", found 'n 1'"},
        Malformed{"HeaderCutShort", "f 0\nm 2\nn 1\n",
                  "4: the file ends before the header line \"k <number of factors>\""},
        Malformed{"ExtraHeaderToken", "f 0\nm 2 3\n",
                  "2: expected header line \"m <number of rows>\""},
        Malformed{"NonIntegerM", "f 0\nm two\n", "2: m = 'two' is not an integer"},
        Malformed{"NegativeN", "f 0\nm 2\nn -1\n", "3: n = -1 is out of range"},
        Malformed{"ZeroK", "f 0\nm 2\nn 1\nk 0\nb 3\n", "4: k = 0, expected k >= 1"},
        Malformed{"NegativeK", "f 0\nm 2\nn 1\nk -3\nb 3\n", "4: k = -3, expected k >= 1"},
        Malformed{"NanB", "f 0\nm 2\nn 1\nk 2\nb nan\n", "5: b = 'nan' is not a finite number"},
        Malformed{"UnknownLoss", "f 3\nm 0\n", "1: unknown loss function f 3"},
        Malformed{"HeaderPromisesTooMuch", "f 0\nm 2000000000\nn 1\nk 100\nb 3\np0 T 1\n",
                  "5: the header promises m + n = 2000000001 rows of k = 100 values"},
        Malformed{"TooFewValues", "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 \np1 T 1 2\nq0 T 1 2\n",
                  "6: p0 has 1 values, expected k = 2"},
        Malformed{"TooManyValues", "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 2\np1 T 1 2 3 4\nq0 T 1 2\n",
                  "7: p1 has 4 values, expected k = 2"},
        Malformed{"FRowWithTooFewValues", "f 0\nm 2\nn 1\nk 2\nb 3\np0 F 0\np1 T 1 2\nq0 T 1 2\n",
                  "6: p0 has 1 values, expected k = 2"},
        Malformed{"NonNumericValue", "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 2\np1 T 1 x2\nq0 T 1 2\n",
                  "7: value 2 of p1, 'x2', is not a finite number"},
        Malformed{"InfiniteValue", "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 2\np1 T 1 2\nq0 T inf 2\n",
                  "8: value 1 of q0, 'inf', is not a finite number"},
        Malformed{"OutOfFloatRange", "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1e39 2\np1 T 1 2\nq0 T 1 2\n",
                  "6: value 1 of p0, '1e39', is not a finite number"},
        Malformed{"RowsOutOfOrder", "f 0\nm 2\nn 1\nk 2\nb 3\np1 T 1 2\np0 T 1 2\nq0 T 1 2\n",
                  "6: expected row p0, found 'p1' (rows must be numbered 0, 1, 2, ... in order)"},
        Malformed{"TooManyPRows",
                  "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 2\np1 T 1 2\np2 T 1 2\nq0 T 1 2\n",
                  "8: expected row q0, found 'p2' (the header says m = 2)"},
        Malformed{"TooFewPRows", "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 2\nq0 T 1 2\n",
                  "7: expected row p1, found 'q0' (the header says m = 2)"},
        Malformed{"BadRowName", "f 0\nm 2\nn 1\nk 2\nb 3\nrow0 T 1 2\n",
                  "6: expected row p0, found 'row0 T 1 2'"},
        Malformed{"ControlCharacters", "f 0\nm \x01\r2\n",
                  "2: expected header line \"m <number of rows>\", found 'm \\x01\\x0d2'"},
        Malformed{"BadFlag", "f 0\nm 2\nn 1\nk 2\nb 3\np0 X 1 2\n",
                  "6: expected T or F after p0, found 'p0 X 1 2'"},
        Malformed{"MissingRows", "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 2\np1 T 1 2\n",
                  "8: the file ends before row q0 (1 q rows expected)"},
        Malformed{"TrailingLine",
                  "f 0\nm 2\nn 1\nk 2\nb 3\np0 T 1 2\np1 T 1 2\nq0 T 1 2\nq1 T 1 2\n",
                  "9: expected the end of the file after m = 2 p rows and n = 1 q rows, found 'q1 "
                  "T 1 2'"}),
    [](const ::testing::TestParamInfo<Malformed>& info) { return std::string(info.param.name); });

TEST(LibmfModelTest, ExportRefusesWhatLibmfCannotRead) {
  TempDir dir;
  Model model = RandomModel(3, 3, 2, 5);
  internal::ModelInternal::set_user_seen(model, 1, true);
  internal::ModelInternal::user_factors(model).row(1)[1] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(ExportLibmfModel(model, dir.File("m.libmf")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("user 1")));
  // The same value in an unseen row is not written (F rows hold zeros).
  internal::ModelInternal::set_user_seen(model, 1, false);
  EXPECT_THAT(ExportLibmfModel(model, dir.File("m.libmf")), IsOk());
  internal::ModelInternal::set_mean(model, std::numeric_limits<float>::infinity());
  EXPECT_THAT(ExportLibmfModel(model, dir.File("m.libmf")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mean")));
  EXPECT_THAT(ExportLibmfModel(Model(), dir.File("m.libmf")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Biases: a non-finite one in a seen row, or mean + b_u overflowing.
  Model biased = RandomBiasedModel(3, 3, 2, 5);
  internal::ModelInternal::set_item_seen(biased, 2, true);
  internal::ModelInternal::item_biases(biased)[2] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(ExportLibmfModel(biased, dir.File("m.libmf")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bias of item 2")));
  internal::ModelInternal::item_biases(biased)[2] = 0.0f;
  internal::ModelInternal::set_user_seen(biased, 0, true);
  internal::ModelInternal::set_mean(biased, std::numeric_limits<float>::max());
  internal::ModelInternal::user_biases(biased)[0] = std::numeric_limits<float>::max();
  EXPECT_THAT(ExportLibmfModel(biased, dir.File("m.libmf")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bias of user 0")));
  EXPECT_THAT(ListDir(dir.path()), ::testing::ElementsAre("m.libmf"));
}

TEST(LibmfModelTest, FailedExportLeavesNothingBehind) {
  TempDir dir;
  const std::string path = dir.File("missing/m.libmf");
  EXPECT_THAT(ExportLibmfModel(RandomModel(2, 2, 2, 1), path),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
  EXPECT_THAT(ListDir(dir.path()), ::testing::IsEmpty());
}

}  // namespace
}  // namespace hogmf
