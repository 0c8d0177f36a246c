// ItemScores: every item's score for a block of users at once, the one
// scoring that top-N recommendations and the ranking metrics share. A block's
// scores are one matrix product Q P_B^T (Eigen), plus mean + b_u + b_i when
// the model has biases, summed in Model::Score's order (mean + b_u + b_i,
// then the dot product); they equal Model::Score to float rounding (the
// product sums the dot products in its own order). Never clipped.
//
//   internal::ItemScorer scorer(model);
//   Eigen::MatrixXf scores;                       // num_items x users.size()
//   scorer.ScoreBlock(users, &scores);            // column b: users[b]'s scores
//   scorer.ExcludeFromRanking(users[0], scores.col(0).data());
//   internal::SelectTop(scores.col(0).data(), scorer.num_items(), 10, &top);
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

  // Resizes *scores to num_items() x users.size() and fills column b with
  // the scores of users[b] (each a user seen in training) for every item.
  // Safe to call from several threads at once with different outputs.
  void ScoreBlock(std::span<const uint32_t> users, Eigen::MatrixXf* scores) const;

  // Calls visit(item) for every item that is never ranked for `user`: the
  // items it rated in training, then the items never seen in training. An
  // item may be visited twice.
  template <typename Visit>
  void ForEachExcluded(uint32_t user, const Visit& visit) const {
    model_.rated_items().ForEachItem(user, [&](uint32_t item) { visit(item); });
    for (uint32_t item : unseen_items_) visit(item);
  }

  // Sets the scores (a column of ScoreBlock for `user`) of the items never
  // ranked for `user` to -infinity, which SelectTop skips.
  void ExcludeFromRanking(uint32_t user, float* scores) const;

 private:
  const Model& model_;
  std::vector<uint32_t> unseen_items_;
};

// The top_n items of scores[0 .. num_items) by score, best first, ties broken
// by the lower index, into *top (replacing what it held); items scoring
// -infinity or NaN are skipped, so *top holds fewer when fewer are left.
void SelectTop(const float* scores, uint32_t num_items, int top_n,
               std::vector<Recommendation>* top);

}  // namespace hogmf::internal
