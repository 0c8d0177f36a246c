// Synthetic data sets (hogmf/synthetic.h): skewed shapes modelled on MovieLens
// and Netflix, a planted low-rank matrix plus Gaussian noise, explicit ratings
// and implicit positives from a recipe with named presets, and a random
// train/test split.
//
// Generation has two phases. A serial set-up draws, each from its own random
// stream, the number of ratings of every user and the parameters of every item.
// Then each user is generated on its own, from a stream of its own, into its
// own slice of the output; users run in parallel, and the output depends only on
// the spec, never on the thread count. The output is grouped by user in
// increasing index; within a user the items are in random order.
//
// Portability: all randomness comes from Rng (util/random.h). Products that feed a sum
// are either exact (float factors multiplied in double) or go through explicit
// std::fma, so the result does not depend on whether the compiler fuses
// multiply-adds.
#include "hogmf/synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "util/check.h"
#include "util/dot.h"
#include "util/parallel.h"
#include "util/random.h"

namespace hogmf {

using ::hogmf::internal::Dot;
using ::hogmf::internal::FisherYates;
using ::hogmf::internal::Rng;

namespace {

// ---------------------------------------------------------------------------
// Sizes and recipe constants.

struct ShapeSize {
  uint32_t users;
  uint32_t items;
  uint64_t ratings;
};

ShapeSize DefaultSize(Shape shape) {
  switch (shape) {
    case Shape::kMl100k:
      return {943, 1'682, 100'000};
    case Shape::kMl10m:
      return {69'878, 10'677, 10'000'054};
    case Shape::kNetflix:
      return {480'189, 17'770, 100'480'507};
    case Shape::kLowRank:
      return {2'000, 1'000, 600'000};
    case Shape::kRealistic:
      return {6'040, 3'706, 1'000'209};
    case Shape::kImplicit:
      return {20'000, 10'000, 1'000'000};
  }
  return {0, 0, 0};
}

// At most this fraction of all user x item pairs may be rated.
constexpr double kMaxDensity = 0.5;
// A skewed-shape user rates at most this fraction of the items.
constexpr double kUserCapFraction = 0.9;
// Largest accepted spec.rank (bounds the memory of the item factors).
constexpr int kMaxRank = 1024;
// kImplicit: at most this many topic x item weights (each topic keeps its
// weights and an alias table: 12 bytes a weight).
constexpr uint64_t kMaxTopicWeights = uint64_t{1} << 24;
// kImplicit: a light user draws by rejection until it has spent this many
// draws per item it needs, plus the base, then finishes with exponential keys.
constexpr uint64_t kRejectionBudgetPerItem = 8;
constexpr uint64_t kRejectionBudgetBase = 256;
// Largest accepted taste_sd, user_skew and item_skew (sds of log weights).
constexpr double kMaxLogSd = 5.0;

// Skewed recipe: activity weight 1 / (rank + offset), over randomly permuted ranks.
constexpr double kUserRankOffset = 1000.0;
constexpr double kItemRankOffset = 100.0;
// Rating = clamp(round(mean + b_u + b_i + p_u.q_i + eps)).
constexpr double kGlobalMean = 3.65;
constexpr double kBiasSd = 0.45;
constexpr int kHiddenRank = 10;
constexpr double kInteractionSd = 0.7;  // sd of p_u.q_i
constexpr double kRatingNoiseSd = 0.7;

// Random streams of one seed, one per purpose; users take kUserStreamBase + u.
enum : uint64_t {
  kCountStream = 1,
  kUserOrderStream = 2,
  kItemOrderStream = 3,
  kItemParamStream = 4,
  kLayoutStream = 5,
  kUserStreamBase = uint64_t{1} << 32,
};

// ---------------------------------------------------------------------------
// Random helpers.

// A random permutation of [0, n).
std::vector<uint32_t> RandomPermutation(uint32_t n, Rng& rng) {
  std::vector<uint32_t> perm(n);
  for (uint32_t i = 0; i < n; ++i) perm[i] = i;
  FisherYates(std::span<uint32_t>(perm), rng);
  return perm;
}

// A draw whose distribution is close to Poisson(mean): exact (Knuth's product
// of uniforms) below 30, the rounded normal approximation above.
uint64_t PoissonLike(double mean, Rng& rng) {
  if (!(mean > 0.0)) return 0;
  if (mean < 30.0) {
    const double limit = std::exp(-mean);
    uint64_t k = 0;
    double product = rng.UniformDouble();
    while (product > limit) {
      ++k;
      product *= rng.UniformDouble();
    }
    return k;
  }
  const double x = std::round(std::fma(std::sqrt(mean), rng.Normal(), mean));
  return x <= 0.0 ? 0 : static_cast<uint64_t>(x);
}

// Adds `total` units to `count`, shared in proportion to `weight` among the
// entries below their `cap`, by systematic rounding (each entry gets the floor
// or the ceiling of its share; the shares add up exactly). What a cap cuts off
// is shared again among the rest. Requires total <= sum(cap - count).
void Allocate(uint64_t total, std::span<const double> weight, std::span<const uint64_t> cap,
              std::span<uint64_t> count, Rng& rng) {
  const size_t n = count.size();
  while (total > 0) {
    double sum = 0.0;
    size_t last = n;
    for (size_t i = 0; i < n; ++i) {
      if (count[i] < cap[i] && weight[i] > 0.0) {
        sum += weight[i];
        last = i;
      }
    }
    // Entries with room but no weight only take what the weighted ones cannot.
    const bool uniform = last == n;
    if (uniform) {
      for (size_t i = 0; i < n; ++i) {
        if (count[i] < cap[i]) {
          sum += 1.0;
          last = i;
        }
      }
    }
    HOGMF_CHECK(last < n);
    const double offset = rng.UniformDouble();
    const double units = static_cast<double>(total);
    double cumulative = 0.0;
    uint64_t given = 0;  // floor(units * cumulative / sum + offset) so far
    uint64_t left_over = 0;
    for (size_t i = 0; i <= last; ++i) {
      if (count[i] >= cap[i]) continue;
      const double w = uniform ? 1.0 : weight[i];
      if (!(w > 0.0)) continue;
      cumulative += w;
      const uint64_t upto =
          i == last ? total
                    : std::min<uint64_t>(total, static_cast<uint64_t>(std::floor(
                                                    std::fma(units, cumulative / sum, offset))));
      const uint64_t share = upto > given ? upto - given : 0;
      given += share;
      const uint64_t room = cap[i] - count[i];
      const uint64_t granted = std::min(share, room);
      count[i] += granted;
      left_over += share - granted;
    }
    total = left_over;
  }
}

// Draws from a discrete distribution in O(1) (Vose's alias method).
class AliasTable {
 public:
  explicit AliasTable(std::span<const double> weights) : slots_(weights.size()) {
    const uint32_t n = static_cast<uint32_t>(weights.size());
    double sum = 0.0;
    for (double w : weights) sum += w;
    std::vector<double> scaled(n);
    const double scale = static_cast<double>(n) / sum;
    std::vector<uint32_t> small, large;
    for (uint32_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * scale;
      (scaled[i] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back();
      small.pop_back();
      const uint32_t l = large.back();
      slots_[s] = Slot{Threshold(scaled[s]), l};
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // What remains has probability 1 up to rounding: the slot keeps its own index.
    for (uint32_t i : small) slots_[i] = Slot{0xFFFFFFFFu, i};
    for (uint32_t i : large) slots_[i] = Slot{0xFFFFFFFFu, i};
  }

  uint32_t size() const { return static_cast<uint32_t>(slots_.size()); }

  uint32_t Draw(Rng& rng) const {
    // The high half of the product picks the slot, the low half is the coin.
    const unsigned __int128 product = static_cast<unsigned __int128>(rng.Next()) * slots_.size();
    const Slot& slot = slots_[static_cast<uint64_t>(product >> 64)];
    const uint32_t coin = static_cast<uint32_t>(static_cast<uint64_t>(product) >> 32);
    return coin < slot.threshold ? static_cast<uint32_t>(product >> 64) : slot.alias;
  }

 private:
  struct Slot {
    uint32_t threshold = 0xFFFFFFFFu;  // keep the slot when coin < threshold
    uint32_t alias = 0;
  };
  static uint32_t Threshold(double probability) {
    if (!(probability > 0.0)) return 0;
    const double t = probability * 0x1.0p32;
    return t >= 0x1.0p32 - 1.0 ? 0xFFFFFFFFu : static_cast<uint32_t>(t);
  }

  std::vector<Slot> slots_;
};

// Per-worker scratch for drawing a user's items.
class ItemScratch {
 public:
  explicit ItemScratch(uint32_t items) : items_(items), taken_((items + 63) / 64, 0) {}

  bool Taken(uint32_t item) const { return (taken_[item >> 6] >> (item & 63)) & 1; }
  void Take(uint32_t item) { taken_[item >> 6] |= uint64_t{1} << (item & 63); }
  void Release(uint32_t item) { taken_[item >> 6] &= ~(uint64_t{1} << (item & 63)); }

  std::vector<double>& keys() {
    if (keys_.size() != items_) keys_.resize(items_);
    return keys_;
  }
  std::vector<double>& sorted() {
    if (sorted_.size() != items_) sorted_.resize(items_);
    return sorted_;
  }
  std::vector<double>& weights() {
    if (weights_.size() != items_) weights_.resize(items_);
    return weights_;
  }

 private:
  uint32_t items_;
  std::vector<uint64_t> taken_;
  std::vector<double> keys_;
  std::vector<double> sorted_;
  std::vector<double> weights_;
};

// The items of a skewed shape are drawn in proportion to their weights.
struct ItemSampler {
  const AliasTable* alias;
  std::span<const double> weight;
};

// Appends `n` distinct items, none already taken in `scratch`, to out[0, n),
// marking them taken: a weighted sample without replacement by exponential
// keys. Item i gets E_i / w_i with E_i ~ Exp(1); the n smallest keys win.
// Cost O(items).
void DrawByKeys(std::span<const double> weight, uint64_t n, Rng& rng, ItemScratch& scratch,
                Rating* out) {
  const uint32_t items = static_cast<uint32_t>(weight.size());
  std::vector<double>& keys = scratch.keys();
  std::vector<double>& sorted = scratch.sorted();
  for (uint32_t i = 0; i < items; ++i) {
    const double u = (static_cast<double>(rng.Next() >> 11) + 0.5) * 0x1.0p-53;  // in (0, 1)
    keys[i] = scratch.Taken(i) ? std::numeric_limits<double>::infinity() : -std::log(u) / weight[i];
  }
  std::copy(keys.begin(), keys.end(), sorted.begin());
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(n - 1), sorted.end());
  const double kth = sorted[n - 1];
  // Scan in item order so that ties resolve the same way everywhere.
  uint64_t k = 0;
  for (uint32_t i = 0; i < items && k < n; ++i) {
    if (keys[i] < kth) out[k++].item = i;
  }
  for (uint32_t i = 0; i < items && k < n; ++i) {
    if (keys[i] == kth && !scratch.Taken(i)) out[k++].item = i;
  }
  HOGMF_CHECK(k == n);
  for (uint64_t j = 0; j < n; ++j) scratch.Take(out[j].item);
}

// Appends `n` distinct items, none already taken in `scratch`, to out[0, n),
// marking them taken. Each is drawn with probability proportional to its
// weight among the items not yet taken (sampling without replacement).
// `already` is the number of items the user holds before the call.
void DrawItems(const ItemSampler& sampler, uint64_t n, uint64_t already, Rng& rng,
               ItemScratch& scratch, Rating* out) {
  if (n == 0) return;
  const uint32_t items = sampler.alias->size();
  if (2 * (already + n) <= items) {
    // Light user: rejection against the bitmap stays cheap while at most half
    // the items are taken.
    for (uint64_t k = 0; k < n;) {
      const uint32_t item = sampler.alias->Draw(rng);
      if (scratch.Taken(item)) continue;
      scratch.Take(item);
      out[k++].item = item;
    }
    return;
  }
  // Heavy user.
  DrawByKeys(sampler.weight, n, rng, scratch, out);
}

float NormalFloat(double sd, Rng& rng) { return static_cast<float>(sd * rng.Normal()); }

// Exclusive prefix sums of `count`: where each user's slice starts.
std::vector<uint64_t> Offsets(std::span<const uint64_t> count) {
  std::vector<uint64_t> offset(count.size() + 1, 0);
  for (size_t u = 0; u < count.size(); ++u) offset[u + 1] = offset[u] + count[u];
  return offset;
}

// Ratings per user: Poisson-like around the user's share of `ratings`, kept in
// [floor, cap], then corrected to the exact total (a shortfall goes out by
// weight, an excess comes back in proportion to the counts above the floor).
// Requires floor <= cap and users x floor <= ratings <= users x cap.
std::vector<uint64_t> UserCounts(std::span<const double> user_weight, uint64_t ratings,
                                 uint64_t cap_value, uint64_t floor, Rng& rng) {
  const size_t users = user_weight.size();
  std::vector<uint64_t> count(users, 0);
  const std::vector<uint64_t> cap(users, cap_value);
  double weight_sum = 0.0;
  for (double w : user_weight) weight_sum += w;
  const double per_weight = static_cast<double>(ratings) / weight_sum;
  uint64_t drawn = 0;
  for (size_t u = 0; u < users; ++u) {
    count[u] = std::clamp(PoissonLike(user_weight[u] * per_weight, rng), floor, cap_value);
    drawn += count[u];
  }
  if (drawn < ratings) {
    Allocate(ratings - drawn, user_weight, cap, count, rng);
  } else if (drawn > ratings) {
    std::vector<uint64_t> above(users);
    std::vector<double> held(users);
    for (size_t u = 0; u < users; ++u) {
      above[u] = count[u] - floor;
      held[u] = static_cast<double>(above[u]);
    }
    std::vector<uint64_t> removed(users, 0);
    Allocate(drawn - ratings, held, above, removed, rng);
    for (size_t u = 0; u < users; ++u) count[u] -= removed[u];
  }
  return count;
}

// The most ratings one user may have: 90% of the items (at least one).
uint64_t UserCap(uint32_t items) {
  return std::max<uint64_t>(1, static_cast<uint64_t>(kUserCapFraction * items));
}

// Runs body(user, scratch) for every user in parallel.
template <typename Body>
void ForEachUser(uint32_t users, uint32_t items, const Body& body) {
  internal::ParallelFor(users, internal::Schedule::Auto(256), [&](size_t begin, size_t end) {
    ItemScratch scratch(items);
    for (size_t u = begin; u != end; ++u) body(static_cast<uint32_t>(u), scratch);
  });
}

// ---------------------------------------------------------------------------
// Skewed shapes.

std::vector<Rating> GenerateSkewed(Shape shape, uint32_t users, uint32_t items, uint64_t ratings,
                                   uint64_t seed) {
  // Activity and popularity weights over randomly permuted ranks.
  std::vector<double> user_weight(users);
  {
    Rng rng(seed, kUserOrderStream);
    const std::vector<uint32_t> rank = RandomPermutation(users, rng);
    for (uint32_t u = 0; u < users; ++u) user_weight[u] = 1.0 / (rank[u] + kUserRankOffset);
  }
  std::vector<double> item_weight(items);
  {
    Rng rng(seed, kItemOrderStream);
    const std::vector<uint32_t> rank = RandomPermutation(items, rng);
    for (uint32_t i = 0; i < items; ++i) item_weight[i] = 1.0 / (rank[i] + kItemRankOffset);
  }

  // Ratings per user.
  Rng count_rng(seed, kCountStream);
  const std::vector<uint64_t> count =
      UserCounts(user_weight, ratings, UserCap(items), /*floor=*/0, count_rng);

  // Item biases and factors.
  const double factor_sd = std::pow(kInteractionSd * kInteractionSd / kHiddenRank, 0.25);
  std::vector<float> item_bias(items);
  std::vector<float> item_factor(static_cast<size_t>(items) * kHiddenRank);
  {
    Rng rng(seed, kItemParamStream);
    for (uint32_t i = 0; i < items; ++i) {
      item_bias[i] = NormalFloat(kBiasSd, rng);
      for (int k = 0; k < kHiddenRank; ++k) {
        item_factor[static_cast<size_t>(i) * kHiddenRank + k] = NormalFloat(factor_sd, rng);
      }
    }
  }

  const AliasTable alias(item_weight);
  const ItemSampler sampler{&alias, item_weight};
  const std::vector<uint64_t> offset = Offsets(count);
  std::vector<Rating> out(ratings);
  const bool halves = shape == Shape::kMl10m;
  const double low = halves ? 0.5 : 1.0;

  ForEachUser(users, items, [&](uint32_t u, ItemScratch& scratch) {
    const uint64_t n = count[u];
    if (n == 0) return;
    Rng rng(seed, kUserStreamBase + u);
    const float user_bias = NormalFloat(kBiasSd, rng);
    float user_factor[kHiddenRank];
    for (float& f : user_factor) f = NormalFloat(factor_sd, rng);

    Rating* slice = out.data() + offset[u];
    DrawItems(sampler, n, 0, rng, scratch, slice);
    FisherYates(std::span<Rating>(slice, n), rng);
    for (uint64_t k = 0; k < n; ++k) {
      Rating& r = slice[k];
      scratch.Release(r.item);
      r.user = u;
      const double x =
          kGlobalMean + user_bias + item_bias[r.item] +
          Dot<double>(user_factor, &item_factor[static_cast<size_t>(r.item) * kHiddenRank],
                      kHiddenRank) +
          NormalFloat(kRatingNoiseSd, rng);
      const double rounded = halves ? std::round(2.0 * x) * 0.5 : std::round(x);
      r.value = static_cast<float>(std::clamp(rounded, low, 5.0));
    }
  });
  return out;
}

// ---------------------------------------------------------------------------
// Low-rank shape.

// Pairs that give every user and every item at least `m` ratings, m * max(users,
// items) in all: with rows the larger side, row r (at a random position p) takes
// the m columns at positions p*m .. p*m+m-1 (mod cols) of a random column order.
// The rows' blocks tile the column cycle rows*m/cols >= m times.
// Returned as CSR by user: base_item[base_begin[u] .. base_begin[u+1]).
void LowRankLayout(uint32_t users, uint32_t items, uint32_t m, uint64_t seed,
                   std::vector<uint64_t>& base_begin, std::vector<uint32_t>& base_item) {
  Rng rng(seed, kLayoutStream);
  const std::vector<uint32_t> user_order = RandomPermutation(users, rng);
  const std::vector<uint32_t> item_order = RandomPermutation(items, rng);
  const bool by_user = users >= items;
  const uint32_t rows = by_user ? users : items;
  const uint32_t cols = by_user ? items : users;
  const std::vector<uint32_t>& row_position = by_user ? user_order : item_order;
  const std::vector<uint32_t>& col_at = by_user ? item_order : user_order;
  auto col_of = [&](uint32_t row, uint32_t k) {
    return col_at[(static_cast<uint64_t>(row_position[row]) * m + k) % cols];
  };

  base_begin.assign(static_cast<size_t>(users) + 1, 0);
  for (uint32_t r = 0; r < rows; ++r) {
    for (uint32_t k = 0; k < m; ++k) ++base_begin[(by_user ? r : col_of(r, k)) + 1];
  }
  for (uint32_t u = 0; u < users; ++u) base_begin[u + 1] += base_begin[u];
  base_item.assign(base_begin[users], 0);
  std::vector<uint64_t> fill(base_begin.begin(), base_begin.end() - 1);
  for (uint32_t r = 0; r < rows; ++r) {
    for (uint32_t k = 0; k < m; ++k) {
      const uint32_t c = col_of(r, k);
      const uint32_t user = by_user ? r : c;
      const uint32_t item = by_user ? c : r;
      base_item[fill[user]++] = item;
    }
  }
}

std::vector<Rating> GenerateLowRank(uint32_t users, uint32_t items, uint64_t ratings, int rank,
                                    double noise, uint64_t seed) {
  const uint32_t m = static_cast<uint32_t>(rank) + 2;
  std::vector<uint64_t> base_begin;
  std::vector<uint32_t> base_item;
  LowRankLayout(users, items, m, seed, base_begin, base_item);

  // The remaining ratings go to the users in proportion to their free items,
  // so the extra pairs are spread evenly over the free ones.
  std::vector<uint64_t> count(users, 0);
  {
    std::vector<double> free_weight(users);
    std::vector<uint64_t> free_cap(users);
    for (uint32_t u = 0; u < users; ++u) {
      free_cap[u] = items - (base_begin[u + 1] - base_begin[u]);
      free_weight[u] = static_cast<double>(free_cap[u]);
    }
    Rng rng(seed, kCountStream);
    Allocate(ratings - base_item.size(), free_weight, free_cap, count, rng);
    for (uint32_t u = 0; u < users; ++u) count[u] += base_begin[u + 1] - base_begin[u];
  }

  // Factors with coordinates of variance 1/sqrt(rank), so p.q has variance 1.
  const double factor_sd = std::pow(static_cast<double>(rank), -0.25);
  std::vector<float> item_factor(static_cast<size_t>(items) * rank);
  {
    Rng rng(seed, kItemParamStream);
    for (float& f : item_factor) f = NormalFloat(factor_sd, rng);
  }

  const std::vector<double> uniform(items, 1.0);
  const AliasTable alias(uniform);
  const ItemSampler sampler{&alias, uniform};
  const std::vector<uint64_t> offset = Offsets(count);
  std::vector<Rating> out(ratings);

  ForEachUser(users, items, [&](uint32_t u, ItemScratch& scratch) {
    const uint64_t n = count[u];
    Rng rng(seed, kUserStreamBase + u);
    std::vector<float> user_factor(static_cast<size_t>(rank));
    for (float& f : user_factor) f = NormalFloat(factor_sd, rng);

    Rating* slice = out.data() + offset[u];
    const uint64_t base = base_begin[u + 1] - base_begin[u];
    for (uint64_t k = 0; k < base; ++k) {
      slice[k].item = base_item[base_begin[u] + k];
      scratch.Take(slice[k].item);
    }
    DrawItems(sampler, n - base, base, rng, scratch, slice + base);
    FisherYates(std::span<Rating>(slice, n), rng);
    for (uint64_t k = 0; k < n; ++k) {
      Rating& r = slice[k];
      scratch.Release(r.item);
      r.user = u;
      const double x =
          Dot<double>(user_factor.data(), &item_factor[static_cast<size_t>(r.item) * rank], rank) +
          NormalFloat(noise, rng);
      r.value = static_cast<float>(x);
    }
  });
  return out;
}

// ---------------------------------------------------------------------------
// Recipe shapes: kRealistic and kImplicit.

// exp(sd * z) for n standard normal z: log-normal activity or popularity.
std::vector<double> LogNormalWeights(uint32_t n, double sd, uint64_t seed, uint64_t stream) {
  std::vector<double> weight(n);
  Rng rng(seed, stream);
  for (double& w : weight) w = std::exp(sd * rng.Normal());
  return weight;
}

// The value x on `scale`: rounded to the nearest step (when the step is not 0)
// and clamped to [min, max].
float OnScale(double x, const RatingScale& scale) {
  double v = x;
  if (scale.step > 0.0)
    v = std::fma(std::round((x - scale.min) / scale.step), scale.step, scale.min);
  return static_cast<float>(std::clamp(v, scale.min, scale.max));
}

// Rating = OnScale(global_mean + b_u + b_i + p_u.q_i + noise), over items drawn
// by popularity (missing at random).
std::vector<Rating> GenerateRealistic(const SyntheticSpec& spec, uint32_t users, uint32_t items,
                                      uint64_t ratings) {
  const uint64_t seed = spec.seed;
  const std::vector<double> user_weight =
      LogNormalWeights(users, spec.user_skew, seed, kUserOrderStream);
  const std::vector<double> item_weight =
      LogNormalWeights(items, spec.item_skew, seed, kItemOrderStream);
  Rng count_rng(seed, kCountStream);
  const std::vector<uint64_t> count =
      UserCounts(user_weight, ratings, UserCap(items), spec.min_user_ratings, count_rng);

  // Coordinates of variance taste_sd / sqrt(rank), so p.q has variance taste_sd^2.
  const int rank = spec.rank;
  const double factor_sd = std::pow(spec.taste_sd * spec.taste_sd / rank, 0.25);
  std::vector<float> item_bias(items);
  std::vector<float> item_factor(static_cast<size_t>(items) * rank);
  {
    Rng rng(seed, kItemParamStream);
    for (uint32_t i = 0; i < items; ++i) {
      item_bias[i] = NormalFloat(spec.item_bias_sd, rng);
      for (int k = 0; k < rank; ++k) {
        item_factor[static_cast<size_t>(i) * rank + k] = NormalFloat(factor_sd, rng);
      }
    }
  }

  const AliasTable alias(item_weight);
  const ItemSampler sampler{&alias, item_weight};
  const std::vector<uint64_t> offset = Offsets(count);
  std::vector<Rating> out(ratings);

  ForEachUser(users, items, [&](uint32_t u, ItemScratch& scratch) {
    const uint64_t n = count[u];
    if (n == 0) return;
    Rng rng(seed, kUserStreamBase + u);
    const double user_bias = NormalFloat(spec.user_bias_sd, rng);
    std::vector<float> user_factor(static_cast<size_t>(rank));
    for (float& f : user_factor) f = NormalFloat(factor_sd, rng);

    Rating* slice = out.data() + offset[u];
    DrawItems(sampler, n, 0, rng, scratch, slice);
    FisherYates(std::span<Rating>(slice, n), rng);
    for (uint64_t k = 0; k < n; ++k) {
      Rating& r = slice[k];
      scratch.Release(r.item);
      r.user = u;
      const double x =
          spec.global_mean + user_bias + item_bias[r.item] +
          Dot<double>(user_factor.data(), &item_factor[static_cast<size_t>(r.item) * rank], rank) +
          NormalFloat(spec.noise, rng);
      r.value = OnScale(x, spec.scale);
    }
  });
  return out;
}

// kImplicit's latent model, a mixture of topics. Topic t draws item i with
// probability phi[t][i] proportional to popularity_i * exp(taste_sd * z_ti);
// user u weighs the topics by exp(taste_sd * z_ut). A user's items are a
// sample without replacement from sum_t theta_ut phi[t] (theta_u normalized),
// so P(item | user) is a rank-`topics` nonnegative matrix.
struct TopicModel {
  int topics = 0;
  std::vector<float> phi;         // topics x items, each row summing to 1
  std::vector<AliasTable> alias;  // one per topic, over its phi row
};

TopicModel MakeTopics(int topics, std::span<const double> popularity, double taste_sd,
                      uint64_t seed) {
  const uint32_t items = static_cast<uint32_t>(popularity.size());
  TopicModel model;
  model.topics = topics;
  model.phi.resize(static_cast<size_t>(topics) * items);
  model.alias.reserve(static_cast<size_t>(topics));
  std::vector<double> row(items);
  Rng rng(seed, kItemParamStream);
  for (int t = 0; t < topics; ++t) {
    double sum = 0.0;
    for (uint32_t i = 0; i < items; ++i) {
      row[i] = popularity[i] * std::exp(taste_sd * rng.Normal());
      sum += row[i];
    }
    for (uint32_t i = 0; i < items; ++i) {
      model.phi[static_cast<size_t>(t) * items + i] = static_cast<float>(row[i] / sum);
    }
    model.alias.emplace_back(row);
  }
  return model;
}

std::vector<Rating> GenerateImplicit(const SyntheticSpec& spec, uint32_t users, uint32_t items,
                                     uint64_t ratings) {
  const uint64_t seed = spec.seed;
  const std::vector<double> user_weight =
      LogNormalWeights(users, spec.user_skew, seed, kUserOrderStream);
  const std::vector<double> item_weight =
      LogNormalWeights(items, spec.item_skew, seed, kItemOrderStream);
  Rng count_rng(seed, kCountStream);
  const std::vector<uint64_t> count =
      UserCounts(user_weight, ratings, UserCap(items), spec.min_user_ratings, count_rng);
  const TopicModel model = MakeTopics(spec.rank, item_weight, spec.taste_sd, seed);
  const int topics = model.topics;
  const std::vector<uint64_t> offset = Offsets(count);
  std::vector<Rating> out(ratings);

  ForEachUser(users, items, [&](uint32_t u, ItemScratch& scratch) {
    const uint64_t n = count[u];
    if (n == 0) return;
    Rng rng(seed, kUserStreamBase + u);
    // theta as cumulative sums: topic t is drawn when a uniform on [0, total)
    // falls in [cumulative[t - 1], cumulative[t]).
    std::vector<double> theta(static_cast<size_t>(topics));
    std::vector<double> cumulative(static_cast<size_t>(topics));
    double total = 0.0;
    for (int t = 0; t < topics; ++t) {
      theta[t] = std::exp(spec.taste_sd * rng.Normal());
      total += theta[t];
      cumulative[t] = total;
    }

    Rating* slice = out.data() + offset[u];
    uint64_t k = 0;
    if (2 * n <= items) {
      // Light user: rejection against the bitmap, within a budget of draws
      // (a focused user can exhaust the few items its topics favour).
      const uint64_t budget = kRejectionBudgetPerItem * n + kRejectionBudgetBase;
      for (uint64_t tries = 0; k < n && tries < budget; ++tries) {
        const double at = rng.UniformDouble() * total;
        const size_t t = std::min<size_t>(
            static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), at) -
                                cumulative.begin()),
            static_cast<size_t>(topics - 1));
        const uint32_t item = model.alias[t].Draw(rng);
        if (scratch.Taken(item)) continue;
        scratch.Take(item);
        slice[k++].item = item;
      }
    }
    if (k < n) {
      // Heavy user, or a light one out of budget: the same distribution
      // (successive weighted draws among the items not taken) by exponential keys.
      std::vector<double>& weight = scratch.weights();
      for (uint32_t i = 0; i < items; ++i) {
        double w = 0.0;
        for (int t = 0; t < topics; ++t) {
          w = std::fma(theta[t], model.phi[static_cast<size_t>(t) * items + i], w);
        }
        weight[i] = w;
      }
      DrawByKeys(weight, n - k, rng, scratch, slice + k);
    }
    FisherYates(std::span<Rating>(slice, n), rng);
    for (uint64_t j = 0; j < n; ++j) {
      Rating& r = slice[j];
      scratch.Release(r.item);
      r.user = u;
      r.value = 1.0f;
    }
  });
  return out;
}

// ---------------------------------------------------------------------------
// Presets.

struct Preset {
  std::string_view name;
  SyntheticSpec spec;
};

// Sizes and recipes after public data sets; the moments are approximate (a
// preset's generated mean and sd land within ~0.05 of the real ones on 1..5).
// global_mean sits above the real mean: clamping at the top pulls it down.
const std::vector<Preset>& Presets() {
  static const std::vector<Preset>* const presets = new std::vector<Preset>{
      // MovieLens 1M: mean 3.58, sd 1.12; every user has 20 or more ratings.
      {"movielens-like",
       {.shape = Shape::kRealistic,
        .ratings = 1'000'209,
        .users = 6'040,
        .items = 3'706,
        .rank = 10,
        .noise = 0.85,
        .global_mean = 3.61,
        .user_bias_sd = 0.45,
        .item_bias_sd = 0.55,
        .taste_sd = 0.45,
        .scale = {1.0, 5.0, 1.0},
        .user_skew = 1.0,
        .item_skew = 1.4,
        .min_user_ratings = 20}},
      // MovieLens 10M: mean 3.51, sd 1.06, half stars.
      {"movielens-10m-like",
       {.shape = Shape::kRealistic,
        .ratings = 10'000'054,
        .users = 69'878,
        .items = 10'677,
        .rank = 10,
        .noise = 0.8,
        .global_mean = 3.58,
        .user_bias_sd = 0.45,
        .item_bias_sd = 0.55,
        .taste_sd = 0.45,
        .scale = {0.5, 5.0, 0.5},
        .user_skew = 1.1,
        .item_skew = 1.6,
        .min_user_ratings = 20}},
      // Netflix prize: mean 3.60, sd 1.085; the best models reach RMSE ~0.85.
      {"netflix-like",
       {.shape = Shape::kRealistic,
        .ratings = 100'480'507,
        .users = 480'189,
        .items = 17'770,
        .rank = 20,
        .noise = 0.8,
        .global_mean = 3.68,
        .user_bias_sd = 0.45,
        .item_bias_sd = 0.5,
        .taste_sd = 0.5,
        .scale = {1.0, 5.0, 1.0},
        .user_skew = 1.2,
        .item_skew = 1.8,
        .min_user_ratings = 1}},
      // Jester: jokes rated on a continuous -10..10, mean ~0.9, sd ~5.2, most
      // users rate most of the 100 jokes (cut here to 40% dense).
      {"jester-like",
       {.shape = Shape::kRealistic,
        .ratings = 2'000'000,
        .users = 50'000,
        .items = 100,
        .rank = 5,
        .noise = 4.3,
        .global_mean = 1.0,
        .user_bias_sd = 2.5,
        .item_bias_sd = 1.6,
        .taste_sd = 1.5,
        .scale = {-10.0, 10.0, 0.0},
        .user_skew = 0.3,
        .item_skew = 0.3,
        .min_user_ratings = 15}},
      // Book-Crossing's explicit ratings: 1..10, mean ~7.6, sd ~1.8, ~6 ratings
      // a user, most books rated once; noisy.
      {"book-like",
       {.shape = Shape::kRealistic,
        .ratings = 433'671,
        .users = 77'805,
        .items = 185'973,
        .rank = 10,
        .noise = 1.4,
        .global_mean = 7.72,
        .user_bias_sd = 1.0,
        .item_bias_sd = 0.9,
        .taste_sd = 0.6,
        .scale = {1.0, 10.0, 1.0},
        .user_skew = 1.6,
        .item_skew = 1.5,
        .min_user_ratings = 1}},
      // Implicit feedback (clicks, plays, purchases): 0.5% dense positives.
      {"implicit-like",
       {.shape = Shape::kImplicit,
        .ratings = 1'000'000,
        .users = 20'000,
        .items = 10'000,
        .rank = 8,
        .taste_sd = 2.5,
        .scale = {},
        .user_skew = 1.2,
        .item_skew = 1.5,
        .min_user_ratings = 5}},
  };
  return *presets;
}

// The checks of the recipe fields, for every shape (the ones that ignore them
// still refuse invalid values).
absl::Status ValidateRecipe(const SyntheticSpec& spec, uint32_t users, uint32_t items,
                            uint64_t ratings, const std::string& what) {
  if (!std::isfinite(spec.global_mean)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "global_mean must be finite, got ", spec.global_mean));
  }
  const std::pair<const char*, double> biases[] = {
      {"user_bias_sd", spec.user_bias_sd},
      {"item_bias_sd", spec.item_bias_sd},
  };
  for (const auto& [name, value] : biases) {
    if (!std::isfinite(value) || value < 0.0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, name, " must be a finite non-negative sd, got ", value));
    }
  }
  // These are sds of logs: exp(sd * z) for |z| up to ~38 (the largest Normal
  // draw), and products of two such weights, must stay finite.
  const std::pair<const char*, double> log_sds[] = {
      {"taste_sd", spec.taste_sd},
      {"user_skew", spec.user_skew},
      {"item_skew", spec.item_skew},
  };
  for (const auto& [name, value] : log_sds) {
    if (!std::isfinite(value) || value < 0.0 || value > kMaxLogSd) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, name, " must be in [0, ", kMaxLogSd, "], got ", value));
    }
  }
  const RatingScale& scale = spec.scale;
  if (!std::isfinite(scale.min) || !std::isfinite(scale.max) || !(scale.min < scale.max)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, "scale max must be finite and above min, got ", scale.min, "..", scale.max));
  }
  if (!std::isfinite(scale.step) || scale.step < 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "scale step must be 0 or positive, got ", scale.step));
  }
  if (scale.step > 0.0) {
    const double steps = (scale.max - scale.min) / scale.step;
    if (steps < 0.999 || std::fabs(steps - std::round(steps)) > 1e-6 * std::max(1.0, steps)) {
      return absl::InvalidArgumentError(absl::StrCat(what, "scale ", scale.min, "..", scale.max,
                                                     " is not a whole number of steps of ",
                                                     scale.step));
    }
  }
  const uint64_t floor = spec.min_user_ratings;
  if (floor > UserCap(items) || uint64_t{floor} * users > ratings) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "min_user_ratings ", floor, " does not fit: ", users, " users x ", floor,
                     " must be at most the ", ratings, " ratings, and ", floor,
                     " at most 90% of the items (", UserCap(items), ")"));
  }
  if (spec.shape == Shape::kImplicit &&
      static_cast<uint64_t>(spec.rank) * items > kMaxTopicWeights) {
    return absl::InvalidArgumentError(absl::StrCat(what, spec.rank, " topics x ", items,
                                                   " items exceed ", kMaxTopicWeights,
                                                   " topic weights; use fewer topics (rank)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kMl100k:
      return "ml100k";
    case Shape::kMl10m:
      return "ml10m";
    case Shape::kNetflix:
      return "netflix";
    case Shape::kLowRank:
      return "lowrank";
    case Shape::kRealistic:
      return "realistic";
    case Shape::kImplicit:
      return "implicit";
  }
  return "unknown";
}

absl::StatusOr<Shape> ParseShape(std::string_view name) {
  for (Shape shape : {Shape::kMl100k, Shape::kMl10m, Shape::kNetflix, Shape::kLowRank,
                      Shape::kRealistic, Shape::kImplicit}) {
    if (name == ShapeName(shape)) return shape;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown synthetic shape '", std::string(name),
                   "'; expected ml100k, ml10m, netflix, lowrank, realistic or implicit"));
}

