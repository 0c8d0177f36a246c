// Data and params the tuning tests share: a small planted low-rank set whose
// noise floor is known, and the seed's step on it.
#pragma once

#include <cstdint>
#include <utility>

#include "hogmf/params.h"
#include "hogmf/ratings.h"
#include "hogmf/synthetic.h"
#include "testing/status_matchers.h"

namespace hogmf::testing {

// `ratings` ratings of a rank-3 200 x 100 matrix plus N(0, 0.1^2): the noise
// floor is 0.1.
inline Ratings PlantedData(uint64_t ratings, uint64_t seed) {
  SyntheticSpec spec;
  spec.shape = Shape::kLowRank;
  spec.users = 200;
  spec.items = 100;
  spec.ratings = ratings;
  spec.rank = 3;
  spec.noise = 0.1;
  spec.seed = seed;
  absl::StatusOr<Ratings> data = Generate(spec);
  EXPECT_THAT(data, IsOk());
  return std::move(data).value();
}

// The seed's step at k = 8, lr 0.02, l2 0.02 on one thread.
inline TrainParams SmallSeedParams(int epochs) {
  TrainParams params = TrainParams::Seed();
  params.k = 8;
  params.learning_rate = 0.02f;
  params.l2_p = params.l2_q = 0.02f;
  params.max_epochs = epochs;
  params.threads = 1;
  return params;
}

}  // namespace hogmf::testing
