// The sections of hogmf's binary model file (the layout is described in
// src/formats/hogmf_model.cc, which reads and writes the header): for each
// section its size, its writer and its reader. Readers check every byte
// against the header's counts and report "corrupt hogmf model: ..." errors.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/model.h"
#include "hogmf/ratings.h"
#include "util/checksum.h"
#include "util/file.h"
#include "util/varint.h"

namespace hogmf::formats {

// Where a section lies in the file, in bytes.
struct SectionRange {
  uint64_t offset = 0;
  uint64_t size = 0;
};

// Size of the training section (version 2 on).
constexpr uint64_t kTrainingBytes = 28;

// "<path>: corrupt hogmf model: <what>", kInvalidArgument.
absl::Status Corrupt(const std::string& path, const std::string& what);

// ---------------------------------------------------------------------------
// Sizes.

uint64_t BitmapBytes(uint32_t rows);
uint64_t FactorBytes(uint32_t rows, uint32_t k);
// num_rows float32 with biases, else nothing.
uint64_t BiasBytes(uint32_t rows, bool has_biases);
// Nothing for an identity map.
uint64_t IdTableBytes(const IdMap& ids);
// Nothing unless the model keeps rated items; fails when an item is not an
// index inside the item map.
absl::StatusOr<uint64_t> RatedItemsBytes(const Model& model, const std::string& path);

// The training fields a file may hold: a finite value range (min <= max when
// the model clips) and finite, non-negative L2 weights (l2_p, l2_q,
// l2_user_bias, l2_item_bias). Returns what is wrong, or an empty string.
std::string TrainingFieldsProblem(float min_value, float max_value, bool clips,
                                  const float (&l2)[4]);

// ---------------------------------------------------------------------------
// Writing.

// Where a writer's bytes go: a file (SaveModel) or a string (SerializeModel).
using ByteSink = std::function<void(const void* data, size_t size)>;

// Buffers bytes, feeds them to the checksum and to the sink.
class ChecksummedWriter {
 public:
  explicit ChecksummedWriter(ByteSink out) : out_(std::move(out)) { buffer_.reserve(kBufferSize); }

  void Write(const void* data, size_t size) {
    if (size >= kBufferSize) {
      Flush();
      checksum_.Update(data, size);
      out_(data, size);
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
    out_(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  // Flushes and returns the checksum of everything written.
  uint64_t Finish() {
    Flush();
    return checksum_.value();
  }

 private:
  static constexpr size_t kBufferSize = 1 << 16;
  ByteSink out_;
  std::string buffer_;
  internal::Checksum64 checksum_;
};

void WriteFactors(const FactorMatrix& m, ChecksummedWriter& out);
void WriteBitmap(uint32_t rows, bool (Model::*seen)(uint32_t) const, const Model& model,
                 ChecksummedWriter& out);
void WriteIdTable(const IdMap& ids, ChecksummedWriter& out);
void WriteRatedItems(const Model& model, ChecksummedWriter& out);
// Nothing for a model without biases.
void WriteBiases(const Model& model, const std::vector<float>& biases, ChecksummedWriter& out);
void WriteTraining(const Model& model, ChecksummedWriter& out);

// ---------------------------------------------------------------------------
// Reading: `data` is the whole file; the header has checked that `range`
// lies inside it, and the size of every fixed-size section.

void ReadFactors(const uint8_t* data, const SectionRange& range, FactorMatrix& m);
absl::StatusOr<std::vector<uint8_t>> ReadBitmap(const std::string& path, const uint8_t* data,
                                                const SectionRange& range, uint32_t rows,
                                                const char* name);
absl::StatusOr<IdMap> ReadIdTable(const std::string& path, const uint8_t* data,
                                  const SectionRange& range, bool identity, uint32_t rows,
                                  const char* name);
// Gives `model` the rated items when `present`.
absl::Status ReadRatedItems(const std::string& path, const uint8_t* data, const SectionRange& range,
                            bool present, Model& model);
// `biases` already has a value per row.
void ReadBiases(const uint8_t* data, const SectionRange& range, std::vector<float>& biases);
// Sets the model's loss, value range (and `clips`) and L2 weights.
absl::Status ReadTraining(const std::string& path, const uint8_t* data, const SectionRange& range,
                          bool clips, Model& model);

}  // namespace hogmf::formats