absl::StatusOr<SyntheticSpec> SyntheticPreset(std::string_view name) {
  for (const Preset& preset : Presets()) {
    if (name == preset.name) return preset.spec;
  }
  if (absl::StatusOr<Shape> shape = ParseShape(name); shape.ok()) {
    SyntheticSpec spec;
    spec.shape = *shape;
    return spec;
  }
  std::string known = "ml100k, ml10m, netflix, lowrank, realistic, implicit";
  for (const Preset& preset : Presets()) absl::StrAppend(&known, ", ", std::string(preset.name));
  return absl::InvalidArgumentError(absl::StrCat("unknown synthetic shape or preset '",
                                                 std::string(name), "'; expected one of ", known));
}

std::vector<std::string_view> SyntheticPresetNames() {
  std::vector<std::string_view> names;
  for (const Preset& preset : Presets()) names.push_back(preset.name);
  return names;
}

absl::StatusOr<Ratings> Generate(const SyntheticSpec& spec) {
  const ShapeSize defaults = DefaultSize(spec.shape);
  if (defaults.users == 0) return absl::InvalidArgumentError("unknown synthetic shape");
  const uint32_t users = spec.users != 0 ? spec.users : defaults.users;
  const uint32_t items = spec.items != 0 ? spec.items : defaults.items;
  const uint64_t ratings = spec.ratings != 0 ? spec.ratings : defaults.ratings;
  const std::string what = absl::StrCat("synthetic ", std::string(ShapeName(spec.shape)), ": ");

  if (spec.rank < 1 || spec.rank > kMaxRank) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "rank must be in [1, ", kMaxRank, "], got ", spec.rank));
  }
  if (!std::isfinite(spec.noise) || spec.noise < 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, "noise must be a finite non-negative sd, got ", spec.noise));
  }
  if (absl::Status recipe = ValidateRecipe(spec, users, items, ratings, what); !recipe.ok()) {
    return recipe;
  }
  const unsigned __int128 pairs = static_cast<unsigned __int128>(users) * items;
  const uint64_t max_ratings = static_cast<uint64_t>(pairs / 2);  // kMaxDensity
  static_assert(kMaxDensity == 0.5);
  if (ratings > max_ratings) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ratings, " ratings do not fit ", users, " users x ", items,
                     " items: at most half the pairs (", max_ratings, ") may be rated"));
  }
  if (spec.shape == Shape::kLowRank) {
    const uint64_t m = static_cast<uint64_t>(spec.rank) + 2;
    if (m > std::min(users, items)) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "rank ", spec.rank, " needs at least rank + 2 = ", m,
                       " users and items, got ", users, " x ", items));
    }
    const uint64_t needed = m * std::max(users, items);
    if (ratings < needed) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ratings, " ratings are too few: every user and item gets rank + 2 = ", m,
          " ratings, which takes at least ", needed));
    }
    return Ratings(GenerateLowRank(users, items, ratings, spec.rank, spec.noise, spec.seed),
                   IdMap::Identity(users), IdMap::Identity(items));
  }
  std::vector<Rating> entries;
  switch (spec.shape) {
    case Shape::kRealistic:
      entries = GenerateRealistic(spec, users, items, ratings);
      break;
    case Shape::kImplicit:
      entries = GenerateImplicit(spec, users, items, ratings);
      break;
    default:
      entries = GenerateSkewed(spec.shape, users, items, ratings, spec.seed);
      break;
  }
  return Ratings(std::move(entries), IdMap::Identity(users), IdMap::Identity(items));
}

std::pair<Ratings, Ratings> SplitHoldout(const Ratings& data, double test_fraction, uint64_t seed) {
  // An entry goes to test when 53 random bits fall below fraction * 2^53.
  uint64_t threshold = 0;
  if (test_fraction >= 1.0) {
    threshold = uint64_t{1} << 53;
  } else if (test_fraction > 0.0) {
    threshold = static_cast<uint64_t>(test_fraction * 0x1.0p53);
  }
  const size_t n = data.size();
  const double expected_test = static_cast<double>(n) * std::clamp(test_fraction, 0.0, 1.0);
  const size_t slack = static_cast<size_t>(4.0 * std::sqrt(expected_test + 1.0)) + 16;
  std::vector<Rating> train, test;
  test.reserve(std::min(n, static_cast<size_t>(expected_test) + slack));
  train.reserve(std::min(n, n - std::min(n, static_cast<size_t>(expected_test)) + slack));
  Rng rng(seed, 0x5B117u);
  for (const Rating& r : data.entries()) {
    ((rng.Next() >> 11) < threshold ? test : train).push_back(r);
  }
  return {Ratings(std::move(train), data.users(), data.items()),
          Ratings(std::move(test), data.users(), data.items())};
}

}  // namespace hogmf
