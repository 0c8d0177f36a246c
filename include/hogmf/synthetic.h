// Synthetic ratings: data sets hogmf generates itself for tests, demos and
// benchmarks, shaped like real ones (skewed user activity and item popularity,
// user and item biases on a rating scale, implicit positives) or planted with a
// known answer (a low-rank matrix plus Gaussian noise, whose best achievable
// RMSE is the noise level).
//
//   hogmf::SyntheticSpec spec;
//   spec.shape = hogmf::Shape::kLowRank;
//   spec.noise = 0.5;
//   absl::StatusOr<hogmf::Ratings> data = hogmf::Generate(spec);
//   auto [train, test] = hogmf::SplitHoldout(*data, 0.1, /*seed=*/7);
//
//   absl::StatusOr<hogmf::SyntheticSpec> netflix = hogmf::SyntheticPreset("netflix-like");
//   netflix->ratings = 25'000'000;  // Netflix's users and items, a quarter of its ratings
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/ratings.h"

namespace hogmf {

enum class Shape {
  kMl100k,     // 943 users, 1,682 items, 100,000 ratings in 1..5
  kMl10m,      // 69,878 users, 10,677 items, 10,000,054 ratings in 0.5..5 by halves
  kNetflix,    // 480,189 users, 17,770 items, 100,480,507 ratings in 1..5
               // (these three follow one fixed recipe)
  kLowRank,    // rank-r factors plus N(0, noise^2); real-valued, no clamping.
               // Factor coordinates have variance 1/sqrt(r), so p.q has variance 1
               // and the values 1 + noise^2; the best achievable RMSE is noise.
  kRealistic,  // explicit ratings from the spec's recipe: global mean + user bias
               // + item bias + rank-r taste + noise, rounded to the scale's step
               // and clamped; log-normal user activity and item popularity.
               // Default sizes those of MovieLens 1M: 6,040 x 3,706, 1,000,209.
  kImplicit,   // implicit positives (value 1): each user's items drawn, without
               // replacement, from a mixture of `rank` latent topics (below).
               // Default sizes 20,000 users x 10,000 items, 1,000,000 pairs.
};

// "ml100k", "ml10m", "netflix", "lowrank", "realistic", "implicit".
std::string_view ShapeName(Shape shape);
// The shape named `name` (one of ShapeName's names); kInvalidArgument for any
// other name.
absl::StatusOr<Shape> ParseShape(std::string_view name);

// The values a kRealistic rating may take: min, min + step, ..., max (step > 0;
// max - min a whole number of steps), or any value in [min, max] (step 0).
struct RatingScale {
  double min = 1.0;
  double max = 5.0;
  double step = 1.0;
};

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
  /// rank + 2 ratings) and sd of the Gaussian noise. kRealistic: rank of the
  /// latent taste and sd of the residual noise (MovieLens and Netflix: ~0.8
  /// before rounding, ~0.85-0.9 after). kImplicit: number of latent topics
  /// (at most 2^24 / items); noise unused. The fixed-recipe shapes ignore both,
  /// but refuse invalid values (rank outside [1, 1024], negative or
  /// non-finite noise) like the others do.
  int rank = 10;
  double noise = 0.5;

  // The recipe of kRealistic and kImplicit; the other shapes ignore these
  // fields (but refuse invalid values). Defaults are MovieLens-like; the
  // presets (SyntheticPreset) set them for other kinds of data.

  /// kRealistic: the global mean before rounding and clamping (MovieLens
  /// ~3.5-3.6, Netflix ~3.6, Book-Crossing ~7.6 on 1..10, Jester ~0.9 on
  /// -10..10); clamping at the top of a scale pulls the generated mean down a
  /// little (movielens-like: 3.61 gives 3.57).
  double global_mean = 3.58;
  /// kRealistic: sd of the Gaussian user and item biases (MovieLens and
  /// Netflix: users ~0.4-0.5, items ~0.5-0.6 on 1..5).
  double user_bias_sd = 0.45;
  double item_bias_sd = 0.55;
  /// kRealistic: sd of the taste term p_u.q_i (rank-r Gaussian factors; ~0.4-0.5
  /// on 1..5). At most 5. kImplicit: sd of the log topic weights of a user and of the log
  /// affinities of a topic for its items; 0 draws every user's items by
  /// popularity alone, ~2.5 over 8 topics gives clearly personal lists.
  double taste_sd = 0.45;
  /// kRealistic: where values are rounded and clamped.
  RatingScale scale;
  /// kRealistic, kImplicit: sd of the log of the user activity and item
  /// popularity weights (0: uniform). The most active 1% of rows then hold
  /// about Phi(sd - 2.33) of the ratings before the caps: 0.5 -> 3%, 1 -> 9%,
  /// 1.5 -> 20%, 2 -> 37% (MovieLens ~1-1.5, Netflix ~1.5-2). At most 5.
  double user_skew = 1.0;
  double item_skew = 1.4;
  /// kRealistic, kImplicit: every user gets at least this many ratings
  /// (MovieLens: 20); users x this may not exceed the ratings.
  uint32_t min_user_ratings = 0;
};

// A named spec: the plain shape names (ShapeName) with every other field at
// its default, or one of the presets of SyntheticPresetNames, which set sizes
// and recipe after a real data set (statistics approximate, from the public
// sets):
//   movielens-like      kRealistic, MovieLens 1M sizes, 1..5 by 1
//   movielens-10m-like  kRealistic, MovieLens 10M sizes, 0.5..5 by 0.5
//   netflix-like        kRealistic, Netflix prize sizes, 1..5 by 1
//   jester-like         kRealistic, 50,000 x 100 jokes, 40% dense, -10..10 continuous
//   book-like           kRealistic, Book-Crossing sizes, 1..10 by 1, sparse, noisy
//   implicit-like       kImplicit, 20,000 x 10,000, 1,000,000 positives
// The caller may then change any field (seed, ratings, ...). kInvalidArgument
// for an unknown name, with the list of known ones.
absl::StatusOr<SyntheticSpec> SyntheticPreset(std::string_view name);
// The preset names, in the order above (plain shape names not included).
std::vector<std::string_view> SyntheticPresetNames();

// Generates the ratings with identity id maps (indices are the ids).
// Pairs are distinct; entries are grouped by user in increasing index, items in
// random order within a user. The same spec gives the same ratings on any
// platform and thread count. The only error is kInvalidArgument, for a spec
// that is invalid or impossible: a `shape` outside the enum, `rank` outside
// [1, 1024], a negative or non-finite `noise`, more ratings than half of
// users x items; for kLowRank also fewer than rank + 2 users or items, or
// fewer ratings than (rank + 2) x max(users, items); a non-finite mean, a
// negative or non-finite bias sd, a taste_sd or skew outside [0, 5], a scale
// whose max is not above its min or not a whole number of steps away, more
// min_user_ratings than the ratings or 90% of the items allow; for kImplicit
// more than 2^24 topic x item weights.
absl::StatusOr<Ratings> Generate(const SyntheticSpec& spec);

// Splits `data` at random into (train, test): each entry goes to test with
// probability `test_fraction`, decided by `seed` alone. Both halves keep
// `data`'s order and id maps. On kImplicit data the test half is the held-out
// positives.
std::pair<Ratings, Ratings> SplitHoldout(const Ratings& data, double test_fraction, uint64_t seed);

}  // namespace hogmf
