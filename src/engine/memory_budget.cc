// TrainingBytes and the checks against the memory this process may use.
#include "engine/memory_budget.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/ratings.h"
#include "ratings/packed_ratings.h"
#include "util/memory.h"

namespace hogmf::engine {
namespace {

// Saturating arithmetic: a footprint of 2^32 rows x 4096 factors must not wrap.
uint64_t Add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
uint64_t Mul(uint64_t a, uint64_t b) { return (b != 0 && a > UINT64_MAX / b) ? UINT64_MAX : a * b; }

uint64_t RowBytes(int k) {
  const uint64_t pad = FactorMatrix::kPadFloats;
  return (static_cast<uint64_t>(k) + pad - 1) / pad * pad * sizeof(float);
}

// Factor rows plus what each row carries beside them: a bias, an AdaGrad
// accumulator, a seen flag.
uint64_t RowsBytes(uint64_t rows, int k, bool biases, bool adagrad) {
  const uint64_t per_row = RowBytes(k) + (biases ? 4 : 0) + (adagrad ? 4 : 0) + 1;
  return Mul(rows, per_row);
}

absl::Status TooMuch(const std::string& what, uint64_t need, uint64_t limit,
                     const std::string& limit_source, uint64_t users, uint64_t items, int k,
                     uint64_t ratings, const std::string& raise) {
  std::string message =
      absl::StrCat(what, " needs about ", internal::FormatBytes(need), " (", users,
                   " user rows and ", items, " item rows of ", k, " factors, ", ratings,
                   " ratings), more than the ", internal::FormatBytes(limit), " of ", limit_source);
  // Rows far beyond the ratings come from ids used as row indices.
  if (Add(users, items) > Add(Mul(ratings, 16), 1u << 20)) {
    absl::StrAppend(&message,
                    "; the row counts come from the largest ids (libmf and pairs files use ids "
                    "as row indices): renumber the ids densely, or read the file as csv/tsv, "
                    "whose ids are names");
  }
  absl::StrAppend(&message, raise);
  return absl::ResourceExhaustedError(message);
}

}  // namespace

uint64_t TrainingBytes(const TrainingFootprint& footprint, const TrainParams& params) {
  const bool biases = params.UsesBiases();
  const bool adagrad = params.lr_schedule == LearningRateSchedule::kAdaGrad;
  const uint64_t rows = Add(footprint.users, footprint.items);
  uint64_t factors = RowsBytes(rows, params.k, biases, adagrad);
  // Early stopping keeps the best epoch's model beside the current one.
  if (params.early_stop > 0 || params.max_epochs == kAutoEpochs) factors = Mul(factors, 2);
  // Working copy (12 bytes; 8 when packed: a fresh session makes its factors
  // once the 12-byte copy is gone), the arrangement's scratch (4), the
  // rated-items index (about 8 per rating with its offsets), and the
  // validation set.
  const uint64_t copy = footprint.copies_ratings
                            ? (footprint.packs_ratings ? sizeof(PackedRating) : sizeof(Rating))
                            : 0;
  uint64_t ratings = Mul(footprint.ratings, copy + 4 + 8);
  ratings = Add(ratings, Mul(footprint.validation, 12));
  // ChooseParams splits the ratings into two sets and trains a session on
  // one of them: another copy of the ratings, while this one waits.
  if (params.HasAutoFields()) ratings = Add(ratings, Mul(footprint.ratings, 2 * 12));
  // A warm start merges the maps: an index per id.
  const uint64_t merge = Mul(Add(footprint.initial_ids, rows), 4);
  return Add(Add(factors, ratings), merge);
}

absl::Status CheckTrainingMemory(const TrainingFootprint& footprint, const TrainParams& params) {
  const uint64_t need = TrainingBytes(footprint, params);
  const internal::MemoryLimit available = internal::AvailableMemory();
  const bool given = params.max_memory_bytes > 0;
  const uint64_t limit = given ? params.max_memory_bytes : available.bytes;
  if (need <= limit) return absl::OkStatus();
  return TooMuch("training", need, limit,
                 given ? std::string("max_memory_bytes (--max-memory)")
                       : std::string(available.source),
                 footprint.users, footprint.items, params.k, footprint.ratings,
                 given ? "" : "; --max-memory (max_memory_bytes) overrides the limit");
}

absl::Status CheckFoldInMemory(uint64_t users, uint64_t new_users, uint64_t items, int k,
                               uint64_t ratings, uint64_t rating_ids) {
  const uint64_t rows = Add(users, new_users);
  uint64_t need = Mul(rows, RowBytes(k) + 4 + 1);
  need = Add(need, Mul(ratings, 12 + 8));
  need = Add(need, Mul(rating_ids, 4));
  const internal::MemoryLimit available = internal::AvailableMemory();
  if (need <= available.bytes) return absl::OkStatus();
  return TooMuch("fold-in", need, available.bytes, std::string(available.source), rows, items, k,
                 ratings, "");
}

}  // namespace hogmf::engine
