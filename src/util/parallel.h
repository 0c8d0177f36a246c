// Parallel loops over oneTBB, written once: a loop over an index range, a sum
// whose result does not depend on the thread count, a two-stage pipeline, a
// parallel map whose results are taken in order, and running work inside a
// task arena. Each one carries the happens-before edges
// of its TBB call for ThreadSanitizer (TbbEdges below), so no caller touches
// TBB's synchronization itself.
//
//   // body(begin, end) on every block of [0, n); blocks of exactly 16 indices.
//   ParallelFor(n, Schedule::Exact(16), [&](size_t begin, size_t end) { ... });
//   // The same bits for any thread count:
//   double sum = DeterministicSum(n, 4096, [&](size_t begin, size_t end) { return ...; });
//   // Texts made in parallel, written in order:
//   ParallelOrdered<std::string>(blocks, 8, [&](size_t b) { return Text(b); },
//                                [&](size_t b, std::string&& text) { Write(text); });
//
// Every helper runs in the calling thread's task arena; ExecuteIn runs work in
// another one.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/parallel_reduce.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#ifdef HOGMF_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace hogmf::internal {

// TbbEdges: the happens-before edges of a oneTBB algorithm, made visible to
// ThreadSanitizer. Used by the helpers of this header only.
//
// libtbb is not built with ThreadSanitizer, so the synchronization inside it
// (handing a task to a worker, waiting for the algorithm's tasks to finish)
// is invisible to TSan, which then reports whatever the caller wrote before
// the algorithm and a body reads (the body's own captures included), or a body
// wrote and the caller reads after the algorithm returns, as a race. The
// edges: Fork(bodies...) after the bodies are made and before the algorithm
// starts, a TbbEdges::Body first thing in every body, Join() after the
// algorithm returns. Bodies acquire from and release to one point, so TSan
// still checks bodies that run at the same time against each other, but not
// bodies that TBB ran one after the other. Outside ThreadSanitizer builds
// (HOGMF_TSAN) all of it compiles to nothing.
class TbbEdges {
 public:
  // Before the algorithm: what the caller did so far, the making of `bodies`
  // included, happens before every body.
  template <typename... Bodies>
  static void Fork([[maybe_unused]] const Bodies&... bodies) {
#ifdef HOGMF_TSAN
    (Escape(&bodies), ...);
    __tsan_release(&point_);
#endif
  }
  // After the algorithm returns: every body happens before what the caller does next.
  static void Join() {
#ifdef HOGMF_TSAN
    __tsan_acquire(&point_);
#endif
  }

  // The scope of one body; declare it before the body touches anything.
  class Body {
   public:
    Body() {
#ifdef HOGMF_TSAN
      __tsan_acquire(&point_);
#endif
    }
    ~Body() {
#ifdef HOGMF_TSAN
      __tsan_release(&point_);
#endif
    }
    Body(const Body&) = delete;
    Body& operator=(const Body&) = delete;
  };

 private:
#ifdef HOGMF_TSAN
  // The object's address escapes here, so the compiler stores its contents
  // (a body's captures) before the release, not after.
  static void Escape(const void* object) { asm volatile("" : : "r"(object) : "memory"); }
  static inline char point_ = 0;
#endif
};

// How ParallelFor cuts its range into the blocks one body call gets.
struct Schedule {
  // Blocks of exactly `grain` indices (the last one shorter): for bodies
  // whose cost per index is large or uneven (tbb::simple_partitioner).
  static Schedule Exact(size_t grain) { return {grain, true}; }
  // Blocks of at least `grain` indices, merged as TBB sees fit to balance the
  // threads (tbb::auto_partitioner).
  static Schedule Auto(size_t grain) { return {grain, false}; }

  size_t grain = 1;
  bool exact = true;
};

// Calls body(begin, end) once for each block of [0, n) that `schedule` cuts,
// in parallel; every index lies in exactly one block. Returns when all are done.
template <typename Body>
void ParallelFor(size_t n, Schedule schedule, const Body& body) {
  if (n == 0) return;
  const auto run = [&](const tbb::blocked_range<size_t>& range) {
    TbbEdges::Body edge;
    body(range.begin(), range.end());
  };
  const tbb::blocked_range<size_t> range(0, n, schedule.grain > 0 ? schedule.grain : 1);
  TbbEdges::Fork(run);
  if (schedule.exact) {
    tbb::parallel_for(range, run, tbb::simple_partitioner());
  } else {
    tbb::parallel_for(range, run, tbb::auto_partitioner());
  }
  TbbEdges::Join();
}

