// The entry point of one libFuzzer executable: the target named by the
// HOGMF_FUZZ_TARGET definition (tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const hogmf::fuzz::TargetFunction target = [] {
    hogmf::fuzz::TargetFunction found = hogmf::fuzz::FindTarget(HOGMF_FUZZ_TARGET);
    if (found == nullptr) {
      std::fprintf(stderr, "no fuzz target %s\n", HOGMF_FUZZ_TARGET);
      std::abort();
    }
    return found;
  }();
  target(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
