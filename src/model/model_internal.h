// Write access to a Model for the code that builds models (model setup and
// training, fold-in, model files, tests), kept out of the public header. The
// callers keep the Model's invariants: factor values and seen flags change,
// never the number of rows.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "hogmf/model.h"
#include "util/check.h"

namespace hogmf::internal {

class ModelInternal {
 public:
  static FactorMatrix& user_factors(Model& model) { return model.p_; }
  static FactorMatrix& item_factors(Model& model) { return model.q_; }
  static void set_mean(Model& model, float mean) { model.mean_ = mean; }
  // Gives the model biases, zero for every row (a no-op when it has them).
  static void AddBiases(Model& model) {
    if (model.has_biases_) return;
    model.has_biases_ = true;
    model.user_bias_.assign(model.num_users(), 0.0f);
    model.item_bias_.assign(model.num_items(), 0.0f);
  }
  // Biases of a model that has them (AddBiases); their sizes stay the row counts.
  static std::vector<float>& user_biases(Model& model) { return model.user_bias_; }
  static std::vector<float>& item_biases(Model& model) { return model.item_bias_; }
  static void set_loss(Model& model, Loss loss) { model.loss_ = loss; }
  // Sets cold_user() from the trained user rows: their mean for a one-class
  // model with at least one, else empty. Call when the rows or the loss are final.
  static void UpdateColdUser(Model& model) {
    model.cold_user_.clear();
    if (!IsOneClass(model.loss_) || model.has_biases_) return;
    std::vector<double> sum(static_cast<size_t>(model.k()), 0.0);
    uint64_t rows = 0;
    for (uint32_t u = 0; u < model.num_users(); ++u) {
      if (!model.user_seen(u)) continue;
      const float* row = model.p_.row(u);
      for (int d = 0; d < model.k(); ++d) sum[static_cast<size_t>(d)] += row[d];
      ++rows;
    }
    if (rows == 0) return;
    model.cold_user_.resize(sum.size());
    for (size_t d = 0; d < sum.size(); ++d) {
      model.cold_user_[d] = static_cast<float>(sum[d] / static_cast<double>(rows));
    }
  }
  static void set_l2(Model& model, float l2_p, float l2_q, float l2_user_bias, float l2_item_bias) {
    model.l2_p_ = l2_p;
    model.l2_q_ = l2_q;
    model.l2_user_bias_ = l2_user_bias;
    model.l2_item_bias_ = l2_item_bias;
  }
  // The training range, and whether Predict clips to it (min <= max when clipping).
  static void set_value_range(Model& model, float min_value, float max_value, bool clips) {
    HOGMF_CHECK(!clips || min_value <= max_value);
    model.min_value_ = min_value;
    model.max_value_ = max_value;
    model.clips_ = clips;
  }
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