// The sum of block_sum(begin, end) (a double) over [0, n) cut into blocks of
// exactly `grain` indices, added up in a fixed tree over the blocks
// (tbb::parallel_deterministic_reduce): the result has the same bits for any
// thread count.
template <typename BlockSum>
double DeterministicSum(size_t n, size_t grain, const BlockSum& block_sum) {
  const auto accumulate = [&](const tbb::blocked_range<size_t>& range, double partial) {
    TbbEdges::Body edge;
    return partial + block_sum(range.begin(), range.end());
  };
  const auto combine = [](double a, double b) {
    TbbEdges::Body edge;
    return a + b;
  };
  TbbEdges::Fork(accumulate, combine);
  const double sum =
      tbb::parallel_deterministic_reduce(tbb::blocked_range<size_t>(0, n, grain > 0 ? grain : 1),
                                         0.0, accumulate, combine, tbb::simple_partitioner());
  TbbEdges::Join();
  return sum;
}

// A two-stage pipeline with up to `tokens` items in flight: produce(item), a
// serial stage called in order, fills the next item and returns true, or
// returns false at the end; consume(item) runs on the items in parallel.
template <typename Item, typename Produce, typename Consume>
void ParallelPipeline(size_t tokens, const Produce& produce, const Consume& consume) {
  const tbb::filter<void, void> stages =
      tbb::make_filter<void, Item>(tbb::filter_mode::serial_in_order,
                                   [&](tbb::flow_control& control) {
                                     TbbEdges::Body edge;
                                     Item item{};
                                     if (!produce(item)) control.stop();
                                     return item;
                                   }) &
      tbb::make_filter<Item, void>(tbb::filter_mode::parallel, [&](const Item& item) {
        TbbEdges::Body edge;
        consume(item);
      });
  TbbEdges::Fork(stages);
  tbb::parallel_pipeline(tokens, stages);
  TbbEdges::Join();
}

// compute(block) for block = 0 .. blocks - 1 in parallel, up to `tokens`
// blocks in flight, and emit(block, result) on each result in block order,
// one call at a time: for work done in parallel whose output must come out in
// order (text written block by block). compute returns a Result by value;
// emit takes it as `Result&&`.
template <typename Result, typename Compute, typename Emit>
void ParallelOrdered(size_t blocks, size_t tokens, const Compute& compute, const Emit& emit) {
  if (blocks == 0) return;
  size_t next = 0;
  size_t emitted = 0;
  // Results travel between the stages behind a pointer, so that Result needs
  // only to be movable.
  const tbb::filter<void, void> stages =
      tbb::make_filter<void, size_t>(tbb::filter_mode::serial_in_order,
                                     [&](tbb::flow_control& control) -> size_t {
                                       TbbEdges::Body edge;
                                       if (next == blocks) {
                                         control.stop();
                                         return 0;
                                       }
                                       return next++;
                                     }) &
      tbb::make_filter<size_t, Result*>(tbb::filter_mode::parallel,
                                        [&](size_t block) {
                                          TbbEdges::Body edge;
                                          return new Result(compute(block));
                                        }) &
      tbb::make_filter<Result*, void>(tbb::filter_mode::serial_in_order, [&](Result* result) {
        TbbEdges::Body edge;
        const std::unique_ptr<Result> owned(result);
        emit(emitted++, std::move(*owned));
      });
  TbbEdges::Fork(stages);
  tbb::parallel_pipeline(tokens > 0 ? tokens : 1, stages);
  TbbEdges::Join();
}

// Runs f() inside `arena` (so the helpers above, called in f, use its threads)
// and returns what f returns.
template <typename F>
auto ExecuteIn(tbb::task_arena& arena, F&& f) {
  const auto run = [&] {
    TbbEdges::Body edge;
    return f();
  };
  TbbEdges::Fork(run);
  if constexpr (std::is_void_v<decltype(f())>) {
    arena.execute(run);
    TbbEdges::Join();
  } else {
    auto result = arena.execute(run);
    TbbEdges::Join();
    return result;
  }
}

}  // namespace hogmf::internal
