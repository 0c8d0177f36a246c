// Tests of the synthetic data sets: sizes, distinct pairs, determinism, the
// statistics of the skewed shapes, the coverage of the low-rank shape, the
// moments and scales of the realistic recipe and its presets, the latent
// structure of implicit data, the train/test split and the refusal of
// impossible specs.
#include "hogmf/synthetic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string_view>
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

// FNV-1a over every entry's bits: a fingerprint of a generated set.
uint64_t Fingerprint(const Ratings& data) {
  uint64_t hash = 0xCBF29CE484222325ull;
  const auto mix = [&](uint32_t word) {
    for (int b = 0; b < 4; ++b) {
      hash ^= (word >> (8 * b)) & 0xFF;
      hash *= 0x100000001B3ull;
    }
  };
  for (const Rating& r : data.entries()) {
    mix(r.user);
    mix(r.item);
    mix(std::bit_cast<uint32_t>(r.value));
  }
  return hash;
}

// Per-row means of the values, for rows with at least `least` ratings, and the
// mean over those rows of 1 / count (what sampling adds to their variance, per
// unit of within-row variance).
struct RowMeans {
  std::vector<double> means;
  double mean_inverse_count = 0.0;
};

RowMeans MeansOfRows(const Ratings& data, bool by_user, uint64_t least) {
  const size_t rows = by_user ? data.num_users() : data.num_items();
  std::vector<double> sum(rows, 0.0);
  std::vector<uint64_t> count(rows, 0);
  for (const Rating& r : data.entries()) {
    const uint32_t row = by_user ? r.user : r.item;
    sum[row] += r.value;
    ++count[row];
  }
  RowMeans out;
  for (size_t row = 0; row < rows; ++row) {
    if (count[row] < least) continue;
    out.means.push_back(sum[row] / static_cast<double>(count[row]));
    out.mean_inverse_count += 1.0 / static_cast<double>(count[row]);
  }
  out.mean_inverse_count /= static_cast<double>(out.means.size());
  return out;
}

double Variance(const std::vector<double>& values) {
  double sum = 0.0, sum_sq = 0.0;
  for (double v : values) {
    sum += v;
    sum_sq += v * v;
  }
  const double n = static_cast<double>(values.size());
  return sum_sq / n - (sum / n) * (sum / n);
}

TEST(ShapeTest, NamesRoundTrip) {
  for (Shape shape : {Shape::kMl100k, Shape::kMl10m, Shape::kNetflix, Shape::kLowRank,
                      Shape::kRealistic, Shape::kImplicit}) {
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
                             HasSubstr("netflix"), HasSubstr("lowrank"), HasSubstr("realistic"),
                             HasSubstr("implicit"))));
}

TEST(PresetTest, NamesResolveAndUnknownOnesListTheKnown) {
  const std::vector<std::string_view> names = SyntheticPresetNames();
  ASSERT_EQ(names.size(), 6u);
  EXPECT_EQ(names[0], "movielens-like");
  for (std::string_view name : names) {
    absl::StatusOr<SyntheticSpec> spec = SyntheticPreset(name);
    ASSERT_THAT(spec, IsOk()) << name;
    EXPECT_TRUE(spec->shape == Shape::kRealistic || spec->shape == Shape::kImplicit) << name;
    EXPECT_GT(spec->users, 0u) << name;
  }
  absl::StatusOr<SyntheticSpec> plain = SyntheticPreset("lowrank");
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->shape, Shape::kLowRank);
  EXPECT_EQ(plain->ratings, 0u);
  EXPECT_EQ(SyntheticPreset("netflix-like")->scale.step, 1.0);
  EXPECT_EQ(SyntheticPreset("movielens-10m-like")->scale.step, 0.5);
  EXPECT_EQ(SyntheticPreset("jester-like")->scale.min, -10.0);
  EXPECT_EQ(SyntheticPreset("book-like")->scale.max, 10.0);
  EXPECT_THAT(SyntheticPreset("movielens"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'movielens'"), HasSubstr("movielens-like"),
                             HasSubstr("implicit-like"), HasSubstr("ml100k"))));
}

