// Shuffler: the order in which each epoch visits the training ratings, handed
// out in chunks to the workers. It is the serial first stage of the engine's
// pipeline, so handing out a chunk costs O(1); all heavy work (arranging the
// ratings, drawing a permutation) happens between epochs.
//
// Orders (TrainParams::order):
//  - kShuffle: a fresh uniform random permutation of all ratings every epoch,
//    the seed's SGD exactly; chunks are slices of the permutation, so the
//    kernel gathers ratings from random places.
//  - kChunks: the ratings are shuffled once into a working array cut into
//    chunks; every epoch visits the chunks in a fresh random order. The kernel
//    streams each chunk contiguously.
//  - kUserChunks: like kChunks, but the working array is grouped by user
//    (users in a random order, each user's ratings in a random order), so a
//    chunk touches few P rows and they stay in cache. Inside each chunk the
//    ratings are interleaved from 4 runs of the grouped array, so consecutive
//    steps update different users' rows and do not wait on one another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hogmf/params.h"
#include "hogmf/ratings.h"
#include "util/random.h"

namespace hogmf::engine {

// A unit of work: ratings[order[j]] for j < count, or ratings[0 .. count) when
// order is null. Without an order the chunk is also entries [first, first +
// count) of the working array, and `ratings` is null once the shuffler's
// ratings were released (ReleaseRatings: the engine packed them).
struct Chunk {
  const Rating* ratings = nullptr;
  const uint32_t* order = nullptr;
  size_t count = 0;
  size_t first = 0;
};

class Shuffler {
 public:
  // Arranges `ratings` in place for `order` (kShuffle leaves them as they are;
  // kAuto stands for ResolveOrder(kAuto, ratings.size())).
  Shuffler(std::span<Rating> ratings, RatingOrder order, size_t chunk_size, uint64_t seed);

  // Draws the next epoch's order and rewinds to its first chunk.
  void StartEpoch();
  // The next chunk; count == 0 at the end of the epoch.
  Chunk Next();
  size_t num_chunks() const;
  RatingOrder order() const { return order_; }

  // Forgets the ratings' memory (not for kShuffle): chunks then name their
  // ratings by Chunk::first only.
  void ReleaseRatings();

  // What the next StartEpoch draws from: the generator and the last epoch's
  // order (each epoch's order is a shuffle of the one before). Saved between
  // epochs and restored into a Shuffler built on the same ratings with the
  // same arguments, it continues the sequence of orders exactly.
  struct State {
    internal::Rng::State rng{};
    std::vector<uint32_t> permutation;
  };
  State state() const { return State{rng_.state(), permutation_}; }
  // False (and nothing changed) when the permutation's size does not fit.
  bool Restore(const State& state);

 private:
  std::span<Rating> ratings_;
  size_t size_;
  RatingOrder order_;
  size_t chunk_size_;
  internal::Rng rng_;
  std::vector<uint32_t> permutation_;  // kShuffle: rating indices; else chunk indices
  size_t cursor_ = 0;
};

}  // namespace hogmf::engine
