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
#include "formats/hogmf_model_sections.h"
#include "formats/libmf_model.h"
#include "formats/model_check.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "model/model_internal.h"
#include "util/checksum.h"
#include "util/file.h"
#include "util/input_stream.h"
#include "util/little_endian.h"
#include "util/status_macros.h"

namespace hogmf {
namespace {

using formats::BiasBytes;
using formats::BitmapBytes;
using formats::ByteSink;
using formats::ChecksummedWriter;
using formats::Corrupt;
using formats::FactorBytes;
using formats::IdTableBytes;
using formats::kTrainingBytes;
using formats::RatedItemsBytes;
using formats::ReadBiases;
using formats::ReadBitmap;
using formats::ReadFactors;
using formats::ReadIdTable;
using formats::ReadRatedItems;
using formats::ReadTraining;
using formats::SectionRange;
using formats::TrainingFieldsProblem;
using formats::WriteBiases;
using formats::WriteBitmap;
using formats::WriteFactors;
using formats::WriteIdTable;
using formats::WriteRatedItems;
using formats::WriteTraining;
using internal::GetF32;
using internal::GetU32;
using internal::GetU64;
using internal::PutF32;
using internal::PutU32;
using internal::PutU64;

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

// ---------------------------------------------------------------------------
// Reading.

absl::Status FileError(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

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

// A native file's header and size, decided before anything is written.
struct NativeLayout {
  uint8_t header[kHeaderSize] = {};
  uint64_t file_size = 0;
};

// Checks that `model` can be saved (`name` names the target in the errors)
// and lays out its file.
absl::StatusOr<NativeLayout> LayOutNative(const Model& model, const std::string& name) {
  if (model.k() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": cannot save a model without factors (k = 0)"));
  }
  if (static_cast<uint32_t>(model.k()) > kMaxK) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": cannot save: k = ", model.k(), " exceeds ", kMaxK));
  }
  if (model.num_users() > kMaxRows || model.num_items() > kMaxRows) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": cannot save: too many rows"));
  }
  {
    const float l2[4] = {model.l2_p(), model.l2_q(), model.l2_user_bias(), model.l2_item_bias()};
    if (const std::string problem =
            TrainingFieldsProblem(model.min_value(), model.max_value(), model.clips(), l2);
        !problem.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": cannot save: ", problem));
    }
  }
  const uint32_t k = static_cast<uint32_t>(model.k());
  HOGMF_ASSIGN_OR_RETURN(const uint64_t rated_bytes, RatedItemsBytes(model, name));
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

  NativeLayout layout;
  uint8_t* header = layout.header;
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
  layout.file_size = offset + kTrailerSize;
  return layout;
}

// Writes the native file laid out by `layout`, header to trailer, to `sink`.
void WriteNative(const Model& model, const NativeLayout& layout, const ByteSink& sink) {
  ChecksummedWriter out(sink);
  out.Write(layout.header, sizeof(layout.header));
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
  sink(trailer, sizeof(trailer));
}

// A native model from bytes that start with the magic; `name` names the
// source in the errors.
absl::StatusOr<Model> LoadNative(const std::string& name, std::string_view data) {
  HOGMF_ASSIGN_OR_RETURN(
      Model model, ParseNative(name, reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  HOGMF_RETURN_IF_ERROR(formats::CheckModelFinite(name, model));
  internal::ModelInternal::UpdateColdUser(model);
  return model;
}

// The name errors give to in-memory models.
constexpr char kMemoryName[] = "<serialized model>";

}  // namespace

absl::Status SaveModel(const Model& model, const std::string& path) {
  HOGMF_ASSIGN_OR_RETURN(const NativeLayout layout, LayOutNative(model, path));
  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFileWriter> file,
                         internal::AtomicFileWriter::Create(path));
  WriteNative(model, layout, [&file](const void* data, size_t size) { file->Write(data, size); });
  // A failed write (no space left) is the error, before the size check.
  if (absl::Status written = file->status(); !written.ok()) return written;
  if (file->offset() != layout.file_size) {
    return absl::InternalError(absl::StrCat(path, ": wrote ", file->offset(),
                                            " bytes, the header promised ", layout.file_size));
  }
  return file->Commit();
}

absl::StatusOr<std::string> SerializeModel(const Model& model) {
  HOGMF_ASSIGN_OR_RETURN(const NativeLayout layout, LayOutNative(model, kMemoryName));
  std::string bytes;
  bytes.reserve(layout.file_size);
  WriteNative(model, layout, [&bytes](const void* data, size_t size) {
    bytes.append(static_cast<const char*>(data), size);
  });
  if (bytes.size() != layout.file_size) {
    return absl::InternalError(absl::StrCat(kMemoryName, ": wrote ", bytes.size(),
                                            " bytes, the header promised ", layout.file_size));
  }
  return bytes;
}

absl::StatusOr<Model> DeserializeModel(std::string_view bytes) {
  if (bytes.empty()) return FileError(kMemoryName, "empty, not a model");
  if (!LooksNative(bytes)) return FileError(kMemoryName, "not a hogmf model");
  return LoadNative(kMemoryName, bytes);
}

absl::StatusOr<Model> LoadModel(const std::string& path, ModelFormat* format) {
  HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const internal::MappedFile> file,
                         internal::ReadWholeInput(path));
  const std::string_view data = file->view();
  if (data.empty()) return FileError(path, "empty file, not a model");
  if (LooksNative(data)) {
    HOGMF_ASSIGN_OR_RETURN(Model model, LoadNative(path, data));
    if (format != nullptr) *format = ModelFormat::kHogmf;
    return model;
  }
  if (data.starts_with("f ")) {
    HOGMF_ASSIGN_OR_RETURN(Model model, formats::ParseLibmfModel(path, data));
    if (format != nullptr) *format = ModelFormat::kLibmf;
    return model;
  }
  return FileError(path, "not a hogmf or LIBMF model file");
}

}  // namespace hogmf
