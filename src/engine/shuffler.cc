// Shuffler: arranging the working array once, then a fresh order per epoch.
#include "engine/shuffler.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "ratings/arrange.h"
#include "util/check.h"

namespace hogmf::engine {
namespace {

uint32_t NumUsers(std::span<const Rating> ratings) {
  uint32_t num_users = 0;
  for (const Rating& r : ratings) num_users = std::max(num_users, r.user + 1);
  return num_users;
}

// Interleaves each chunk of a user-grouped array (InterleaveRuns per chunk).
void InterleaveChunks(std::span<Rating> ratings, size_t chunk_size, size_t ways) {
  std::vector<Rating> scratch;
  for (size_t begin = 0; begin < ratings.size(); begin += chunk_size) {
    InterleaveRuns(ratings.subspan(begin, std::min(chunk_size, ratings.size() - begin)), ways,
                   scratch);
  }
}

}  // namespace

Shuffler::Shuffler(std::span<Rating> ratings, RatingOrder order, size_t chunk_size, uint64_t seed)
    : ratings_(ratings),
      size_(ratings.size()),
      order_(ResolveOrder(order, ratings.size())),
      chunk_size_(chunk_size),
      rng_(seed, /*stream=*/0x5348554646ull) {
  HOGMF_CHECK(chunk_size > 0);
  HOGMF_CHECK(ratings.size() <= 0xFFFFFFFFull);
  switch (order_) {
    case RatingOrder::kAuto:  // resolved above
    case RatingOrder::kShuffle:
      permutation_.resize(ratings.size());
      break;
    case RatingOrder::kChunks:
      internal::FisherYates(ratings_, rng_);
      permutation_.resize(num_chunks());
      break;
    case RatingOrder::kUserChunks:
      GroupByUser(ratings_, NumUsers(ratings_), rng_);
      InterleaveChunks(ratings_, chunk_size_, kInterleaveWays);
      permutation_.resize(num_chunks());
      break;
  }
  std::iota(permutation_.begin(), permutation_.end(), 0u);
}

size_t Shuffler::num_chunks() const { return (size_ + chunk_size_ - 1) / chunk_size_; }

void Shuffler::ReleaseRatings() {
  HOGMF_CHECK(order_ != RatingOrder::kShuffle);
  ratings_ = {};
}

bool Shuffler::Restore(const State& state) {
  if (state.permutation.size() != permutation_.size()) return false;
  for (const uint32_t index : state.permutation) {
    if (index >= permutation_.size()) return false;
  }
  rng_.set_state(state.rng);
  permutation_ = state.permutation;
  cursor_ = 0;
  return true;
}

void Shuffler::StartEpoch() {
  internal::FisherYates(std::span<uint32_t>(permutation_), rng_);
  cursor_ = 0;
}

Chunk Shuffler::Next() {
  Chunk chunk;
  if (order_ == RatingOrder::kShuffle) {
    const size_t begin = cursor_;
    const size_t end = std::min(permutation_.size(), begin + chunk_size_);
    cursor_ = end;
    chunk.ratings = ratings_.data();
    chunk.order = permutation_.data() + begin;
    chunk.count = end - begin;
    return chunk;
  }
  if (cursor_ >= permutation_.size()) return chunk;
  const size_t begin = static_cast<size_t>(permutation_[cursor_++]) * chunk_size_;
  const size_t end = std::min(size_, begin + chunk_size_);
  chunk.ratings = ratings_.empty() ? nullptr : ratings_.data() + begin;
  chunk.count = end - begin;
  chunk.first = begin;
  return chunk;
}

}  // namespace hogmf::engine
