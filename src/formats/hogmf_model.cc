// SaveModel and LoadModel: hogmf's native binary model format.
//
// Layout, every integer and float little-endian, no padding between fields:
//
//   header   208 bytes  magic "HOGMFMDL", version, header size, file size,
//                       flags, k, num_users, num_items, mean, and a table of
//                       ten sections (offset and size in bytes of each)
//   sections            user factors   num_users rows of k float32
//                       item factors   num_items rows of k float32
//                       user seen      bitmap, bit u of byte u/8 (LSB first)
//                       item seen      bitmap
//                       user ids       empty for an identity map, else each id
//                                      as varint length + bytes, by index
//                       item ids       same
//                       rated items    empty unless kept: varint total, then per
//                                      user a varint count and the sorted item
//                                      indices, first as is, then differences
//                       user biases    empty unless the model has biases, else
//                                      num_users float32
//                       item biases    same, num_items float32
//                       training       28 bytes: the loss as LIBMF's -f code
//                                      (uint32), min and max training value,
//                                      the L2 weights of P, Q, b_u and b_i
//                                      (float32 each)
//   trailer   16 bytes  Checksum64 of every byte before the trailer, then
//                       the end marker "HOGMFEND"
//
// Varints are LEB128 (7 bits per byte, low group first). Loading checks the
// magic, version, sizes and checksum first, then every section's bounds and
// contents against the header, so arbitrary bytes yield an error, never a
// crash or an oversized allocation. Version 1 files (a 160-byte header with
// the first seven sections) still load: no biases, squared loss, no
// clipping, zero L2 weights. LoadModel also recognizes LIBMF's text model (a
// file starting with "f ") and reads it with ImportLibmfModel.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hogmf/loss.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "model/model_internal.h"
#include "util/checksum.h"
#include "util/file.h"
#include "util/little_endian.h"
#include "util/status_macros.h"
#include "util/varint.h"

