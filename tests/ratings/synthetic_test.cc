// Tests of the synthetic data sets: sizes, distinct pairs, determinism, the
// statistics of the skewed shapes, the coverage of the low-rank shape, the
// train/test split and the refusal of impossible specs.
#include "hogmf/synthetic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

Ratings MustGenerate(const SyntheticSpec& spec) {
  absl::StatusOr<Ratings> data = Generate(spec);
  EXPECT_THAT(data, IsOk());
  return data.ok() ? std::move(*data) : Ratings();
}

bool SameEntries(const Ratings& a, const Ratings& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k].user != b[k].user || a[k].item != b[k].item || a[k].value != b[k].value) return false;
  }
  return true;
}

// Every index inside the maps and no (user, item) pair twice.
void ExpectWellFormed(const Ratings& data) {
  absl::flat_hash_set<uint64_t> pairs;
  pairs.reserve(data.size());
  for (const Rating& r : data.entries()) {
    ASSERT_LT(r.user, data.num_users());
    ASSERT_LT(r.item, data.num_items());
    ASSERT_TRUE(pairs.insert((uint64_t{r.user} << 32) | r.item).second)
        << "pair (" << r.user << ", " << r.item << ") repeated";
  }
}

struct Moments {
  double mean = 0.0;
  double sd = 0.0;
};

Moments ValueMoments(const Ratings& data) {
  double sum = 0.0, sum_sq = 0.0;
  for (const Rating& r : data.entries()) {
    sum += r.value;
    sum_sq += static_cast<double>(r.value) * r.value;
  }
  const double n = static_cast<double>(data.size());
  const double mean = sum / n;
  return {mean, std::sqrt(sum_sq / n - mean * mean)};
}

// Ratings per user (by_user) or per item.
std::vector<uint64_t> Counts(const Ratings& data, bool by_user) {
  std::vector<uint64_t> count(by_user ? data.num_users() : data.num_items(), 0);
  for (const Rating& r : data.entries()) ++count[by_user ? r.user : r.item];
  return count;
}

// The share of all ratings held by the most active 1% of rows.
double TopPercentShare(std::vector<uint64_t> count, uint64_t total) {
  std::sort(count.begin(), count.end(), std::greater<>());
  const size_t top = std::max<size_t>(1, count.size() / 100);
  uint64_t held = 0;
  for (size_t k = 0; k < top; ++k) held += count[k];
  return static_cast<double>(held) / static_cast<double>(total);
}

TEST(ShapeTest, NamesRoundTrip) {
  for (Shape shape : {Shape::kMl100k, Shape::kMl10m, Shape::kNetflix, Shape::kLowRank}) {
    absl::StatusOr<Shape> parsed = ParseShape(ShapeName(shape));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, shape);
  }
  EXPECT_EQ(ShapeName(Shape::kNetflix), "netflix");
}

TEST(ShapeTest, UnknownNameListsTheAllowedOnes) {
  EXPECT_THAT(ParseShape("movielens"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("movielens"), HasSubstr("ml100k"), HasSubstr("ml10m"),
                             HasSubstr("netflix"), HasSubstr("lowrank"))));
}

