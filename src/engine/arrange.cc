// DistributeInPlace: count, then cycle every rating into its bucket's next slot.
#include "engine/arrange.h"

#include "util/check.h"

namespace hogmf::engine {

std::vector<size_t> DistributeInPlace(std::span<Rating> ratings, size_t num_buckets,
                                      const std::function<uint32_t(const Rating&)>& bucket_of) {
  std::vector<size_t> bounds(num_buckets + 1, 0);
  for (const Rating& r : ratings) {
    const uint32_t bucket = bucket_of(r);
    HOGMF_CHECK(bucket < num_buckets);
    ++bounds[bucket + 1];
  }
  for (size_t b = 0; b < num_buckets; ++b) bounds[b + 1] += bounds[b];
  std::vector<size_t> next(bounds.begin(), bounds.end() - 1);
  for (size_t b = 0; b < num_buckets; ++b) {
    while (next[b] < bounds[b + 1]) {
      Rating r = ratings[next[b]];
      uint32_t home = bucket_of(r);
      // Follow the cycle until a rating that belongs at next[b] arrives.
      while (home != b) {
        std::swap(r, ratings[next[home]++]);
        home = bucket_of(r);
      }
      ratings[next[b]++] = r;
    }
  }
  return bounds;
}

}  // namespace hogmf::engine
