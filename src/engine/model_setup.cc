// Model setup: fresh models and warm starts.
#include "engine/model_setup.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "model/model_internal.h"
#include "util/absl_compat.h"
#include "util/check.h"
#include "util/random.h"

namespace hogmf::engine {
namespace {

using internal::Rng;

// Whether initial factors are drawn around zero: with biases (which carry
// the level), unless the factors must stay non-negative.
bool SymmetricInit(const TrainParams& params, bool biases) { return biases && !params.nonneg; }

// In every real coordinate of rows [first, rows()): uniform [0, scale), or
// [-scale, scale) when `symmetric`; the padding stays zero.
void DrawRows(FactorMatrix& factors, uint32_t first, float scale, bool symmetric, Rng& rng) {
  for (uint32_t row = first; row < factors.rows(); ++row) {
    float* values = factors.row(row);
    for (int d = 0; d < factors.k(); ++d) {
      values[d] =
          symmetric ? scale * (2.0f * rng.UniformFloat() - 1.0f) : scale * rng.UniformFloat();
    }
  }
}

// The smallest and largest value of `entries` (0, 0 when there are none).
std::pair<float, float> ValueRange(std::span<const Rating> entries) {
  if (entries.empty()) return {0.0f, 0.0f};
  float low = entries[0].value;
  float high = entries[0].value;
  for (const Rating& r : entries) {
    low = std::min(low, r.value);
    high = std::max(high, r.value);
  }
  return {low, high};
}

// Marks the rows `entries` name as seen and returns the entries' mean.
double MarkSeen(std::span<const Rating> entries, Model& model) {
  double sum = 0.0;
  for (const Rating& r : entries) {
    sum += r.value;
    internal::ModelInternal::set_user_seen(model, r.user, true);
    internal::ModelInternal::set_item_seen(model, r.item, true);
  }
  return entries.empty() ? 0.0 : sum / static_cast<double>(entries.size());
}

// One-class losses train the rows they draw negatives from whether or not
// they have entries: every item (bpr-row, one-class-squared) or every user
// (bpr-column) is then part of the model.
void MarkSampledRowsSeen(Loss loss, Model& model) {
  if (loss == Loss::kBprRow || loss == Loss::kOneClassSquared) {
    for (uint32_t i = 0; i < model.num_items(); ++i) {
      internal::ModelInternal::set_item_seen(model, i, true);
    }
  } else if (loss == Loss::kBprColumn) {
    for (uint32_t u = 0; u < model.num_users(); ++u) {
      internal::ModelInternal::set_user_seen(model, u, true);
    }
  }
}

}  // namespace

void SetTrainingFacts(Model& model, const TrainParams& params, bool biases, float low, float high) {
  internal::ModelInternal::set_loss(model, params.loss);
  internal::ModelInternal::set_l2(model, params.l2_p, params.l2_q, params.l2_user_bias,
                                  params.l2_item_bias);
  if (biases) internal::ModelInternal::AddBiases(model);
  internal::ModelInternal::set_value_range(model, low, high,
                                           params.clip && PredictsValues(params.loss));
}

void CopyRows(const FactorMatrix& from, FactorMatrix& to) {
  HOGMF_CHECK(from.k() == to.k() && from.rows() <= to.rows());
  std::copy(from.data(), from.data() + size_t{from.rows()} * from.stride(), to.data());
}

float InitScale(const TrainParams& params, double mean, bool biases) {
  if (params.init_scale > 0) return params.init_scale;
  if (biases) return 0.1f * std::sqrt(3.0f);  // sd 0.1
  const double level = std::max(std::abs(mean), 0.1);
  return static_cast<float>(2.0 * std::sqrt(level / params.k));
}

EntryFacts ScanEntries(std::span<const Rating> entries, uint32_t num_users, uint32_t num_items) {
  EntryFacts facts;
  facts.user_seen.assign(num_users, 0);
  facts.item_seen.assign(num_items, 0);
  double sum = 0.0;
  for (const Rating& r : entries) {
    sum += r.value;
    facts.user_seen[r.user] = 1;
    facts.item_seen[r.item] = 1;
  }
  facts.mean = entries.empty() ? 0.0 : sum / static_cast<double>(entries.size());
  std::tie(facts.low, facts.high) = ValueRange(entries);
  return facts;
}

Model NewModel(const EntryFacts& facts, IdMap users, IdMap items, const TrainParams& params) {
  Model model(params.k, std::move(users), std::move(items));
  HOGMF_CHECK(facts.user_seen.size() == model.num_users() &&
              facts.item_seen.size() == model.num_items());
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    if (facts.user_seen[u] != 0) internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < model.num_items(); ++i) {
    if (facts.item_seen[i] != 0) internal::ModelInternal::set_item_seen(model, i, true);
  }
  MarkSampledRowsSeen(params.loss, model);
  internal::ModelInternal::set_mean(model, static_cast<float>(facts.mean));
  const bool biases = params.UsesBiases();
  SetTrainingFacts(model, params, biases, facts.low, facts.high);
  Rng rng(params.seed, /*stream=*/1);
  const float scale = InitScale(params, facts.mean, biases);
  const bool symmetric = SymmetricInit(params, biases);
  DrawRows(internal::ModelInternal::user_factors(model), 0, scale, symmetric, rng);
  DrawRows(internal::ModelInternal::item_factors(model), 0, scale, symmetric, rng);
  return model;
}

