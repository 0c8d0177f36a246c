// Recommend: scores every trained item for a user as Q p_u and keeps the best N.
#include "hogmf/recommend.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "util/absl_compat.h"

namespace hogmf {

absl::StatusOr<std::vector<Recommendation>> RecommendForIndex(const Model& model, uint32_t user,
                                                              int top_n) {
  if (top_n < 1) {
    return absl::InvalidArgumentError(absl::StrCat("invalid top = ", top_n, "; expected >= 1"));
  }
  if (user >= model.num_users()) {
    return absl::NotFoundError(absl::StrCat("user index ", user, " is not in the model"));
  }
  if (!model.user_seen(user)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "user '", model.users().Name(user), "' has no ratings in training; nothing to rank by"));
  }
  const Eigen::VectorXf scores =
      model.item_factors().AsEigen() * model.user_factors().AsEigen().row(user).transpose();
  std::vector<uint8_t> excluded(model.num_items(), 0);
  model.rated_items().ForEachItem(user, [&excluded](uint32_t item) {
    if (item < excluded.size()) excluded[item] = 1;
  });
  std::vector<Recommendation> candidates;
  candidates.reserve(model.num_items());
  for (uint32_t i = 0; i < model.num_items(); ++i) {
    if (!excluded[i] && model.item_seen(i)) candidates.push_back({i, scores[i]});
  }
  const size_t n = std::min<size_t>(static_cast<size_t>(top_n), candidates.size());
  auto better = [](const Recommendation& a, const Recommendation& b) {
    return a.score != b.score ? a.score > b.score : a.item < b.item;
  };
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates.end(), better);
  candidates.resize(n);
  return candidates;
}

absl::StatusOr<std::vector<Recommendation>> Recommend(const Model& model, std::string_view user_id,
                                                      int top_n) {
  std::optional<uint32_t> user = model.users().Find(user_id);
  if (!user) {
    return absl::NotFoundError(
        absl::StrCat("user '", internal::ToAbsl(user_id), "' is not in the model"));
  }
  return RecommendForIndex(model, *user, top_n);
}

}  // namespace hogmf
