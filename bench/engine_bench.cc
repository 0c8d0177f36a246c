// The engine's costs, measured apart from the kernels:
//   Shuffler/<order>        chunks per second the serial shuffler stage hands
//                           out, the between-epoch reshuffle included (it must
//                           never be the bottleneck)
//   Arrange/<order>         arranging the working array once before the first
//                           epoch (shuffle once, or group by user): ratings/s
//   BareLoop/<order>/k      one thread applying the best kernel to the
//                           shuffler's chunks in a plain loop, reshuffle
//                           included: the ceiling
//   Engine/<order>/k/t      Train() with t threads on the same ratings and
//                           order, SGD time only (the report's seconds): the
//                           pipeline, monitor and per-epoch bookkeeping cost
//                           is the gap to BareLoop at t = 1
// Data: a Netflix-shaped synthetic set cut to HOGMF_BENCH_RATINGS ratings
// (default 5,000,000; its 480,189 users x 17,770 items are kept).
//
//   engine_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "bench_data.h"
#include "engine/shuffler.h"
#include "hogmf/trainer.h"
#include "kernels/kernel_registry.h"

namespace hogmf {
namespace {

const Ratings& Data() { return bench::NetflixShapedRatings(); }

const RatingOrder kOrders[] = {RatingOrder::kShuffle, RatingOrder::kChunks,
                               RatingOrder::kUserChunks};

void BM_Shuffler(benchmark::State& state) {
  std::vector<Rating> working(Data().entries().begin(), Data().entries().end());
  const RatingOrder order = kOrders[state.range(0)];
  engine::Shuffler shuffler(std::span<Rating>(working), order, 4096, 1);
  int64_t chunks = 0;
  for (auto _ : state) {
    shuffler.StartEpoch();  // the between-epoch work counts too
    for (engine::Chunk c = shuffler.Next(); c.count > 0; c = shuffler.Next()) {
      benchmark::DoNotOptimize(c);
      ++chunks;
    }
  }
  state.SetLabel(std::string(OrderName(order)));
  state.counters["chunks/s"] =
      benchmark::Counter(static_cast<double>(chunks), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Shuffler)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

void BM_Arrange(benchmark::State& state) {
  const RatingOrder order = kOrders[state.range(0)];
  std::vector<Rating> working;
  int64_t ratings = 0;
  for (auto _ : state) {
    state.PauseTiming();
    working.assign(Data().entries().begin(), Data().entries().end());
    state.ResumeTiming();
    engine::Shuffler shuffler(std::span<Rating>(working), order, 4096, 1);
    benchmark::DoNotOptimize(working.data());
    ratings += static_cast<int64_t>(working.size());
  }
  state.SetLabel(std::string(OrderName(order)));
  state.counters["ratings/s"] =
      benchmark::Counter(static_cast<double>(ratings), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Arrange)->DenseRange(1, 2)->Unit(benchmark::kMillisecond);

void BM_ShufflerStartEpoch(benchmark::State& state) {
  std::vector<Rating> working(Data().entries().begin(), Data().entries().end());
  const RatingOrder order = kOrders[state.range(0)];
  engine::Shuffler shuffler(std::span<Rating>(working), order, 4096, 1);
  for (auto _ : state) shuffler.StartEpoch();
  state.SetLabel(std::string(OrderName(order)));
}
BENCHMARK(BM_ShufflerStartEpoch)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

void BM_BareLoop(benchmark::State& state) {
  const RatingOrder order = kOrders[state.range(0)];
  const int k = static_cast<int>(state.range(1));
  const kernels::Kernel kernel = kernels::SelectKernel("auto").value();
  std::vector<Rating> working(Data().entries().begin(), Data().entries().end());
  engine::Shuffler shuffler(std::span<Rating>(working), order, 4096, 1);
  FactorMatrix p(Data().num_users(), k), q(Data().num_items(), k);
  for (uint32_t u = 0; u < p.rows(); ++u)
    for (int d = 0; d < k; ++d) p.row(u)[d] = 0.1f;
  for (uint32_t i = 0; i < q.rows(); ++i)
    for (int d = 0; d < k; ++d) q.row(i)[d] = 0.1f;
  kernels::SgdArgs args{p.data(), q.data(), p.stride(), k, 0.001f, 0.05f, 0.05f};
  int64_t updates = 0;
  for (auto _ : state) {
    shuffler.StartEpoch();
    for (engine::Chunk c = shuffler.Next(); c.count > 0; c = shuffler.Next()) {
      kernel.sgd_chunk(args, c.ratings, c.order, c.count);
      updates += static_cast<int64_t>(c.count);
    }
  }
  state.SetLabel(std::string(OrderName(order)) + " " + kernel.name);
  state.counters["updates/s"] =
      benchmark::Counter(static_cast<double>(updates), benchmark::Counter::kIsRate);
}

void BM_Engine(benchmark::State& state) {
  TrainParams params;
  params.order = kOrders[state.range(0)];
  params.k = static_cast<int>(state.range(1));
  params.threads = static_cast<int>(state.range(2));
  params.max_epochs = 2;
  params.learning_rate = 0.001f;
  double updates = 0;
  double seconds = 0;
  for (auto _ : state) {
    absl::StatusOr<TrainResult> result = Train(Data(), params);
    updates += static_cast<double>(result->report.updates);
    seconds += result->report.seconds;
    state.SetIterationTime(result->report.seconds);
  }
  state.SetLabel(std::string(OrderName(params.order)));
  state.counters["updates/s"] = updates / seconds;
  state.counters["updates/s/thread"] = updates / seconds / params.threads;
}

void Args(benchmark::internal::Benchmark* b, bool threads) {
  for (int order = 0; order < 3; ++order) {
    for (int k : {32, 128}) {
      if (threads) {
        for (int t : {1, 2}) b->Args({order, k, t});
      } else {
        b->Args({order, k});
      }
    }
  }
}
BENCHMARK(BM_BareLoop)->Apply([](auto* b) { Args(b, false); }) -> Unit(benchmark::kMillisecond);
BENCHMARK(BM_Engine)->Apply([](auto* b) { Args(b, true); }) -> UseManualTime() -> Iterations(1)
    -> Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hogmf

BENCHMARK_MAIN();