Model NewModel(std::span<const Rating> entries, IdMap users, IdMap items,
               const TrainParams& params) {
  const EntryFacts facts = ScanEntries(entries, users.size(), items.size());
  return NewModel(facts, std::move(users), std::move(items), params);
}

std::vector<uint32_t> MergeIds(IdMap& into, const IdMap& from) {
  std::vector<uint32_t> remap(from.size());
  if (into.is_identity() && from.is_identity()) {
    if (from.size() > into.size()) into.GrowTo(from.size());
    for (uint32_t i = 0; i < from.size(); ++i) remap[i] = i;
    return remap;
  }
  if (into.is_identity()) {
    std::vector<std::string> names(into.size());
    for (uint32_t i = 0; i < into.size(); ++i) names[i] = into.Name(i);
    // Decimal names of distinct indices are distinct.
    into = *IdMap::FromNames(std::move(names));
  }
  for (uint32_t i = 0; i < from.size(); ++i) remap[i] = into.Intern(from.Name(i));
  return remap;
}

absl::StatusOr<WarmStart> ContinueModel(Model initial, std::vector<Rating>& entries,
                                        const IdMap& users, const IdMap& items,
                                        const TrainParams& params) {
  if (initial.k() != params.k) {
    return absl::InvalidArgumentError(absl::StrCat("the initial model has k = ", initial.k(),
                                                   "; training asks for k = ", params.k));
  }
  if (initial.num_users() == 0 || initial.num_items() == 0) {
    return absl::InvalidArgumentError("the initial model has no users or no items");
  }
  const bool biases = initial.has_biases();
  if (params.biases.has_value() && *params.biases != biases) {
    return absl::InvalidArgumentError(
        absl::StrCat("the initial model has ", biases ? "biases" : "no biases",
                     "; training asks for the other (leave --biases unset to continue it)"));
  }
  if (initial.loss() != params.loss) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the initial model was trained for the loss ", internal::ToAbsl(LossName(initial.loss())),
        "; training asks for ", internal::ToAbsl(LossName(params.loss))));
  }
  IdMap merged_users = initial.users();
  IdMap merged_items = initial.items();
  const std::vector<uint32_t> user_index = MergeIds(merged_users, users);
  const std::vector<uint32_t> item_index = MergeIds(merged_items, items);
  for (Rating& r : entries) {
    r.user = user_index[r.user];
    r.item = item_index[r.item];
  }

  WarmStart warm;
  const uint32_t old_users = initial.num_users();
  const uint32_t old_items = initial.num_items();
  warm.new_users = merged_users.size() - old_users;
  warm.new_items = merged_items.size() - old_items;
  warm.had_rated_items = initial.has_rated_items();
  if (warm.had_rated_items) warm.initial_rated = initial.rated_items();

  Model model(params.k, std::move(merged_users), std::move(merged_items));
  CopyRows(initial.user_factors(), internal::ModelInternal::user_factors(model));
  CopyRows(initial.item_factors(), internal::ModelInternal::item_factors(model));
  const auto [low, high] = ValueRange(entries);
  SetTrainingFacts(model, params, biases, std::min(low, initial.min_value()),
                   std::max(high, initial.max_value()));
  if (biases) {
    std::copy(initial.user_biases().begin(), initial.user_biases().end(),
              internal::ModelInternal::user_biases(model).begin());
    std::copy(initial.item_biases().begin(), initial.item_biases().end(),
              internal::ModelInternal::item_biases(model).begin());
  }
  for (uint32_t u = 0; u < old_users; ++u)
    internal::ModelInternal::set_user_seen(model, u, initial.user_seen(u));
  for (uint32_t i = 0; i < old_items; ++i)
    internal::ModelInternal::set_item_seen(model, i, initial.item_seen(i));
  const float initial_mean = initial.mean();
  initial = Model();  // the old factors are copied: free them before training
  const double mean = MarkSeen(entries, model);
  MarkSampledRowsSeen(params.loss, model);
  // With biases every score is relative to the mean: keep the initial one.
  internal::ModelInternal::set_mean(model, biases ? initial_mean : static_cast<float>(mean));
  Rng rng(params.seed, /*stream=*/1);
  const float scale = InitScale(params, mean, biases);
  const bool symmetric = SymmetricInit(params, biases);
  DrawRows(internal::ModelInternal::user_factors(model), old_users, scale, symmetric, rng);
  DrawRows(internal::ModelInternal::item_factors(model), old_items, scale, symmetric, rng);
  warm.model = std::move(model);
  return warm;
}

RatedItems MergeRatedItems(const RatedItems& a, const RatedItems& b, uint32_t num_users) {
  RatedItems merged;
  merged.Reserve(num_users, 0);
  std::vector<uint32_t> from_a;
  std::vector<uint32_t> from_b;
  std::vector<uint32_t> both;
  for (uint32_t u = 0; u < num_users; ++u) {
    a.Decode(u, &from_a);
    b.Decode(u, &from_b);
    both.clear();
    std::set_union(from_a.begin(), from_a.end(), from_b.begin(), from_b.end(),
                   std::back_inserter(both));
    merged.AppendUser(both);
  }
  return merged;
}

}  // namespace hogmf::engine
