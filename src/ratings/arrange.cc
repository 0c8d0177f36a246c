// GroupByUser: users ranked at random, distributed in place, then each user's
// ratings shuffled where they lie (a cache-local pass). InterleaveRuns: a copy
// to scratch and a round-robin gather back.
#include "ratings/arrange.h"

#include <numeric>

namespace hogmf {

std::vector<size_t> GroupByUser(std::span<Rating> ratings, uint32_t num_users, Rng& rng) {
  for (const Rating& r : ratings) HOGMF_CHECK(r.user < num_users);
  std::vector<uint32_t> rank(num_users);
  std::iota(rank.begin(), rank.end(), 0u);
  FisherYates(std::span<uint32_t>(rank), rng);
  std::vector<size_t> bounds = DistributeInPlace(
      ratings, std::max<size_t>(num_users, 1), [&rank](const Rating& r) -> size_t { return rank[r.user]; });
  for (size_t j = 0; j + 1 < bounds.size(); ++j) {
    FisherYates(ratings.subspan(bounds[j], bounds[j + 1] - bounds[j]), rng);
  }
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
