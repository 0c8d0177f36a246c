// Arranging an array of ratings in place, without a second copy: a seeded
// shuffle, a distribution of the ratings into buckets (an in-place radix sort
// by a bucket key) that the shuffler, the block grid and the rated-items index
// use, and the interleave of user-grouped runs that keeps the SGD kernel's
// consecutive steps independent.
//
//   internal::Rng rng(seed, stream);
//   std::vector<size_t> bounds = GroupByUser(ratings, num_users, rng);
//   // ratings[bounds[r] .. bounds[r + 1]) are the ratings of one user.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "hogmf/ratings.h"
#include "util/check.h"
#include "util/parallel.h"
#include "util/random.h"

namespace hogmf {

namespace arrange_internal {

// How far ahead of a bucket's next free slot a distribution pass prefetches
// (for writing): each bucket's slots are a stream that no hardware
// prefetcher follows among hundreds. 16 ratings are three cache lines
// (measured with engine_bench Arrange/2: docs/performance.md).
inline constexpr size_t kPrefetchAhead = 16;

// One in-place distribution pass (American flag sort): `bounds` holds the
// num_buckets + 1 boundaries already; every rating is cycled into the next free
// slot of its bucket. The ratings of a bucket end up in no particular order.
template <typename Record, typename BucketOf>
void CycleIntoBuckets(std::span<Record> ratings, const std::vector<size_t>& bounds,
                      BucketOf bucket_of) {
  const size_t num_buckets = bounds.size() - 1;
  std::vector<size_t> next(bounds.begin(), bounds.end() - 1);
  for (size_t b = 0; b < num_buckets; ++b) {
    while (next[b] < bounds[b + 1]) {
      Record r = ratings[next[b]];
      size_t home = bucket_of(r);
      // Follow the cycle until a rating that belongs at next[b] arrives.
      while (home != b) {
        std::swap(r, ratings[next[home]++]);
        __builtin_prefetch(
            ratings.data() + std::min(next[home] + kPrefetchAhead, ratings.size() - 1), 1);
        home = bucket_of(r);
      }
      ratings[next[b]++] = r;
    }
  }
}

// Above this many buckets, one pass would cycle ratings between more places
// than the caches hold; the distribution then runs in two passes.
inline constexpr size_t kMaxBucketsPerPass = 1024;

}  // namespace arrange_internal

// Reorders `ratings` (Rating or PackedRating records) so that the ratings of
// bucket 0 come first, then those of bucket 1, and so on; bucket_of(r) < num_buckets. Returns the
// num_buckets + 1 bucket boundaries. Deterministic; not stable. With many buckets it runs in two
// passes — first by the high part of the bucket number, then inside each of those ranges (which fit
// in cache) by the low part — so that every step of the in-place cycles touches memory the caches
// hold. The second pass runs the ranges in parallel with TBB (in the caller's arena); the result is
// the same for any thread count.
template <typename Record, typename BucketOf>
std::vector<size_t> DistributeInPlace(std::span<Record> ratings, size_t num_buckets,
                                      BucketOf bucket_of) {
  HOGMF_CHECK(num_buckets >= 1);
  std::vector<size_t> bounds(num_buckets + 1, 0);
  for (const Record& r : ratings) {
    const size_t bucket = bucket_of(r);
    HOGMF_CHECK(bucket < num_buckets);
    ++bounds[bucket + 1];
  }
  for (size_t b = 0; b < num_buckets; ++b) bounds[b + 1] += bounds[b];

  using arrange_internal::CycleIntoBuckets;
  using arrange_internal::kMaxBucketsPerPass;
  if (num_buckets <= kMaxBucketsPerPass) {
    CycleIntoBuckets(ratings, bounds, bucket_of);
    return bounds;
  }
  int shift = 0;
  while (((num_buckets - 1) >> shift) >= kMaxBucketsPerPass) ++shift;
  const size_t coarse_buckets = ((num_buckets - 1) >> shift) + 1;
  const size_t fine_size = size_t{1} << shift;
  std::vector<size_t> coarse_bounds(coarse_buckets + 1);
  for (size_t c = 0; c <= coarse_buckets; ++c) {
    coarse_bounds[c] = bounds[std::min(c * fine_size, num_buckets)];
  }
  CycleIntoBuckets(ratings, coarse_bounds,
                   [&bucket_of, shift](const Record& r) { return bucket_of(r) >> shift; });
  // The coarse ranges are independent: TBB distributes them in parallel.
  const internal::Schedule schedule = internal::Schedule::Auto(16);
  internal::ParallelFor(coarse_buckets, schedule, [&](size_t begin, size_t end) {
    std::vector<size_t> fine_bounds;
    for (size_t c = begin; c != end; ++c) {
      const size_t first = c * fine_size;
      const size_t last = std::min(first + fine_size, num_buckets);
      const size_t base = bounds[first];
      fine_bounds.assign(bounds.begin() + static_cast<std::ptrdiff_t>(first),
                         bounds.begin() + static_cast<std::ptrdiff_t>(last) + 1);
      for (size_t& bound : fine_bounds) bound -= base;
      CycleIntoBuckets(ratings.subspan(base, bounds[last] - base), fine_bounds,
                       [&bucket_of, first](const Record& r) { return bucket_of(r) - first; });
    }
  });
  return bounds;
}

// Groups the ratings by user, the users in a random order and each user's
// ratings in a random order (every r.user < num_users). Returns the bounds of
// the groups in that order: ratings[bounds[j] .. bounds[j + 1]) is one user's.
// Parallel with TBB where it can be; the result depends on `rng` only.
std::vector<size_t> GroupByUser(std::span<Rating> ratings, uint32_t num_users, internal::Rng& rng);

// Cuts `ratings` into `ways` runs of (almost) equal length and rewrites it
// taking one rating from each run in turn: run 0's first, run 1's first, ...,
// run 0's second, and so on. On a user-grouped range, the range still touches
// the same users, but consecutive ratings belong to different users, so one
// SGD step does not wait for the previous step's update of the same P row.
// `scratch` is reused between calls (it grows to ratings.size()).
void InterleaveRuns(std::span<Rating> ratings, size_t ways, std::vector<Rating>& scratch);
// The same from `runs` into `out` (of the same size, not overlapping).
void InterleaveRunsInto(std::span<const Rating> runs, size_t ways, std::span<Rating> out);

// The ways the shuffler's user-chunks and the block grid's blocks are
// interleaved (measured: docs/performance.md, The interleaved user order).
inline constexpr size_t kInterleaveWays = 4;

}  // namespace hogmf
