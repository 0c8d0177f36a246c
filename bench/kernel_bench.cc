// Throughput of the SGD kernels: updates per second of one thread, for every
// kernel this CPU runs and k in {8, 16, 32, 64, 128}.
//
// Netflix-like workload: 4M ratings over 480,189 users x 17,770 items, drawn
// with Zipf-like popularity (user weight 1/(rank + 1000), item weight
// 1/(rank + 100), ranks scattered over the ids by a random permutation), and
// visited in a random order handed to the kernel in chunks of 4096 indices,
// as the engine does. P does not fit in any cache (30 MB at k = 8, 245 MB at
// k = 128), so these numbers are mostly memory latency, which prefetching
// hides. The in-cache workload (1024 users x 512 items, 1M ratings visited
// in sequence; P and Q fit in L2 even at k = 128) measures the arithmetic
// alone, where loop shape and instruction choice show.
//
// Rates are per CPU second of the benchmark thread (the machine may be shared;
// wall time would count time spent descheduled).
//
// Families (filter with --benchmark_filter):
//   Sgd/<kernel>/k:<k>                   each kernel as the engine gets it
//                                        (the seed's step: squared loss, no biases)
//   SgdBiases/<kernel>/k:<k>             squared loss with user and item biases
//   SgdBiasesAdaGrad/<kernel>/k:<k>      the same with AdaGrad rates
//   SgdBprRow/<kernel>/k:<k>             bpr-row (one sampled negative item per rating)
//   SgdVariant/<target>-<variant>/k:<k>  Highway kernels with prefetch off
//                                        ("noprefetch") or without the
//                                        k-specialised loops ("generic")
//   PrefetchDistance/<target>/k:<k>/d:<d> prefetch distance sweep, best target
//   SgdHugePages/<target>/k:<k>          best target, P and Q in transparent
//                                        huge pages (FactorMatrix asks for none)
//   SgdInCache/<kernel>/k:<k>            the in-cache workload, every kernel
//                                        (also k = 256)
//   SgdInCacheBiasesAdaGrad/<kernel>/k:<k> the same with biases and AdaGrad
//                                        rates (the default model's step)
//   SgdInCacheVariant/<target>-generic/k:<k> the same without k-specialised loops
//
// On a shared machine, compare short interleaved repetitions by their best
// rate (updates/s "_max"; its "_median" is also reported):
//   kernel_bench --benchmark_repetitions=15 --benchmark_min_time=0.05
//     --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_data.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/loss.h"
#include "hogmf/ratings.h"
#include "hwy/targets.h"
#include "kernels/kernel_registry.h"
#include "kernels/sgd_highway.h"
#include "kernels/sgd_kernel.h"
#include "util/random.h"

