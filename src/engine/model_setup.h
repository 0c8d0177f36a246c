// Model setup: the model a training session starts from — fresh factors for
// the ids of the training data, or a warm start that extends an initial model
// with the users and items of new ratings.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/rated_items.h"
#include "hogmf/ratings.h"

namespace hogmf::engine {

// The scale of initial factors: params.init_scale, or with biases 0.1 sqrt(3)
// (uniform in [-scale, scale): sd 0.1), without 2 sqrt(|mean| / k) (at least
// 0.1 for the level; uniform in [0, scale)) so that p.q starts near the mean.
float InitScale(const TrainParams& params, double mean, bool biases);

// A model for the rows of `users` x `items`: the rows `entries` name are
// marked seen, the mean is theirs, the loss is params.loss, biases (zero)
// when params.UsesBiases(), the value range that of `entries` (clipping for
// value losses when params.clip), and every factor is drawn from params.seed
// as InitScale says (symmetric with biases, unless nonneg), all of P's rows
// first, then Q's.
Model NewModel(std::span<const Rating> entries, IdMap users, IdMap items,
               const TrainParams& params);

// What NewModel takes from the entries, gathered in one pass so that the
// model can be made after the entries are rearranged or packed: their mean
// (summed in their order), value range and the rows they name.
struct EntryFacts {
  double mean = 0;
  float low = 0;  // the value range (0, 0 without entries)
  float high = 0;
  std::vector<uint8_t> user_seen;  // per user row: named by some entry
  std::vector<uint8_t> item_seen;
};
EntryFacts ScanEntries(std::span<const Rating> entries, uint32_t num_users, uint32_t num_items);
// NewModel from the facts of its entries.
Model NewModel(const EntryFacts& facts, IdMap users, IdMap items, const TrainParams& params);

// Sets the loss, L2 weights (resolved: no kAuto left), biases (added, zero,
// when `biases`) and value range [low, high] (clipping for value losses when
// params.clip) of a model trained with `params`.
void SetTrainingFacts(Model& model, const TrainParams& params, bool biases, float low, float high);

// Copies the rows of `from` into the first rows of `to` (same k, `to` has
// at least as many rows).
void CopyRows(const FactorMatrix& from, FactorMatrix& to);

// Adds the ids of `from` that `into` lacks, in `from`'s index order, and
// returns for each index of `from` its index in `into`. Two identity maps
// stay one (grown to cover both); otherwise `into` becomes or stays a string
// map whose existing ids keep their indices.
std::vector<uint32_t> MergeIds(IdMap& into, const IdMap& from);

struct WarmStart {
  Model model;
  RatedItems initial_rated;  // the initial model's index (empty when it had none)
  bool had_rated_items = false;
  uint32_t new_users = 0;
  uint32_t new_items = 0;
};

// Extends `initial` with the ids of `users` and `items` (the maps `entries`
// index) and rewrites `entries` into the merged index space. Known rows keep
// their factors; new rows are drawn as NewModel draws them (new P rows first,
// then new Q rows). Seen flags: the initial model's, plus every row `entries`
// names. The mean becomes the mean of `entries` (a model with biases keeps
// its own); biases carry over, new rows' are zero; the value range spans
// both. kInvalidArgument when k or the loss differs from params', when
// params.biases is set and differs from the model's, or the model has no rows.
absl::StatusOr<WarmStart> ContinueModel(Model initial, std::vector<Rating>& entries,
                                        const IdMap& users, const IdMap& items,
                                        const TrainParams& params);

// The union of two users' rated-items indexes (user u of `a` is user u of
// `b`); users beyond one index's size have only the other's items. The
// result covers num_users users.
RatedItems MergeRatedItems(const RatedItems& a, const RatedItems& b, uint32_t num_users);

}  // namespace hogmf::engine