namespace hogmf {
namespace {

using internal::GetF32;
using internal::GetU32;
using internal::GetU64;
using internal::PutF32;
using internal::PutU32;
using internal::PutU64;
using internal::VarintSize;

constexpr std::string_view kMagic = "HOGMFMDL";
constexpr std::string_view kEndMagic = "HOGMFEND";
constexpr uint32_t kVersion = 2;
constexpr size_t kNumSections = 10;
constexpr size_t kNumSectionsV1 = 7;
constexpr size_t HeaderSizeFor(size_t num_sections) { return 48 + num_sections * 16; }
constexpr size_t kHeaderSize = HeaderSizeFor(kNumSections);
constexpr size_t kHeaderSizeV1 = HeaderSizeFor(kNumSectionsV1);
constexpr size_t kTrailerSize = 16;
static_assert(kHeaderSize == 208 && kHeaderSizeV1 == 160);

// Header field offsets.
constexpr size_t kVersionAt = 8;
constexpr size_t kHeaderSizeAt = 12;
constexpr size_t kFileSizeAt = 16;
constexpr size_t kFlagsAt = 24;
constexpr size_t kKAt = 28;
constexpr size_t kNumUsersAt = 32;
constexpr size_t kNumItemsAt = 36;
constexpr size_t kMeanAt = 40;
constexpr size_t kReservedAt = 44;
constexpr size_t kSectionsAt = 48;

// Flags.
constexpr uint32_t kUserIdsIdentity = 1u << 0;
constexpr uint32_t kItemIdsIdentity = 1u << 1;
constexpr uint32_t kHasRatedItems = 1u << 2;
constexpr uint32_t kHasBiases = 1u << 3;  // version 2
constexpr uint32_t kClips = 1u << 4;      // version 2
constexpr uint32_t kKnownFlagsV1 = kUserIdsIdentity | kItemIdsIdentity | kHasRatedItems;
constexpr uint32_t kKnownFlags = kKnownFlagsV1 | kHasBiases | kClips;

// The training section: offsets of its fields.
constexpr size_t kLossCodeAt = 0;
constexpr size_t kMinValueAt = 4;
constexpr size_t kMaxValueAt = 8;
constexpr size_t kL2At = 12;  // l2_p, l2_q, l2_user_bias, l2_item_bias
constexpr size_t kTrainingBytes = 28;

// Limits a valid file stays within.
constexpr uint32_t kMaxK = 1u << 20;
constexpr uint32_t kMaxRows = kUnknownIndex - 1;

enum Section : size_t {
  kUserFactors,
  kItemFactors,
  kUserSeen,
  kItemSeen,
  kUserIds,
  kItemIds,
  kRatedItems,
  kUserBiases,  // version 2 on
  kItemBiases,
  kTraining,
};
constexpr const char* kSectionNames[kNumSections] = {
    "user factors", "item factors", "user seen flags", "item seen flags", "user ids",
    "item ids",     "rated items",  "user biases",     "item biases",     "training section",
};

struct SectionRange {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// ---------------------------------------------------------------------------
// Encoding helpers.

uint64_t BitmapBytes(uint32_t rows) { return (static_cast<uint64_t>(rows) + 7) / 8; }

uint64_t FactorBytes(uint32_t rows, uint32_t k) {
  return static_cast<uint64_t>(rows) * k * sizeof(float);
}

uint64_t BiasBytes(uint32_t rows, bool has_biases) {
  return has_biases ? static_cast<uint64_t>(rows) * sizeof(float) : 0;
}

constexpr const char* kL2Names[4] = {"l2_p", "l2_q", "l2_user_bias", "l2_item_bias"};

// The training fields a file may hold: a finite value range (min <= max when
// the model clips) and finite, non-negative L2 weights. Returns what is wrong,
// or an empty string.
std::string TrainingFieldsProblem(float min_value, float max_value, bool clips,
                                  const float (&l2)[4]) {
  if (!std::isfinite(min_value) || !std::isfinite(max_value)) {
    return absl::StrCat("the value range [", min_value, ", ", max_value, "] is not finite");
  }
  if (clips && min_value > max_value) {
    return absl::StrCat("the clipping range [", min_value, ", ", max_value, "] is empty");
  }
  for (size_t w = 0; w < 4; ++w) {
    if (!std::isfinite(l2[w]) || l2[w] < 0.0f) {
      return absl::StrCat(kL2Names[w], " = ", l2[w], " is not a finite weight >= 0");
    }
  }
  return "";
}

// ---------------------------------------------------------------------------
// Writing.

// Buffers bytes, feeds them to the checksum and to the file.
class ChecksummedWriter {
 public:
  explicit ChecksummedWriter(internal::AtomicFileWriter* out) : out_(out) {
    buffer_.reserve(kBufferSize);
  }

