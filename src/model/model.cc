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

float Model::Predict(uint32_t user, uint32_t item) const {
  if (!user_seen(user) || !item_seen(item)) return mean_;
  return internal::Dot(p_.row(user), q_.row(item), p_.k());
}

}  // namespace hogmf
