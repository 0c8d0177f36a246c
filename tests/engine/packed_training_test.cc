// Tests of training on packed working ratings (TrainOptions::compact_ratings):
// packed and 12-byte sessions give the same models, fits and reports bit for
// bit on every schedule, order and loss shape, and on a warm start; data that
// does not pack and the shuffle order keep 12 bytes and train; checkpoints
// resume across the two layouts.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "hogmf/model_io.h"
#include "hogmf/synthetic.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"
#include "testing/synthetic_data.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;

// Low-rank data with values rounded to halves (as star ratings are), so that
// they pack; `round` false keeps the continuous values (too many to pack).
Ratings Data(bool round, uint64_t ratings = 30000) {
  const Ratings data = ::hogmf::testing::LowRankRatings(400, 300, ratings, /*rank=*/4, /*seed=*/5);
  std::vector<Rating> entries(data.entries().begin(), data.entries().end());
  if (round) {
    for (Rating& r : entries) r.value = std::round(2.0f * r.value) / 2.0f;
  }
  return Ratings(std::move(entries), data.users(), data.items());
}

TrainParams Params() {
  TrainParams params;
  params.k = 8;
  params.threads = 1;
  params.seed = 3;
  params.max_epochs = 4;
  params.learning_rate = 0.01f;
  params.l2_p = params.l2_q = 0.05f;
  params.l2_user_bias = params.l2_item_bias = 0.01f;
  params.chunk_size = 1000;
  params.monitor_ms = 1000;
  return params;
}

std::string Bytes(const Model& model) {
  absl::StatusOr<std::string> bytes = SerializeModel(model);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : std::string();
}

TrainResult TrainWith(const Ratings& train, const TrainParams& params, bool compact,
                      FitMeasure fit = FitMeasure::kEveryEpoch) {
  TrainOptions options;
  options.compact_ratings = compact;
  options.fit = fit;
  absl::StatusOr<TrainResult> result = Train(train, params, options);
  EXPECT_THAT(result.status(), IsOk());
  return result.ok() ? std::move(*result) : TrainResult();
}

void ExpectSame(const TrainResult& a, const TrainResult& b, const std::string& what) {
  EXPECT_TRUE(Bytes(a.model) == Bytes(b.model)) << what << ": the models differ";
  EXPECT_EQ(a.report.loss, b.report.loss) << what;
  EXPECT_EQ(a.report.train_rmse, b.report.train_rmse) << what;
  ASSERT_EQ(a.report.history.size(), b.report.history.size()) << what;
  for (size_t e = 0; e < a.report.history.size(); ++e) {
    EXPECT_EQ(a.report.history[e].loss, b.report.history[e].loss) << what << ", epoch " << e + 1;
  }
}

struct Case {
  const char* name;
  Schedule schedule;
  RatingOrder order;
  Loss loss;
  LearningRateSchedule lr;
  bool biases;
};

TEST(PackedTrainingTest, PackedAndUnpackedRunsAreBitIdentical) {
  const Ratings train = Data(/*round=*/true);
  const Case cases[] = {
      {"chunks", Schedule::kHogwild, RatingOrder::kChunks, Loss::kSquared,
       LearningRateSchedule::kConstant, false},
      {"user_chunks_biases_adagrad", Schedule::kHogwild, RatingOrder::kUserChunks, Loss::kSquared,
       LearningRateSchedule::kAdaGrad, true},
      {"blocked", Schedule::kBlocked, RatingOrder::kAuto, Loss::kSquared,
       LearningRateSchedule::kDecay, true},
      {"blocked_absolute", Schedule::kBlocked, RatingOrder::kAuto, Loss::kAbsolute,
       LearningRateSchedule::kConstant, false},
      {"chunks_bpr", Schedule::kHogwild, RatingOrder::kChunks, Loss::kBprRow,
       LearningRateSchedule::kConstant, false},
      {"blocked_one_class", Schedule::kBlocked, RatingOrder::kAuto, Loss::kOneClassSquared,
       LearningRateSchedule::kConstant, false},
  };
  for (const Case& c : cases) {
    TrainParams params = Params();
    params.schedule = c.schedule;
    params.order = c.order;
    params.loss = c.loss;
    params.lr_schedule = c.lr;
    params.biases = c.biases;
    if (c.schedule == Schedule::kBlocked) params.grid = 4;
    const TrainResult packed = TrainWith(train, params, true);
    const TrainResult unpacked = TrainWith(train, params, false);
    EXPECT_EQ(packed.report.working_bytes_per_rating, 8) << c.name;
    EXPECT_EQ(unpacked.report.working_bytes_per_rating, 12) << c.name;
    ExpectSame(packed, unpacked, c.name);
    EXPECT_TRUE(packed.model.has_rated_items()) << c.name;
    EXPECT_TRUE(packed.model.rated_items() == unpacked.model.rated_items()) << c.name;
  }
}

