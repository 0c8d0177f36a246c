// Kernel selection: the kernels this binary carries that this CPU can run, and
// the choice of one by name.
//
// Names: "scalar" (the reference), and one per instruction set, e.g. "avx512",
// "avx2", "sse4", "ssse3", "neon", "sve", "sve2", "emu128" (Highway's portable
// 128-bit emulation). The engine calls SelectKernel once and then only the
// kernel's plain function pointers, from any number of threads.
//
//   absl::StatusOr<hogmf::kernels::Kernel> kernel = hogmf::kernels::SelectKernel("auto");
//   if (!kernel.ok()) return kernel.status();
//   kernel->sgd_chunk(args, ratings, order, count);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/sgd_kernel.h"

namespace hogmf::kernels {

// Environment variable that overrides the choice of SelectKernel("auto").
inline constexpr char kIsaEnvVar[] = "HOGMF_ISA";

// Every kernel usable here, best first: one per Highway target that this
// binary compiled and this CPU supports (one per name: of two targets with the
// same name the better one), then "scalar".
std::vector<Kernel> AvailableKernels();

// "auto" or "": the first of AvailableKernels(), unless HOGMF_ISA is set to a
// name other than "auto", which is then selected as below. Any other name
// (ASCII case ignored): that kernel. kInvalidArgument, listing the available
// names, when the name is unknown or names a kernel this binary or CPU lacks.
absl::StatusOr<Kernel> SelectKernel(std::string_view name);

// The kernel name of a Highway target bit (HWY_AVX3 -> "avx512").
std::string HighwayTargetKernelName(int64_t target);

}  // namespace hogmf::kernels
