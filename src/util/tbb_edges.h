// TbbEdges: the happens-before edges of a oneTBB algorithm, made visible to
// ThreadSanitizer.
//
// libtbb is not built with ThreadSanitizer, so the synchronization inside it
// (handing a task to a worker, waiting for the algorithm's tasks to finish)
// is invisible to TSan, which then reports whatever the caller wrote before
// the algorithm and a body reads (the body's own captures included), or a body
// wrote and the caller reads after the algorithm returns, as a race. TbbEdges
// marks those edges: Fork(bodies...) after the bodies are made and before the
// algorithm starts, a TbbEdges::Body first thing in every body, Join() after
// the algorithm returns. Bodies acquire from and release to one point, so TSan
// still checks bodies that run at the same time against each other, but not
// bodies that TBB ran one after the other.
//
//   const auto body = [&](const Range& r) { TbbEdges::Body edge; ... };
//   TbbEdges::Fork(body);
//   tbb::parallel_for(range, body);
//   TbbEdges::Join();
//
// Outside ThreadSanitizer builds (HOGMF_TSAN) all of it compiles to nothing.
#pragma once

#ifdef HOGMF_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace hogmf {

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

}  // namespace hogmf
