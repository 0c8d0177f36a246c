// Tests of util/status_macros.h: HOGMF_RETURN_IF_ERROR and
// HOGMF_ASSIGN_OR_RETURN return the first error and go on otherwise.
#include "util/status_macros.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testing/status_matchers.h"

namespace hogmf::internal {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;

absl::Status Step(bool fail, int* steps) {
  ++*steps;
  return fail ? absl::OutOfRangeError("step failed") : absl::OkStatus();
}

absl::Status TwoSteps(bool fail_first, bool fail_second, int* steps) {
  HOGMF_RETURN_IF_ERROR(Step(fail_first, steps));
  HOGMF_RETURN_IF_ERROR(Step(fail_second, steps));
  return absl::OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtTheFirstError) {
  int steps = 0;
  EXPECT_THAT(TwoSteps(false, false, &steps), IsOk());
  EXPECT_EQ(steps, 2);
  steps = 0;
  EXPECT_THAT(TwoSteps(true, false, &steps), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(steps, 1);
  steps = 0;
  EXPECT_THAT(TwoSteps(false, true, &steps), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(steps, 2);
}

absl::StatusOr<std::unique_ptr<int>> MakeInt(int value) {
  if (value < 0) return absl::InvalidArgumentError("negative");
  return std::make_unique<int>(value);
}

// Two assignments in one function (the macro's temporaries must not clash),
// of a move-only type.
absl::StatusOr<int> Sum(int a, int b) {
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<int> x, MakeInt(a));
  HOGMF_ASSIGN_OR_RETURN(const std::unique_ptr<int> y, MakeInt(b));
  return *x + *y;
}

TEST(StatusMacrosTest, AssignOrReturnAssignsOrReturnsTheStatus) {
  EXPECT_THAT(Sum(2, 3), IsOk());
  EXPECT_EQ(*Sum(2, 3), 5);
  EXPECT_THAT(Sum(-1, 3), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Sum(1, -3), StatusIs(absl::StatusCode::kInvalidArgument));
}

absl::Status AssignExisting(int value, int* out) {
  int result = 0;
  HOGMF_ASSIGN_OR_RETURN(result, absl::StatusOr<int>(value));
  *out = result;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnAssignsToAnExistingVariable) {
  int out = 0;
  EXPECT_THAT(AssignExisting(7, &out), IsOk());
  EXPECT_EQ(out, 7);
}

}  // namespace
}  // namespace hogmf::internal
