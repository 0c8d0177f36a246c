// Tests of TrainParams::Validate and schedule names.
#include <cmath>
#include <limits>

#include "hogmf/params.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TrainParamsTest, DefaultsAreValid) { EXPECT_THAT(TrainParams().Validate(), IsOk()); }

TEST(TrainParamsTest, RefusesEachBadFieldByName) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  struct Case {
    void (*mutate)(TrainParams&);
    const char* field;
  };
  const Case cases[] = {
      {[](TrainParams& p) { p.k = 0; }, "k"},
      {[](TrainParams& p) { p.k = -3; }, "k"},
      {[](TrainParams& p) { p.learning_rate = 0; }, "learning_rate"},
      {[](TrainParams& p) { p.learning_rate = -0.1f; }, "learning_rate"},
      {[](TrainParams& p) { p.learning_rate = std::numeric_limits<float>::quiet_NaN(); },
       "learning_rate"},
      {[](TrainParams& p) { p.l2_p = -2; }, "l2_p"},
      {[](TrainParams& p) { p.l2_q = std::numeric_limits<float>::infinity(); }, "l2_q"},
      {[](TrainParams& p) { p.l1_p = -0.5f; }, "l1_p"},
      {[](TrainParams& p) { p.l1_q = std::numeric_limits<float>::quiet_NaN(); }, "l1_q"},
      {[](TrainParams& p) { p.l2_user_bias = -0.5f; }, "l2_user_bias"},
      {[](TrainParams& p) { p.l2_item_bias = std::numeric_limits<float>::infinity(); },
       "l2_item_bias"},
      {[](TrainParams& p) {
         p.loss = Loss::kBprRow;
         p.biases = true;
       },
       "biases"},
      {[](TrainParams& p) { p.negatives = 0; }, "negatives"},
      {[](TrainParams& p) { p.negative_weight = 0; }, "negative_weight"},
      {[](TrainParams& p) { p.max_epochs = -1; }, "max_epochs"},
      {[](TrainParams& p) { p.holdout = 0.6; }, "holdout"},
      {[](TrainParams& p) { p.holdout = 0; }, "holdout"},
      {[](TrainParams& p) { p.stop_loss = -1; }, "stop_loss"},
      {[](TrainParams& p) { p.stop_rmse = std::nan(""); }, "stop_rmse"},
      {[](TrainParams& p) { p.stop_validation_rmse = -0.1; }, "stop_validation_rmse"},
      {[](TrainParams& p) { p.init_scale = -0.5f; }, "init_scale"},
      {[](TrainParams& p) { p.threads = -1; }, "threads"},
      {[](TrainParams& p) { p.lr_decay = -1; }, "lr_decay"},
  };
  (void)nan;
  for (const Case& c : cases) {
    TrainParams params;
    c.mutate(params);
    EXPECT_THAT(params.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
  }
}

TEST(TrainParamsTest, ScheduleNamesRoundTrip) {
  for (auto schedule : {LearningRateSchedule::kConstant, LearningRateSchedule::kDecay,
                        LearningRateSchedule::kAdaGrad}) {
    absl::StatusOr<LearningRateSchedule> parsed = ParseSchedule(ScheduleName(schedule));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, schedule);
  }
  EXPECT_THAT(ParseSchedule("rmsprop"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TrainParamsTest, OrderNamesRoundTripAndAutoResolvesBySize) {
  for (auto order : {RatingOrder::kAuto, RatingOrder::kShuffle, RatingOrder::kChunks,
                     RatingOrder::kUserChunks}) {
    absl::StatusOr<RatingOrder> parsed = ParseOrder(OrderName(order));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, order);
    if (order != RatingOrder::kAuto) {
      EXPECT_EQ(ResolveOrder(order, 1), order);
    }
  }
  EXPECT_THAT(ParseOrder("random"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("auto")));
  EXPECT_EQ(TrainParams().order, RatingOrder::kAuto);
  EXPECT_EQ(ResolveOrder(RatingOrder::kAuto, kAutoOrderMinRatings - 1), RatingOrder::kShuffle);
  EXPECT_EQ(ResolveOrder(RatingOrder::kAuto, kAutoOrderMinRatings), RatingOrder::kUserChunks);
}

}  // namespace
}  // namespace hogmf