TEST(PackedTrainingTest, TheFitAtFinishAndRatingsMovedInAreTheSame) {
  const Ratings train = Data(/*round=*/true);
  TrainParams params = Params();
  params.schedule = Schedule::kBlocked;
  params.grid = 4;
  const TrainResult unpacked = TrainWith(train, params, false, FitMeasure::kAtFinish);
  TrainOptions options;
  options.fit = FitMeasure::kAtFinish;
  Ratings moved(std::vector<Rating>(train.entries().begin(), train.entries().end()), train.users(),
                train.items());
  absl::StatusOr<TrainResult> packed = Train(std::move(moved), params, options);
  ASSERT_THAT(packed.status(), IsOk());
  EXPECT_EQ(packed->report.working_bytes_per_rating, 8);
  EXPECT_TRUE(packed->report.exact_fit);
  EXPECT_GT(packed->report.loss, 0.0);
  ExpectSame(*packed, unpacked, "fit at finish");
}

TEST(PackedTrainingTest, TooManyDistinctValuesKeepTwelveBytesAndTrain) {
  const Ratings train = Data(/*round=*/false);
  const TrainResult result = TrainWith(train, Params(), true);
  EXPECT_EQ(result.report.working_bytes_per_rating, 12);
  EXPECT_EQ(result.report.epochs, 4);
  ASSERT_FALSE(result.report.history.empty());
  EXPECT_LT(result.report.history.back().loss, result.report.history.front().loss);
  ExpectSame(result, TrainWith(train, Params(), false), "no packing");
}

TEST(PackedTrainingTest, TheShuffleOrderKeepsTwelveBytes) {
  const Ratings train = Data(/*round=*/true);
  TrainParams params = Params();
  params.schedule = Schedule::kHogwild;
  params.order = RatingOrder::kShuffle;
  EXPECT_EQ(TrainWith(train, params, true).report.working_bytes_per_rating, 12);
}

// A warm start makes its model before the arrangement, and packs too.
TEST(PackedTrainingTest, AWarmStartIsTheSamePackedOrNot) {
  const Ratings train = Data(/*round=*/true);
  TrainParams params = Params();
  params.schedule = Schedule::kBlocked;
  params.grid = 4;
  const Model initial = TrainWith(train, params, true).model;
  TrainResult results[2];
  for (const bool compact : {true, false}) {
    TrainOptions options;
    options.compact_ratings = compact;
    absl::StatusOr<Trainer> trainer = Trainer::Continue(initial, train, params, options);
    ASSERT_THAT(trainer.status(), IsOk());
    EXPECT_EQ(trainer->report().working_bytes_per_rating, compact ? 8 : 12);
    ASSERT_THAT(trainer->Run().status(), IsOk());
    results[compact ? 0 : 1] = trainer->Finish();
  }
  EXPECT_TRUE(results[0].report.warm_start);
  ExpectSame(results[0], results[1], "warm start");
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/hogmf_packed_" +
         std::to_string(::getpid()) + "_" + name;
}

// A checkpoint taken in one layout resumes in the other (the fingerprint of
// the working ratings is that of their 12-byte form) and ends as one run.
TEST(PackedTrainingTest, CheckpointsResumeAcrossLayouts) {
  const Ratings train = Data(/*round=*/true);
  for (const Schedule schedule : {Schedule::kBlocked, Schedule::kHogwild}) {
    TrainParams params = Params();
    params.schedule = schedule;
    params.order = RatingOrder::kUserChunks;
    if (schedule == Schedule::kBlocked) params.grid = 4;
    const TrainResult straight = TrainWith(train, params, true);
    for (const bool first_compact : {true, false}) {
      const std::string path = TempPath("resume");
      TrainOptions first_options;
      first_options.compact_ratings = first_compact;
      {
        absl::StatusOr<Trainer> first = Trainer::Create(train, params, first_options);
        ASSERT_THAT(first.status(), IsOk());
        for (int e = 0; e < 2; ++e) ASSERT_THAT(first->RunEpoch().status(), IsOk());
        ASSERT_THAT(first->SaveCheckpoint(path), IsOk());
      }
      TrainOptions second_options;
      second_options.compact_ratings = !first_compact;
      absl::StatusOr<Trainer> second = Trainer::Resume(path, train, second_options);
      std::remove(path.c_str());
      ASSERT_THAT(second.status(), IsOk());
      EXPECT_EQ(second->report().working_bytes_per_rating, first_compact ? 12 : 8);
      ASSERT_THAT(second->Run().status(), IsOk());
      ExpectSame(second->Finish(), straight, first_compact ? "packed, then 12" : "12, then packed");
    }
  }
}

}  // namespace
}  // namespace hogmf
