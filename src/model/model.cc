// Model: factors, id maps, seen flags and rated items.
#include "hogmf/model.h"

#include <utility>

#include "util/dot.h"

namespace hogmf {

Model::Model(int k, IdMap users, IdMap items)
    : p_(users.size(), k),
      q_(items.size(), k),
      users_(std::move(users)),
      items_(std::move(items)),
      user_seen_(p_.rows(), 0),
      item_seen_(q_.rows(), 0) {}

float Model::Score(uint32_t user, uint32_t item) const {
  const bool user_known = user_seen(user);
  const bool item_known = item_seen(item);
  if (!has_biases_) {
    if (!user_known && item_known && !cold_user_.empty()) {
      return internal::Dot(cold_user_.data(), q_.row(item), p_.k());
    }
    if (!user_known || !item_known) return mean_;
    return internal::Dot(p_.row(user), q_.row(item), p_.k());
  }
  // The kernels' order: (mean + b_u + b_i) + p.q.
  const float base =
      mean_ + (user_known ? user_bias_[user] : 0.0f) + (item_known ? item_bias_[item] : 0.0f);
  if (!user_known || !item_known) return base;
  return base + internal::Dot(p_.row(user), q_.row(item), p_.k());
}

float Model::Predict(uint32_t user, uint32_t item) const { return Clip(Score(user, item)); }

}  // namespace hogmf
