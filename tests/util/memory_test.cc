// Tests of AvailableMemory (the limits it reads) and FormatBytes.
#include "util/memory.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>

namespace hogmf::internal {
namespace {

TEST(MemoryTest, AvailableMemoryIsAtMostThePhysicalMemory) {
  const uint64_t physical = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                            static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const MemoryLimit limit = AvailableMemory();
  EXPECT_GT(limit.bytes, 0u);
  EXPECT_LE(limit.bytes, physical);
  EXPECT_FALSE(limit.source.empty());
}

// Exits 0 when a 1 GiB RLIMIT_AS becomes the available memory.
[[noreturn]] void ExitWithAddressSpaceLimitCheck() {
  const rlim_t one_gib = rlim_t{1} << 30;
  struct rlimit limit;
  limit.rlim_cur = one_gib;
  limit.rlim_max = RLIM_INFINITY;
  if (::setrlimit(RLIMIT_AS, &limit) != 0) std::_Exit(3);
  const MemoryLimit available = AvailableMemory();
  std::_Exit(available.bytes <= one_gib && available.source == "the address-space limit (ulimit -v)"
                 ? 0
                 : 1);
}

TEST(MemoryTest, AnAddressSpaceLimitLowersIt) {
  // In a child process, so the limit does not reach the other tests.
  EXPECT_EXIT(ExitWithAddressSpaceLimitCheck(), ::testing::ExitedWithCode(0), "");
}

TEST(MemoryTest, FormatBytesUsesBinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(uint64_t{10} << 20), "10.0 MiB");
  EXPECT_EQ(FormatBytes(uint64_t{256} << 30), "256 GiB");
  EXPECT_EQ(FormatBytes(UINT64_MAX), "16.0 EiB");
}

}  // namespace
}  // namespace hogmf::internal
