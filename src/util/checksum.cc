// Checksum64: four independent multiply-rotate lanes over 32-byte blocks,
// folded together at the end, so the lanes' multiplies overlap.
#include "util/checksum.h"

#include <cstring>

namespace hogmf::internal {
namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

uint64_t Mix(uint64_t lane, uint64_t word) {
  lane ^= word * 0xC2B2AE3D27D4EB4Full;
  lane = (lane << 31) | (lane >> 33);
  return lane * kMul;
}

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

void Checksum64::Update(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  total_ += size;
  while (size > 0) {
    if (pending_size_ == 0 && size >= 32) {
      for (int lane = 0; lane < 4; ++lane) lanes_[lane] = Mix(lanes_[lane], Load64(p + 8 * lane));
      p += 32;
      size -= 32;
      continue;
    }
    const size_t take = size < 32 - pending_size_ ? size : 32 - pending_size_;
    std::memcpy(pending_ + pending_size_, p, take);
    pending_size_ += take;
    p += take;
    size -= take;
    if (pending_size_ == 32) {
      for (int lane = 0; lane < 4; ++lane)
        lanes_[lane] = Mix(lanes_[lane], Load64(pending_ + 8 * lane));
      pending_size_ = 0;
    }
  }
}

uint64_t Checksum64::value() const {
  uint64_t lanes[4] = {lanes_[0], lanes_[1], lanes_[2], lanes_[3]};
  uint8_t tail[32] = {};
  std::memcpy(tail, pending_, pending_size_);
  for (int lane = 0; lane < 4; ++lane) lanes[lane] = Mix(lanes[lane], Load64(tail + 8 * lane));
  uint64_t h = total_ * kMul;
  for (uint64_t lane : lanes) {
    h ^= lane;
    h = ((h << 27) | (h >> 37)) * kMul + 0x52DCE729ull;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  return h;
}

}  // namespace hogmf::internal
