// BlockGrid: arranging the ratings into blocks, and the epoch's hand-out.
#include "engine/block_grid.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "ratings/arrange.h"
#include "util/check.h"
#include "util/parallel.h"

namespace hogmf::engine {
namespace {

// Band of each row: the rows in id order cut into `bands` runs of about equal
// rating counts (a row goes to the band its middle rating falls in). A band's
// rows are then one contiguous range of P (or Q), so a block streams through
// few pages in address order, where bands of rows drawn at random would
// scatter it over all of P and Q (measured: docs/scaling.md).
std::vector<uint32_t> ContiguousBands(std::span<const Rating> ratings, bool by_user, uint32_t rows,
                                      int bands) {
  std::vector<uint64_t> count(rows, 0);
  for (const Rating& r : ratings) ++count[by_user ? r.user : r.item];
  std::vector<uint32_t> band(rows);
  const uint64_t total = std::max<uint64_t>(ratings.size(), 1);
  const uint64_t last = static_cast<uint64_t>(bands) - 1;
  uint64_t before = 0;
  for (uint32_t row = 0; row < rows; ++row) {
    const uint64_t middle = before + count[row] / 2;
    band[row] =
        static_cast<uint32_t>(std::min(middle * static_cast<uint64_t>(bands) / total, last));
    before += count[row];
  }
  return band;
}

}  // namespace

BlockGrid::BlockGrid(std::span<Rating> ratings, uint32_t num_users, uint32_t num_items,
                     int user_bands, int item_bands, uint64_t seed)
    : ratings_(ratings),
      user_bands_(user_bands),
      item_bands_(item_bands),
      rng_(seed, /*stream=*/0x424C4F43ull),
      user_band_busy_(static_cast<size_t>(user_bands), 0),
      item_band_busy_(static_cast<size_t>(item_bands), 0) {
  HOGMF_CHECK(user_bands >= 1 && item_bands >= 1);
  const std::vector<uint32_t> user_band =
      ContiguousBands(ratings, /*by_user=*/true, num_users, user_bands);
  const std::vector<uint32_t> item_band =
      ContiguousBands(ratings, /*by_user=*/false, num_items, item_bands);
  const uint32_t columns = static_cast<uint32_t>(item_bands);
  bounds_ = DistributeInPlace(ratings_, static_cast<size_t>(user_bands) * columns,
                              [&](const Rating& r) -> size_t {
                                return user_band[r.user] * columns + item_band[r.item];
                              });
  // A band's users are one range of ids: first_user[b] .. first_user[b + 1].
  std::vector<uint32_t> first_user(static_cast<size_t>(user_bands) + 1, num_users);
  for (uint32_t u = num_users; u-- > 0;) first_user[user_band[u]] = u;
  for (size_t b = first_user.size() - 1; b-- > 0;)
    first_user[b] = std::min(first_user[b], first_user[b + 1]);
  // Inside a block: shuffled (a stream of the seed per block), then by user
  // (a stable counting sort into scratch, so each user's items stay in a
  // random order whatever order the input had), then interleaved back so
  // consecutive steps update different users. Blocks are independent: TBB
  // runs them in parallel, with the same result for any thread count.
  internal::ParallelFor(num_blocks(), internal::Schedule::Exact(1), [&](size_t begin, size_t end) {
    std::vector<Rating> by_user;
    std::vector<size_t> next;
    for (size_t block = begin; block != end; ++block) {
      const std::span<Rating> ratings_of_block =
          ratings_.subspan(bounds_[block], bounds_[block + 1] - bounds_[block]);
      internal::Rng block_rng(seed, /*stream=*/0x424C4F43ull + 1 + block);
      internal::FisherYates(ratings_of_block, block_rng);
      const size_t band = block / columns;
      const uint32_t first = first_user[band];
      next.assign(static_cast<size_t>(first_user[band + 1] - first) + 1, 0);
      for (const Rating& r : ratings_of_block) ++next[r.user - first + 1];
      for (size_t u = 1; u < next.size(); ++u) next[u] += next[u - 1];
      by_user.resize(ratings_of_block.size());
      for (const Rating& r : ratings_of_block) by_user[next[r.user - first]++] = r;
      InterleaveRunsInto(by_user, kInterleaveWays, ratings_of_block);
    }
  });
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
      const uint32_t user_band = block / static_cast<uint32_t>(item_bands_);
      const uint32_t item_band = block % static_cast<uint32_t>(item_bands_);
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
    wait_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - waited_from).count();
  }
}

void BlockGrid::Release(int block) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    user_band_busy_[static_cast<uint32_t>(block) / static_cast<uint32_t>(item_bands_)] = 0;
    item_band_busy_[static_cast<uint32_t>(block) % static_cast<uint32_t>(item_bands_)] = 0;
  }
  freed_.notify_all();
}

double BlockGrid::wait_seconds() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return wait_seconds_;
}

}  // namespace hogmf::engine
