// GroupByUser: users ranked at random, distributed in place, then each user's
// ratings shuffled where they lie (a cache-local pass).
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

}  // namespace hogmf
