// Drawing the trials' sample of users (trial_sample.h).
#include "engine/trial_sample.h"

#include <algorithm>
#include <cmath>

#include "util/random.h"

namespace hogmf::engine {
namespace {

// Separate the sample's draws from every other use of the seed, and the
// users' draws from the positions'.
constexpr uint64_t kSampleSeedSalt = 0x5A3B1E0F05E25ull;
constexpr uint64_t kPositionSalt = 0xC0FFEE5A3B1Eull;

// 53 bits of a seeded hash of `key`, below `share` * 2^53 with probability
// share.
bool Below(uint64_t seed, uint64_t key, double share) {
  if (share >= 1.0) return true;
  if (share <= 0.0) return false;
  uint64_t state = seed ^ (key * 0x9E3779B97F4A7C15ull);
  return (internal::SplitMix64(state) >> 11) < static_cast<uint64_t>(share * 0x1.0p53);
}

// Numbers the marked indices 0, 1, ... in index order; the others get
// kUnknownIndex. Returns how many were marked.
uint32_t NumberMarked(std::vector<uint32_t>& index) {
  uint32_t next = 0;
  for (uint32_t& slot : index) slot = slot != 0 ? next++ : kUnknownIndex;
  return next;
}

}  // namespace

double TrialUserShare(size_t num_ratings) {
  if (num_ratings < 2 * kTrialSampleMin) return 1.0;
  const size_t wanted = std::max(kTrialSampleMin, num_ratings / kTrialSampleDivisor);
  return std::min(1.0, static_cast<double>(wanted) / static_cast<double>(num_ratings));
}

double TrialItemWeightDivisor(double user_share) {
  return user_share < 1.0 ? std::sqrt(user_share) : 1.0;
}

TrialSampler SamplerFor(double user_share, const TrainParams& params, bool holds_out) {
  TrialSampler sampler;
  sampler.user_share = user_share;
  sampler.holdout = holds_out ? params.holdout : 0.0;
  sampler.seed = params.seed ^ kSampleSeedSalt;
  return sampler;
}

bool TrialSampler::HasUser(uint32_t user) const { return Below(seed, user, user_share); }

bool TrialSampler::HoldsOut(size_t position) const {
  return holdout > 0.0 && Below(seed ^ kPositionSalt, position, holdout);
}

TrialSample SampleUsers(std::span<const Rating> entries, uint32_t num_users, uint32_t num_items,
                        const TrialSampler& sampler) {
  TrialSample sample;
  sample.user_index.assign(num_users, 0);
  for (uint32_t u = 0; u < num_users; ++u) sample.user_index[u] = sampler.HasUser(u) ? 1 : 0;
  sample.item_index.assign(num_items, 0);
  // Counted exactly, so that neither array grows (a grown array is resident
  // twice for a moment, beside the whole set).
  size_t kept = 0;
  size_t held_out = 0;
  for (size_t j = 0; j < entries.size(); ++j) {
    const Rating& r = entries[j];
    if (sample.user_index[r.user] != 0) {
      sample.item_index[r.item] = 1;
      ++kept;
      if (sampler.HoldsOut(j)) ++held_out;
    }
  }
  const uint32_t sampled_users = NumberMarked(sample.user_index);
  const uint32_t sampled_items = NumberMarked(sample.item_index);
  std::vector<Rating> fit, held;
  fit.reserve(kept - held_out);
  held.reserve(held_out);
  for (size_t j = 0; j < entries.size(); ++j) {
    const Rating& r = entries[j];
    const uint32_t user = sample.user_index[r.user];
    if (user == kUnknownIndex) continue;
    (sampler.HoldsOut(j) ? held : fit).push_back({user, sample.item_index[r.item], r.value});
  }
  sample.fit =
      Ratings(std::move(fit), IdMap::Identity(sampled_users), IdMap::Identity(sampled_items));
  sample.held =
      Ratings(std::move(held), IdMap::Identity(sampled_users), IdMap::Identity(sampled_items));
  return sample;
}

std::vector<Rating> ToSampleIndices(const TrialSample& sample, std::span<const Rating> ratings) {
  const auto lookup = [](const std::vector<uint32_t>& index, uint32_t i) {
    return i < index.size() ? index[i] : kUnknownIndex;
  };
  std::vector<Rating> mapped;
  for (const Rating& r : ratings) {
    const uint32_t user = lookup(sample.user_index, r.user);
    const uint32_t item = lookup(sample.item_index, r.item);
    if (user != kUnknownIndex && item != kUnknownIndex) mapped.push_back({user, item, r.value});
  }
  return mapped;
}

std::vector<Rating> TakeHeldOut(std::vector<Rating>& working, const TrialSampler& sampler) {
  std::vector<Rating> held;
  size_t kept = 0;
  for (size_t j = 0; j < working.size(); ++j) {
    const Rating r = working[j];
    if (sampler.HasUser(r.user) && sampler.HoldsOut(j)) {
      held.push_back(r);
    } else {
      working[kept++] = r;
    }
  }
  working.resize(kept);
  return held;
}

}  // namespace hogmf::engine
