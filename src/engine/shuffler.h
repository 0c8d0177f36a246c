// Shuffler: the order in which an epoch visits the training ratings. Each
// epoch is a fresh uniform random permutation of the rating indices, drawn
// from a stream seeded by TrainParams::seed, handed out in chunks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "util/random.h"

namespace hogmf::engine {

class Shuffler {
 public:
  Shuffler(size_t num_ratings, uint64_t seed, size_t chunk_size);

  // Draws the next epoch's permutation and rewinds to its first chunk.
  void StartEpoch();
  // The next chunk of rating indices, empty at the end of the epoch.
  std::span<const uint32_t> NextChunk();
  // The whole current permutation.
  std::span<const uint32_t> order() const { return order_; }

 private:
  std::vector<uint32_t> order_;
  Rng rng_;
  size_t chunk_size_;
  size_t cursor_ = 0;
};

}  // namespace hogmf::engine
