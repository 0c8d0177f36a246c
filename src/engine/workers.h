// Workers: the TBB pool that applies the SGD kernel to the chunks the
// shuffler hands out. One epoch is one tbb::parallel_pipeline: a serial input
// stage (the shuffler, which also checks the stop signal before each chunk)
// feeding a parallel stage (the kernel, on shared P and Q, no locks). With one
// thread the chunks run in a plain loop, in order, so results are
// reproducible bit for bit. The blocked schedule runs one loop per thread,
// each taking blocks from the BlockGrid.
#pragma once

#include <atomic>
#include <cstdint>

#include <tbb/task_arena.h>

#include "engine/block_grid.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"
#include "kernels/sgd_kernel.h"
#include "ratings/packed_ratings.h"
#include "util/parallel.h"

namespace hogmf::engine {

class WorkerPool {
 public:
  // threads >= 1.
  explicit WorkerPool(int threads);
  int threads() const { return threads_; }

  // Runs the shuffler's current epoch through the kernel until its end or a
  // stop signal. Adds the ratings handed out to `updates`; returns them.
  // With `packed`, the chunks (of an order without an order array) are
  // entries of `packed`, unpacked for the kernel a piece at a time.
  uint64_t RunEpoch(Shuffler& shuffler, const kernels::Kernel& kernel, const kernels::SgdArgs& args,
                    const StopState& stop, std::atomic<uint64_t>& updates,
                    const PackedRatings* packed = nullptr);

  // Runs the grid's current epoch: each worker takes free blocks until none
  // is left or a stop signal. Returns the ratings run and the worker-seconds
  // not spent in a block: waiting for a free one, or idle while the epoch's
  // last blocks finish on other workers.
  struct BlockedEpoch {
    uint64_t ratings = 0;
    double idle_seconds = 0;
  };
  BlockedEpoch RunBlockedEpoch(BlockGrid& grid, const kernels::Kernel& kernel,
                               const kernels::SgdArgs& args, const StopState& stop,
                               std::atomic<uint64_t>& updates,
                               const PackedRatings* packed = nullptr);

  // Runs `f` inside the pool's arena (so TBB algorithms in it use these threads).
  template <typename F>
  auto Execute(F&& f) {
    return internal::ExecuteIn(arena_, std::forward<F>(f));
  }

 private:
  int threads_;
  tbb::task_arena arena_;
};

}  // namespace hogmf::engine