namespace hogmf::kernels {
namespace {

constexpr size_t kChunk = 4096;
constexpr int kDims[] = {8, 16, 32, 64, 128};
// The in-cache workload also runs k = 256 (its rows still fit in L2).
constexpr int kInCacheDims[] = {8, 16, 32, 64, 128, 256};

using bench::ZipfLike;

enum class Workload { kNetflix, kNetflixHugePages, kInCache };

// What the step computes beside the seed's update.
enum class StepMode { kSeed, kBiases, kBiasesAdaGrad, kBprRow };

// The ratings of a workload, and the order to visit them in (empty: in sequence).
struct Data {
  uint32_t users = 0;
  uint32_t items = 0;
  std::vector<Rating> ratings;
  std::vector<uint32_t> order;
};

Data MakeNetflixLike() {
  Data d{480189, 17770, {}, {}};
  constexpr size_t kRatings = 4'000'000;
  internal::Rng rng(2024);
  const ZipfLike users(d.users, 1000.0, rng);
  const ZipfLike items(d.items, 100.0, rng);
  d.ratings.reserve(kRatings);
  for (size_t j = 0; j < kRatings; ++j) {
    d.ratings.push_back(
        Rating{users.Sample(rng), items.Sample(rng), static_cast<float>(1 + rng.Below(5))});
  }
  d.order.resize(kRatings);
  for (uint32_t j = 0; j < kRatings; ++j) d.order[j] = j;
  for (size_t j = kRatings - 1; j > 0; --j) std::swap(d.order[j], d.order[rng.Below(j + 1)]);
  return d;
}

Data MakeInCache() {
  Data d{1024, 512, {}, {}};
  constexpr size_t kRatings = 1'000'000;
  internal::Rng rng(2025);
  d.ratings.reserve(kRatings);
  for (size_t j = 0; j < kRatings; ++j) {
    d.ratings.push_back(Rating{static_cast<uint32_t>(rng.Below(d.users)),
                               static_cast<uint32_t>(rng.Below(d.items)),
                               static_cast<float>(1 + rng.Below(5))});
  }
  return d;
}

const Data& GetData(Workload workload) {
  static const Data* const netflix = new Data(MakeNetflixLike());
  static const Data* const in_cache = new Data(MakeInCache());
  return workload == Workload::kInCache ? *in_cache : *netflix;
}

// Uniform in [0, 2 sqrt(3.6 / k)), so p.q starts near a mean rating of 3.6.
void FillRows(float* data, uint32_t rows, size_t stride, int k, internal::Rng& rng) {
  const float scale = 2.0f * std::sqrt(3.6f / k);
  for (uint32_t r = 0; r < rows; ++r) {
    for (size_t d = 0; d < stride; ++d) {
      data[r * stride + d] = d < static_cast<size_t>(k) ? scale * rng.UniformFloat() : 0.0f;
    }
  }
}

// P and Q for one k, either FactorMatrix's (what the engine uses) or, to
// measure what transparent huge pages would bring, the same layout in 2 MiB
// aligned memory marked MADV_HUGEPAGE before its first touch.
class Factors {
 public:
  Factors(uint32_t users, uint32_t items, int k, bool huge_pages)
      : k_(k),
        stride_(FactorMatrix::StrideFor(k)),
        users_(users),
        items_(items),
        user_bias_(users, 0.0f),
        item_bias_(items, 0.0f),
        p_adagrad_(users, 1.0f),
        q_adagrad_(items, 1.0f) {
    internal::Rng rng(7, k);
    if (huge_pages) {
      p_ = HugeRows(users, rng);
      q_ = HugeRows(items, rng);
    } else {
      pm_ = FactorMatrix(users, k);
      qm_ = FactorMatrix(items, k);
      FillRows(pm_.data(), users, stride_, k, rng);
      FillRows(qm_.data(), items, stride_, k, rng);
      p_ = pm_.data();
      q_ = qm_.data();
    }
  }
  ~Factors() {
    if (pm_.data() == nullptr) {
      std::free(p_);
      std::free(q_);
    }
  }
  Factors(const Factors&) = delete;
  Factors& operator=(const Factors&) = delete;

  SgdArgs Args(StepMode mode) {
    SgdArgs args{p_, q_, stride_, k_, 0.002f, 0.05f, 0.05f};
    if (mode == StepMode::kBiases || mode == StepMode::kBiasesAdaGrad) {
      args.user_bias = user_bias_.data();
      args.item_bias = item_bias_.data();
      args.mean = 3.6f;
      args.l2_user_bias = args.l2_item_bias = 0.05f;
    }
    if (mode == StepMode::kBiasesAdaGrad) {
      args.p_adagrad = p_adagrad_.data();
      args.q_adagrad = q_adagrad_.data();
    }
    if (mode == StepMode::kBprRow) {
      args.loss = Loss::kBprRow;
      args.num_users = users_;
      args.num_items = items_;
      args.seed = 11;
    }
    return args;
  }

 private:
  float* HugeRows(uint32_t rows, internal::Rng& rng) const {
    constexpr size_t kHuge = size_t{2} << 20;
    const size_t bytes = (rows * stride_ * sizeof(float) + kHuge - 1) / kHuge * kHuge;
    auto* data = static_cast<float*>(std::aligned_alloc(kHuge, bytes));
    if (data == nullptr) std::abort();
    madvise(data, bytes, MADV_HUGEPAGE);
    FillRows(data, rows, stride_, k_, rng);
    return data;
  }

