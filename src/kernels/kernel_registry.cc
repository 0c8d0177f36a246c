// Kernel selection: maps Highway's target bits to kernel names, filters them by
// what the CPU runs, and resolves a requested name (or HOGMF_ISA) to a kernel.
#include "kernels/kernel_registry.h"

#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "hwy/targets.h"
#include "kernels/sgd_highway.h"

namespace hogmf::kernels {
namespace {

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Names a kernel may have on some build or CPU; used to tell "not available
// here" from "no such kernel" in error messages.
bool IsKnownName(std::string_view name) {
  static constexpr std::string_view kKnown[] = {"scalar", "avx512",    "avx2", "sse4",
                                                "ssse3",  "neon",      "sve",  "sve2",
                                                "rvv",    "ppc8",      "wasm", "wasm-emu256",
                                                "emu128", "scalar-hwy"};
  for (std::string_view known : kKnown) {
    if (name == known) return true;
  }
  return false;
}

std::string NameList(const std::vector<Kernel>& kernels) {
  std::string list;
  for (const Kernel& kernel : kernels) {
    if (!list.empty()) list += ", ";
    list += kernel.name;
  }
  return list;
}

absl::StatusOr<Kernel> FindByName(const std::string& name) {
  std::vector<Kernel> kernels = AvailableKernels();
  for (Kernel& kernel : kernels) {
    if (kernel.name == name) return std::move(kernel);
  }
  const std::string why =
      IsKnownName(name) ? "is not available on this CPU or in this build" : "is not a known kernel";
  return absl::InvalidArgumentError("kernel \"" + name + "\" " + why +
                                    "; available: " + NameList(kernels));
}

}  // namespace

std::string HighwayTargetKernelName(int64_t target) {
  switch (target) {
    case HWY_AVX3_DL:
    case HWY_AVX3:
      return "avx512";
    case HWY_AVX2:
      return "avx2";
    case HWY_SSE4:
      return "sse4";
    case HWY_SSSE3:
      return "ssse3";
    case HWY_NEON:
      return "neon";
    case HWY_SVE:
    case HWY_SVE_256:
      return "sve";
    case HWY_SVE2:
    case HWY_SVE2_128:
      return "sve2";
    case HWY_RVV:
      return "rvv";
    case HWY_PPC8:
      return "ppc8";
    case HWY_WASM:
      return "wasm";
    case HWY_WASM_EMU256:
      return "wasm-emu256";
    case HWY_EMU128:
      return "emu128";
    case HWY_SCALAR:
      return "scalar-hwy";
    default:
      return AsciiLower(hwy::TargetName(target));
  }
}

std::vector<Kernel> AvailableKernels() {
  const int64_t supported = hwy::SupportedTargets();
  std::vector<Kernel> kernels;
  for (const HighwayKernel& hk : CompiledHighwayKernels()) {
    if ((supported & hk.target) == 0) continue;
    std::string name = HighwayTargetKernelName(hk.target);
    bool taken = false;
    for (const Kernel& kernel : kernels) taken = taken || kernel.name == name;
    if (!taken) kernels.push_back(Kernel{std::move(name), hk.sgd_chunk, hk.dot, hk.loss_sum});
  }
  kernels.push_back(ScalarKernel());
  return kernels;
}

absl::StatusOr<Kernel> SelectKernel(std::string_view name) {
  std::string wanted = AsciiLower(name);
  if (wanted.empty() || wanted == "auto") {
    const char* env = std::getenv(kIsaEnvVar);
    wanted = env != nullptr ? AsciiLower(env) : "";
    if (wanted.empty() || wanted == "auto") return AvailableKernels().front();
    absl::StatusOr<Kernel> kernel = FindByName(wanted);
    if (!kernel.ok()) {
      return absl::InvalidArgumentError(std::string(kIsaEnvVar) + ": " +
                                        std::string(kernel.status().message()));
    }
    return kernel;
  }
  return FindByName(wanted);
}

}  // namespace hogmf::kernels
