// Generated low-rank ratings for tests (hogmf/synthetic.h's kLowRank shape),
// failing the calling test when the spec is refused.
#pragma once

#include <cstdint>
#include <utility>

#include "gtest/gtest.h"
#include "hogmf/synthetic.h"

namespace hogmf::testing {

inline Ratings LowRankRatings(uint32_t users, uint32_t items, uint64_t ratings, int rank,
                              uint64_t seed) {
  SyntheticSpec spec;
  spec.shape = Shape::kLowRank;
  spec.users = users;
  spec.items = items;
  spec.ratings = ratings;
  spec.rank = rank;
  spec.seed = seed;
  absl::StatusOr<Ratings> data = Generate(spec);
  EXPECT_TRUE(data.ok()) << data.status();
  return data.ok() ? std::move(*data) : Ratings();
}

}  // namespace hogmf::testing
