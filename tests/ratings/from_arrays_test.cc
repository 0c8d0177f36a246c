// Tests of RatingsFromArrays: id mappings, value widths and the errors.
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hogmf/input.h"

namespace hogmf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RatingsFromArraysTest, DenseMappingNumbersIdsByFirstAppearance) {
  const std::vector<int64_t> users = {1000000007, 5, 1000000007};
  const std::vector<int64_t> items = {-3, 42, 42};
  const std::vector<double> values = {4.5, 1.0, 2.0};
  absl::StatusOr<Ratings> ratings =
      RatingsFromArrays(std::span<const int64_t>(users), std::span<const int64_t>(items),
                        std::span<const double>(values));
  ASSERT_TRUE(ratings.ok()) << ratings.status();
  ASSERT_EQ(ratings->size(), 3u);
  EXPECT_EQ(ratings->num_users(), 2u);
  EXPECT_EQ(ratings->num_items(), 2u);
  EXPECT_THAT(ratings->users().names(), ElementsAre("1000000007", "5"));
  EXPECT_THAT(ratings->items().names(), ElementsAre("-3", "42"));
  EXPECT_EQ((*ratings)[0].user, 0u);
  EXPECT_EQ((*ratings)[1].user, 1u);
  EXPECT_EQ((*ratings)[2].user, 0u);
  EXPECT_EQ((*ratings)[2].item, 1u);
  EXPECT_FLOAT_EQ((*ratings)[0].value, 4.5f);
  EXPECT_FLOAT_EQ((*ratings)[2].value, 2.0f);
}

TEST(RatingsFromArraysTest, IdentityMappingUsesIdsAsIndices) {
  const std::vector<int32_t> users = {3, 0};
  const std::vector<int32_t> items = {1, 7};
  const std::vector<float> values = {1.5f, -2.0f};
  absl::StatusOr<Ratings> ratings =
      RatingsFromArrays(std::span<const int32_t>(users), std::span<const int32_t>(items),
                        std::span<const float>(values), IdMapping::kIdentity);
  ASSERT_TRUE(ratings.ok()) << ratings.status();
  EXPECT_TRUE(ratings->users().is_identity());
  EXPECT_EQ(ratings->num_users(), 4u);
  EXPECT_EQ(ratings->num_items(), 8u);
  EXPECT_EQ((*ratings)[0].user, 3u);
  EXPECT_EQ((*ratings)[1].item, 7u);
  EXPECT_FLOAT_EQ((*ratings)[1].value, -2.0f);
}

TEST(RatingsFromArraysTest, NoValuesMeansOnes) {
  const std::vector<uint32_t> users = {0, 1};
  const std::vector<uint64_t> items = {9, 9};
  absl::StatusOr<Ratings> ratings =
      RatingsFromArrays(std::span<const uint32_t>(users), std::span<const uint64_t>(items));
  ASSERT_TRUE(ratings.ok()) << ratings.status();
  EXPECT_EQ(ratings->num_items(), 1u);
  EXPECT_FLOAT_EQ((*ratings)[0].value, 1.0f);
  EXPECT_FLOAT_EQ((*ratings)[1].value, 1.0f);
}

TEST(RatingsFromArraysTest, RefusesBadInputNamingThePosition) {
  const std::vector<int64_t> two = {0, 1};
  const std::vector<int64_t> three = {0, 1, 2};
  const std::span<const int64_t> two_span(two);
  absl::StatusOr<Ratings> lengths = RatingsFromArrays(two_span, std::span<const int64_t>(three));
  EXPECT_EQ(lengths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(lengths.status().message(), HasSubstr("different lengths"));

  const std::vector<double> nan = {1.0, std::nan("")};
  absl::StatusOr<Ratings> not_finite =
      RatingsFromArrays(two_span, two_span, std::span<const double>(nan));
  EXPECT_EQ(not_finite.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(not_finite.status().message(), HasSubstr("values[1]"));

  const std::vector<double> huge = {1e300, 1.0};
  EXPECT_THAT(
      RatingsFromArrays(two_span, two_span, std::span<const double>(huge)).status().message(),
      HasSubstr("values[0]"));

  const std::vector<int64_t> negative = {0, -1};
  absl::StatusOr<Ratings> negative_index = RatingsFromArrays(
      std::span<const int64_t>(negative), two_span, ValueSpan{}, IdMapping::kIdentity);
  EXPECT_THAT(negative_index.status().message(), HasSubstr("users[1]: negative id -1"));

  const std::vector<int64_t> too_large = {int64_t{1} << 40, 0};
  absl::StatusOr<Ratings> large_index = RatingsFromArrays(
      two_span, std::span<const int64_t>(too_large), ValueSpan{}, IdMapping::kIdentity);
  EXPECT_THAT(large_index.status().message(), HasSubstr("items[0]"));
  EXPECT_THAT(large_index.status().message(), HasSubstr("too large"));
}

}  // namespace
}  // namespace hogmf
