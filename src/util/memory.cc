// AvailableMemory and FormatBytes over sysconf, /sys/fs/cgroup and getrlimit.
#include "util/memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/str_format.h"

namespace hogmf::internal {
namespace {

// A cgroup limit file's value: a byte count, or nullopt for "max", a missing
// file or a v1 "no limit" (a huge number).
std::optional<uint64_t> ReadLimitFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value >= (uint64_t{1} << 62)) return std::nullopt;
  return value;
}

// The folder of this process's cgroup under /sys/fs/cgroup (v2: the "0::"
// line of /proc/self/cgroup), or "" when unknown.
std::string CgroupV2Folder() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return "/sys/fs/cgroup" + line.substr(3);
  }
  return "";
}

std::optional<uint64_t> CgroupLimit() {
  const std::string folder = CgroupV2Folder();
  if (!folder.empty()) {
    if (std::optional<uint64_t> v2 = ReadLimitFile(folder + "/memory.max")) return v2;
  }
  if (std::optional<uint64_t> root = ReadLimitFile("/sys/fs/cgroup/memory.max")) return root;
  return ReadLimitFile("/sys/fs/cgroup/memory/memory.limit_in_bytes");
}

}  // namespace

MemoryLimit AvailableMemory() {
  MemoryLimit limit{static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                        static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)),
                    "physical memory"};
  if (std::optional<uint64_t> cgroup = CgroupLimit(); cgroup && *cgroup < limit.bytes) {
    limit = {*cgroup, "the cgroup memory limit"};
  }
  struct rlimit address_space;
  if (::getrlimit(RLIMIT_AS, &address_space) == 0 && address_space.rlim_cur != RLIM_INFINITY &&
      address_space.rlim_cur < limit.bytes) {
    limit = {static_cast<uint64_t>(address_space.rlim_cur), "the address-space limit (ulimit -v)"};
  }
  return limit;
}

void ReleaseFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrFormat("%d B", bytes);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 5) {
    value /= 1024.0;
    ++unit;
  }
  const int decimals = value >= 100.0 ? 0 : (value >= 10.0 ? 1 : 2);
  return absl::StrFormat("%.*f %s", decimals, value, kUnits[unit]);
}

}  // namespace hogmf::internal
