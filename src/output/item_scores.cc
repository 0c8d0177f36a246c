// ItemScorer (block scores as one matrix product) and SelectTop (a bounded heap).
#include "output/item_scores.h"

#include <algorithm>
#include <limits>

namespace hogmf::internal {

ItemScorer::ItemScorer(const Model& model) : model_(model) {
  for (uint32_t i = 0; i < model.num_items(); ++i) {
    if (!model.item_seen(i)) unseen_items_.push_back(i);
  }
}

void ItemScorer::ScoreBlock(std::span<const uint32_t> users, Eigen::MatrixXf* scores) const {
  const int k = model_.k();
  const auto block = static_cast<Eigen::Index>(users.size());
  // P_B^T: the block's factor rows as columns.
  Eigen::MatrixXf factors(k, block);
  const FactorMatrix& p = model_.user_factors();
  for (Eigen::Index b = 0; b < block; ++b) {
    factors.col(b) = Eigen::Map<const Eigen::VectorXf>(p.row(users[static_cast<size_t>(b)]), k);
  }
  scores->resize(model_.num_items(), block);
  scores->noalias() = model_.item_factors().AsEigen() * factors;
  if (!model_.has_biases()) return;
  const Eigen::Map<const Eigen::ArrayXf> item_bias(model_.item_biases().data(),
                                                   static_cast<Eigen::Index>(num_items()));
  for (Eigen::Index b = 0; b < block; ++b) {
    const float base = model_.mean() + model_.user_biases()[users[static_cast<size_t>(b)]];
    scores->col(b).array() = (base + item_bias) + scores->col(b).array();
  }
}

void ItemScorer::ExcludeFromRanking(uint32_t user, float* scores) const {
  const float excluded = -std::numeric_limits<float>::infinity();
  const uint32_t n = num_items();
  ForEachExcluded(user, [&](uint32_t item) {
    if (item < n) scores[item] = excluded;
  });
}

void SelectTop(const float* scores, uint32_t num_items, int top_n,
               std::vector<Recommendation>* top) {
  top->clear();
  if (top_n < 1) return;
  const auto capacity = static_cast<size_t>(top_n);
  top->reserve(std::min<size_t>(capacity, num_items));
  // A heap whose front is the worst item kept; `floor` is its score once the
  // heap is full. Items come in increasing index, so an item that only ties
  // the floor ranks below every kept item and is skipped.
  const auto better = [](const Recommendation& a, const Recommendation& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  };
  float floor = -std::numeric_limits<float>::infinity();
  constexpr uint32_t kChunk = 16;
  uint32_t i = 0;
  const auto consider = [&](uint32_t item) {
    const float s = scores[item];
    if (!(s > floor)) return;
    if (top->size() < capacity) {
      top->push_back({item, s});
      std::push_heap(top->begin(), top->end(), better);
      if (top->size() == capacity) floor = top->front().score;
      return;
    }
    std::pop_heap(top->begin(), top->end(), better);
    top->back() = {item, s};
    std::push_heap(top->begin(), top->end(), better);
    floor = top->front().score;
  };
  // Whole chunks are skipped when no score in them beats the floor (the
  // common case once the heap is full; a comparison the compiler vectorizes).
  for (; i + kChunk <= num_items; i += kChunk) {
    int any = 0;
    for (uint32_t j = 0; j < kChunk; ++j) any |= scores[i + j] > floor;
    if (!any) continue;
    for (uint32_t j = 0; j < kChunk; ++j) consider(i + j);
  }
  for (; i < num_items; ++i) consider(i);
  std::sort_heap(top->begin(), top->end(), better);
}

}  // namespace hogmf::internal
