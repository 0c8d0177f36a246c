// ItemScores: every item's score for a block of users at once, the one
// scoring that top-N recommendations and the ranking metrics share. A block's
// scores are one matrix product Q P_B^T (Eigen) added to mean + b_u + b_i
// when the model has biases, so each score is (mean + b_u + b_i) + p.q as
// Model::Score sums it; they equal Model::Score to float rounding (the
// product sums the dot products in its own order). Never clipped.
//
//   internal::ItemScorer scorer(model);
//   Eigen::MatrixXf scores;                       // num_items x users.size()
//   scorer.ScoreBlock(users, &scores);            // column b: users[b]'s scores
//   internal::TopItems top(10);
//   top.Offer(scores.col(0).data(), 0, scorer.num_items());
//   std::vector<Recommendation> best = top.Take();
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "hogmf/model.h"
#include "hogmf/recommend.h"

namespace hogmf::internal {

class ItemScorer {
 public:
  // Keeps a reference to `model`, which must outlive the scorer.
  explicit ItemScorer(const Model& model);

  uint32_t num_items() const { return model_.num_items(); }

  // Resizes *scores to (end - begin) x users.size() and fills column b with
  // the scores of users[b] (each a user seen in training) for items begin ..
  // end - 1. Safe to call from several threads at once with different outputs.
  void ScoreItems(std::span<const uint32_t> users, uint32_t begin, uint32_t end,
                  Eigen::MatrixXf* scores) const;
  // ScoreItems over every item.
  void ScoreBlock(std::span<const uint32_t> users, Eigen::MatrixXf* scores) const {
    ScoreItems(users, 0, num_items(), scores);
  }

  // Calls visit(item) for every item that is never ranked for `user`: the
  // items it rated in training, then the items never seen in training. An
  // item may be visited twice.
  template <typename Visit>
  void ForEachExcluded(uint32_t user, const Visit& visit) const {
    model_.rated_items().ForEachItem(user, [&](uint32_t item) { visit(item); });
    for (uint32_t item : unseen_items_) visit(item);
  }

  // The items never ranked for `user`, sorted (repeats possible), into *items.
  void ExcludedItems(uint32_t user, std::vector<uint32_t>* items) const;

 private:
  const Model& model_;
  std::vector<uint32_t> unseen_items_;
};

// The best `top_n` of the items offered, by score, ties broken by the lower
// index; items scoring -infinity or NaN are never kept. Items must be offered
// in increasing index.
class TopItems {
 public:
  explicit TopItems(int top_n);

  // Offers items first .. first + count - 1 with scores[0 .. count).
  void Offer(const float* scores, uint32_t first, uint32_t count);
  // The items kept, best first (fewer than top_n when fewer were offered);
  // the object is empty afterwards, ready for the next user.
  std::vector<Recommendation> Take();
  // The same appended to *out.
  void TakeInto(std::vector<Recommendation>* out);

 private:
  void Consider(uint32_t item, float score);

  size_t capacity_;
  float floor_;                       // the worst kept score once full, else -infinity
  std::vector<Recommendation> heap_;  // front: the worst kept item
};

}  // namespace hogmf::internal
