// Throughput of SGD with P and Q stored in bfloat16 (fp32 arithmetic) against
// fp32 storage: updates per CPU second of one thread, k in {32, 64, 128}.
//
// Netflix-like workload (the recipe of kernel_bench): 4M ratings over 480,189
// users x 17,770 items, user weight 1/(rank + 1000), item weight
// 1/(rank + 100), ranks scattered over the ids. Three visiting orders, in
// chunks of 4096 as the engine hands them out:
//   shuffle  a random permutation of the ratings as an index array (the
//            kernel gathers the records from random places)
//   chunks   the array shuffled once, each chunk streamed
//   users    the array grouped by user (users in random order, each user's
//            ratings in random order), chunks visited in a random order
//            (the engine's user-chunks order: a chunk touches few P rows)
//
// Kernels (Bf16/<kernel>/<order>/k:<k>):
//   fp32-<isa>  the project's kernel from the registry (avx512 when the CPU
//               has it), fp32 rows
//   fp32-ctl    bf16_sgd.h's loop over fp32 rows: the control, same code
//               shape as the bf16 kernels
//   bf16-rne    bf16 rows, rounded to nearest even
//   bf16-sr     bf16 rows, stochastic rounding
// The bf16 kernels and the control are registered only when the CPU has
// AVX-512 BF16.
//
// The machine may be shared: compare medians of interleaved repetitions as
// ratios within one run,
//   bf16_bench --benchmark_repetitions=9 --benchmark_min_time=0.05
//     --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "bench_data.h"
#include "bf16_sgd.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/ratings.h"
#include "kernels/kernel_registry.h"
#include "kernels/sgd_kernel.h"
#include "util/random.h"

namespace hogmf::bf16 {

using ::hogmf::internal::Rng;

namespace {

constexpr size_t kChunk = 4096;
constexpr size_t kRatings = 4'000'000;
constexpr uint32_t kUsers = 480189;
constexpr uint32_t kItems = 17770;
constexpr int kDims[] = {32, 64, 128};

enum class Order { kShuffle, kChunks, kUsers };
constexpr Order kOrders[] = {Order::kShuffle, Order::kChunks, Order::kUsers};

const char* OrderName(Order order) {
  switch (order) {
    case Order::kShuffle:
      return "shuffle";
    case Order::kChunks:
      return "chunks";
    case Order::kUsers:
      return "users";
  }
  return "?";
}

using bench::ZipfLike;

template <typename T>
void Shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.Below(i)]);
}

// The ratings of one order and how to visit them: chunk c covers positions
// [c * kChunk, ...) of `ratings` (through `index` when it is not empty);
// chunks are visited in the order of `chunks`.
struct Workload {
  std::vector<Rating> ratings;
  std::vector<uint32_t> index;
  std::vector<uint32_t> chunks;
};

std::vector<Rating> NetflixLikeRatings() {
  Rng rng(2024);
  const ZipfLike users(kUsers, 1000.0, rng);
  const ZipfLike items(kItems, 100.0, rng);
  std::vector<Rating> ratings;
  ratings.reserve(kRatings);
  for (size_t j = 0; j < kRatings; ++j) {
    ratings.push_back(
        Rating{users.Sample(rng), items.Sample(rng), static_cast<float>(1 + rng.Below(5))});
  }
  return ratings;
}

Workload MakeWorkload(Order order) {
  Workload w;
  w.ratings = NetflixLikeRatings();
  Rng rng(2025, static_cast<uint64_t>(order));
  const size_t n = w.ratings.size();
  switch (order) {
    case Order::kShuffle:
      w.index.resize(n);
      for (uint32_t j = 0; j < n; ++j) w.index[j] = j;
      Shuffle(w.index, rng);
      break;
    case Order::kChunks:
      Shuffle(w.ratings, rng);
      break;
    case Order::kUsers: {
      Shuffle(w.ratings, rng);  // each user's ratings in random order
      std::vector<uint32_t> rank(kUsers);
      for (uint32_t u = 0; u < kUsers; ++u) rank[u] = u;
      Shuffle(rank, rng);  // users in random order
      std::stable_sort(w.ratings.begin(), w.ratings.end(), [&](const Rating& a, const Rating& b) {
        return rank[a.user] < rank[b.user];
      });
      break;
    }
  }
  w.chunks.resize((n + kChunk - 1) / kChunk);
  for (uint32_t c = 0; c < w.chunks.size(); ++c) w.chunks[c] = c;
  if (order == Order::kUsers) Shuffle(w.chunks, rng);
  return w;
}

const Workload& GetWorkload(Order order) {
  static std::map<Order, std::unique_ptr<Workload>> workloads;
  std::unique_ptr<Workload>& w = workloads[order];
  if (w == nullptr) w = std::make_unique<Workload>(MakeWorkload(order));
  return *w;
}

