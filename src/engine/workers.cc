// WorkerPool: the epoch pipeline.
#include "engine/workers.h"

#include <algorithm>
#include <chrono>

#include "util/parallel.h"

namespace hogmf::engine {
namespace {

// Chunks in flight per thread: enough to keep every worker busy while the
// serial stage hands out the next one.
constexpr int kTokensPerThread = 4;

}  // namespace

WorkerPool::WorkerPool(int threads) : threads_(threads), arena_(threads) {}

uint64_t WorkerPool::RunEpoch(Shuffler& shuffler, const kernels::Kernel& kernel,
                              const kernels::SgdArgs& args, const StopState& stop,
                              std::atomic<uint64_t>& updates) {
  uint64_t handed_out = 0;
  if (threads_ == 1) {
    for (Chunk chunk = shuffler.Next(); chunk.count > 0 && !stop.stopped();
         chunk = shuffler.Next()) {
      kernel.sgd_chunk(args, chunk.ratings, chunk.order, chunk.count);
      handed_out += chunk.count;
      updates.fetch_add(chunk.count, std::memory_order_relaxed);
    }
    return handed_out;
  }
  const auto next_chunk = [&](Chunk& chunk) {
    if (!stop.stopped()) chunk = shuffler.Next();
    if (chunk.count == 0) return false;
    handed_out += chunk.count;
    updates.fetch_add(chunk.count, std::memory_order_relaxed);
    return true;
  };
  const auto run_chunk = [&](const Chunk& chunk) {
    kernel.sgd_chunk(args, chunk.ratings, chunk.order, chunk.count);
  };
  internal::ExecuteIn(arena_, [&] {
    internal::ParallelPipeline<Chunk>(static_cast<size_t>(threads_) * kTokensPerThread, next_chunk,
                                      run_chunk);
  });
  return handed_out;
}

WorkerPool::BlockedEpoch WorkerPool::RunBlockedEpoch(BlockGrid& grid, const kernels::Kernel& kernel,
                                                     const kernels::SgdArgs& args,
                                                     const StopState& stop,
                                                     std::atomic<uint64_t>& updates) {
  using Clock = std::chrono::steady_clock;
  std::atomic<uint64_t> ran{0};
  std::atomic<int64_t> busy_nanoseconds{0};
  const Clock::time_point start = Clock::now();
  auto worker = [&] {
    for (int block = grid.Acquire(stop); block >= 0; block = grid.Acquire(stop)) {
      const Clock::time_point block_start = Clock::now();
      const std::span<const Rating> ratings = grid.block(static_cast<size_t>(block));
      kernel.sgd_chunk(args, ratings.data(), nullptr, ratings.size());
      grid.Release(block);
      busy_nanoseconds.fetch_add(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - block_start).count(),
          std::memory_order_relaxed);
      ran.fetch_add(ratings.size(), std::memory_order_relaxed);
      updates.fetch_add(ratings.size(), std::memory_order_relaxed);
    }
  };
  if (threads_ == 1) {
    worker();
  } else {
    internal::ExecuteIn(arena_, [&] {
      internal::ParallelFor(static_cast<size_t>(threads_), internal::Schedule::Exact(1),
                            [&](size_t begin, size_t end) {
                              for (size_t w = begin; w != end; ++w) worker();
                            });
    });
  }
  BlockedEpoch epoch;
  epoch.ratings = ran.load();
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  epoch.idle_seconds =
      std::max(0.0, wall * threads_ - 1e-9 * static_cast<double>(busy_nanoseconds.load()));
  return epoch;
}

}  // namespace hogmf::engine
