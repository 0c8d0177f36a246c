// Arranging the working array of ratings in place, without a second copy:
// a seeded shuffle, and a distribution of the ratings into buckets (the one
// pass of an in-place radix sort) that the shuffler and the block grid use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "hogmf/ratings.h"
#include "util/random.h"

namespace hogmf::engine {

template <typename T>
void FisherYates(std::span<T> values, Rng& rng) {
  for (size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[rng.Below(i)]);
}

// Reorders `ratings` so that the ratings of bucket 0 come first, then those of
// bucket 1, and so on; bucket_of(r) < num_buckets. Returns the num_buckets + 1
// bucket boundaries. Deterministic; not stable.
std::vector<size_t> DistributeInPlace(std::span<Rating> ratings, size_t num_buckets,
                                      const std::function<uint32_t(const Rating&)>& bucket_of);

}  // namespace hogmf::engine
