// FoldIn: per-user ridge solves against fixed item factors.
#include "hogmf/fold_in.h"

#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "absl/strings/str_cat.h"
#include "engine/model_setup.h"
#include "hogmf/rated_items.h"
#include "model/model_internal.h"
#include "util/parallel.h"

namespace hogmf {
namespace {

// For each index of `items`, its index in the model, or kUnknownIndex when
// the model lacks the item or never trained it.
std::vector<uint32_t> ModelItemIndex(const IdMap& items, const Model& model) {
  std::vector<uint32_t> index(items.size(), kUnknownIndex);
  for (uint32_t i = 0; i < items.size(); ++i) {
    std::optional<uint32_t> found;
    if (items.is_identity() && model.items().is_identity()) {
      if (i < model.num_items()) found = i;
    } else {
      found = model.items().Find(items.Name(i));
    }
    if (found.has_value() && model.item_seen(*found)) index[i] = *found;
  }
  return index;
}

// Solves one user's row from the items and values of its ratings.
void SolveRow(const FactorMatrix& q, const Rating* ratings, size_t count, float l2, float* row) {
  const int k = q.k();
  Eigen::MatrixXd factors(static_cast<Eigen::Index>(count), k);
  Eigen::VectorXd values(static_cast<Eigen::Index>(count));
  for (size_t j = 0; j < count; ++j) {
    const float* item_row = q.row(ratings[j].item);
    for (int d = 0; d < k; ++d) factors(static_cast<Eigen::Index>(j), d) = item_row[d];
    values(static_cast<Eigen::Index>(j)) = ratings[j].value;
  }
  Eigen::VectorXd solution;
  const double ridge = 0.5 * static_cast<double>(l2) * static_cast<double>(count);
  if (ridge > 0) {
    Eigen::MatrixXd normal = factors.transpose() * factors;
    normal.diagonal().array() += ridge;
    solution = normal.ldlt().solve(factors.transpose() * values);
  } else {
    solution = factors.completeOrthogonalDecomposition().solve(values);
  }
  for (int d = 0; d < k; ++d) row[d] = static_cast<float>(solution(d));
}

}  // namespace

absl::Status FoldInParams::Validate() const {
  if (!(l2 >= 0.0f) || !std::isfinite(l2)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid l2 = ", l2, "; expected >= 0 and finite"));
  }
  if (threads < 0 || threads > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid threads = ", threads, "; expected 0 .. 1024"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FoldInResult> FoldIn(Model model, const Ratings& ratings,
                                    const FoldInParams& params) {
  if (absl::Status valid = params.Validate(); !valid.ok()) return valid;
  if (ratings.empty()) return absl::InvalidArgumentError("no ratings to fold in");
  if (model.num_items() == 0) return absl::InvalidArgumentError("the model has no items");

  FoldInResult result;
  FoldInReport& report = result.report;
  IdMap users = model.users();
  const uint32_t old_users = users.size();
  const std::vector<uint32_t> user_index = engine::MergeIds(users, ratings.users());
  const std::vector<uint32_t> item_index = ModelItemIndex(ratings.items(), model);

  // The usable ratings, in the merged user space, grouped by user.
  std::vector<Rating> usable;
  usable.reserve(ratings.size());
  for (const Rating& r : ratings.entries()) {
    const uint32_t item = item_index[r.item];
    if (item == kUnknownIndex) {
      ++report.ratings_skipped;
      continue;
    }
    usable.push_back({user_index[r.user], item, r.value});
  }
  report.ratings_used = usable.size();
  std::stable_sort(usable.begin(), usable.end(),
                   [](const Rating& a, const Rating& b) { return a.user < b.user; });

  // The model with its user rows extended; every other part kept.
  Model grown(model.k(), std::move(users), model.items());
  engine::CopyRows(model.user_factors(), internal::ModelInternal::user_factors(grown));
  internal::ModelInternal::item_factors(grown) =
      std::move(internal::ModelInternal::item_factors(model));
  for (uint32_t u = 0; u < old_users; ++u)
    internal::ModelInternal::set_user_seen(grown, u, model.user_seen(u));
  for (uint32_t i = 0; i < model.num_items(); ++i)
    internal::ModelInternal::set_item_seen(grown, i, model.item_seen(i));
  internal::ModelInternal::set_mean(grown, model.mean());

  // Runs of one user each.
  std::vector<size_t> starts;
  for (size_t j = 0; j < usable.size(); ++j) {
    if (j == 0 || usable[j].user != usable[j - 1].user) starts.push_back(j);
  }
  starts.push_back(usable.size());
  const size_t runs = starts.size() - 1;
  FactorMatrix& p = internal::ModelInternal::user_factors(grown);
  const FactorMatrix& q = grown.item_factors();
  const int threads = params.threads > 0 ? params.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);
  internal::ExecuteIn(arena, [&] {
    internal::ParallelFor(runs, internal::Schedule::Auto(16), [&](size_t begin, size_t end) {
      for (size_t run = begin; run != end; ++run) {
        const Rating* first = usable.data() + starts[run];
        SolveRow(q, first, starts[run + 1] - starts[run], params.l2, p.row(first->user));
      }
    });
  });

  std::vector<uint8_t> folded(grown.num_users(), 0);
  for (size_t run = 0; run < runs; ++run) {
    const uint32_t user = usable[starts[run]].user;
    folded[user] = 1;
    internal::ModelInternal::set_user_seen(grown, user, true);
  }
  std::vector<uint8_t> named(grown.num_users(), 0);
  for (uint32_t u = 0; u < ratings.users().size(); ++u) named[user_index[u]] = 1;
  for (uint32_t u = 0; u < grown.num_users(); ++u) {
    if (!named[u]) continue;
    if (!folded[u]) {
      ++report.users_without_known_items;
    } else if (u < old_users) {
      ++report.users_refitted;
    }
  }
  report.users_added = grown.num_users() - old_users;

  if (model.has_rated_items()) {
    internal::ModelInternal::set_rated_items(
        grown,
        engine::MergeRatedItems(model.rated_items(), RatedItems::Build(usable, grown.num_users()),
                                grown.num_users()));
  }
  result.model = std::move(grown);
  return result;
}

}  // namespace hogmf
