// The invariants of a model that a loader accepted: one factor row per id,
// biases and row flags sized to match, and Predict callable on every corner.
#pragma once

#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "hogmf/model.h"

namespace hogmf::fuzz {

inline void CheckModel(const Model& model) {
  HOGMF_FUZZ_ASSERT(model.num_users() == model.users().size());
  HOGMF_FUZZ_ASSERT(model.num_items() == model.items().size());
  HOGMF_FUZZ_ASSERT(model.k() >= 0);
  HOGMF_FUZZ_ASSERT(model.user_factors().k() == model.k());
  HOGMF_FUZZ_ASSERT(model.item_factors().k() == model.k());
  if (model.has_biases()) {
    HOGMF_FUZZ_ASSERT(model.user_biases().size() == model.num_users());
    HOGMF_FUZZ_ASSERT(model.item_biases().size() == model.num_items());
  }
  if (!model.cold_user().empty()) {
    HOGMF_FUZZ_ASSERT(model.cold_user().size() == static_cast<size_t>(model.k()));
  }
  // Predict reads the rows of the corner indices (and one past, unknown).
  const uint32_t users[] = {0, model.num_users() - 1, model.num_users()};
  const uint32_t items[] = {0, model.num_items() - 1, model.num_items()};
  for (uint32_t u : users) {
    for (uint32_t i : items) (void)model.Predict(u, i);
  }
}

}  // namespace hogmf::fuzz