  int k_;
  size_t stride_;
  uint32_t users_;
  uint32_t items_;
  std::vector<float> user_bias_, item_bias_, p_adagrad_, q_adagrad_;
  FactorMatrix pm_, qm_;
  float* p_ = nullptr;
  float* q_ = nullptr;
};

// The factors of each (workload, k), made on first use and kept, so that
// benchmarks may run in any order (--benchmark_enable_random_interleaving).
Factors& GetFactors(Workload workload, int k) {
  static std::map<std::pair<Workload, int>, std::unique_ptr<Factors>> factors;
  std::unique_ptr<Factors>& f = factors[{workload, k}];
  if (f == nullptr) {
    const Data& data = GetData(workload);
    f = std::make_unique<Factors>(data.users, data.items, k,
                                  workload == Workload::kNetflixHugePages);
  }
  return *f;
}

// One iteration = one pass over all ratings in chunks, as the engine calls.
template <typename Fn>
void RunPasses(benchmark::State& state, Workload workload, StepMode mode, int k, Fn&& sgd_chunk) {
  const Data& data = GetData(workload);
  const SgdArgs args = GetFactors(workload, k).Args(mode);
  const size_t n = data.ratings.size();
  for (auto _ : state) {
    for (size_t begin = 0; begin < n; begin += kChunk) {
      const size_t count = std::min(kChunk, n - begin);
      if (data.order.empty()) {
        sgd_chunk(args, data.ratings.data() + begin, nullptr, count);
      } else {
        sgd_chunk(args, data.ratings.data(), data.order.data() + begin, count);
      }
    }
    benchmark::ClobberMemory();
  }
  const double updates = static_cast<double>(state.iterations()) * n;
  state.counters["updates/s"] = benchmark::Counter(updates, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(updates));
}

// Binds the knobs of a Highway variant into an SgdChunkFn-like callable.
auto Variant(SgdChunkVariantFn fn, size_t distance, bool specialise) {
  return [fn, distance, specialise](const SgdArgs& a, const Rating* r, const uint32_t* o,
                                    size_t n) { fn(a, r, o, n, distance, specialise); };
}

template <typename Fn>
void Register(const std::string& name, Workload workload, int k, Fn fn,
              StepMode mode = StepMode::kSeed) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [workload, mode, k, fn](benchmark::State& state) {
                                 RunPasses(state, workload, mode, k, fn);
                               })
      ->Unit(benchmark::kMillisecond)
      // With repetitions, "_max" of updates/s is the least disturbed run: other
      // processes only ever slow a run down.
      ->ComputeStatistics("max", [](const std::vector<double>& v) {
        return *std::max_element(v.begin(), v.end());
      });
}

std::string DimName(int k) { return "/k:" + std::to_string(k); }

void RegisterAll() {
  const std::vector<Kernel> kernels = AvailableKernels();
  std::vector<std::pair<std::string, HighwayKernel>> highway;
  for (const HighwayKernel& hk : CompiledHighwayKernels()) {
    if ((hwy::SupportedTargets() & hk.target) == 0) continue;
    highway.emplace_back(HighwayTargetKernelName(hk.target), hk);
  }
  for (int k : kDims) {
    const std::string dim = DimName(k);
    for (const Kernel& kernel : kernels) {
      Register("Sgd/" + kernel.name + dim, Workload::kNetflix, k, kernel.sgd_chunk);
    }
    for (const Kernel& kernel : kernels) {
      Register("SgdBiases/" + kernel.name + dim, Workload::kNetflix, k, kernel.sgd_chunk,
               StepMode::kBiases);
      Register("SgdBiasesAdaGrad/" + kernel.name + dim, Workload::kNetflix, k, kernel.sgd_chunk,
               StepMode::kBiasesAdaGrad);
      Register("SgdBprRow/" + kernel.name + dim, Workload::kNetflix, k, kernel.sgd_chunk,
               StepMode::kBprRow);
    }
    for (const auto& [name, hk] : highway) {
      const size_t d = kHighwayPrefetchDistance;
      Register("SgdVariant/" + name + "-noprefetch" + dim, Workload::kNetflix, k,
               Variant(hk.sgd_chunk_variant, 0, true));
      Register("SgdVariant/" + name + "-generic" + dim, Workload::kNetflix, k,
               Variant(hk.sgd_chunk_variant, d, false));
    }
    if (!highway.empty()) {
      const auto& [name, hk] = highway.front();
      for (size_t d : {0, 1, 2, 4, 6, 8, 12, 16, 24, 32}) {
        Register("PrefetchDistance/" + name + dim + "/d:" + std::to_string(d), Workload::kNetflix,
                 k, Variant(hk.sgd_chunk_variant, d, true));
      }
      Register("SgdHugePages/" + name + dim, Workload::kNetflixHugePages, k, hk.sgd_chunk);
    }
  }
  for (int k : kInCacheDims) {
    const std::string dim = DimName(k);
    for (const Kernel& kernel : kernels) {
      Register("SgdInCache/" + kernel.name + dim, Workload::kInCache, k, kernel.sgd_chunk);
    }
    for (const Kernel& kernel : kernels) {
      Register("SgdInCacheBiasesAdaGrad/" + kernel.name + dim, Workload::kInCache, k,
               kernel.sgd_chunk, StepMode::kBiasesAdaGrad);
    }
    for (const auto& [name, hk] : highway) {
      Register("SgdInCacheVariant/" + name + "-generic" + dim, Workload::kInCache, k,
               Variant(hk.sgd_chunk_variant, kHighwayPrefetchDistance, false));
    }
  }
}

}  // namespace
}  // namespace hogmf::kernels

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  hogmf::kernels::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
