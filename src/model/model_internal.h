// Write access to a Model for the code that builds models (model setup and
// training, fold-in, model files, tests), kept out of the public header. The
// callers keep the Model's invariants: factor values and seen flags change,
// never the number of rows.
#pragma once

#include <cstdint>
#include <utility>

#include "hogmf/model.h"
#include "util/check.h"

namespace hogmf::internal {

class ModelInternal {
 public:
  static FactorMatrix& user_factors(Model& model) { return model.p_; }
  static FactorMatrix& item_factors(Model& model) { return model.q_; }
  static void set_mean(Model& model, float mean) { model.mean_ = mean; }
  static void set_user_seen(Model& model, uint32_t user, bool seen) {
    model.user_seen_[user] = seen;
  }
  static void set_item_seen(Model& model, uint32_t item, bool seen) {
    model.item_seen_[item] = seen;
  }
  // Keeps `rated` (an index of num_users() users) as the rated items.
  static void set_rated_items(Model& model, RatedItems rated) {
    HOGMF_CHECK(rated.num_users() == model.num_users());
    model.rated_items_ = std::move(rated);
    model.has_rated_items_ = true;
  }
};

}  // namespace hogmf::internal
