// Workloads shared by the benchmarks: a Zipf-like index sampler (the skewed
// popularity of users and items in rating data) and the Netflix-shaped
// synthetic set of `hogmf gen`, sized by $HOGMF_BENCH_RATINGS.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "hogmf/synthetic.h"
#include "util/random.h"

namespace hogmf::bench {

// Samples indices in [0, n) with weight 1 / (rank + offset), each rank mapped
// to a random id.
class ZipfLike {
 public:
  ZipfLike(uint32_t n, double offset, internal::Rng& rng) : cdf_(n), id_of_rank_(n) {
    double sum = 0;
    for (uint32_t rank = 0; rank < n; ++rank) {
      sum += 1.0 / (rank + offset);
      cdf_[rank] = sum;
    }
    for (double& c : cdf_) c /= sum;
    for (uint32_t i = 0; i < n; ++i) id_of_rank_[i] = i;
    for (uint32_t i = n - 1; i > 0; --i) std::swap(id_of_rank_[i], id_of_rank_[rng.Below(i + 1)]);
  }
  uint32_t Sample(internal::Rng& rng) const {
    const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), rng.UniformDouble());
    return id_of_rank_[std::min<size_t>(static_cast<size_t>(it - cdf_.begin()), cdf_.size() - 1)];
  }

 private:
  std::vector<double> cdf_;
  std::vector<uint32_t> id_of_rank_;
};

// The Netflix-shaped synthetic set (seed 7) cut to $HOGMF_BENCH_RATINGS
// ratings (default 5,000,000; its 480,189 users x 17,770 items are kept),
// generated once per process.
inline const Ratings& NetflixShapedRatings() {
  static const Ratings* data = [] {
    SyntheticSpec spec;
    spec.shape = Shape::kNetflix;
    spec.seed = 7;
    const char* env = std::getenv("HOGMF_BENCH_RATINGS");
    spec.ratings = env != nullptr ? std::strtoull(env, nullptr, 10) : 5'000'000;
    return new Ratings(std::move(Generate(spec)).value());
  }();
  return *data;
}

}  // namespace hogmf::bench
