// Little-endian fields of hogmf's binary files (the binary ratings file, the
// model file), written once: stores and loads of u32, u64 and f32 at a byte
// address, and a reader that checks each field lies inside the file before
// loading it.
//
//   uint8_t header[16] = {};
//   PutU32(header + 8, version);
//   ...
//   const LittleEndianReader reader(path, "the hogmf model", data, size);
//   uint32_t version;
//   HOGMF_RETURN_IF_ERROR(reader.U32(8, &version));  // an error if the file ends first
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"

namespace hogmf::internal {

static_assert(std::endian::native == std::endian::little,
              "hogmf's binary files are read and written with little-endian memory copies");

inline void PutU32(void* at, uint32_t value) { std::memcpy(at, &value, sizeof(value)); }
inline void PutU64(void* at, uint64_t value) { std::memcpy(at, &value, sizeof(value)); }
inline void PutF32(void* at, float value) { std::memcpy(at, &value, sizeof(value)); }

inline uint32_t GetU32(const void* at) {
  uint32_t value;
  std::memcpy(&value, at, sizeof(value));
  return value;
}
inline uint64_t GetU64(const void* at) {
  uint64_t value;
  std::memcpy(&value, at, sizeof(value));
  return value;
}
inline float GetF32(const void* at) {
  float value;
  std::memcpy(&value, at, sizeof(value));
  return value;
}

// The same for code that walks fields of several types: T is uint32_t,
// uint64_t or float.
template <typename T>
void PutLittleEndian(void* at, T value) {
  static_assert(std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t> ||
                std::is_same_v<T, float>);
  std::memcpy(at, &value, sizeof(value));
}
template <typename T>
void GetLittleEndian(const void* at, T* value) {
  static_assert(std::is_same_v<T, uint32_t> || std::is_same_v<T, uint64_t> ||
                std::is_same_v<T, float>);
  std::memcpy(value, at, sizeof(T));
}

// Bounds-checked loads from one file's bytes. A field that does not lie
// wholly inside the bytes is kInvalidArgument, on one line that names the
// file and the offset where it ends:
//   "<path>: at byte <size>: the file is truncated: <what> ends inside the
//    4-byte field at byte <offset>; expected a complete file"
class LittleEndianReader {
 public:
  // `what` names the file's kind in messages ("the hogmf model"). The reader
  // refers to `path`, `what` and the bytes; they must outlive it.
  LittleEndianReader(std::string_view path, std::string_view what, const void* data, uint64_t size)
      : path_(path), what_(what), data_(static_cast<const uint8_t*>(data)), size_(size) {}

  absl::Status U32(uint64_t offset, uint32_t* value) const { return Load(offset, value); }
  absl::Status U64(uint64_t offset, uint64_t* value) const { return Load(offset, value); }
  absl::Status F32(uint64_t offset, float* value) const { return Load(offset, value); }

  uint64_t size() const { return size_; }

 private:
  template <typename T>
  absl::Status Load(uint64_t offset, T* value) const {
    if (offset > size_ || size_ - offset < sizeof(T)) return Truncated(offset, sizeof(T));
    std::memcpy(value, data_ + offset, sizeof(T));
    return absl::OkStatus();
  }
  absl::Status Truncated(uint64_t offset, size_t width) const;

  std::string_view path_;
  std::string_view what_;
  const uint8_t* data_;
  uint64_t size_;
};

}  // namespace hogmf::internal
