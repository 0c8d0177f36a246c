// The two ceilings of the SGD step on this machine, for the roofline line in
// docs/performance.md, next to the kernel itself on the same ratings:
//   Kernel/<order>/k:<k>/threads:<t>  the best kernel, as the engine calls it
//   Touch/<order>/k:<k>/threads:<t>   the memory bound: the same rows visited in
//                                     the same order with the same prefetch,
//                                     each row read and written back once per
//                                     rating, no arithmetic
//   InCache/k:<k>                     the compute bound: the kernel on factors
//                                     that stay in L1/L2 (256 users x 256
//                                     items), no memory stalls
//   InCacheBiasesAdaGrad/k:<k>        the same with biases and AdaGrad rates
//                                     (the default model's step)
// Data: a Netflix-shaped synthetic set cut to HOGMF_BENCH_RATINGS ratings
// (default 5,000,000; its 480,189 users x 17,770 items are kept), arranged
// once by the shuffler's `chunks` or `user-chunks` order; t threads split the
// array in halves. Rates are updates per wall second.
//
//   roofline_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <thread>
#include <vector>

#include "bench_data.h"
#include "engine/shuffler.h"
#include "hogmf/factor_matrix.h"
#include "hwy/cache_control.h"
#include "kernels/kernel_registry.h"

