// WorkerPool: the epoch pipeline.
#include "engine/workers.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "kernels/losses.h"
#include "util/check.h"
#include "util/parallel.h"

namespace hogmf::engine {
namespace {

// Chunks in flight per thread: enough to keep every worker busy while the
// serial stage hands out the next one.
constexpr int kTokensPerThread = 4;

// Packed entries unpacked per kernel call: 12 KB that stay in L1. Pieces of
// 512 to 8192 were measured (docs/performance.md, Memory); 1024 lost least
// against the 12-byte array.
constexpr size_t kUnpackPiece = 1024;
constexpr size_t kCacheLine = 64;

// The kernel over packed entries [first, first + count): the same ratings in
// the same order as the unpacked array, so the same steps bit for bit. A
// pointwise loss steps each rating on its own, so the entries go a piece at
// a time through a buffer of the thread's; the others seed their negative
// sampler per kernel call, so the whole range goes in one call.
void RunPacked(const kernels::Kernel& kernel, const kernels::SgdArgs& args,
               const PackedRatings& packed, size_t first, size_t count) {
  if (kernels::ShapeOf(args.loss) != kernels::LossShape::kPointwise) {
    std::vector<Rating> whole(count);
    packed.Unpack(first, count, whole.data());
    kernel.sgd_chunk(args, whole.data(), nullptr, count);
    return;
  }
  thread_local std::vector<Rating> piece(kUnpackPiece);
  const PackedRating* const records = packed.records().data() + first;
  for (size_t done = 0; done < count; done += kUnpackPiece) {
    const size_t n = std::min(kUnpackPiece, count - done);
    packed.Unpack(first + done, n, piece.data());
    // The next piece's records start loading now and are in cache when it is
    // unpacked: between pieces the kernel's random row traffic leaves the
    // hardware's stream prefetch nothing to follow (the unpack then waited
    // on memory for half its time).
    const size_t next = std::min(kUnpackPiece, count - done - n);
    const auto* const next_bytes = reinterpret_cast<const char*>(records + done + n);
    for (size_t at = 0; at < next * sizeof(PackedRating); at += kCacheLine) {
      __builtin_prefetch(next_bytes + at);
    }
    kernel.sgd_chunk(args, piece.data(), nullptr, n);
  }
}

// One chunk through the kernel, packed or not.
void RunChunk(const kernels::Kernel& kernel, const kernels::SgdArgs& args, const Chunk& chunk,
              const PackedRatings* packed) {
  if (packed == nullptr) {
    kernel.sgd_chunk(args, chunk.ratings, chunk.order, chunk.count);
    return;
  }
  HOGMF_CHECK(chunk.order == nullptr);
  RunPacked(kernel, args, *packed, chunk.first, chunk.count);
}

}  // namespace

WorkerPool::WorkerPool(int threads) : threads_(threads), arena_(threads) {}

uint64_t WorkerPool::RunEpoch(Shuffler& shuffler, const kernels::Kernel& kernel,
                              const kernels::SgdArgs& args, const StopState& stop,
                              std::atomic<uint64_t>& updates, const PackedRatings* packed) {
  uint64_t handed_out = 0;
  if (threads_ == 1) {
    for (Chunk chunk = shuffler.Next(); chunk.count > 0 && !stop.stopped();
         chunk = shuffler.Next()) {
      RunChunk(kernel, args, chunk, packed);
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
  const auto run_chunk = [&](const Chunk& chunk) { RunChunk(kernel, args, chunk, packed); };
  internal::ExecuteIn(arena_, [&] {
    internal::ParallelPipeline<Chunk>(static_cast<size_t>(threads_) * kTokensPerThread, next_chunk,
                                      run_chunk);
  });
  return handed_out;
}

WorkerPool::BlockedEpoch WorkerPool::RunBlockedEpoch(BlockGrid& grid, const kernels::Kernel& kernel,
                                                     const kernels::SgdArgs& args,
                                                     const StopState& stop,
                                                     std::atomic<uint64_t>& updates,
                                                     const PackedRatings* packed) {
  using Clock = std::chrono::steady_clock;
  std::atomic<uint64_t> ran{0};
  std::atomic<int64_t> busy_nanoseconds{0};
  const Clock::time_point start = Clock::now();
  auto worker = [&] {
    for (int block = grid.Acquire(stop); block >= 0; block = grid.Acquire(stop)) {
      const Clock::time_point block_start = Clock::now();
      Chunk chunk;
      chunk.first = grid.block_first(static_cast<size_t>(block));
      chunk.count = grid.block_size(static_cast<size_t>(block));
      if (packed == nullptr) chunk.ratings = grid.block(static_cast<size_t>(block)).data();
      RunChunk(kernel, args, chunk, packed);
      grid.Release(block);
      busy_nanoseconds.fetch_add(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - block_start).count(),
          std::memory_order_relaxed);
      ran.fetch_add(chunk.count, std::memory_order_relaxed);
      updates.fetch_add(chunk.count, std::memory_order_relaxed);
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