// The recipe fields are new; the shapes that ignore them keep every bit they
// had (tests and docs elsewhere rely on these sets).
TEST(GenerateTest, FixedRecipeShapesKeepTheirBits) {
  SyntheticSpec ml100k;
  ml100k.shape = Shape::kMl100k;
  ml100k.ratings = 20'000;
  EXPECT_EQ(Fingerprint(MustGenerate(ml100k)), 5422613100693499525ull);
  SyntheticSpec ml10m;
  ml10m.shape = Shape::kMl10m;
  ml10m.ratings = 50'000;
  ml10m.seed = 3;
  EXPECT_EQ(Fingerprint(MustGenerate(ml10m)), 13576194107185657686ull);
  SyntheticSpec dense;  // heavy users: the exponential-key path
  dense.shape = Shape::kNetflix;
  dense.users = 500;
  dense.items = 300;
  dense.ratings = 60'000;
  EXPECT_EQ(Fingerprint(MustGenerate(dense)), 16478076836614208683ull);
  SyntheticSpec lowrank;
  lowrank.shape = Shape::kLowRank;
  lowrank.ratings = 30'000;
  EXPECT_EQ(Fingerprint(MustGenerate(lowrank)), 6234700756913584474ull);
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

// A realistic set on a scale too wide to clamp, with no rounding: its moments
// are the recipe's.
TEST(RealisticTest, MomentsMatchTheRecipe) {
  SyntheticSpec spec;
  spec.shape = Shape::kRealistic;
  spec.users = 2'000;
  spec.items = 1'000;
  spec.ratings = 400'000;
  spec.global_mean = 3.5;
  spec.user_bias_sd = 0.5;
  spec.item_bias_sd = 0.6;
  spec.taste_sd = 0.4;
  spec.noise = 0.9;
  spec.scale = {-100.0, 100.0, 0.0};
  spec.user_skew = 0.5;
  spec.item_skew = 0.5;
  const Ratings data = MustGenerate(spec);
  ASSERT_EQ(data.size(), 400'000u);
  ExpectWellFormed(data);
  const Moments m = ValueMoments(data);
  EXPECT_NEAR(m.mean, 3.5, 0.08);
  const double total = 0.5 * 0.5 + 0.6 * 0.6 + 0.4 * 0.4 + 0.9 * 0.9;
  EXPECT_NEAR(m.sd * m.sd, total, 0.1 * total);

  // Row means spread as the row's bias plus the sampling of the rest.
  const RowMeans users = MeansOfRows(data, /*by_user=*/true, 50);
  ASSERT_GT(users.means.size(), 1'000u);
  const double user_bias_var =
      Variance(users.means) - users.mean_inverse_count * (total - 0.5 * 0.5);
  EXPECT_NEAR(std::sqrt(user_bias_var), 0.5, 0.06);
  const RowMeans items = MeansOfRows(data, /*by_user=*/false, 50);
  ASSERT_GT(items.means.size(), 500u);
  const double item_bias_var =
      Variance(items.means) - items.mean_inverse_count * (total - 0.6 * 0.6);
  EXPECT_NEAR(std::sqrt(item_bias_var), 0.6, 0.07);
}

TEST(RealisticTest, NoiseAloneHasTheNoiseSd) {
  SyntheticSpec spec;
  spec.shape = Shape::kRealistic;
  spec.ratings = 200'000;
  spec.user_bias_sd = 0.0;
  spec.item_bias_sd = 0.0;
  spec.taste_sd = 0.0;
  spec.noise = 0.85;
  spec.scale = {-100.0, 100.0, 0.0};
  const Moments m = ValueMoments(MustGenerate(spec));
  EXPECT_NEAR(m.mean, spec.global_mean, 0.01);
  EXPECT_NEAR(m.sd, 0.85, 0.01);
}

// Without noise or biases the values are mean + a rank-1 product: every 2x2
// minor of (value - mean) over observed entries vanishes.
TEST(RealisticTest, TasteAloneIsLowRank) {
  SyntheticSpec spec;
  spec.shape = Shape::kRealistic;
  spec.users = 60;
  spec.items = 40;
  spec.ratings = 1'000;
  spec.rank = 1;
  spec.noise = 0.0;
  spec.user_bias_sd = 0.0;
  spec.item_bias_sd = 0.0;
  spec.taste_sd = 1.0;
  spec.global_mean = 2.0;
  spec.scale = {-100.0, 100.0, 0.0};
  const Ratings data = MustGenerate(spec);
  std::vector<double> dense(60 * 40, std::nan(""));
  for (const Rating& r : data.entries()) dense[r.user * 40 + r.item] = r.value - 2.0;
  int checked = 0;
  for (int u = 0; u < 60; ++u) {
    for (int v = u + 1; v < 60; ++v) {
      for (int i = 0; i < 40; ++i) {
        for (int j = i + 1; j < 40; ++j) {
          const double a = dense[u * 40 + i], b = dense[v * 40 + j];
          const double c = dense[u * 40 + j], d = dense[v * 40 + i];
          if (std::isnan(a) || std::isnan(b) || std::isnan(c) || std::isnan(d)) continue;
          ASSERT_NEAR(a * b, c * d, 1e-4 * (1.0 + std::fabs(a * b)));
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 100);
}

// Every preset, cut to a sample: values on its scale, distinct pairs, the
// preset's sizes, same seed same data; the 1..5 presets near their real moments.
TEST(RealisticTest, PresetsLieOnTheirScales) {
  for (std::string_view name : SyntheticPresetNames()) {
    SyntheticSpec spec = *SyntheticPreset(name);
    const uint32_t users = spec.users, items = spec.items;
    spec.ratings = std::min<uint64_t>(spec.ratings, name == "book-like" ? 100'000 : 300'000);
    spec.min_user_ratings =
        std::min<uint32_t>(spec.min_user_ratings, static_cast<uint32_t>(spec.ratings / users));
    const Ratings data = MustGenerate(spec);
    SCOPED_TRACE(name);
    ASSERT_EQ(data.size(), spec.ratings);
    EXPECT_EQ(data.num_users(), users);
    EXPECT_EQ(data.num_items(), items);
    ExpectWellFormed(data);
    const RatingScale& scale = spec.scale;
    bool saw_min = false, saw_max = false;
    for (const Rating& r : data.entries()) {
      if (spec.shape == Shape::kImplicit) {
        ASSERT_EQ(r.value, 1.0f);
        continue;
      }
      ASSERT_GE(r.value, scale.min);
      ASSERT_LE(r.value, scale.max);
      if (scale.step > 0) {
        const double steps = (r.value - scale.min) / scale.step;
        ASSERT_EQ(steps, std::round(steps)) << r.value;
      }
      saw_min |= r.value == scale.min;
      saw_max |= r.value == scale.max;
    }
    if (spec.shape == Shape::kRealistic) {
      EXPECT_TRUE(saw_min);
      EXPECT_TRUE(saw_max);
    }
    EXPECT_EQ(Fingerprint(MustGenerate(spec)), Fingerprint(data));
    if (spec.min_user_ratings > 0) {
      for (uint64_t c : Counts(data, /*by_user=*/true)) ASSERT_GE(c, spec.min_user_ratings);
    }
  }
  struct Real {
    const char* name;
    double mean, sd;
  };
  for (const Real& real :
       {Real{"movielens-like", 3.58, 1.12}, Real{"movielens-10m-like", 3.51, 1.06},
        Real{"netflix-like", 3.60, 1.085}}) {
    SyntheticSpec spec = *SyntheticPreset(real.name);
    spec.ratings = 300'000;
    spec.min_user_ratings =
        std::min<uint32_t>(spec.min_user_ratings, static_cast<uint32_t>(300'000 / spec.users));
    const Moments m = ValueMoments(MustGenerate(spec));
    EXPECT_NEAR(m.mean, real.mean, 0.12) << real.name;
    EXPECT_NEAR(m.sd, real.sd, 0.12) << real.name;
  }
}

TEST(RealisticTest, SameSeedSameDataOtherSeedOtherAnyThreadCount) {
  for (std::string_view name : {"netflix-like", "implicit-like"}) {
    SyntheticSpec spec = *SyntheticPreset(name);
    spec.ratings = 200'000;
    spec.min_user_ratings = 0;
    const Ratings a = MustGenerate(spec);
    Ratings serial;
    tbb::task_arena one_thread(1);
    one_thread.execute([&] { serial = MustGenerate(spec); });
    EXPECT_TRUE(SameEntries(a, serial)) << name;
    spec.seed = 2;
    EXPECT_FALSE(SameEntries(a, MustGenerate(spec))) << name;
  }
}

TEST(RealisticTest, SkewConcentratesRatingsOnFewRows) {
  SyntheticSpec spec;
  spec.shape = Shape::kRealistic;
  spec.users = 20'000;
  spec.items = 5'000;
  spec.ratings = 1'000'000;
  spec.user_skew = 0.0;
  spec.item_skew = 0.0;
  const Ratings flat = MustGenerate(spec);
  EXPECT_LT(TopPercentShare(Counts(flat, true), flat.size()), 0.02);
  EXPECT_LT(TopPercentShare(Counts(flat, false), flat.size()), 0.02);
  // Log-normal sd s: the top 1% hold about Phi(s - 2.33) = 20% at s = 1.5.
  // (Skewed users flatten the items: the heaviest rate most of them.)
  spec.user_skew = 1.5;
  const Ratings active = MustGenerate(spec);
  EXPECT_NEAR(TopPercentShare(Counts(active, true), active.size()), 0.20, 0.04);
  EXPECT_LT(TopPercentShare(Counts(active, false), active.size()), 0.02);
  spec.user_skew = 0.0;
  spec.item_skew = 1.5;
  const Ratings popular = MustGenerate(spec);
  EXPECT_LT(TopPercentShare(Counts(popular, true), popular.size()), 0.02);
  EXPECT_NEAR(TopPercentShare(Counts(popular, false), popular.size()), 0.20, 0.04);
}

TEST(RealisticTest, MinUserRatingsIsAFloor) {
  SyntheticSpec spec;
  spec.shape = Shape::kRealistic;
  spec.users = 3'000;
  spec.items = 2'000;
  spec.ratings = 100'000;
  spec.user_skew = 2.0;
  spec.min_user_ratings = 25;
  const Ratings data = MustGenerate(spec);
  ASSERT_EQ(data.size(), 100'000u);
  const std::vector<uint64_t> count = Counts(data, true);
  EXPECT_EQ(*std::min_element(count.begin(), count.end()), 25u);
}

// Squared correlations between the item columns of the user x item indicator
// matrix, averaged over the pairs of items that some but not all users hold:
// ~1/users when users pick items independently, far more when their picks
// share latent topics.
double MeanSquaredItemCorrelation(const Ratings& data) {
  const uint32_t items = data.num_items();
  const double users = static_cast<double>(data.num_users());
  std::vector<std::vector<uint32_t>> by_user(data.num_users());
  for (const Rating& r : data.entries()) by_user[r.user].push_back(r.item);
  std::vector<double> together(static_cast<size_t>(items) * items, 0.0);
  std::vector<double> alone(items, 0.0);
  for (const std::vector<uint32_t>& list : by_user) {
    for (uint32_t i : list) {
      alone[i] += 1.0;
      for (uint32_t j : list) together[static_cast<size_t>(i) * items + j] += 1.0;
    }
  }
  double sum = 0.0;
  int pairs = 0;
  for (uint32_t i = 0; i < items; ++i) {
    for (uint32_t j = i + 1; j < items; ++j) {
      const double pi = alone[i] / users, pj = alone[j] / users;
      if (pi == 0.0 || pi == 1.0 || pj == 0.0 || pj == 1.0) continue;
      const double cov = together[static_cast<size_t>(i) * items + j] / users - pi * pj;
      const double r = cov / std::sqrt(pi * (1 - pi) * pj * (1 - pj));
      sum += r * r;
      ++pairs;
    }
  }
  return sum / pairs;
}

TEST(ImplicitTest, PositivesShareLatentTopics) {
  SyntheticSpec spec;
  spec.shape = Shape::kImplicit;
  spec.users = 2'000;
  spec.items = 200;
  spec.ratings = 40'000;
  spec.rank = 4;
  spec.user_skew = 0.0;
  spec.item_skew = 0.5;
  spec.taste_sd = 0.0;  // popularity alone
  const Ratings popular = MustGenerate(spec);
  ASSERT_EQ(popular.size(), 40'000u);
  ExpectWellFormed(popular);
  for (const Rating& r : popular.entries()) ASSERT_EQ(r.value, 1.0f);
  const double independent = MeanSquaredItemCorrelation(popular);
  EXPECT_LT(independent, 3.0 / 2'000);
  spec.taste_sd = 3.0;
  const Ratings personal = MustGenerate(spec);
  ExpectWellFormed(personal);
  EXPECT_GT(MeanSquaredItemCorrelation(personal), 5 * independent);
}

// Focused users on few items: the rejection budget runs out and exponential
// keys finish the draw; heavy users go to keys at once. Pairs stay distinct,
// every user gets its count, and the thread count changes nothing.
TEST(ImplicitTest, FocusedAndHeavyUsersGetDistinctItems) {
  SyntheticSpec spec;
  spec.shape = Shape::kImplicit;
  spec.users = 400;
  spec.items = 300;
  spec.ratings = 50'000;
  spec.rank = 2;
  spec.taste_sd = 4.0;
  spec.item_skew = 3.0;
  spec.user_skew = 1.0;
  const Ratings data = MustGenerate(spec);
  ASSERT_EQ(data.size(), 50'000u);
  ExpectWellFormed(data);
  for (uint64_t c : Counts(data, true)) ASSERT_LE(c, 270u);
  Ratings serial;
  tbb::task_arena one_thread(1);
  one_thread.execute([&] { serial = MustGenerate(spec); });
  EXPECT_TRUE(SameEntries(data, serial));
}

TEST(ImplicitTest, HoldoutGivesHeldOutPositives) {
  SyntheticSpec spec = *SyntheticPreset("implicit-like");
  spec.ratings = 100'000;
  spec.min_user_ratings = 1;
  const Ratings data = MustGenerate(spec);
  auto [train, test] = SplitHoldout(data, 0.2, 5);
  EXPECT_EQ(train.size() + test.size(), data.size());
  EXPECT_NEAR(static_cast<double>(test.size()) / data.size(), 0.2, 0.01);
  absl::flat_hash_set<uint64_t> seen;
  for (const Rating& r : train.entries()) seen.insert((uint64_t{r.user} << 32) | r.item);
  for (const Rating& r : test.entries()) {
    ASSERT_EQ(r.value, 1.0f);
    ASSERT_FALSE(seen.contains((uint64_t{r.user} << 32) | r.item));
  }
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

  SyntheticSpec bad_mean;
  bad_mean.shape = Shape::kRealistic;
  bad_mean.global_mean = std::nan("");
  refused(bad_mean, "global_mean");
  SyntheticSpec bad_sd;
  bad_sd.shape = Shape::kRealistic;
  bad_sd.item_bias_sd = -1.0;
  refused(bad_sd, "item_bias_sd");
  bad_sd.shape = Shape::kMl100k;  // ignored by the shape, refused all the same
  refused(bad_sd, "item_bias_sd");
  SyntheticSpec bad_skew;
  bad_skew.shape = Shape::kImplicit;
  bad_skew.user_skew = 50.0;
  refused(bad_skew, "user_skew");
  SyntheticSpec inverted;
  inverted.shape = Shape::kRealistic;
  inverted.scale = {5.0, 1.0, 1.0};
  refused(inverted, "above min");
  SyntheticSpec off_grid;
  off_grid.shape = Shape::kRealistic;
  off_grid.scale = {1.0, 5.0, 0.3};
  refused(off_grid, "whole number of steps");
  SyntheticSpec negative_step;
  negative_step.shape = Shape::kRealistic;
  negative_step.scale = {1.0, 5.0, -1.0};
  refused(negative_step, "step");
  SyntheticSpec floor_too_high;
  floor_too_high.shape = Shape::kRealistic;
  floor_too_high.min_user_ratings = 500;  // 6,040 x 500 > 1,000,209
  refused(floor_too_high, "min_user_ratings");
  SyntheticSpec many_topics;
  many_topics.shape = Shape::kImplicit;
  many_topics.items = 100'000;
  many_topics.rank = 1'000;
  refused(many_topics, "topic weights");

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
