// BlockGrid: arranging the ratings into blocks, and the epoch's hand-out.
#include "engine/block_grid.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "ratings/arrange.h"
#include "util/check.h"

namespace hogmf::engine {
namespace {

// Band of each row: rows in a random order, cut into `bands` equal runs.
std::vector<uint32_t> RandomBands(uint32_t rows, int bands, Rng& rng) {
  std::vector<uint32_t> order(rows);
  std::iota(order.begin(), order.end(), 0u);
  FisherYates(std::span<uint32_t>(order), rng);
  std::vector<uint32_t> band(rows);
  for (uint32_t position = 0; position < rows; ++position) {
    band[order[position]] =
        static_cast<uint32_t>(static_cast<uint64_t>(position) * static_cast<uint64_t>(bands) / rows);
  }
  return band;
}

}  // namespace

BlockGrid::BlockGrid(std::span<Rating> ratings, uint32_t num_users, uint32_t num_items, int bands,
                     uint64_t seed)
    : ratings_(ratings), bands_(bands), rng_(seed, /*stream=*/0x424C4F43ull),
      user_band_busy_(static_cast<size_t>(bands), 0), item_band_busy_(static_cast<size_t>(bands), 0) {
  HOGMF_CHECK(bands >= 1);
  const std::vector<uint32_t> user_band = RandomBands(num_users, bands, rng_);
  const std::vector<uint32_t> item_band = RandomBands(num_items, bands, rng_);
  const uint32_t b = static_cast<uint32_t>(bands);
  bounds_ = DistributeInPlace(ratings_, static_cast<size_t>(bands) * bands, [&](const Rating& r) -> size_t {
    return user_band[r.user] * b + item_band[r.item];
  });
  // Inside a block, by user (the items of a user in the order distribution left them).
  for (size_t block = 0; block + 1 < bounds_.size(); ++block) {
    std::sort(ratings_.begin() + static_cast<std::ptrdiff_t>(bounds_[block]),
              ratings_.begin() + static_cast<std::ptrdiff_t>(bounds_[block + 1]),
              [](const Rating& x, const Rating& y) { return x.user < y.user; });
  }
}

void BlockGrid::StartEpoch() {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.resize(num_blocks());
  std::iota(pending_.begin(), pending_.end(), 0u);
  wait_seconds_ = 0;
}

int BlockGrid::Acquire(const StopState& stop) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (pending_.empty() || stop.stopped()) return -1;
    // Scan from a random start for a block whose bands are both free.
    const size_t start = rng_.Below(pending_.size());
    for (size_t n = 0; n < pending_.size(); ++n) {
      const size_t slot = (start + n) % pending_.size();
      const uint32_t block = pending_[slot];
      const uint32_t user_band = block / static_cast<uint32_t>(bands_);
      const uint32_t item_band = block % static_cast<uint32_t>(bands_);
      if (user_band_busy_[user_band] || item_band_busy_[item_band]) continue;
      user_band_busy_[user_band] = 1;
      item_band_busy_[item_band] = 1;
      pending_[slot] = pending_.back();
      pending_.pop_back();
      return static_cast<int>(block);
    }
    // Every remaining block conflicts with one in flight: wait for a release.
    const auto waited_from = std::chrono::steady_clock::now();
    freed_.wait_for(lock, std::chrono::milliseconds(10));
    wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - waited_from).count();
  }
}

void BlockGrid::Release(int block) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    user_band_busy_[static_cast<uint32_t>(block) / static_cast<uint32_t>(bands_)] = 0;
    item_band_busy_[static_cast<uint32_t>(block) % static_cast<uint32_t>(bands_)] = 0;
  }
  freed_.notify_all();
}

double BlockGrid::wait_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wait_seconds_;
}

}  // namespace hogmf::engine
