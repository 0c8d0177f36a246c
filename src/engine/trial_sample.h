// The ratings the params' trials train and score on. A large set is tried on
// a sample of its users: every rating of a seeded share of the users, with
// users and items renumbered densely, so that each trial costs a fraction of
// an epoch over the whole set and allocates rows for the sample only.
//
// What carries over from the sample to the whole set:
//  - Users keep their whole histories, so the user side sees the same
//    ratings per row as in the whole set. Items keep only the share's part of
//    theirs, and under per-update L2 (each step decays the rows it touches) a
//    row with fewer ratings wants a larger weight, so the tied weight the walk
//    picks on the sample runs high. The trials therefore divide the item
//    side's weights by sqrt(share), the midpoint (on the log scale) between
//    no correction and the item side's full 1/share; on two generated shapes
//    this picked the whole set's weight or its finer-ladder neighbour
//    (docs/performance.md, "The params' trials on a sample of the users").
//  - The epoch count does not: items get a share of their updates per epoch,
//    and the sample's count ran 2 to 3 times the whole set's. So the final run
//    early-stops instead, on the validation set or on the sample's held-out
//    ratings, which it then leaves out of its training (about
//    share x holdout of the ratings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf::engine {

// Sets of fewer than 2 * kTrialSampleMin ratings are tried whole; larger ones
// on about max(kTrialSampleMin, ratings / kTrialSampleDivisor) of them.
inline constexpr size_t kTrialSampleMin = size_t{1} << 21;
inline constexpr size_t kTrialSampleDivisor = 8;

// A sampled trial's patience (kTrialPatience otherwise): only its best score
// is used, not its epoch count (the final run early-stops), and its held-out
// score is a smooth curve (thousands of ratings at least), so two epochs
// without a gain end it.
inline constexpr int kSampledTrialPatience = 2;

// The share of users a set of `num_ratings` ratings is tried on; 1: whole.
double TrialUserShare(size_t num_ratings);

// The factor the trials divide the item side's L2 weights by (see above).
double TrialItemWeightDivisor(double user_share);

// Which ratings the sample holds and holds out: a pure function of a rating's
// user and position in the training array, so that the final run can leave
// the same held-out ratings out of its training without keeping the sample.
struct TrialSampler {
  double user_share = 1.0;  // users whose seeded hash falls below this are in
  double holdout = 0.0;     // of their ratings, those whose seeded hash falls below this are out
  uint64_t seed = 0;

  bool HasUser(uint32_t user) const;
  // Whether the rating at `position` (of a sampled user) is held out.
  bool HoldsOut(size_t position) const;
};

// The sampler of `params`' trials over a set tried on `user_share` of its
// users: its seed from params.seed, holding out params.holdout of the sampled
// ratings when `holds_out` (no validation set given).
TrialSampler SamplerFor(double user_share, const TrainParams& params, bool holds_out);

struct TrialSample {
  // The sampled ratings in the sample's index space (identity maps over the
  // sampled users and items, numbered in the order of their train indices):
  // those the trials train on and those held out to score them.
  Ratings fit;
  Ratings held;
  // A train index's sample index, or kUnknownIndex when not sampled.
  std::vector<uint32_t> user_index;
  std::vector<uint32_t> item_index;
};

// Every rating of the sampler's users among `entries` (in an index space of
// num_users x num_items), split by sampler.HoldsOut, each part in the order
// of `entries`.
TrialSample SampleUsers(std::span<const Rating> entries, uint32_t num_users, uint32_t num_items,
                        const TrialSampler& sampler);

// `ratings` (in the index space `sample` was drawn from; kUnknownIndex
// allowed) in the sample's index space, without those whose user or item
// the sample lacks.
std::vector<Rating> ToSampleIndices(const TrialSample& sample, std::span<const Rating> ratings);

// Moves the ratings of `working` that `sampler` holds out (in their order)
// to the result, keeping the others in their order in `working`; in place,
// without a second copy of the array.
std::vector<Rating> TakeHeldOut(std::vector<Rating>& working, const TrialSampler& sampler);

}  // namespace hogmf::engine
