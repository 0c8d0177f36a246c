// LEB128 varints, the one codec of hogmf's byte formats (the rated-items
// index, the model file): an unsigned integer in groups of 7 bits, low group
// first, each byte's high bit set when another byte follows. Values below 128
// take one byte; a uint32_t takes at most 5, a uint64_t at most 10.
//
//   uint8_t bytes[kMaxVarintBytes];
//   uint8_t* end = PutVarint(300, bytes);          // 2 bytes: 0xAC 0x02
//   const uint8_t* at = bytes;
//   uint64_t value;
//   bool ok = GetVarint(at, end, &value);         // value == 300, at == end
#pragma once

#include <cstddef>
#include <cstdint>

namespace hogmf::internal {

// Bytes of the longest encoding (a uint64_t); a uint32_t takes at most
// kMaxVarint32Bytes.
inline constexpr size_t kMaxVarintBytes = 10;
inline constexpr size_t kMaxVarint32Bytes = 5;

// The bytes PutVarint writes for `value`.
constexpr size_t VarintSize(uint64_t value) {
  size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

// Writes `value` at `out`, which has room for VarintSize(value) bytes;
// returns the end of what it wrote.
inline uint8_t* PutVarint(uint64_t value, uint8_t* out) {
  while (value >= 0x80) {
    *out++ = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<uint8_t>(value);
  return out;
}

// Reads one varint from [at, end) into *value and moves `at` past it. False,
// with *value unchanged, when the bytes end inside it or it does not fit in
// 64 bits; `at` is then unspecified.
inline bool GetVarint(const uint8_t*& at, const uint8_t* end, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at == end) return false;
    const uint8_t byte = *at++;
    if (shift == 63 && byte > 1) return false;  // more than 64 bits
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

}  // namespace hogmf::internal
