// The section codecs of hogmf's binary model file: sizes, writers and
// checked readers of factors, seen bitmaps, id tables, rated items, biases and
// the training section (hogmf_model.cc holds the header, SaveModel and
// LoadModel).
#include "formats/hogmf_model_sections.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "hogmf/loss.h"
#include "model/model_internal.h"
#include "util/little_endian.h"

namespace hogmf::formats {

using internal::GetF32;
using internal::GetU32;
using internal::PutF32;
using internal::PutU32;
using internal::VarintSize;

namespace {

// The training section: offsets of its fields.
constexpr size_t kLossCodeAt = 0;
constexpr size_t kMinValueAt = 4;
constexpr size_t kMaxValueAt = 8;
constexpr size_t kL2At = 12;  // l2_p, l2_q, l2_user_bias, l2_item_bias
static_assert(kL2At + 4 * 4 == kTrainingBytes);

constexpr const char* kL2Names[4] = {"l2_p", "l2_q", "l2_user_bias", "l2_item_bias"};

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

}  // namespace

absl::Status Corrupt(const std::string& path, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": corrupt hogmf model: ", what));
}

uint64_t BitmapBytes(uint32_t rows) { return (static_cast<uint64_t>(rows) + 7) / 8; }

uint64_t FactorBytes(uint32_t rows, uint32_t k) {
  return static_cast<uint64_t>(rows) * k * sizeof(float);
}

uint64_t BiasBytes(uint32_t rows, bool has_biases) {
  return has_biases ? static_cast<uint64_t>(rows) * sizeof(float) : 0;
}

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
}  // namespace hogmf::formats
