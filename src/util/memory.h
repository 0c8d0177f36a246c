// Memory: how much memory this process may use (physical memory, the cgroup
// limit, RLIMIT_AS: the smallest), handing freed memory back, and byte
// counts written for people.
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

// Hands the pages of freed heap memory back to the system (glibc's
// malloc_trim; nothing elsewhere). After a phase that allocated and freed
// many blocks of a few MB, such as the params' trials, glibc keeps those
// pages resident in its arenas, since freeing large blocks raises its mmap
// threshold; without this they add to the peak of what comes next.
void ReleaseFreedMemory();

// "512 B", "1.5 KiB", "7.50 GiB": three significant digits, binary units.
std::string FormatBytes(uint64_t bytes);

}  // namespace hogmf::internal
