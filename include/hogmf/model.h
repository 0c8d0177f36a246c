// Model: a trained factorization R ~ P Q^T with the id maps of its training
// data, the training mean, optional user and item biases, the loss it was
// trained for, the value range of its training entries, and each user's
// rated items (excluded from recommendations).
//
// Scores: a model with biases scores mean + b_u + b_i + p_u.q_i; one without
// scores p_u.q_i. A row that never took part in training contributes nothing
// (its bias and factors are not used): with biases an unseen user scores
// mean + b_i, an unseen item mean + b_u, both mean; without biases either
// unseen scores mean, except that a one-class model (IsOneClass(loss()))
// scores a user it has no row for by the mean of its trained user rows, so
// that new users see the items most users prefer rather than a tie. Predictions are the scores
// clipped to the training range when clips() (explicit ratings, by default); ranking uses raw
// scores. A Model is read-only to its users: the library builds it (Trainer, FoldIn, LoadModel) and
// keeps its invariants — P has a row per user id and Q a row per item id, a seen flag per row,
// rated items for every user or none.
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
#include "hogmf/loss.h"
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

  // The training mean: the score of unknown or unseen rows (with biases, the
  // global offset of every score).
  float mean() const { return mean_; }

  // Biases b_u and b_i: a value per user and per item index, or both empty
  // for a model without biases.
  bool has_biases() const { return has_biases_; }
  const std::vector<float>& user_biases() const { return user_bias_; }
  const std::vector<float>& item_biases() const { return item_bias_; }

  // The loss the model was trained for (kSquared for models from files that
  // do not say).
  Loss loss() const { return loss_; }

  // The L2 weights the model was trained with, for fold-in and warm starts
  // (0 for models from files that do not record them).
  float l2_p() const { return l2_p_; }
  float l2_q() const { return l2_q_; }
  float l2_user_bias() const { return l2_user_bias_; }
  float l2_item_bias() const { return l2_item_bias_; }

  // The range of the training entries' values, and whether Predict clips to it.
  float min_value() const { return min_value_; }
  float max_value() const { return max_value_; }
  bool clips() const { return clips_; }

  // Whether a row took part in training. Unseen rows predict mean().
  bool user_seen(uint32_t user) const { return user < user_seen_.size() && user_seen_[user]; }
  bool item_seen(uint32_t item) const { return item < item_seen_.size() && item_seen_[item]; }

  // The raw score of a pair (see the top of this file); an index that is
  // unknown or out of range counts as unseen.
  float Score(uint32_t user, uint32_t item) const;
  // Score, clipped to [min_value(), max_value()] when clips().
  float Predict(uint32_t user, uint32_t item) const;
  // Score clipped as Predict clips it.
  float Clip(float score) const {
    if (!clips_) return score;
    return score < min_value_ ? min_value_ : (score > max_value_ ? max_value_ : score);
  }

  // One-class models: the mean of the trained user rows (k floats) that
  // scores users unseen in training; empty for other models.
  const std::vector<float>& cold_user() const { return cold_user_; }

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
  bool has_biases_ = false;
  std::vector<float> user_bias_;
  std::vector<float> item_bias_;
  Loss loss_ = Loss::kSquared;
  float l2_p_ = 0.0f;
  float l2_q_ = 0.0f;
  float l2_user_bias_ = 0.0f;
  float l2_item_bias_ = 0.0f;
  float min_value_ = 0.0f;
  float max_value_ = 0.0f;
  bool clips_ = false;
  std::vector<float> cold_user_;
  std::vector<uint8_t> user_seen_;
  std::vector<uint8_t> item_seen_;
  RatedItems rated_items_;
  bool has_rated_items_ = false;
};

}  // namespace hogmf
