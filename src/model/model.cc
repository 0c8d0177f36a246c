// Model: factors, id maps, seen flags and rated items.
#include "hogmf/model.h"

#include <algorithm>

#include "util/check.h"

namespace hogmf {

Model::Model(int k, IdMap users, IdMap items)
    : p_(users.size(), k),
      q_(items.size(), k),
      users_(std::move(users)),
      items_(std::move(items)),
      user_seen_(p_.rows(), 0),
      item_seen_(q_.rows(), 0) {}

float Model::Predict(uint32_t user, uint32_t item) const {
  if (!user_seen(user) || !item_seen(item)) return mean_;
  const float* p = p_.row(user);
  const float* q = q_.row(item);
  float dot = 0.0f;
  for (int d = 0; d < p_.k(); ++d) dot += p[d] * q[d];
  return dot;
}

std::span<const uint32_t> Model::RatedItems(uint32_t user) const {
  if (rated_offsets_.empty() || user >= num_users()) return {};
  return std::span<const uint32_t>(rated_items_.data() + rated_offsets_[user],
                                   rated_offsets_[user + 1] - rated_offsets_[user]);
}

void Model::SetRatedItems(std::span<const Rating> training) {
  std::vector<uint64_t> offsets(static_cast<size_t>(num_users()) + 1, 0);
  for (const Rating& r : training) {
    HOGMF_CHECK(r.user < num_users());
    ++offsets[r.user + 1];
  }
  for (size_t u = 0; u < num_users(); ++u) offsets[u + 1] += offsets[u];
  std::vector<uint32_t> items(training.size());
  std::vector<uint64_t> cursor(offsets.begin(), offsets.end() - 1);
  for (const Rating& r : training) items[cursor[r.user]++] = r.item;
  // Sort and drop repeats per user, compacting in place.
  uint64_t write = 0;
  for (size_t u = 0; u < num_users(); ++u) {
    auto begin = items.begin() + static_cast<std::ptrdiff_t>(offsets[u]);
    auto end = items.begin() + static_cast<std::ptrdiff_t>(offsets[u + 1]);
    std::sort(begin, end);
    end = std::unique(begin, end);
    offsets[u] = write;
    for (auto it = begin; it != end; ++it) items[write++] = *it;
  }
  offsets[num_users()] = write;
  items.resize(write);
  items.shrink_to_fit();
  SetRatedItemsCsr(std::move(offsets), std::move(items));
}

void Model::SetRatedItemsCsr(std::vector<uint64_t> offsets, std::vector<uint32_t> items) {
  HOGMF_CHECK(offsets.empty() || offsets.size() == static_cast<size_t>(num_users()) + 1);
  rated_offsets_ = std::move(offsets);
  rated_items_ = std::move(items);
}

}  // namespace hogmf
