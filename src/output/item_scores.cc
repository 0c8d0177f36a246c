// ItemScorer (block scores as one matrix product) and TopItems (a bounded heap).
#include "output/item_scores.h"

#include <algorithm>
#include <limits>

#include "util/check.h"

namespace hogmf::internal {
namespace {

bool Better(const Recommendation& a, const Recommendation& b) {
  return a.score != b.score ? a.score > b.score : a.item < b.item;
}

uint32_t PadItems(uint32_t items) {
  const auto pad = static_cast<uint32_t>(kernels::kScoreItemPad);
  return (items + pad - 1) / pad * pad;
}

}  // namespace

ItemScorer::ItemScorer(const Model& model)
    : model_(model),
      item_major_(PadItems(model.num_items()) / static_cast<uint32_t>(kernels::kScoreItemPad),
                  model.k() * static_cast<int>(kernels::kScoreItemPad)),
      cold_row_(model.cold_user().empty() ? 0 : 1, model.k()),
      kernel_(kernels::SelectBlockDots()) {
  if (!model.cold_user().empty()) {
    std::copy(model.cold_user().begin(), model.cold_user().end(), cold_row_.row(0));
  }
  for (uint32_t i = 0; i < model.num_items(); ++i) {
    if (!model.item_seen(i)) unseen_items_.push_back(i);
    const float* q = model.item_factors().row(i);
    for (int d = 0; d < model.k(); ++d) {
      item_major_.data()[kernels::PanelOffset(i, d, model.k())] = q[d];
    }
  }
}

void ItemScorer::ScoreItems(std::span<const uint32_t> users, uint32_t begin, uint32_t end,
                            Eigen::MatrixXf* scores) const {
  HOGMF_CHECK(begin % kernels::kScoreItemPad == 0 && begin <= end && end <= num_items());
  const uint32_t count = end - begin;
  const uint32_t padded = PadItems(count);
  scores->resize(padded, static_cast<Eigen::Index>(users.size()));
  std::vector<const float*> rows(users.size());
  for (size_t b = 0; b < users.size(); ++b) {
    const bool cold = !model_.user_seen(users[b]) && cold_row_.rows() > 0;
    rows[b] = cold ? cold_row_.row(0) : model_.user_factors().row(users[b]);
  }
  kernel_.fn(item_major_.data() + kernels::PanelOffset(begin, 0, model_.k()), padded, rows.data(),
             users.size(), model_.k(), scores->data(), padded);
  if (!model_.has_biases()) return;
  const Eigen::Map<const Eigen::ArrayXf> item_bias(model_.item_biases().data() + begin, count);
  for (size_t b = 0; b < users.size(); ++b) {
    const float base = model_.mean() + model_.user_biases()[users[b]];
    auto column = scores->col(static_cast<Eigen::Index>(b)).head(count).array();
    column = (base + item_bias) + column;
  }
}

void ItemScorer::ExcludedItems(uint32_t user, std::vector<uint32_t>* items) const {
  model_.rated_items().Decode(user, items);
  const auto middle = static_cast<std::ptrdiff_t>(items->size());
  items->insert(items->end(), unseen_items_.begin(), unseen_items_.end());
  std::inplace_merge(items->begin(), items->begin() + middle, items->end());
}

TopItems::TopItems(int top_n, kernels::FirstAboveFn first_above)
    : capacity_(top_n > 0 ? static_cast<size_t>(top_n) : 0),
      first_above_(first_above),
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
  if (capacity_ == 0) return;
  // Jump from one score above the floor to the next: once the list is full
  // almost every score is below it.
  for (size_t i = first_above_(scores, count, floor_); i < count;
       i += 1 + first_above_(scores + i + 1, count - i - 1, floor_)) {
    Consider(first + static_cast<uint32_t>(i), scores[i]);
  }
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
