// ItemScorer (block scores as one matrix product) and TopItems (a bounded heap).
#include "output/item_scores.h"

#include <algorithm>
#include <limits>

namespace hogmf::internal {
namespace {

bool Better(const Recommendation& a, const Recommendation& b) {
  return a.score != b.score ? a.score > b.score : a.item < b.item;
}

}  // namespace

ItemScorer::ItemScorer(const Model& model) : model_(model) {
  for (uint32_t i = 0; i < model.num_items(); ++i) {
    if (!model.item_seen(i)) unseen_items_.push_back(i);
  }
}

void ItemScorer::ScoreItems(std::span<const uint32_t> users, uint32_t begin, uint32_t end,
                            Eigen::MatrixXf* scores) const {
  const int k = model_.k();
  const auto block = static_cast<Eigen::Index>(users.size());
  const auto count = static_cast<Eigen::Index>(end - begin);
  // P_B^T: the block's factor rows as columns.
  Eigen::MatrixXf factors(k, block);
  const FactorMatrix& p = model_.user_factors();
  for (Eigen::Index b = 0; b < block; ++b) {
    factors.col(b) = Eigen::Map<const Eigen::VectorXf>(p.row(users[static_cast<size_t>(b)]), k);
  }
  scores->resize(count, block);
  if (model_.has_biases()) {
    // mean + b_u + b_i first; the product adds p.q to it.
    const Eigen::Map<const Eigen::ArrayXf> item_bias(model_.item_biases().data() + begin, count);
    for (Eigen::Index b = 0; b < block; ++b) {
      const float base = model_.mean() + model_.user_biases()[users[static_cast<size_t>(b)]];
      scores->col(b).array() = base + item_bias;
    }
  } else {
    scores->setZero();
  }
  scores->noalias() += model_.item_factors().AsEigen().middleRows(begin, count) * factors;
}

void ItemScorer::ExcludedItems(uint32_t user, std::vector<uint32_t>* items) const {
  model_.rated_items().Decode(user, items);
  const auto middle = static_cast<std::ptrdiff_t>(items->size());
  items->insert(items->end(), unseen_items_.begin(), unseen_items_.end());
  std::inplace_merge(items->begin(), items->begin() + middle, items->end());
}

TopItems::TopItems(int top_n)
    : capacity_(top_n > 0 ? static_cast<size_t>(top_n) : 0),
      floor_(-std::numeric_limits<float>::infinity()) {}

void TopItems::Consider(uint32_t item, float score) {
  // Items come in increasing index, so an item that only ties the floor
  // ranks below every kept item: only a higher score enters.
  if (!(score > floor_) || capacity_ == 0) return;
  if (heap_.size() < capacity_) {
    heap_.push_back({item, score});
    std::push_heap(heap_.begin(), heap_.end(), Better);
    if (heap_.size() == capacity_) floor_ = heap_.front().score;
    return;
  }
  std::pop_heap(heap_.begin(), heap_.end(), Better);
  heap_.back() = {item, score};
  std::push_heap(heap_.begin(), heap_.end(), Better);
  floor_ = heap_.front().score;
}

void TopItems::Offer(const float* scores, uint32_t first, uint32_t count) {
  constexpr uint32_t kChunk = 16;
  uint32_t i = 0;
  // A chunk whose largest score (NaN ignored) does not beat the floor is
  // skipped whole: the common case once the heap is full, and a vectorized
  // maximum.
  for (; i + kChunk <= count; i += kChunk) {
    const float most = Eigen::Map<const Eigen::Array<float, kChunk, 1>>(scores + i)
                           .maxCoeff<Eigen::PropagateNumbers>();
    if (!(most > floor_)) continue;
    for (uint32_t j = i; j < i + kChunk; ++j) Consider(first + j, scores[j]);
  }
  for (; i < count; ++i) Consider(first + i, scores[i]);
}

void TopItems::TakeInto(std::vector<Recommendation>* out) {
  std::sort_heap(heap_.begin(), heap_.end(), Better);
  out->insert(out->end(), heap_.begin(), heap_.end());
  heap_.clear();
  floor_ = -std::numeric_limits<float>::infinity();
}

std::vector<Recommendation> TopItems::Take() {
  std::vector<Recommendation> out;
  TakeInto(&out);
  return out;
}

}  // namespace hogmf::internal