  void Write(const void* data, size_t size) {
    if (size >= kBufferSize) {
      Flush();
      checksum_.Update(data, size);
      out_->Write(data, size);
      return;
    }
    if (buffer_.size() + size > kBufferSize) Flush();
    buffer_.append(static_cast<const char*>(data), size);
  }
  void WriteVarint(uint64_t value) {
    uint8_t bytes[internal::kMaxVarintBytes];
    Write(bytes, static_cast<size_t>(internal::PutVarint(value, bytes) - bytes));
  }
  void Flush() {
    if (buffer_.empty()) return;
    checksum_.Update(buffer_.data(), buffer_.size());
    out_->Write(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  // Flushes and returns the checksum of everything written.
  uint64_t Finish() {
    Flush();
    return checksum_.value();
  }

 private:
  static constexpr size_t kBufferSize = 1 << 16;
  internal::AtomicFileWriter* out_;
  std::string buffer_;
  internal::Checksum64 checksum_;
};

uint64_t IdTableBytes(const IdMap& ids) {
  if (ids.is_identity()) return 0;
  uint64_t bytes = 0;
  for (const std::string& id : ids.names()) bytes += VarintSize(id.size()) + id.size();
  return bytes;
}

// Size of the rated items section; fails when an item is not an index inside
// the item map.
absl::StatusOr<uint64_t> RatedItemsBytes(const Model& model, const std::string& path) {
  if (!model.has_rated_items()) return 0;
  const RatedItems& rated = model.rated_items();
  uint64_t bytes = VarintSize(rated.num_entries());
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    uint64_t count = 0;
    uint32_t previous = 0;
    uint32_t out_of_range = 0;
    rated.ForEachItem(u, [&](uint32_t item) {
      bytes += VarintSize(item - previous);
      if (item >= model.num_items()) ++out_of_range;
      previous = item;
      ++count;
    });
    if (out_of_range > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot save: the rated items of user ", u,
                       " are not item indices below ", model.num_items()));
    }
    bytes += VarintSize(count);
  }
  return bytes;
}

void WriteFactors(const FactorMatrix& m, ChecksummedWriter& out) {
  const size_t row_bytes = static_cast<size_t>(m.k()) * sizeof(float);
  for (uint32_t r = 0; r < m.rows(); ++r) out.Write(m.row(r), row_bytes);
}

void WriteBitmap(uint32_t rows, bool (Model::*seen)(uint32_t) const, const Model& model,
                 ChecksummedWriter& out) {
  uint8_t byte = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    if ((model.*seen)(r)) byte |= static_cast<uint8_t>(1u << (r % 8));
    if (r % 8 == 7) {
      out.Write(&byte, 1);
      byte = 0;
    }
  }
  if (rows % 8 != 0) out.Write(&byte, 1);
}

void WriteIdTable(const IdMap& ids, ChecksummedWriter& out) {
  if (ids.is_identity()) return;
  for (const std::string& id : ids.names()) {
    out.WriteVarint(id.size());
    out.Write(id.data(), id.size());
  }
}

void WriteBiases(const Model& model, const std::vector<float>& biases, ChecksummedWriter& out) {
  if (model.has_biases()) out.Write(biases.data(), biases.size() * sizeof(float));
}

void WriteTraining(const Model& model, ChecksummedWriter& out) {
  uint8_t bytes[kTrainingBytes] = {};
  PutU32(bytes + kLossCodeAt, static_cast<uint32_t>(LibmfLossCode(model.loss())));
  PutF32(bytes + kMinValueAt, model.min_value());
  PutF32(bytes + kMaxValueAt, model.max_value());
  const float l2[4] = {model.l2_p(), model.l2_q(), model.l2_user_bias(), model.l2_item_bias()};
  for (size_t w = 0; w < 4; ++w) PutF32(bytes + kL2At + 4 * w, l2[w]);
  out.Write(bytes, sizeof(bytes));
}

void WriteRatedItems(const Model& model, ChecksummedWriter& out) {
  if (!model.has_rated_items()) return;
  const RatedItems& rated = model.rated_items();
  out.WriteVarint(rated.num_entries());
  std::vector<uint32_t> items;
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    rated.Decode(u, &items);
    out.WriteVarint(items.size());
    for (size_t j = 0; j < items.size(); ++j) {
      out.WriteVarint(j == 0 ? items[j] : items[j] - items[j - 1]);
    }
  }
}

// ---------------------------------------------------------------------------
// Reading.

