// Model: a trained factorization R ~ P Q^T with the id maps of its training
// data, the training mean (the prediction for users and items never seen in
// training), and each user's rated items (excluded from recommendations).
// A Model is read-only to its users: the library builds it (Trainer, FoldIn,
// LoadModel) and keeps its invariants — P has a row per user id and Q a row
// per item id, a seen flag per row, rated items for every user or none.
//
//   absl::StatusOr<hogmf::Model> model = hogmf::LoadModel("movies.model");
//   std::optional<uint32_t> u = model->users().Find("196");
//   std::optional<uint32_t> i = model->items().Find("242");
//   float r = model->Predict(u.value_or(hogmf::kUnknownIndex),
//                            i.value_or(hogmf::kUnknownIndex));
//
// Threads: a Model may be read (every const member) by any number of threads
// at once; a Model being trained (Trainer::RunEpoch) must not be read.
#pragma once

#include <cstdint>
#include <vector>

#include "hogmf/factor_matrix.h"
#include "hogmf/rated_items.h"
#include "hogmf/ratings.h"

namespace hogmf {

namespace internal {
class ModelInternal;  // the library's write access (src/model/model_internal.h)
}  // namespace internal

class Model {
 public:
  // No users, no items.
  Model() = default;
  // Zero factors for the rows of `users` x `items`; no row marked seen.
  Model(int k, IdMap users, IdMap items);

  int k() const { return p_.k(); }
  uint32_t num_users() const { return p_.rows(); }
  uint32_t num_items() const { return q_.rows(); }

  // P (a row per user index) and Q (a row per item index).
  const FactorMatrix& user_factors() const { return p_; }
  const FactorMatrix& item_factors() const { return q_; }

  const IdMap& users() const { return users_; }
  const IdMap& items() const { return items_; }

  // The prediction for unknown or unseen rows.
  float mean() const { return mean_; }

  // Whether a row took part in training. Unseen rows predict mean().
  bool user_seen(uint32_t user) const { return user < user_seen_.size() && user_seen_[user]; }
  bool item_seen(uint32_t item) const { return item < item_seen_.size() && item_seen_[item]; }

  // p_user . q_item, or mean() when either index is unknown, out of range or unseen.
  float Predict(uint32_t user, uint32_t item) const;

  // Items each user rated in training, or none (an index of no users) when
  // they were not kept.
  bool has_rated_items() const { return has_rated_items_; }
  const RatedItems& rated_items() const { return rated_items_; }

 private:
  friend class internal::ModelInternal;

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
