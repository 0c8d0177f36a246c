// Synthetic ratings: data sets hogmf generates itself for tests, demos and
// benchmarks, shaped like real ones (skewed user activity and item popularity)
// or planted with a known answer (a low-rank matrix plus Gaussian noise, whose
// best achievable RMSE is the noise level).
//
//   hogmf::SyntheticSpec spec;
//   spec.shape = hogmf::Shape::kLowRank;
//   spec.noise = 0.5;
//   absl::StatusOr<hogmf::Ratings> data = hogmf::Generate(spec);
//   auto [train, test] = hogmf::SplitHoldout(*data, 0.1, /*seed=*/7);
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "hogmf/ratings.h"

namespace hogmf {

enum class Shape {
  kMl100k,   // 943 users, 1,682 items, 100,000 ratings in 1..5
  kMl10m,    // 69,878 users, 10,677 items, 10,000,054 ratings in 0.5..5 by halves
  kNetflix,  // 480,189 users, 17,770 items, 100,480,507 ratings in 1..5
  kLowRank,  // rank-r factors plus N(0, noise^2); real-valued, no clamping.
             // Factor coordinates have variance 1/sqrt(r), so p.q has variance 1
             // and the values 1 + noise^2; the best achievable RMSE is noise.
};

// "ml100k", "ml10m", "netflix", "lowrank".
std::string_view ShapeName(Shape shape);
// The shape named `name` (one of ShapeName's names); kInvalidArgument for any
// other name.
absl::StatusOr<Shape> ParseShape(std::string_view name);

struct SyntheticSpec {
  /// Which kind of data set.
  Shape shape = Shape::kMl100k;
  /// Seed of every random draw: the same spec gives the same ratings.
  uint64_t seed = 1;
  /// Number of ratings; 0 means the shape's own count (kLowRank: 600,000). Users and items stay
  /// those of the shape whatever the count ("Netflix cut to 25M" has Netflix's
  /// users and items and is sparser). At most half of users x items.
  uint64_t ratings = 0;
  /// Users and items; 0 means the shape's own (kLowRank: 2,000 and 1,000).
  uint32_t users = 0;
  uint32_t items = 0;
  /// kLowRank: rank of the planted factors (every user and item gets at least
  /// rank + 2 ratings) and sd of the Gaussian noise. Skewed shapes use a fixed
  /// recipe and ignore both, but refuse invalid values (rank outside
  /// [1, 1024], negative or non-finite noise) like kLowRank does.
  int rank = 10;
  double noise = 0.5;
};

// Generates the ratings with identity id maps (indices are the ids).
// Pairs are distinct; entries are grouped by user in increasing index, items in
// random order within a user. The same spec gives the same ratings on any
// platform and thread count. The only error is kInvalidArgument, for a spec
// that is invalid or impossible: a `shape` outside the enum, `rank` outside
// [1, 1024], a negative or non-finite `noise`, more ratings than half of
// users x items; for kLowRank also fewer than rank + 2 users or items, or
// fewer ratings than (rank + 2) x max(users, items).
absl::StatusOr<Ratings> Generate(const SyntheticSpec& spec);

// Splits `data` at random into (train, test): each entry goes to test with
// probability `test_fraction`, decided by `seed` alone. Both halves keep
// `data`'s order and id maps.
std::pair<Ratings, Ratings> SplitHoldout(const Ratings& data, double test_fraction, uint64_t seed);

}  // namespace hogmf
