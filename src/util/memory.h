// Memory: how much memory this process may use (physical memory, the cgroup
// limit, RLIMIT_AS: the smallest), and byte counts written for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hogmf::internal {

struct MemoryLimit {
  uint64_t bytes = 0;
  // What sets the limit: "physical memory", "the cgroup memory limit" or
  // "the address-space limit (ulimit -v)".
  std::string_view source;
};

// The smallest of the machine's physical memory, the memory limit of this
// process's cgroup (v2 memory.max or v1 memory.limit_in_bytes) and the soft
// RLIMIT_AS. Read afresh on each call.
MemoryLimit AvailableMemory();

// "512 B", "1.5 KiB", "7.50 GiB": three significant digits, binary units.
std::string FormatBytes(uint64_t bytes);

}  // namespace hogmf::internal