absl::Status FileError(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::Status Corrupt(const std::string& path, const std::string& what) {
  return FileError(path, absl::StrCat("corrupt hogmf model: ", what));
}

// Reads varints and byte runs from one section, never past its end.
class SectionReader {
 public:
  SectionReader(const uint8_t* begin, uint64_t size) : at_(begin), end_(begin + size) {}

  bool ReadVarint(uint64_t* value) { return internal::GetVarint(at_, end_, value); }
  bool ReadBytes(uint64_t size, std::string* out) {
    if (size > remaining()) return false;
    out->assign(reinterpret_cast<const char*>(at_), static_cast<size_t>(size));
    at_ += size;
    return true;
  }
  uint64_t remaining() const { return static_cast<uint64_t>(end_ - at_); }

 private:
  const uint8_t* at_;
  const uint8_t* end_;
};

struct Header {
  uint32_t version = 0;
  size_t num_sections = 0;  // the first num_sections of `sections` are in the file
  size_t header_size = 0;
  uint32_t flags = 0;
  uint32_t k = 0;
  uint32_t num_users = 0;
  uint32_t num_items = 0;
  float mean = 0.0f;
  SectionRange sections[kNumSections];
};

// Checks magic, version, sizes and checksum, then decodes the header fields.
absl::StatusOr<Header> ReadHeader(const std::string& path, const uint8_t* data, size_t size) {
  if (size < kMagic.size() || std::memcmp(data, kMagic.data(), kMagic.size()) != 0) {
    return FileError(path, absl::StrCat("truncated hogmf model: ", size,
                                        " bytes, shorter than its magic number"));
  }
  const internal::LittleEndianReader reader(path, "the hogmf model", data, size);
  uint32_t version = 0;
  HOGMF_RETURN_IF_ERROR(reader.U32(kVersionAt, &version));
  if (version > kVersion) {
    return FileError(path, absl::StrCat("hogmf model format version ", version,
                                        " is newer than this build reads (up to ", kVersion,
                                        "); upgrade hogmf"));
  }
  if (version == 0) return Corrupt(path, "format version 0");
  Header h;
  h.version = version;
  h.num_sections = version == 1 ? kNumSectionsV1 : kNumSections;
  h.header_size = HeaderSizeFor(h.num_sections);
  if (size < h.header_size + kTrailerSize) {
    return FileError(path, absl::StrCat("truncated hogmf model: ", size, " bytes, less than the ",
                                        h.header_size + kTrailerSize,
                                        " of an empty model's header and trailer"));
  }
  const uint32_t header_size = GetU32(data + kHeaderSizeAt);
  if (header_size != h.header_size) {
    return Corrupt(path, absl::StrCat("header size ", header_size, ", expected ", h.header_size,
                                      " in version ", version));
  }
  const uint64_t file_size = GetU64(data + kFileSizeAt);
  if (file_size != size) {
    if (file_size > size) {
      return FileError(path,
                       absl::StrCat("truncated hogmf model: ", size, " of ", file_size, " bytes"));
    }
    return Corrupt(path,
                   absl::StrCat("the file is ", size, " bytes but its header says ", file_size));
  }
  const uint8_t* trailer = data + size - kTrailerSize;
  if (std::memcmp(trailer + 8, kEndMagic.data(), kEndMagic.size()) != 0) {
    return Corrupt(path, "end marker missing");
  }
  internal::Checksum64 checksum;
  checksum.Update(data, size - kTrailerSize);
  const uint64_t stored = GetU64(trailer);
  if (checksum.value() != stored) {
    return FileError(path,
                     absl::StrFormat("checksum mismatch (stored %016x, computed %016x): the hogmf "
                                     "model is corrupt",
                                     stored, checksum.value()));
  }

  h.flags = GetU32(data + kFlagsAt);
  h.k = GetU32(data + kKAt);
  h.num_users = GetU32(data + kNumUsersAt);
  h.num_items = GetU32(data + kNumItemsAt);
  h.mean = GetF32(data + kMeanAt);
  const uint32_t known_flags = version == 1 ? kKnownFlagsV1 : kKnownFlags;
  if ((h.flags & ~known_flags) != 0) {
    return Corrupt(path, absl::StrFormat("unknown flags 0x%x in version %d", h.flags & ~known_flags,
                                         version));
  }
  if (GetU32(data + kReservedAt) != 0) return Corrupt(path, "reserved header field is set");
  if (h.k < 1 || h.k > kMaxK) {
    return Corrupt(path, absl::StrCat("k = ", h.k, ", expected 1 to ", kMaxK));
  }
  if (h.num_users > kMaxRows || h.num_items > kMaxRows) {
    return Corrupt(path, absl::StrCat(h.num_users, " users x ", h.num_items,
                                      " items, more than the ", kMaxRows, " rows allowed"));
  }
  const uint64_t body_end = size - kTrailerSize;
  for (size_t s = 0; s < h.num_sections; ++s) {
    SectionRange& range = h.sections[s];
    range.offset = GetU64(data + kSectionsAt + 16 * s);
    range.size = GetU64(data + kSectionsAt + 16 * s + 8);
    if (range.offset < h.header_size || range.offset > body_end ||
        range.size > body_end - range.offset) {
      return Corrupt(path,
                     absl::StrCat(kSectionNames[s], " (offset ", range.offset, ", ", range.size,
                                  " bytes) lie outside bytes ", h.header_size, " to ", body_end));
    }
  }
  const uint64_t expected[] = {
      FactorBytes(h.num_users, h.k),
      FactorBytes(h.num_items, h.k),
      BitmapBytes(h.num_users),
      BitmapBytes(h.num_items),
  };
  for (size_t s = 0; s < 4; ++s) {
    if (h.sections[s].size != expected[s]) {
      return Corrupt(path, absl::StrCat(kSectionNames[s], " are ", h.sections[s].size,
                                        " bytes, expected ", expected[s], " for ", h.num_users,
                                        " users, ", h.num_items, " items, k = ", h.k));
    }
  }
  if (version == 1) return h;
  const bool has_biases = (h.flags & kHasBiases) != 0;
  const uint64_t bias_bytes[] = {BiasBytes(h.num_users, has_biases),
                                 BiasBytes(h.num_items, has_biases)};
  for (size_t s = kUserBiases; s <= kItemBiases; ++s) {
    const uint64_t expected_bytes = bias_bytes[s - kUserBiases];
    if (h.sections[s].size != expected_bytes) {
      return Corrupt(path, absl::StrCat(kSectionNames[s], " are ", h.sections[s].size,
                                        " bytes, expected ", expected_bytes, " for ",
                                        s == kUserBiases ? h.num_users : h.num_items,
                                        s == kUserBiases ? " users" : " items",
                                        has_biases ? " with biases" : " and no biases"));
    }
  }
  if (h.sections[kTraining].size != kTrainingBytes) {
    return Corrupt(path, absl::StrCat("the training section is ", h.sections[kTraining].size,
                                      " bytes, expected ", kTrainingBytes));
  }
  return h;
}

absl::StatusOr<std::vector<uint8_t>> ReadBitmap(const std::string& path, const uint8_t* data,
                                                const SectionRange& range, uint32_t rows,
                                                const char* name) {
  std::vector<uint8_t> seen(rows, 0);
  const uint8_t* bits = data + range.offset;
  for (uint32_t r = 0; r < rows; ++r) seen[r] = (bits[r / 8] >> (r % 8)) & 1;
  if (rows % 8 != 0 && (bits[rows / 8] >> (rows % 8)) != 0) {
    return Corrupt(path, absl::StrCat(name, ": bits set past the last row"));
  }
  return seen;
}

absl::StatusOr<IdMap> ReadIdTable(const std::string& path, const uint8_t* data,
                                  const SectionRange& range, bool identity, uint32_t rows,
                                  const char* name) {
  if (identity) {
    if (range.size != 0) {
      return Corrupt(path, absl::StrCat(name, ": ", range.size, " bytes for an identity map"));
    }
    return IdMap::Identity(rows);
  }
  SectionReader reader(data + range.offset, range.size);
  std::vector<std::string> names;
  // Each id takes at least one byte, which bounds the reservation by the file.
  names.reserve(static_cast<size_t>(std::min<uint64_t>(rows, range.size)));
  for (uint32_t r = 0; r < rows; ++r) {
    uint64_t length = 0;
    std::string id;
    if (!reader.ReadVarint(&length) || !reader.ReadBytes(length, &id)) {
      return Corrupt(path, absl::StrCat(name, ": id ", r, " of ", rows, " runs past the section"));
    }
    names.push_back(std::move(id));
  }
  if (reader.remaining() != 0) {
    return Corrupt(path,
                   absl::StrCat(name, ": ", reader.remaining(), " bytes left after the last id"));
  }
  std::optional<IdMap> map = IdMap::FromNames(std::move(names));
  if (!map.has_value()) return Corrupt(path, absl::StrCat(name, ": an id appears twice"));
  return std::move(*map);
}

absl::Status ReadRatedItems(const std::string& path, const uint8_t* data, const SectionRange& range,
                            bool present, Model& model) {
  if (!present) {
    if (range.size != 0) {
      return Corrupt(path, absl::StrCat("rated items: ", range.size,
                                        " bytes though the header says none are kept"));
    }
    return absl::OkStatus();
  }
  SectionReader reader(data + range.offset, range.size);
  uint64_t total = 0;
  if (!reader.ReadVarint(&total) || total > reader.remaining()) {
    return Corrupt(path, "rated items: bad total count");
  }
  const uint32_t num_users = model.num_users();
  const uint32_t num_items = model.num_items();
  // The index holds the same item differences as the section, which bounds
  // its size.
  RatedItems rated;
  rated.Reserve(num_users, static_cast<size_t>(reader.remaining()));
  uint64_t listed = 0;
  std::vector<uint32_t> items;
  for (uint32_t u = 0; u < num_users; ++u) {
    uint64_t count = 0;
    if (!reader.ReadVarint(&count) || count > total - listed) {
      return Corrupt(path, absl::StrCat("rated items: bad count for user ", u));
    }
    items.clear();
    uint64_t item = 0;
    for (uint64_t j = 0; j < count; ++j) {
      uint64_t delta = 0;
      if (!reader.ReadVarint(&delta)) {
        return Corrupt(path, absl::StrCat("rated items of user ", u, " run past the section"));
      }
      if (j > 0 && delta == 0) {
        return Corrupt(path, absl::StrCat("rated items of user ", u, " repeat an item"));
      }
      if (delta >= num_items || (item += delta) >= num_items) {
        return Corrupt(path, absl::StrCat("a rated item of user ", u, " is out of range (",
                                          num_items, " items)"));
      }
      items.push_back(static_cast<uint32_t>(item));
    }
    rated.AppendUser(items);
    listed += count;
  }
  if (listed != total) {
    return Corrupt(path, absl::StrCat("rated items: ", listed, " listed, total says ", total));
  }
  if (reader.remaining() != 0) {
    return Corrupt(path, absl::StrCat("rated items: ", reader.remaining(),
                                      " bytes left after the last user"));
  }
  internal::ModelInternal::set_rated_items(model, std::move(rated));
  return absl::OkStatus();
}

void ReadBiases(const uint8_t* data, const SectionRange& range, std::vector<float>& biases) {
  std::memcpy(biases.data(), data + range.offset, biases.size() * sizeof(float));
}

// The training section of a version 2 file (the header checked its size).
absl::Status ReadTraining(const std::string& path, const uint8_t* data, const SectionRange& range,
                          bool clips, Model& model) {
  const uint8_t* fields = data + range.offset;
  const uint32_t code = GetU32(fields + kLossCodeAt);
  absl::StatusOr<Loss> loss = ParseLoss(absl::StrCat(code));
  if (!loss.ok()) {
    return Corrupt(path, absl::StrCat("training section: unknown loss code ", code,
                                      " (LIBMF's -f codes 0, 1, 2, 5, 6, 7, 10, 11, 12)"));
  }
  const float min_value = GetF32(fields + kMinValueAt);
  const float max_value = GetF32(fields + kMaxValueAt);
  float l2[4];
  for (size_t w = 0; w < 4; ++w) l2[w] = GetF32(fields + kL2At + 4 * w);
  if (const std::string problem = TrainingFieldsProblem(min_value, max_value, clips, l2);
      !problem.empty()) {
    return Corrupt(path, absl::StrCat("training section: ", problem));
  }
  internal::ModelInternal::set_loss(model, *loss);
  internal::ModelInternal::set_value_range(model, min_value, max_value, clips);
  internal::ModelInternal::set_l2(model, l2[0], l2[1], l2[2], l2[3]);
  return absl::OkStatus();
}

void ReadFactors(const uint8_t* data, const SectionRange& range, FactorMatrix& m) {
  const size_t row_bytes = static_cast<size_t>(m.k()) * sizeof(float);
  const uint8_t* from = data + range.offset;
  for (uint32_t r = 0; r < m.rows(); ++r, from += row_bytes) std::memcpy(m.row(r), from, row_bytes);
}

absl::StatusOr<Model> ParseNative(const std::string& path, const uint8_t* data, size_t size) {
  HOGMF_ASSIGN_OR_RETURN(const Header h, ReadHeader(path, data, size));
  const SectionRange* s = h.sections;
  HOGMF_ASSIGN_OR_RETURN(IdMap users,
                         ReadIdTable(path, data, s[kUserIds], (h.flags & kUserIdsIdentity) != 0,
                                     h.num_users, kSectionNames[kUserIds]));
  HOGMF_ASSIGN_OR_RETURN(IdMap items,
                         ReadIdTable(path, data, s[kItemIds], (h.flags & kItemIdsIdentity) != 0,
                                     h.num_items, kSectionNames[kItemIds]));
  HOGMF_ASSIGN_OR_RETURN(std::vector<uint8_t> user_seen,
                         ReadBitmap(path, data, s[kUserSeen], h.num_users,
                                    kSectionNames[kUserSeen]));
  HOGMF_ASSIGN_OR_RETURN(std::vector<uint8_t> item_seen,
                         ReadBitmap(path, data, s[kItemSeen], h.num_items,
                                    kSectionNames[kItemSeen]));
  Model model(static_cast<int>(h.k), std::move(users), std::move(items));
  ReadFactors(data, s[kUserFactors], internal::ModelInternal::user_factors(model));
  ReadFactors(data, s[kItemFactors], internal::ModelInternal::item_factors(model));
  for (uint32_t u = 0; u < h.num_users; ++u)
    internal::ModelInternal::set_user_seen(model, u, user_seen[u] != 0);
  for (uint32_t i = 0; i < h.num_items; ++i)
    internal::ModelInternal::set_item_seen(model, i, item_seen[i] != 0);
  internal::ModelInternal::set_mean(model, h.mean);
  HOGMF_RETURN_IF_ERROR(
      ReadRatedItems(path, data, s[kRatedItems], (h.flags & kHasRatedItems) != 0, model));
  if (h.version == 1) return model;  // no biases, squared loss, no clipping, zero weights
  HOGMF_RETURN_IF_ERROR(ReadTraining(path, data, s[kTraining], (h.flags & kClips) != 0, model));
  if ((h.flags & kHasBiases) != 0) {
    internal::ModelInternal::AddBiases(model);
    ReadBiases(data, s[kUserBiases], internal::ModelInternal::user_biases(model));
    ReadBiases(data, s[kItemBiases], internal::ModelInternal::item_biases(model));
  }
  return model;
}

// True when `data` starts with the native magic, or is a prefix of it.
bool LooksNative(std::string_view data) {
  const size_t n = std::min(data.size(), kMagic.size());
  return data.substr(0, n) == kMagic.substr(0, n);
}

}  // namespace

