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
#include "engine/memory_budget.h"
#include "engine/model_setup.h"
#include "hogmf/rated_items.h"
#include "model/model_internal.h"
#include "util/absl_compat.h"
#include "util/parallel.h"
#include "util/status_macros.h"

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

// Solves one user's row (and, for a model with biases, its bias) from the
// items and values of its ratings. With biases the unknowns are [p_u, b_u],
// the features [q_i, 1] and the targets r - mean - b_i; the ridge weights are
// (l2 / 2) n_u on p_u and (l2_bias / 2) n_u on b_u.
void SolveRow(const Model& model, const Rating* ratings, size_t count, float l2, float l2_bias,
              float* row, float* bias) {
  const FactorMatrix& q = model.item_factors();
  const int k = q.k();
  const int unknowns = k + (bias != nullptr ? 1 : 0);
  Eigen::MatrixXd factors(static_cast<Eigen::Index>(count), unknowns);
  Eigen::VectorXd values(static_cast<Eigen::Index>(count));
  for (size_t j = 0; j < count; ++j) {
    const auto at = static_cast<Eigen::Index>(j);
    const float* item_row = q.row(ratings[j].item);
    for (int d = 0; d < k; ++d) factors(at, d) = item_row[d];
    values(at) = ratings[j].value;
    if (bias != nullptr) {
      factors(at, k) = 1.0;
      values(at) -= static_cast<double>(model.mean()) + model.item_biases()[ratings[j].item];
    }
  }
  Eigen::VectorXd solution;
  const double n = static_cast<double>(count);
  Eigen::VectorXd ridge = Eigen::VectorXd::Constant(unknowns, 0.5 * static_cast<double>(l2) * n);
  if (bias != nullptr) ridge(k) = 0.5 * static_cast<double>(l2_bias) * n;
  if (ridge.minCoeff() > 0) {
    Eigen::MatrixXd normal = factors.transpose() * factors;
    normal.diagonal() += ridge;
    solution = normal.ldlt().solve(factors.transpose() * values);
  } else {
    solution = factors.completeOrthogonalDecomposition().solve(values);
  }
  for (int d = 0; d < k; ++d) row[d] = static_cast<float>(solution(d));
  if (bias != nullptr) *bias = static_cast<float>(solution(k));
}

}  // namespace

absl::Status FoldInParams::Validate() const {
  if ((!(l2 >= 0.0f) || !std::isfinite(l2)) && l2 != kAutoWeight) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid l2 = ", l2, "; expected >= 0 and finite, or auto (the model's)"));
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
  if (model.loss() != Loss::kSquared) {
    return absl::InvalidArgumentError(
        absl::StrCat("fold-in solves the squared loss; the model was trained for ",
                     internal::ToAbsl(LossName(model.loss()))));
  }
  HOGMF_RETURN_IF_ERROR(engine::CheckFoldInMemory(
      model.num_users(), ratings.num_users(), model.num_items(), model.k(), ratings.size(),
      uint64_t{ratings.num_users()} + ratings.num_items()));
  const float l2 = params.l2 == kAutoWeight ? model.l2_p() : params.l2;
  const float l2_bias = params.l2 == kAutoWeight ? model.l2_user_bias() : params.l2;

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
  internal::ModelInternal::set_loss(grown, model.loss());
  internal::ModelInternal::set_l2(grown, model.l2_p(), model.l2_q(), model.l2_user_bias(),
                                  model.l2_item_bias());
  internal::ModelInternal::set_value_range(grown, model.min_value(), model.max_value(),
                                           model.clips());
  if (model.has_biases()) {
    internal::ModelInternal::AddBiases(grown);
    std::copy(model.user_biases().begin(), model.user_biases().end(),
              internal::ModelInternal::user_biases(grown).begin());
    internal::ModelInternal::item_biases(grown) = model.item_biases();
  }
  float* const user_bias =
      grown.has_biases() ? internal::ModelInternal::user_biases(grown).data() : nullptr;

  // Runs of one user each.
  std::vector<size_t> starts;
  for (size_t j = 0; j < usable.size(); ++j) {
    if (j == 0 || usable[j].user != usable[j - 1].user) starts.push_back(j);
  }
  starts.push_back(usable.size());
  const size_t runs = starts.size() - 1;
  FactorMatrix& p = internal::ModelInternal::user_factors(grown);
  const int threads = params.threads > 0 ? params.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);
  internal::ExecuteIn(arena, [&] {
    internal::ParallelFor(runs, internal::Schedule::Auto(16), [&](size_t begin, size_t end) {
      for (size_t run = begin; run != end; ++run) {
        const Rating* first = usable.data() + starts[run];
        SolveRow(grown, first, starts[run + 1] - starts[run], l2, l2_bias, p.row(first->user),
                 user_bias != nullptr ? user_bias + first->user : nullptr);
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
  internal::ModelInternal::UpdateColdUser(grown);
  result.model = std::move(grown);
  return result;
}

}  // namespace hogmf
