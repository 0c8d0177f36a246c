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
#include <span>
#include <vector>

#include "hogmf/factor_matrix.h"
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

  // Items each user rated in training (CSR), or empty when not kept.
  bool has_rated_items() const { return !rated_offsets_.empty(); }
  std::span<const uint32_t> RatedItems(uint32_t user) const;
  // Records each user's rated items (sorted, distinct) from training entries.
  void SetRatedItems(std::span<const Rating> training);
  // Sets the CSR arrays directly (offsets has num_users()+1 entries).
  void SetRatedItemsCsr(std::vector<uint64_t> offsets, std::vector<uint32_t> items);
  const std::vector<uint64_t>& rated_offsets() const { return rated_offsets_; }
  const std::vector<uint32_t>& rated_items() const { return rated_items_; }

 private:
  FactorMatrix p_;
  FactorMatrix q_;
  IdMap users_;
  IdMap items_;
  float mean_ = 0.0f;
  std::vector<uint8_t> user_seen_;
  std::vector<uint8_t> item_seen_;
  std::vector<uint64_t> rated_offsets_;
  std::vector<uint32_t> rated_items_;
};

}  // namespace hogmf
