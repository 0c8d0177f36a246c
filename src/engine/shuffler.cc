// Shuffler: Fisher-Yates over the rating indices, once per epoch.
#include "engine/shuffler.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "util/check.h"

namespace hogmf::engine {

Shuffler::Shuffler(size_t num_ratings, uint64_t seed, size_t chunk_size)
    : order_(num_ratings), rng_(seed, /*stream=*/0x5348554646ull), chunk_size_(chunk_size) {
  HOGMF_CHECK(chunk_size > 0);
  HOGMF_CHECK(num_ratings <= 0xFFFFFFFFull);
  std::iota(order_.begin(), order_.end(), 0u);
}

void Shuffler::StartEpoch() {
  for (size_t i = order_.size(); i > 1; --i) {
    const size_t j = rng_.Below(i);
    std::swap(order_[i - 1], order_[j]);
  }
  cursor_ = 0;
}

std::span<const uint32_t> Shuffler::NextChunk() {
  const size_t begin = cursor_;
  const size_t end = std::min(order_.size(), begin + chunk_size_);
  cursor_ = end;
  return std::span<const uint32_t>(order_.data() + begin, end - begin);
}

}  // namespace hogmf::engine
