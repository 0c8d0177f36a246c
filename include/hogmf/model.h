// Model: a trained factorization R ~ P Q^T with the id maps of its training
// data, the training mean (the prediction for users and items never seen in
// training), and each user's rated items (excluded from recommendations).
//
//   absl::StatusOr<hogmf::Model> model = hogmf::LoadModel("movies.model");
//   std::optional<uint32_t> u = model->users().Find("196");
//   std::optional<uint32_t> i = model->items().Find("242");
//   float r = model->Predict(u.value_or(hogmf::kUnknownIndex),
//                            i.value_or(hogmf::kUnknownIndex));
#pragma once

#include <cstdint>
#include <vector>

#include "hogmf/factor_matrix.h"
#include "hogmf/rated_items.h"
#include "hogmf/ratings.h"

namespace hogmf {

class Model {
 public:
  Model() = default;
  // Zero factors for the rows of `users` x `items`; no row marked seen.
  Model(int k, IdMap users, IdMap items);

  int k() const { return p_.k(); }
  uint32_t num_users() const { return p_.rows(); }
  uint32_t num_items() const { return q_.rows(); }

  FactorMatrix& user_factors() { return p_; }
  const FactorMatrix& user_factors() const { return p_; }
  FactorMatrix& item_factors() { return q_; }
  const FactorMatrix& item_factors() const { return q_; }

  const IdMap& users() const { return users_; }
  const IdMap& items() const { return items_; }

  // The prediction for unknown or unseen rows.
  float mean() const { return mean_; }
  void set_mean(float mean) { mean_ = mean; }

  // Whether a row took part in training. Unseen rows predict mean().
  bool user_seen(uint32_t user) const { return user < user_seen_.size() && user_seen_[user]; }
  bool item_seen(uint32_t item) const { return item < item_seen_.size() && item_seen_[item]; }
  void set_user_seen(uint32_t user, bool seen) { user_seen_[user] = seen; }
  void set_item_seen(uint32_t item, bool seen) { item_seen_[item] = seen; }

  // p_user . q_item, or mean() when either index is unknown, out of range or unseen.
  float Predict(uint32_t user, uint32_t item) const;

  // Items each user rated in training, or none (an index of no users) when
  // they were not kept.
  bool has_rated_items() const { return has_rated_items_; }
  const RatedItems& rated_items() const { return rated_items_; }
  // Keeps `rated` (an index of num_users() users) as the rated items.
  void set_rated_items(RatedItems rated);

 private:
  FactorMatrix p_;
  FactorMatrix q_;
  IdMap users_;
  IdMap items_;
  float mean_ = 0.0f;
  std::vector<uint8_t> user_seen_;
  std::vector<uint8_t> item_seen_;
  RatedItems rated_items_;
  bool has_rated_items_ = false;
};

}  // namespace hogmf
