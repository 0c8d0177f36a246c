// The Highway SGD kernels, one per instruction set compiled into this binary.
//
// sgd_highway.cc writes the chunk loops, the padded-row dot product and the
// fit pass (loss sums) once and Highway compiles them for every target; this
// header hands out plain function pointers per target so that nothing outside
// src/kernels sees Highway types. kernel_registry.cc filters the list by what
// the CPU runs and names the targets; the benchmark and the tests use the
// variant entries to switch prefetch and the k-specialised loops on and off.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hogmf/ratings.h"
#include "kernels/sgd_kernel.h"

namespace hogmf::kernels {

// SgdChunkFn with its tuning knobs exposed: `prefetch_distance` ratings ahead
// (0: no prefetch) and `specialise` (false: the runtime-k loop for every k).
using SgdChunkVariantFn = void (*)(const SgdArgs& args, const Rating* ratings,
                                   const uint32_t* order, size_t count, size_t prefetch_distance,
                                   bool specialise);

// LossSumFn with the same knobs (`specialise` applies to pointwise losses).
using LossSumVariantFn = LossSums (*)(const SgdArgs& args, const Rating* ratings, size_t count,
                                      size_t prefetch_distance, bool specialise);

struct HighwayKernel {
  int64_t target = 0;  // one HWY_* target bit, e.g. HWY_AVX2
  SgdChunkFn sgd_chunk = nullptr;
  DotFn dot = nullptr;
  SgdChunkVariantFn sgd_chunk_variant = nullptr;
  LossSumFn loss_sum = nullptr;
  LossSumVariantFn loss_sum_variant = nullptr;
};

// Every Highway target this binary compiled, best first, whether or not this
// CPU can run it (callers filter with hwy::SupportedTargets()).
std::vector<HighwayKernel> CompiledHighwayKernels();

// How many ratings ahead sgd_chunk prefetches P and Q rows (the rating record
// itself is prefetched twice as far ahead when an order array is given).
// Tuned with bench/kernel_bench.cc.
inline constexpr size_t kHighwayPrefetchDistance = 8;
// How many ratings ahead loss_sum prefetches P and Q rows. It does less
// work per rating than a step, so it looks further ahead (the distance sweep:
// docs/performance.md, Kernels).
inline constexpr size_t kHighwayLossPrefetchDistance = 12;

}  // namespace hogmf::kernels
