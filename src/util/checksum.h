// Checksum64: a fast 64-bit checksum of byte ranges for file integrity checks
// (not cryptographic). Streaming: feed ranges in order, read value().
#pragma once

#include <cstddef>
#include <cstdint>

namespace hogmf::internal {

class Checksum64 {
 public:
  void Update(const void* data, size_t size);
  uint64_t value() const;

 private:
  uint64_t lanes_[4] = {0x243F6A8885A308D3ull, 0x13198A2E03707344ull, 0xA4093822299F31D0ull,
                        0x082EFA98EC4E6C89ull};
  uint8_t pending_[32] = {};
  size_t pending_size_ = 0;
  uint64_t total_ = 0;
};

}  // namespace hogmf::internal
