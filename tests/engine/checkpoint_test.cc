// Tests of training checkpoints: a session checkpointed at epoch j and
// resumed runs to the same bits as one run straight through (each schedule,
// learning-rate schedule, biases, early stopping), and damaged checkpoints or
// other training data are refused.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <ostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "hogmf/model_io.h"
#include "hogmf/synthetic.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

Ratings LowRank(uint64_t seed, uint64_t ratings = 20000) {
  SyntheticSpec spec;
  spec.shape = Shape::kLowRank;
  spec.users = 300;
  spec.items = 200;
  spec.ratings = ratings;
  spec.rank = 4;
  spec.seed = seed;
  absl::StatusOr<Ratings> data = Generate(spec);
  EXPECT_TRUE(data.ok());
  return std::move(*data);
}

TrainParams Params() {
  TrainParams params;
  params.k = 8;
  params.threads = 1;
  params.seed = 11;
  params.max_epochs = 6;
  params.l2_p = params.l2_q = 0.05f;
  params.l2_user_bias = params.l2_item_bias = 0.01f;
  params.monitor_ms = 1000;
  return params;
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/hogmf_ckpt_" + std::to_string(::getpid()) +
         "_" + name;
}

std::string Bytes(const Model& model) {
  absl::StatusOr<std::string> bytes = SerializeModel(model);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : std::string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Outcome {
  std::string model;
  TrainReport report;
};

// Runs params.max_epochs epochs straight through.
Outcome Straight(const Ratings& train, const TrainParams& params, const TrainOptions& options) {
  absl::StatusOr<TrainResult> result = Train(train, params, options);
  EXPECT_THAT(result.status(), IsOk());
  return {Bytes(result->model), result->report};
}

// Runs `at` epochs, checkpoints, drops the session, resumes from the file
// and runs to the end.
Outcome Resumed(const Ratings& train, const TrainParams& params, const TrainOptions& options,
                int at, const std::string& name) {
  const std::string path = TempPath(name);
  {
    absl::StatusOr<Trainer> first = Trainer::Create(train, params, options);
    EXPECT_THAT(first.status(), IsOk());
    for (int e = 0; e < at && !first->stop_reason().has_value(); ++e) {
      EXPECT_THAT(first->RunEpoch().status(), IsOk());
    }
    EXPECT_THAT(first->SaveCheckpoint(path), IsOk());
  }
  absl::StatusOr<Trainer> second = Trainer::Resume(path, train, options);
  EXPECT_THAT(second.status(), IsOk());
  std::remove(path.c_str());
  if (!second.ok()) return {};
  EXPECT_EQ(second->epoch(), at);
  if (!second->stop_reason().has_value()) {
    EXPECT_THAT(second->Run().status(), IsOk());
  }
  TrainResult result = second->Finish();
  return {Bytes(result.model), result.report};
}

void ExpectSame(const Outcome& a, const Outcome& b) {
  EXPECT_FALSE(a.model.empty());
  EXPECT_TRUE(a.model == b.model) << "the resumed model differs";
  EXPECT_EQ(a.report.epochs, b.report.epochs);
  EXPECT_EQ(a.report.stop_reason, b.report.stop_reason);
  EXPECT_EQ(a.report.best_epoch, b.report.best_epoch);
  ASSERT_EQ(a.report.history.size(), b.report.history.size());
  for (size_t e = 0; e < a.report.history.size(); ++e) {
    EXPECT_EQ(a.report.history[e].loss, b.report.history[e].loss) << "epoch " << e + 1;
  }
}

struct Case {
  const char* name;
  Schedule schedule;
  RatingOrder order;
  LearningRateSchedule lr;
  bool biases;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ResumeTest : public ::testing::TestWithParam<Case> {};

TEST_P(ResumeTest, ResumedRunEndsBitIdentical) {
  const Case& c = GetParam();
  const Ratings train = LowRank(3);
  TrainParams params = Params();
  params.schedule = c.schedule;
  params.order = c.order;
  params.lr_schedule = c.lr;
  params.lr_decay = 0.1f;
  params.biases = c.biases;
  if (c.schedule == Schedule::kBlocked) params.grid = 4;
  const Outcome straight = Straight(train, params, {});
  ExpectSame(straight, Resumed(train, params, {}, 3, c.name));
  ExpectSame(straight, Resumed(train, params, {}, 1, c.name));
}

INSTANTIATE_TEST_SUITE_P(
    Schedules, ResumeTest,
    ::testing::Values(Case{"shuffle_adagrad_biases", Schedule::kHogwild, RatingOrder::kShuffle,
                           LearningRateSchedule::kAdaGrad, true},
                      Case{"shuffle_constant", Schedule::kHogwild, RatingOrder::kShuffle,
                           LearningRateSchedule::kConstant, false},
                      Case{"user_chunks_decay", Schedule::kHogwild, RatingOrder::kUserChunks,
                           LearningRateSchedule::kDecay, true},
                      Case{"chunks_adagrad", Schedule::kHogwild, RatingOrder::kChunks,
                           LearningRateSchedule::kAdaGrad, false},
                      Case{"blocked_adagrad_biases", Schedule::kBlocked, RatingOrder::kAuto,
                           LearningRateSchedule::kAdaGrad, true},
                      Case{"blocked_constant", Schedule::kBlocked, RatingOrder::kAuto,
                           LearningRateSchedule::kConstant, false}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(CheckpointTest, EarlyStoppingStateResumes) {
  const Ratings train = LowRank(3);
  const Ratings validation = LowRank(4, 3000);
  TrainParams params = Params();
  params.max_epochs = 40;
  params.learning_rate = 0.2f;  // overfits fast, so the best epoch comes early
  params.l2_p = params.l2_q = 0.0f;
  params.early_stop = 2;
  TrainOptions options;
  options.validation = &validation;
  const Outcome straight = Straight(train, params, options);
  ASSERT_EQ(straight.report.stop_reason, StopReason::kEarlyStop);
  ASSERT_LT(straight.report.best_epoch, straight.report.epochs);
  // Checkpoints after the best epoch (the best model is in the file) and at it.
  const int last = straight.report.epochs;
  for (int at : {straight.report.best_epoch, straight.report.best_epoch + 1, last - 1, last}) {
    SCOPED_TRACE(at);
    ExpectSame(straight, Resumed(train, params, options, at, "early"));
  }
}

TEST(CheckpointTest, ChosenParamsAreKeptNotChosenAgain) {
  const Ratings train = LowRank(3);
  TrainParams params = Params();
  params.l2_p = params.l2_q = kAutoWeight;
  params.max_epochs = kAutoEpochs;
  const std::string path = TempPath("auto");
  absl::StatusOr<Trainer> first = Trainer::Create(train, params);
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_THAT(first->RunEpoch().status(), IsOk());
  ASSERT_THAT(first->SaveCheckpoint(path), IsOk());
  absl::StatusOr<Trainer> second = Trainer::Resume(path, train);
  std::remove(path.c_str());
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_EQ(second->report().params.l2_p, first->report().params.l2_p);
  EXPECT_EQ(second->report().params.max_epochs, first->report().params.max_epochs);
  ASSERT_EQ(second->report().choice.trials.size(), first->report().choice.trials.size());
  EXPECT_GT(second->report().choice.trials.size(), 0u);
  for (size_t t = 0; t < first->report().choice.trials.size(); ++t) {
    const ParamsTrial& a = first->report().choice.trials[t];
    const ParamsTrial& b = second->report().choice.trials[t];
    EXPECT_EQ(a.l2, b.l2);
    EXPECT_EQ(a.epochs, b.epochs);
    EXPECT_EQ(a.score, b.score);
    EXPECT_EQ(a.pruned, b.pruned);
  }
  EXPECT_EQ(second->report().choice.final_keeps_last, first->report().choice.final_keeps_last);
  EXPECT_EQ(second->report().history.size(), 1u);
}

class DamagedCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    train_ = LowRank(3);
    absl::StatusOr<Trainer> trainer = Trainer::Create(train_, Params());
    ASSERT_THAT(trainer.status(), IsOk());
    ASSERT_THAT(trainer->RunEpoch().status(), IsOk());
    ASSERT_THAT(trainer->SaveCheckpoint(path_), IsOk());
    bytes_ = ReadAll(path_);
    ASSERT_GT(bytes_.size(), 1000u);
  }
  void TearDown() override { std::remove(path_.c_str()); }

  Ratings train_;
  std::string path_ = TempPath("damaged");
  std::string bytes_;
};

TEST_F(DamagedCheckpointTest, TruncatedIsRefused) {
  for (size_t size : {size_t{0}, size_t{5}, size_t{12}, bytes_.size() / 2, bytes_.size() - 1}) {
    WriteAll(path_, bytes_.substr(0, size));
    EXPECT_THAT(Trainer::Resume(path_, train_).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint")))
        << size;
  }
}

TEST_F(DamagedCheckpointTest, FlippedByteIsRefused) {
  for (size_t at : {size_t{9}, size_t{40}, bytes_.size() / 3, bytes_.size() - 20}) {
    std::string bad = bytes_;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    WriteAll(path_, bad);
    EXPECT_THAT(Trainer::Resume(path_, train_).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint")))
        << at;
  }
}

TEST_F(DamagedCheckpointTest, ModelFileIsNotACheckpoint) {
  absl::StatusOr<TrainResult> result = Train(train_, Params());
  ASSERT_THAT(result.status(), IsOk());
  ASSERT_THAT(SaveModel(result->model, path_), IsOk());
  EXPECT_THAT(Trainer::Resume(path_, train_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a hogmf checkpoint")));
}

TEST_F(DamagedCheckpointTest, MissingFileIsNotFound) {
  EXPECT_THAT(Trainer::Resume(path_ + ".missing", train_).status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(DamagedCheckpointTest, OtherDataIsRefused) {
  EXPECT_THAT(Trainer::Resume(path_, LowRank(5)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("training data differs")));
  EXPECT_THAT(Trainer::Resume(path_, LowRank(3, 19000)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("training ratings")));
  // The same entries in another order arrange differently: refused too.
  std::vector<Rating> swapped(train_.entries().begin(), train_.entries().end());
  std::swap(swapped[0], swapped[1]);
  Ratings reordered(std::move(swapped), train_.users(), train_.items());
  EXPECT_THAT(Trainer::Resume(path_, reordered).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("training data differs")));
  // The same entries under other ids: refused.
  std::vector<std::string> names;
  for (uint32_t u = 0; u < train_.num_users(); ++u) names.push_back(absl::StrCat("u", u));
  std::optional<IdMap> named = IdMap::FromNames(std::move(names));
  ASSERT_TRUE(named.has_value());
  Ratings renamed(std::vector<Rating>(train_.entries().begin(), train_.entries().end()),
                  std::move(*named), train_.items());
  EXPECT_THAT(Trainer::Resume(path_, renamed).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("training data differs")));
  // The same data is accepted, also moved in.
  EXPECT_THAT(Trainer::Resume(path_, LowRank(3)).status(), IsOk());
}

TEST(CheckpointTest, WarmStartAndFinishedSessionsRefuseToCheckpoint) {
  const Ratings train = LowRank(3);
  absl::StatusOr<TrainResult> result = Train(train, Params());
  ASSERT_THAT(result.status(), IsOk());
  absl::StatusOr<Trainer> warm = Trainer::Continue(std::move(result->model), train, Params());
  ASSERT_THAT(warm.status(), IsOk());
  EXPECT_THAT(warm->SaveCheckpoint(TempPath("warm")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  absl::StatusOr<Trainer> fresh = Trainer::Create(train, Params());
  ASSERT_THAT(fresh.status(), IsOk());
  fresh->Finish();
  EXPECT_THAT(fresh->SaveCheckpoint(TempPath("finished")),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace hogmf