absl::Status SaveModel(const Model& model, const std::string& path) {
  if (model.k() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot save a model without factors (k = 0)"));
  }
  if (static_cast<uint32_t>(model.k()) > kMaxK) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot save: k = ", model.k(), " exceeds ", kMaxK));
  }
  if (model.num_users() > kMaxRows || model.num_items() > kMaxRows) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot save: too many rows"));
  }
  {
    const float l2[4] = {model.l2_p(), model.l2_q(), model.l2_user_bias(), model.l2_item_bias()};
    if (const std::string problem =
            TrainingFieldsProblem(model.min_value(), model.max_value(), model.clips(), l2);
        !problem.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": cannot save: ", problem));
    }
  }
  const uint32_t k = static_cast<uint32_t>(model.k());
  HOGMF_ASSIGN_OR_RETURN(const uint64_t rated_bytes, RatedItemsBytes(model, path));
  const uint64_t sizes[kNumSections] = {
      FactorBytes(model.num_users(), k),
      FactorBytes(model.num_items(), k),
      BitmapBytes(model.num_users()),
      BitmapBytes(model.num_items()),
      IdTableBytes(model.users()),
      IdTableBytes(model.items()),
      rated_bytes,
      BiasBytes(model.num_users(), model.has_biases()),
      BiasBytes(model.num_items(), model.has_biases()),
      kTrainingBytes,
  };

  uint8_t header[kHeaderSize] = {};
  std::memcpy(header, kMagic.data(), kMagic.size());
  PutU32(header + kVersionAt, kVersion);
  PutU32(header + kHeaderSizeAt, kHeaderSize);
  uint32_t flags = 0;
  if (model.users().is_identity()) flags |= kUserIdsIdentity;
  if (model.items().is_identity()) flags |= kItemIdsIdentity;
  if (model.has_rated_items()) flags |= kHasRatedItems;
  if (model.has_biases()) flags |= kHasBiases;
  if (model.clips()) flags |= kClips;
  PutU32(header + kFlagsAt, flags);
  PutU32(header + kKAt, k);
  PutU32(header + kNumUsersAt, model.num_users());
  PutU32(header + kNumItemsAt, model.num_items());
  PutF32(header + kMeanAt, model.mean());
  uint64_t offset = kHeaderSize;
  for (size_t s = 0; s < kNumSections; ++s) {
    PutU64(header + kSectionsAt + 16 * s, offset);
    PutU64(header + kSectionsAt + 16 * s + 8, sizes[s]);
    offset += sizes[s];
  }
  PutU64(header + kFileSizeAt, offset + kTrailerSize);

  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFileWriter> file,
                         internal::AtomicFileWriter::Create(path));
  ChecksummedWriter out(file.get());
  out.Write(header, sizeof(header));
  WriteFactors(model.user_factors(), out);
  WriteFactors(model.item_factors(), out);
  WriteBitmap(model.num_users(), &Model::user_seen, model, out);
  WriteBitmap(model.num_items(), &Model::item_seen, model, out);
  WriteIdTable(model.users(), out);
  WriteIdTable(model.items(), out);
  WriteRatedItems(model, out);
  WriteBiases(model, model.user_biases(), out);
  WriteBiases(model, model.item_biases(), out);
  WriteTraining(model, out);
  const uint64_t checksum = out.Finish();
  uint8_t trailer[kTrailerSize];
  PutU64(trailer, checksum);
  std::memcpy(trailer + 8, kEndMagic.data(), kEndMagic.size());
  file->Write(trailer, sizeof(trailer));
  if (file->offset() != offset + kTrailerSize) {
    return absl::InternalError(absl::StrCat(path, ": wrote ", file->offset(),
                                            " bytes, the header promised ", offset + kTrailerSize));
  }
  return file->Commit();
}

absl::StatusOr<Model> LoadModel(const std::string& path, ModelFormat* format) {
  HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const internal::MappedFile> file,
                         internal::MappedFile::Open(path));
  const std::string_view data = file->view();
  if (data.empty()) return FileError(path, "empty file, not a model");
  if (LooksNative(data)) {
    HOGMF_ASSIGN_OR_RETURN(
        Model model, ParseNative(path, reinterpret_cast<const uint8_t*>(data.data()), data.size()));
    if (format != nullptr) *format = ModelFormat::kHogmf;
    return model;
  }
  if (data.starts_with("f ")) {
    file.reset();
    HOGMF_ASSIGN_OR_RETURN(Model model, ImportLibmfModel(path));
    if (format != nullptr) *format = ModelFormat::kLibmf;
    return model;
  }
  return FileError(path, "not a hogmf or LIBMF model file");
}

}  // namespace hogmf
