// BlockGrid: the blocked schedule. Users are cut into `user_bands` bands of
// consecutive ids with about equal rating counts, and items into `item_bands`
// likewise, which cuts the ratings into user_bands x item_bands blocks; ratings are arranged block
// by block, each block sorted by user (so a worker reuses each P row while it is in cache) and
// interleaved (so consecutive steps update different users). In an epoch every block runs once, and
// a worker only takes a block that shares no user band and no item band with the blocks in flight,
// so no two workers ever touch the same row (the schedule of Chin et al.'s FPSGD). The hand-out is
// a short critical section per block (a block is thousands of ratings or more), so it does not cap
// scaling; workers wait only when every block left conflicts with one in
// flight, which both band counts >= threads + 1 keep rare.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "engine/monitor.h"
#include "hogmf/ratings.h"
#include "util/random.h"

namespace hogmf::engine {

class BlockGrid {
 public:
  // Arranges `ratings` in place, the blocks in parallel with TBB (construct it
  // inside the pool's arena). Both band counts >= 1. Block b covers user band
  // b / item_bands and item band b % item_bands.
  BlockGrid(std::span<Rating> ratings, uint32_t num_users, uint32_t num_items, int user_bands,
            int item_bands, uint64_t seed);

  int user_bands() const { return user_bands_; }
  int item_bands() const { return item_bands_; }
  size_t num_blocks() const { return bounds_.size() - 1; }
  // The ratings of a block; empty once the ratings were released.
  std::span<const Rating> block(size_t index) const {
    if (ratings_.empty()) return {};
    return std::span<const Rating>(ratings_.data() + bounds_[index],
                                   bounds_[index + 1] - bounds_[index]);
  }
  // Where a block lies in the arranged array: entries [first, first + size).
  size_t block_first(size_t index) const { return bounds_[index]; }
  size_t block_size(size_t index) const { return bounds_[index + 1] - bounds_[index]; }
  // Forgets the ratings' memory (the engine packed them): blocks are then
  // named by block_first and block_size only.
  void ReleaseRatings() { ratings_ = {}; }

  // Marks every block as not yet run this epoch.
  void StartEpoch();
  // A block that is not yet run and shares no band with a block in flight,
  // chosen at random among those; waits while all remaining blocks conflict.
  // Returns -1 when the epoch has no block left to hand out or `stop` is raised.
  int Acquire(const StopState& stop);
  // Marks a block acquired earlier as done, freeing its bands.
  void Release(int block);

  // Seconds workers spent waiting in Acquire this epoch (all workers).
  double wait_seconds() const;

  // The generator that picks blocks, to save between epochs and restore into
  // a grid built on the same ratings with the same arguments (checkpoints).
  internal::Rng::State rng_state() const { return rng_.state(); }
  void set_rng_state(const internal::Rng::State& state) { rng_.set_state(state); }

 private:
  std::span<Rating> ratings_;
  int user_bands_;
  int item_bands_;
  std::vector<size_t> bounds_;
  internal::Rng rng_;

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<uint32_t> pending_;  // blocks not yet handed out this epoch
  std::vector<uint8_t> user_band_busy_;
  std::vector<uint8_t> item_band_busy_;
  double wait_seconds_ = 0;
};

}  // namespace hogmf::engine
