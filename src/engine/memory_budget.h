// Memory budget: the bytes a training session or a fold-in will allocate,
// estimated from the row counts, k and the number of ratings before anything
// is allocated, and checked against the memory this process may use, so that
// a file whose largest id is 2^31 is refused with a message instead of ending
// in std::bad_alloc.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "hogmf/params.h"

namespace hogmf::engine {

// What a session allocates, in rows and ratings.
struct TrainingFootprint {
  uint64_t users = 0;          // rows of P (an identity map's size: the largest id + 1)
  uint64_t items = 0;          // rows of Q
  uint64_t ratings = 0;        // training ratings
  uint64_t validation = 0;     // validation ratings
  bool copies_ratings = true;  // the session copies the ratings (not moved in)
  bool packs_ratings = false;  // the working ratings are packed to 8 bytes each
                               // (TrainOptions::compact_ratings, an order that allows it)
  uint64_t initial_ids = 0;    // warm start: ids of the initial model (their maps are merged)
};

// The bytes of peak memory a session with `params` over `footprint` needs,
// about: the factors (padded rows, twice with early stopping's best model),
// biases, AdaGrad state and seen flags per row, the working copy of the
// ratings and the schedule's arrangement, the rated-items index, and with
// auto params ChooseParams's split and trial sessions.
uint64_t TrainingBytes(const TrainingFootprint& footprint, const TrainParams& params);

// OK when TrainingBytes fits in params.max_memory_bytes (or, when that is 0,
// the memory AvailableMemory reports); else kResourceExhausted naming both
// figures, the row counts behind them and what to do.
absl::Status CheckTrainingMemory(const TrainingFootprint& footprint, const TrainParams& params);

// The same for a fold-in that adds up to `new_users` rows to a model of
// `users` x `items` rows and reads `ratings` ratings whose id maps hold
// `rating_ids` ids; checked against AvailableMemory.
absl::Status CheckFoldInMemory(uint64_t users, uint64_t new_users, uint64_t items, int k,
                               uint64_t ratings, uint64_t rating_ids);

}  // namespace hogmf::engine