// Uniform in [0, 2 sqrt(3.6 / k)), so p.q starts near a mean rating of 3.6.
FactorMatrix RandomFactors(uint32_t rows, int k, uint64_t seed) {
  Rng rng(seed, static_cast<uint64_t>(k));
  FactorMatrix m(rows, k);
  const float scale = 2.0f * std::sqrt(3.6f / k);
  for (uint32_t r = 0; r < rows; ++r) {
    for (int d = 0; d < k; ++d) m.row(r)[d] = scale * rng.UniformFloat();
  }
  return m;
}

// P and Q of one k in both formats, from the same random values; made on
// first use and kept, so that benchmarks may run in any order.
struct Factors {
  explicit Factors(int k)
      : k(k),
        p(RandomFactors(kUsers, k, /*seed=*/7)),
        q(RandomFactors(kItems, k, /*seed=*/8)),
        p16(p),
        q16(q) {}
  int k;
  FactorMatrix p, q;
  Bf16Matrix p16, q16;
};

Factors& GetFactors(int k) {
  static std::map<int, std::unique_ptr<Factors>> factors;
  std::unique_ptr<Factors>& f = factors[k];
  if (f == nullptr) f = std::make_unique<Factors>(k);
  return *f;
}

constexpr float kLearningRate = 0.002f;
constexpr float kL2 = 0.05f;

// One iteration = one pass over all ratings in chunks, as the engine calls.
template <typename ChunkFn>
void RunPasses(benchmark::State& state, Order order, ChunkFn&& chunk_fn) {
  const Workload& w = GetWorkload(order);
  const size_t n = w.ratings.size();
  for (auto _ : state) {
    for (uint32_t c : w.chunks) {
      const size_t begin = static_cast<size_t>(c) * kChunk;
      const size_t count = std::min(kChunk, n - begin);
      if (w.index.empty()) {
        chunk_fn(w.ratings.data() + begin, nullptr, count);
      } else {
        chunk_fn(w.ratings.data(), w.index.data() + begin, count);
      }
    }
    benchmark::ClobberMemory();
  }
  const double updates = static_cast<double>(state.iterations()) * n;
  state.counters["updates/s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(updates));
}

template <typename ChunkFn>
void Register(const std::string& kernel, Order order, int k, ChunkFn make_chunk_fn) {
  const std::string name = "Bf16/" + kernel + "/" + OrderName(order) + "/k:" + std::to_string(k);
  benchmark::RegisterBenchmark(name.c_str(), [order, k, make_chunk_fn](benchmark::State& state) {
    RunPasses(state, order, make_chunk_fn(GetFactors(k)));
  })->Unit(benchmark::kMillisecond);
}

template <Format F>
void RegisterOwn(const std::string& kernel, Order order, int k) {
  Register(kernel, order, k, [](Factors& f) {
    return [&f, rounding = std::make_shared<RoundingState>(99)](const Rating* r, const uint32_t* o,
                                                                size_t n) {
      if constexpr (F == Format::kFp32) {
        const RowArgs<float> args{f.p.data(), f.q.data(), f.p.stride(), f.k, kLearningRate, kL2};
        SgdChunk<F>(args, r, o, n, rounding.get());
      } else {
        const RowArgs<uint16_t> args{f.p16.data(), f.q16.data(),  f.p16.stride(),
                                     f.k,          kLearningRate, kL2};
        SgdChunk<F>(args, r, o, n, rounding.get());
      }
    };
  });
}

void RegisterAll() {
  absl::StatusOr<kernels::Kernel> fp32 = kernels::SelectKernel("avx512");
  if (!fp32.ok()) fp32 = kernels::SelectKernel("auto");
  const kernels::Kernel kernel = *fp32;
  const bool bf16 = CpuHasBf16();
  if (!bf16) std::fprintf(stderr, "bf16_bench: this CPU lacks AVX-512 BF16; fp32 kernel only\n");
  for (int k : kDims) {
    for (Order order : kOrders) {
      Register("fp32-" + kernel.name, order, k, [kernel](Factors& f) {
        return [&f, kernel](const Rating* r, const uint32_t* o, size_t n) {
          const kernels::SgdArgs args{f.p.data(),    f.q.data(), f.p.stride(), f.k,
                                      kLearningRate, kL2,        kL2};
          kernel.sgd_chunk(args, r, o, n);
        };
      });
      if (!bf16) continue;
      RegisterOwn<Format::kFp32>("fp32-ctl", order, k);
      RegisterOwn<Format::kBf16Nearest>("bf16-rne", order, k);
      RegisterOwn<Format::kBf16Stochastic>("bf16-sr", order, k);
    }
  }
}

}  // namespace
}  // namespace hogmf::bf16

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  hogmf::bf16::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
