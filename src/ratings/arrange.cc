// GroupByUser: users ranked at random, distributed in place, then each user's
// ratings shuffled where they lie (a cache-local pass). InterleaveRuns: a copy
// to scratch and a round-robin gather back.
#include "ratings/arrange.h"

#include <numeric>

namespace hogmf {

std::vector<size_t> GroupByUser(std::span<Rating> ratings, uint32_t num_users, internal::Rng& rng) {
  for (const Rating& r : ratings) HOGMF_CHECK(r.user < num_users);
  std::vector<uint32_t> rank(num_users);
  std::iota(rank.begin(), rank.end(), 0u);
  internal::FisherYates(std::span<uint32_t>(rank), rng);
  std::vector<size_t> bounds =
      DistributeInPlace(ratings, std::max<size_t>(num_users, 1),
                        [&rank](const Rating& r) -> size_t { return rank[r.user]; });
  // Each run of kGroupsPerStream groups shuffles with its own stream of one
  // draw from `rng`, so the runs can go in parallel.
  constexpr size_t kGroupsPerStream = 4096;
  const uint64_t stream_seed = rng.Next();
  const size_t groups = bounds.size() - 1;
  const size_t runs = (groups + kGroupsPerStream - 1) / kGroupsPerStream;
  internal::ParallelFor(runs, internal::Schedule::Auto(1), [&](size_t begin, size_t end) {
    for (size_t run = begin; run != end; ++run) {
      internal::Rng run_rng(stream_seed, run);
      const size_t end = std::min(groups, (run + 1) * kGroupsPerStream);
      for (size_t j = run * kGroupsPerStream; j < end; ++j) {
        internal::FisherYates(ratings.subspan(bounds[j], bounds[j + 1] - bounds[j]), run_rng);
      }
    }
  });
  return bounds;
}

void InterleaveRuns(std::span<Rating> ratings, size_t ways, std::vector<Rating>& scratch) {
  HOGMF_CHECK(ways >= 1);
  if (ways == 1 || ratings.size() <= 1) return;
  scratch.assign(ratings.begin(), ratings.end());
  InterleaveRunsInto(scratch, ways, ratings);
}

void InterleaveRunsInto(std::span<const Rating> runs, size_t ways, std::span<Rating> out) {
  HOGMF_CHECK(ways >= 1 && runs.size() == out.size());
  const size_t n = runs.size();
  std::vector<size_t> cursor(ways), end(ways);
  for (size_t w = 0; w < ways; ++w) {
    cursor[w] = w * n / ways;
    end[w] = (w + 1) * n / ways;
  }
  size_t written = 0;
  while (written < n) {
    for (size_t w = 0; w < ways; ++w) {
      if (cursor[w] < end[w]) out[written++] = runs[cursor[w]++];
    }
  }
}

}  // namespace hogmf