namespace hogmf {
namespace {

constexpr RatingOrder kOrders[] = {RatingOrder::kChunks, RatingOrder::kUserChunks};
constexpr size_t kPrefetchAhead = 8;

const Ratings& Data() { return bench::NetflixShapedRatings(); }

// The ratings arranged as `order` arranges them (built once per order).
const std::vector<Rating>& Arranged(RatingOrder order) {
  static std::vector<Rating>* arranged[2] = {nullptr, nullptr};
  const int slot = order == RatingOrder::kChunks ? 0 : 1;
  if (arranged[slot] == nullptr) {
    arranged[slot] = new std::vector<Rating>(Data().entries().begin(), Data().entries().end());
    engine::Shuffler shuffler(std::span<Rating>(*arranged[slot]), order, 4096, 1);
  }
  return *arranged[slot];
}

void Fill(FactorMatrix& m, int k) {
  for (uint32_t r = 0; r < m.rows(); ++r) {
    for (int d = 0; d < k; ++d) m.row(r)[d] = 0.1f;
  }
}

// Reads and writes back the P and Q rows of every rating, prefetching the
// rows of the rating kPrefetchAhead positions ahead, like the kernels do.
void TouchRows(FactorMatrix& p, FactorMatrix& q, const Rating* ratings, size_t count) {
  const size_t floats = p.stride();
  for (size_t j = 0; j < count; ++j) {
    if (j + kPrefetchAhead < count) {
      const Rating& ahead = ratings[j + kPrefetchAhead];
      for (size_t off = 0; off < floats; off += 16) {
        hwy::Prefetch(p.row(ahead.user) + off);
        hwy::Prefetch(q.row(ahead.item) + off);
      }
    }
    float* pu = p.row(ratings[j].user);
    float* qi = q.row(ratings[j].item);
    for (size_t off = 0; off < floats; off += 16) {
      pu[off] += 1.0f;
      qi[off] += 1.0f;
    }
  }
}

template <typename Body>
void RunSplit(int threads, size_t count, const Body& body) {
  if (threads == 1) {
    body(size_t{0}, count);
    return;
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { body(count * t / threads, count * (t + 1) / threads); });
  }
  for (std::thread& worker : workers) worker.join();
}

void BM_Kernel(benchmark::State& state) {
  const RatingOrder order = kOrders[state.range(0)];
  const int k = static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  const std::vector<Rating>& ratings = Arranged(order);
  const kernels::Kernel kernel = kernels::SelectKernel("auto").value();
  FactorMatrix p(Data().num_users(), k), q(Data().num_items(), k);
  Fill(p, k);
  Fill(q, k);
  kernels::SgdArgs args{p.data(), q.data(), p.stride(), k, 0.0001f, 0.05f, 0.05f};
  for (auto _ : state) {
    RunSplit(threads, ratings.size(), [&](size_t begin, size_t end) {
      for (size_t c = begin; c < end; c += 4096) {
        kernel.sgd_chunk(args, ratings.data() + c, nullptr, std::min<size_t>(4096, end - c));
      }
    });
  }
  state.SetLabel(std::string(OrderName(order)) + " " + kernel.name);
  state.counters["updates/s"] = benchmark::Counter(static_cast<double>(ratings.size()) *
                                                       static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

void BM_Touch(benchmark::State& state) {
  const RatingOrder order = kOrders[state.range(0)];
  const int k = static_cast<int>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  const std::vector<Rating>& ratings = Arranged(order);
  FactorMatrix p(Data().num_users(), k), q(Data().num_items(), k);
  Fill(p, k);
  Fill(q, k);
  for (auto _ : state) {
    RunSplit(threads, ratings.size(), [&](size_t begin, size_t end) {
      TouchRows(p, q, ratings.data() + begin, end - begin);
    });
  }
  benchmark::DoNotOptimize(p.row(0)[0]);
  state.SetLabel(std::string(OrderName(order)));
  state.counters["updates/s"] = benchmark::Counter(static_cast<double>(ratings.size()) *
                                                       static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

// The kernel on 256 x 256 rows that stay in cache; with `biases_adagrad`
// the default model's step (biases and AdaGrad rates).
void RunInCache(benchmark::State& state, bool biases_adagrad) {
  const int k = static_cast<int>(state.range(0));
  const kernels::Kernel kernel = kernels::SelectKernel("auto").value();
  constexpr uint32_t kRows = 256;
  FactorMatrix p(kRows, k), q(kRows, k);
  Fill(p, k);
  Fill(q, k);
  std::vector<float> user_bias(kRows, 0.0f), item_bias(kRows, 0.0f);
  std::vector<float> p_adagrad(kRows, 1.0f), q_adagrad(kRows, 1.0f);
  internal::Rng rng(3, 1);
  std::vector<Rating> ratings(1 << 20);
  for (Rating& r : ratings) {
    r = Rating{static_cast<uint32_t>(rng.Below(kRows)), static_cast<uint32_t>(rng.Below(kRows)),
               3.0f};
  }
  kernels::SgdArgs args{p.data(), q.data(), p.stride(), k, 0.0001f, 0.05f, 0.05f};
  if (biases_adagrad) {
    args.user_bias = user_bias.data();
    args.item_bias = item_bias.data();
    args.mean = 3.0f;
    args.l2_user_bias = args.l2_item_bias = 0.05f;
    args.p_adagrad = p_adagrad.data();
    args.q_adagrad = q_adagrad.data();
  }
  for (auto _ : state) {
    for (size_t c = 0; c < ratings.size(); c += 4096) {
      kernel.sgd_chunk(args, ratings.data() + c, nullptr, 4096);
    }
  }
  state.SetLabel(kernel.name);
  state.counters["updates/s"] = benchmark::Counter(static_cast<double>(ratings.size()) *
                                                       static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate);
}

void BM_InCache(benchmark::State& state) { RunInCache(state, false); }
void BM_InCacheBiasesAdaGrad(benchmark::State& state) { RunInCache(state, true); }

void Args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"order", "k", "threads"});
  for (int order = 0; order < 2; ++order) {
    for (int k : {32, 128}) {
      for (int t : {1, 2}) b->Args({order, k, t});
    }
  }
}
BENCHMARK(BM_Kernel)->Apply(Args)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Touch)->Apply(Args)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InCache)
    ->ArgName("k")
    ->Arg(32)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InCacheBiasesAdaGrad)
    ->ArgName("k")
    ->Arg(32)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hogmf

BENCHMARK_MAIN();
