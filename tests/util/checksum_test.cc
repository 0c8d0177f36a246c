// Tests of util/checksum.h: the value depends on every byte and on the length,
// not on how the bytes are split between Update calls.
#include "util/checksum.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace hogmf::internal {
namespace {

uint64_t ChecksumOf(const std::string& bytes) {
  Checksum64 checksum;
  checksum.Update(bytes.data(), bytes.size());
  return checksum.value();
}

std::string Bytes(size_t n) {
  std::string bytes(n, '\0');
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<char>((i * 131 + 7) & 0xFF);
  return bytes;
}

TEST(Checksum64Test, SplittingTheInputDoesNotChangeTheValue) {
  const std::string bytes = Bytes(200);
  const uint64_t whole = ChecksumOf(bytes);
  for (size_t first : {0, 1, 7, 31, 32, 33, 64, 100, 199, 200}) {
    for (size_t second : {0, 1, 5, 32, 40}) {
      if (first + second > bytes.size()) continue;
      Checksum64 checksum;
      checksum.Update(bytes.data(), first);
      checksum.Update(bytes.data() + first, second);
      checksum.Update(bytes.data() + first + second, bytes.size() - first - second);
      EXPECT_EQ(checksum.value(), whole) << first << " " << second;
    }
  }
}

TEST(Checksum64Test, EveryByteAndTheLengthCount) {
  const std::string bytes = Bytes(100);
  const uint64_t original = ChecksumOf(bytes);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string changed = bytes;
    changed[i] = static_cast<char>(changed[i] ^ 1);
    EXPECT_NE(ChecksumOf(changed), original) << i;
  }
  // Zero bytes appended change the value (the length is part of it).
  EXPECT_NE(ChecksumOf(std::string(5, '\0')), ChecksumOf(std::string(6, '\0')));
  EXPECT_NE(ChecksumOf(""), ChecksumOf(std::string(1, '\0')));
}

TEST(Checksum64Test, ValueCanBeReadMidway) {
  const std::string bytes = Bytes(80);
  Checksum64 checksum;
  checksum.Update(bytes.data(), 40);
  EXPECT_EQ(checksum.value(), ChecksumOf(bytes.substr(0, 40)));
  checksum.Update(bytes.data() + 40, 40);
  EXPECT_EQ(checksum.value(), ChecksumOf(bytes));
}

}  // namespace
}  // namespace hogmf::internal
