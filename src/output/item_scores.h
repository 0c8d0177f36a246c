// ItemScores: every item's score for a block of users at once, the one
// scoring that top-N recommendations and the ranking metrics share. A block's
// scores are one matrix product Q P_B^T (kernels::BlockDots over an
// item-major copy of Q in panels, made once per scorer), then mean + b_u + b_i added in
// front when the model has biases: (mean + b_u + b_i) + p.q, as Model::Score
// sums it. They equal Model::Score to float rounding (the kernel may fuse the
// multiply-adds of the dot product); exactly for k = 1. Never clipped.
//
//   internal::ItemScorer scorer(model);
//   Eigen::MatrixXf scores;                       // num_items x users.size()
//   scorer.ScoreBlock(users, &scores);            // column b: users[b]'s scores
//   internal::TopItems top = scorer.MakeTopItems(10);
//   top.Offer(scores.col(0).data(), 0, scorer.num_items());
//   std::vector<Recommendation> best = top.Take();
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "hogmf/model.h"
#include "hogmf/recommend.h"
#include "kernels/score_highway.h"

namespace hogmf::internal {

class TopItems;

class ItemScorer {
 public:
  // Keeps a reference to `model`, which must outlive the scorer.
  explicit ItemScorer(const Model& model);

  uint32_t num_items() const { return model_.num_items(); }

  // Fills column b of *scores with the scores of users[b] (each a user seen
  // in training, or any user of a model with a cold_user row) for items begin .. end - 1 (begin a
  // multiple of kernels::kScoreItemPad), in its first end - begin rows: *scores is resized to
  // users.size() columns of end - begin rows rounded up to kScoreItemPad (the rows past end - begin
  // are padding). Safe to call from several threads at once with different outputs.
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

  // A top list that scans scores with this scorer's kernel.
  TopItems MakeTopItems(int top_n) const;

 private:
  const Model& model_;
  std::vector<uint32_t> unseen_items_;
  // Q^T in the panels of kernels/score_highway.h: a "row" per panel of
  // kScoreItemPad items (k x 32 floats), the last padded with zero items.
  FactorMatrix item_major_;
  // The model's cold_user row, padded and aligned as the kernel reads rows
  // (no rows when the model has none).
  FactorMatrix cold_row_;
  kernels::BlockDotsKernel kernel_;
};

// The best `top_n` of the items offered, by score, ties broken by the lower
// index; items scoring -infinity or NaN are never kept. Items must be offered
// in increasing index.
class TopItems {
 public:
  // `first_above` finds the next score above the floor (by default the
  // scalar one; ItemScorer::MakeTopItems gives its SIMD kernel's).
  explicit TopItems(int top_n, kernels::FirstAboveFn first_above = kernels::FirstAboveScalar);

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
  kernels::FirstAboveFn first_above_;
  float floor_;                       // the worst kept score once full, else -infinity
  std::vector<Recommendation> heap_;  // front: the worst kept item
};

inline TopItems ItemScorer::MakeTopItems(int top_n) const {
  return TopItems(top_n, kernel_.first_above);
}

}  // namespace hogmf::internal
