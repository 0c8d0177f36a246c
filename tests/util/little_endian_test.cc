// Tests of util/little_endian.h: the byte order of stores and loads (named and
// typed), and the reader's bounds checks and message.
#include "util/little_endian.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>

#include "testing/status_matchers.h"

namespace hogmf::internal {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

TEST(LittleEndianTest, StoresLowByteFirst) {
  uint8_t bytes[12] = {};
  PutU32(bytes, 0x04030201u);
  PutU64(bytes + 4, 0x0C0B0A0908070605ull);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(bytes[i], i + 1) << i;
  EXPECT_EQ(GetU32(bytes), 0x04030201u);
  EXPECT_EQ(GetU64(bytes + 4), 0x0C0B0A0908070605ull);
  PutF32(bytes, 1.0f);  // 0x3F800000
  EXPECT_EQ(bytes[0], 0x00);
  EXPECT_EQ(bytes[3], 0x3F);
  EXPECT_EQ(GetF32(bytes), 1.0f);
  PutF32(bytes + 1, -std::numeric_limits<float>::infinity());  // unaligned
  EXPECT_EQ(GetF32(bytes + 1), -std::numeric_limits<float>::infinity());
}

TEST(LittleEndianTest, TypedStoresAndLoadsMatchTheNamedOnes) {
  uint8_t named[16] = {}, typed[16] = {};
  PutU32(named, 0xA1B2C3D4u);
  PutU64(named + 4, 0x0102030405060708ull);
  PutF32(named + 12, -3.25f);
  PutLittleEndian(typed, uint32_t{0xA1B2C3D4u});
  PutLittleEndian(typed + 4, uint64_t{0x0102030405060708ull});
  PutLittleEndian(typed + 12, -3.25f);
  EXPECT_EQ(std::memcmp(named, typed, sizeof(named)), 0);
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  float f32 = 0;
  GetLittleEndian(typed, &u32);
  GetLittleEndian(typed + 4, &u64);
  GetLittleEndian(typed + 12, &f32);
  EXPECT_EQ(u32, 0xA1B2C3D4u);
  EXPECT_EQ(u64, 0x0102030405060708ull);
  EXPECT_EQ(f32, -3.25f);
}

TEST(LittleEndianReaderTest, ReadsFieldsInsideTheBytes) {
  uint8_t bytes[16] = {};
  PutU32(bytes, 7);
  PutU64(bytes + 4, 1ull << 40);
  PutF32(bytes + 12, 2.5f);
  const LittleEndianReader reader("some/file", "the test file", bytes, sizeof(bytes));
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  float f32 = 0;
  ASSERT_THAT(reader.U32(0, &u32), IsOk());
  ASSERT_THAT(reader.U64(4, &u64), IsOk());
  ASSERT_THAT(reader.F32(12, &f32), IsOk());
  EXPECT_EQ(u32, 7u);
  EXPECT_EQ(u64, 1ull << 40);
  EXPECT_EQ(f32, 2.5f);
  EXPECT_EQ(reader.size(), 16u);
}

TEST(LittleEndianReaderTest, AFieldPastTheEndIsAnErrorNamingFileAndOffsets) {
  uint8_t bytes[10] = {};
  const LittleEndianReader reader("some/file", "the test file", bytes, sizeof(bytes));
  uint32_t u32 = 99;
  uint64_t u64 = 99;
  EXPECT_THAT(reader.U32(8, &u32),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "some/file: at byte 10: the file is truncated: the test file ends inside "
                       "the 4-byte field at byte 8; expected a complete file"));
  EXPECT_EQ(u32, 99u);
  EXPECT_THAT(reader.U64(3, &u64),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("8-byte field at byte 3")));
  EXPECT_THAT(reader.U32(std::numeric_limits<uint64_t>::max() - 1, &u32),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(reader.U32(6, &u32), IsOk());
  const LittleEndianReader empty("empty", "the empty file", nullptr, 0);
  EXPECT_THAT(empty.U32(0, &u32), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace hogmf::internal
