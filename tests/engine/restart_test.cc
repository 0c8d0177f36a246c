// Tests of Trainer::Restart: a session started over with other L2 weights
// trains to the same bits as a new session with those weights (each
// schedule and order, one thread), keeps its arrangement, and refuses any
// other change.
#include <string>
#include <tuple>

#include "hogmf/model_io.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"
#include "testing/synthetic_data.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;

Ratings LowRank(uint64_t ratings) {
  return ::hogmf::testing::LowRankRatings(400, 300, ratings, /*rank=*/4, /*seed=*/5);
}

TrainParams Params(Schedule schedule, RatingOrder order) {
  TrainParams params;
  params.k = 8;
  params.threads = 1;
  params.seed = 3;
  params.max_epochs = 4;
  params.schedule = schedule;
  params.order = order;
  params.l2_p = params.l2_q = 0.05f;
  params.l2_user_bias = params.l2_item_bias = 0.01f;
  return params;
}

std::string Bytes(const Model& model) {
  absl::StatusOr<std::string> bytes = SerializeModel(model);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : std::string();
}

class RestartTest : public ::testing::TestWithParam<std::tuple<Schedule, RatingOrder>> {};

TEST_P(RestartTest, TrainsAsANewSessionWithTheNewWeights) {
  const Ratings train = LowRank(30000);
  const Ratings validation = LowRank(3000);
  TrainOptions options;
  options.validation = &validation;
  const TrainParams first = Params(std::get<0>(GetParam()), std::get<1>(GetParam()));
  TrainParams second = first;
  second.l2_p = 0.2f;
  second.l2_q = 0.01f;
  second.l2_item_bias = 0.1f;

  absl::StatusOr<TrainResult> fresh = Train(train, second, options);
  ASSERT_THAT(fresh.status(), IsOk());

  absl::StatusOr<Trainer> trainer = Trainer::Create(train, first, options);
  ASSERT_THAT(trainer.status(), IsOk());
  ASSERT_THAT(trainer->Run().status(), IsOk());
  const double first_rmse = trainer->report().validation_rmse;
  ASSERT_THAT(trainer->Restart(second), IsOk());
  EXPECT_EQ(trainer->epoch(), 0);
  EXPECT_TRUE(trainer->report().history.empty());
  EXPECT_EQ(trainer->report().params.l2_p, 0.2f);
  ASSERT_THAT(trainer->Run().status(), IsOk());
  const TrainResult restarted = trainer->Finish();
  EXPECT_EQ(restarted.report.epochs, fresh->report.epochs);
  EXPECT_EQ(restarted.report.validation_rmse, fresh->report.validation_rmse);
  EXPECT_NE(restarted.report.validation_rmse, first_rmse);
  EXPECT_EQ(restarted.report.schedule, fresh->report.schedule);
  EXPECT_TRUE(Bytes(restarted.model) == Bytes(fresh->model)) << "the restarted model differs";
}

INSTANTIATE_TEST_SUITE_P(
    EachSchedule, RestartTest,
    ::testing::Values(std::make_tuple(Schedule::kHogwild, RatingOrder::kShuffle),
                      std::make_tuple(Schedule::kHogwild, RatingOrder::kChunks),
                      std::make_tuple(Schedule::kHogwild, RatingOrder::kUserChunks),
                      std::make_tuple(Schedule::kBlocked, RatingOrder::kAuto)));

TEST(RestartRefusalTest, OnlyTheWeightsMayChange) {
  const Ratings train = LowRank(5000);
  const TrainParams params = Params(Schedule::kAuto, RatingOrder::kAuto);
  absl::StatusOr<Trainer> trainer = Trainer::Create(train, params);
  ASSERT_THAT(trainer.status(), IsOk());
  TrainParams other = params;
  other.k = 16;
  EXPECT_THAT(trainer->Restart(other), StatusIs(absl::StatusCode::kInvalidArgument));
  other = params;
  other.learning_rate = 0.02f;
  EXPECT_THAT(trainer->Restart(other), StatusIs(absl::StatusCode::kInvalidArgument));
  other = params;
  other.l2_p = kAutoWeight;
  EXPECT_THAT(trainer->Restart(other), StatusIs(absl::StatusCode::kInvalidArgument));
  other = params;
  other.l2_p = -1.0f;
  EXPECT_THAT(trainer->Restart(other), StatusIs(absl::StatusCode::kInvalidArgument));
  // Refused restarts leave the session as it was.
  EXPECT_THAT(trainer->RunEpoch().status(), IsOk());
  (void)trainer->Finish();
  EXPECT_THAT(trainer->Restart(params), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(RestartRefusalTest, AWarmStartCannotRestart) {
  const Ratings train = LowRank(5000);
  const TrainParams params = Params(Schedule::kAuto, RatingOrder::kAuto);
  absl::StatusOr<TrainResult> first = Train(train, params);
  ASSERT_THAT(first.status(), IsOk());
  absl::StatusOr<Trainer> warm = Trainer::Continue(std::move(first->model), train, params);
  ASSERT_THAT(warm.status(), IsOk());
  EXPECT_THAT(warm->Restart(params), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(KeepBestModelTest, WithoutTheCopyTheLastEpochIsReturned) {
  const Ratings train = LowRank(20000);
  const Ratings validation = LowRank(3000);
  TrainParams params = Params(Schedule::kAuto, RatingOrder::kAuto);
  params.max_epochs = 40;
  params.l2_p = params.l2_q = 0.0f;  // overfits: the best epoch is not the last
  params.early_stop = 3;
  TrainOptions options;
  options.validation = &validation;
  absl::StatusOr<TrainResult> kept = Train(train, params, options);
  ASSERT_THAT(kept.status(), IsOk());
  ASSERT_LT(kept->report.best_epoch, kept->report.epochs) << "no epoch after the best";
  options.keep_best_model = false;
  absl::StatusOr<TrainResult> last = Train(train, params, options);
  ASSERT_THAT(last.status(), IsOk());
  EXPECT_EQ(last->report.epochs, kept->report.epochs);
  EXPECT_EQ(last->report.best_epoch, last->report.epochs);
  EXPECT_EQ(last->report.validation_rmse, last->report.history.back().validation_rmse);
  EXPECT_GT(last->report.validation_rmse, kept->report.validation_rmse);
}

}  // namespace
}  // namespace hogmf