TEST(GenerateTest, Ml100kHasTheShapeSizesAndDistinctPairs) {
  SyntheticSpec spec;
  spec.shape = Shape::kMl100k;
  const Ratings data = MustGenerate(spec);
  EXPECT_EQ(data.size(), 100'000u);
  EXPECT_EQ(data.num_users(), 943u);
  EXPECT_EQ(data.num_items(), 1'682u);
  EXPECT_TRUE(data.users().is_identity());
  EXPECT_TRUE(data.items().is_identity());
  ExpectWellFormed(data);
  for (const Rating& r : data.entries()) {
    ASSERT_EQ(r.value, std::round(r.value));
    ASSERT_GE(r.value, 1.0f);
    ASSERT_LE(r.value, 5.0f);
  }
  // Grouped by user in increasing index.
  for (size_t k = 1; k < data.size(); ++k) ASSERT_LE(data[k - 1].user, data[k].user);
}

TEST(GenerateTest, RatingsCountKeepsTheShapeSizes) {
  SyntheticSpec spec;
  spec.shape = Shape::kMl10m;
  spec.ratings = 123'457;
  const Ratings data = MustGenerate(spec);
  EXPECT_EQ(data.size(), 123'457u);
  EXPECT_EQ(data.num_users(), 69'878u);
  EXPECT_EQ(data.num_items(), 10'677u);
  ExpectWellFormed(data);
}

TEST(GenerateTest, UsersAndItemsOverrideTheShape) {
  SyntheticSpec spec;
  spec.shape = Shape::kNetflix;
  spec.users = 500;
  spec.items = 300;
  spec.ratings = 60'000;  // 40% dense: heavy users take the exponential-key path
  const Ratings data = MustGenerate(spec);
  EXPECT_EQ(data.size(), 60'000u);
  EXPECT_EQ(data.num_users(), 500u);
  EXPECT_EQ(data.num_items(), 300u);
  ExpectWellFormed(data);
  for (uint64_t c : Counts(data, /*by_user=*/true)) EXPECT_LE(c, 270u);  // 90% of the items
}

TEST(GenerateTest, SameSeedSameRatingsOtherSeedOther) {
  for (Shape shape : {Shape::kMl100k, Shape::kLowRank}) {
    SyntheticSpec spec;
    spec.shape = shape;
    spec.ratings = shape == Shape::kLowRank ? 30'000 : 20'000;
    const Ratings a = MustGenerate(spec);
    const Ratings b = MustGenerate(spec);
    EXPECT_TRUE(SameEntries(a, b)) << ShapeName(shape);
    spec.seed = 2;
    const Ratings c = MustGenerate(spec);
    EXPECT_EQ(c.size(), a.size());
    EXPECT_FALSE(SameEntries(a, c)) << ShapeName(shape);
  }
}

TEST(GenerateTest, OutputDoesNotDependOnTheThreadCount) {
  SyntheticSpec spec;
  spec.shape = Shape::kMl10m;
  spec.ratings = 300'000;
  const Ratings parallel = MustGenerate(spec);
  Ratings serial;
  tbb::task_arena one_thread(1);
  one_thread.execute([&] { serial = MustGenerate(spec); });
  EXPECT_TRUE(SameEntries(parallel, serial));
}

TEST(GenerateTest, NetflixShapeHasNetflixStatistics) {
  SyntheticSpec spec;
  spec.shape = Shape::kNetflix;
  spec.ratings = 2'000'000;
  const Ratings data = MustGenerate(spec);
  ASSERT_EQ(data.size(), 2'000'000u);
  EXPECT_EQ(data.num_users(), 480'189u);
  EXPECT_EQ(data.num_items(), 17'770u);
  for (const Rating& r : data.entries()) {
    ASSERT_EQ(r.value, std::round(r.value));
    ASSERT_GE(r.value, 1.0f);
    ASSERT_LE(r.value, 5.0f);
    ASSERT_LT(r.user, data.num_users());
    ASSERT_LT(r.item, data.num_items());
  }
  const Moments m = ValueMoments(data);
  EXPECT_NEAR(m.mean, 3.59, 0.1);
  EXPECT_NEAR(m.sd, 1.08, 0.1);
  // Skew: 1% of the users hold several times 1% of the ratings, and 1% of
  // the items a large share.
  EXPECT_GT(TopPercentShare(Counts(data, true), data.size()), 0.05);
  EXPECT_GT(TopPercentShare(Counts(data, false), data.size()), 0.10);
}

TEST(GenerateTest, Ml10mValuesAreHalves) {
  SyntheticSpec spec;
  spec.shape = Shape::kMl10m;
  spec.ratings = 200'000;
  const Ratings data = MustGenerate(spec);
  bool saw_half = false;
  for (const Rating& r : data.entries()) {
    ASSERT_EQ(2.0f * r.value, std::round(2.0f * r.value));
    ASSERT_GE(r.value, 0.5f);
    ASSERT_LE(r.value, 5.0f);
    saw_half |= r.value != std::round(r.value);
  }
  EXPECT_TRUE(saw_half);
  const Moments m = ValueMoments(data);
  EXPECT_NEAR(m.mean, 3.59, 0.15);
}

TEST(GenerateTest, LowRankCoversEveryRowAndHasThePlantedVariance) {
  SyntheticSpec spec;
  spec.shape = Shape::kLowRank;
  spec.noise = 0.5;
  const Ratings data = MustGenerate(spec);
  EXPECT_EQ(data.size(), 600'000u);
  EXPECT_EQ(data.num_users(), 2'000u);
  EXPECT_EQ(data.num_items(), 1'000u);
  ExpectWellFormed(data);
  const uint64_t least = static_cast<uint64_t>(spec.rank) + 2;
  for (uint64_t c : Counts(data, true)) ASSERT_GE(c, least);
  for (uint64_t c : Counts(data, false)) ASSERT_GE(c, least);
  const Moments m = ValueMoments(data);
  EXPECT_NEAR(m.mean, 0.0, 0.1);
  EXPECT_NEAR(m.sd * m.sd, 1.0 + 0.25, 0.15 * 1.25);
}

TEST(GenerateTest, LowRankCoversRowsWhenItemsOutnumberUsersAndAtTheMinimum) {
  SyntheticSpec spec;
  spec.shape = Shape::kLowRank;
  spec.users = 100;
  spec.items = 700;
  spec.rank = 3;
  spec.ratings = 5 * 700;  // exactly (rank + 2) * max(users, items)
  const Ratings data = MustGenerate(spec);
  EXPECT_EQ(data.size(), 3'500u);
  ExpectWellFormed(data);
  for (uint64_t c : Counts(data, true)) ASSERT_GE(c, 5u);
  for (uint64_t c : Counts(data, false)) ASSERT_GE(c, 5u);
}

TEST(GenerateTest, ZeroNoiseLowRankIsExactlyLowRank) {
  SyntheticSpec spec;
  spec.shape = Shape::kLowRank;
  spec.users = 50;
  spec.items = 40;
  spec.rank = 1;
  spec.noise = 0.0;
  spec.ratings = 1'000;
  const Ratings data = MustGenerate(spec);
  // Rank 1: every 2x2 minor over observed entries vanishes. Take the dense
  // matrix of the observed entries and compare v(u,i) v(u',i') with v(u,i') v(u',i).
  std::vector<double> dense(50 * 40, std::nan(""));
  for (const Rating& r : data.entries()) dense[r.user * 40 + r.item] = r.value;
  int checked = 0;
  for (int u = 0; u < 50 && checked < 200; ++u) {
    for (int v = u + 1; v < 50 && checked < 200; ++v) {
      for (int i = 0; i < 40; ++i) {
        for (int j = i + 1; j < 40; ++j) {
          const double a = dense[u * 40 + i], b = dense[v * 40 + j];
          const double c = dense[u * 40 + j], d = dense[v * 40 + i];
          if (std::isnan(a) || std::isnan(b) || std::isnan(c) || std::isnan(d)) continue;
          EXPECT_NEAR(a * b, c * d, 1e-5 * (1.0 + std::fabs(a * b)));
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(GenerateTest, RefusesImpossibleSpecs) {
  auto refused = [](SyntheticSpec spec, const char* message) {
    EXPECT_THAT(Generate(spec), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(message)));
  };
  SyntheticSpec too_dense;
  too_dense.shape = Shape::kMl100k;
  too_dense.ratings = 943u * 1682u / 2 + 1;
  refused(too_dense, "do not fit");

  SyntheticSpec tiny;
  tiny.shape = Shape::kMl100k;
  tiny.users = 3;
  tiny.items = 3;
  tiny.ratings = 5;
  refused(tiny, "do not fit");

  SyntheticSpec no_rank;
  no_rank.shape = Shape::kLowRank;
  no_rank.rank = 0;
  refused(no_rank, "rank");
  no_rank.shape = Shape::kNetflix;
  refused(no_rank, "rank");

  SyntheticSpec negative_noise;
  negative_noise.shape = Shape::kLowRank;
  negative_noise.noise = -0.1;
  refused(negative_noise, "noise");
  SyntheticSpec nan_noise;
  nan_noise.shape = Shape::kLowRank;
  nan_noise.noise = std::nan("");
  refused(nan_noise, "noise");

  SyntheticSpec big_rank;
  big_rank.shape = Shape::kLowRank;
  big_rank.users = 20;
  big_rank.items = 20;
  big_rank.rank = 30;
  big_rank.ratings = 100;
  refused(big_rank, "rank + 2");

  SyntheticSpec too_sparse;
  too_sparse.shape = Shape::kLowRank;
  too_sparse.ratings = 12 * 2000 - 1;
  refused(too_sparse, "too few");

  SyntheticSpec bad_shape;
  bad_shape.shape = static_cast<Shape>(42);
  EXPECT_THAT(Generate(bad_shape), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SplitHoldoutTest, PartitionsExactlyAndDeterministically) {
  SyntheticSpec spec;
  spec.shape = Shape::kMl100k;
  const Ratings data = MustGenerate(spec);
  auto [train, test] = SplitHoldout(data, 0.2, /*seed=*/9);
  EXPECT_EQ(train.size() + test.size(), data.size());
  EXPECT_NEAR(static_cast<double>(test.size()) / data.size(), 0.2, 0.01);
  EXPECT_EQ(train.num_users(), data.num_users());
  EXPECT_EQ(test.num_items(), data.num_items());
  EXPECT_TRUE(test.users().is_identity());

  // Order preserved: merging the halves back by position gives the input.
  absl::flat_hash_set<uint64_t> in_test;
  for (const Rating& r : test.entries()) in_test.insert((uint64_t{r.user} << 32) | r.item);
  size_t a = 0, b = 0;
  for (const Rating& r : data.entries()) {
    const bool to_test = in_test.contains((uint64_t{r.user} << 32) | r.item);
    const Rating& got = to_test ? test[b++] : train[a++];
    ASSERT_EQ(got.user, r.user);
    ASSERT_EQ(got.item, r.item);
    ASSERT_EQ(got.value, r.value);
  }

  auto [train2, test2] = SplitHoldout(data, 0.2, 9);
  EXPECT_TRUE(SameEntries(train, train2));
  EXPECT_TRUE(SameEntries(test, test2));
  auto [train3, test3] = SplitHoldout(data, 0.2, 10);
  EXPECT_FALSE(SameEntries(test, test3));
}

TEST(SplitHoldoutTest, ExtremeFractions) {
  SyntheticSpec spec;
  spec.shape = Shape::kMl100k;
  spec.ratings = 1'000;
  const Ratings data = MustGenerate(spec);
  auto [all_train, no_test] = SplitHoldout(data, 0.0, 1);
  EXPECT_EQ(all_train.size(), data.size());
  EXPECT_TRUE(no_test.empty());
  auto [no_train, all_test] = SplitHoldout(data, 1.0, 1);
  EXPECT_TRUE(no_train.empty());
  EXPECT_EQ(all_test.size(), data.size());
}

}  // namespace
}  // namespace hogmf
