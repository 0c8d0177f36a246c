// Tests of util/varint.h: round trips at the byte boundaries of the encoding,
// the documented bytes, and rejection of truncated or overlong input.
#include "util/varint.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace hogmf::internal {
namespace {

std::vector<uint8_t> Encode(uint64_t value) {
  uint8_t bytes[kMaxVarintBytes];
  uint8_t* const end = PutVarint(value, bytes);
  return std::vector<uint8_t>(bytes, end);
}

TEST(VarintTest, RoundTripsAtEveryLength) {
  const uint64_t values[] = {0,
                             1,
                             127,
                             128,
                             255,
                             300,
                             16383,
                             16384,
                             UINT32_MAX,
                             uint64_t{1} << 32,
                             (uint64_t{1} << 63) - 1,
                             uint64_t{1} << 63,
                             UINT64_MAX};
  for (uint64_t value : values) {
    const std::vector<uint8_t> bytes = Encode(value);
    EXPECT_EQ(bytes.size(), VarintSize(value)) << value;
    const uint8_t* at = bytes.data();
    uint64_t decoded = 12345;
    ASSERT_TRUE(GetVarint(at, bytes.data() + bytes.size(), &decoded)) << value;
    EXPECT_EQ(decoded, value);
    EXPECT_EQ(at, bytes.data() + bytes.size()) << value;
  }
}

TEST(VarintTest, EncodesSevenBitsPerByteLowGroupFirst) {
  EXPECT_EQ(Encode(0), std::vector<uint8_t>({0x00}));
  EXPECT_EQ(Encode(127), std::vector<uint8_t>({0x7F}));
  EXPECT_EQ(Encode(128), std::vector<uint8_t>({0x80, 0x01}));
  EXPECT_EQ(Encode(300), std::vector<uint8_t>({0xAC, 0x02}));
  EXPECT_EQ(Encode(UINT32_MAX), std::vector<uint8_t>({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(Encode(UINT32_MAX).size(), kMaxVarint32Bytes);
  EXPECT_EQ(Encode(UINT64_MAX).size(), kMaxVarintBytes);
  EXPECT_EQ(Encode(UINT64_MAX).back(), 0x01);
}

TEST(VarintTest, DecodesConsecutiveValues) {
  std::vector<uint8_t> bytes;
  for (uint64_t v : {5ull, 128ull, 0ull, 1ull << 40}) {
    const std::vector<uint8_t> one = Encode(v);
    bytes.insert(bytes.end(), one.begin(), one.end());
  }
  const uint8_t* at = bytes.data();
  const uint8_t* const end = bytes.data() + bytes.size();
  std::vector<uint64_t> decoded;
  uint64_t value;
  while (at != end) {
    ASSERT_TRUE(GetVarint(at, end, &value));
    decoded.push_back(value);
  }
  EXPECT_EQ(decoded, std::vector<uint64_t>({5, 128, 0, uint64_t{1} << 40}));
}

TEST(VarintTest, RejectsTruncatedInput) {
  for (uint64_t value : {uint64_t{128}, uint64_t{UINT32_MAX}, UINT64_MAX}) {
    const std::vector<uint8_t> bytes = Encode(value);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      const uint8_t* at = bytes.data();
      uint64_t decoded = 7;
      EXPECT_FALSE(GetVarint(at, bytes.data() + cut, &decoded)) << value << " cut at " << cut;
      EXPECT_EQ(decoded, 7u);
    }
  }
}

TEST(VarintTest, RejectsMoreThan64Bits) {
  // Ten bytes whose last carries more than the 64th bit, and eleven bytes.
  std::vector<uint8_t> bytes(9, 0xFF);
  bytes.push_back(0x02);
  const uint8_t* at = bytes.data();
  uint64_t value;
  EXPECT_FALSE(GetVarint(at, bytes.data() + bytes.size(), &value));
  std::vector<uint8_t> longer(10, 0x80);
  longer.push_back(0x00);
  at = longer.data();
  EXPECT_FALSE(GetVarint(at, longer.data() + longer.size(), &value));
}

}  // namespace
}  // namespace hogmf::internal
