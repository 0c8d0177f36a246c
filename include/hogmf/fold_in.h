// Fold-in: factors for users who arrived after training, with the item
// factors held fixed — the standard way to serve a new user without
// retraining. Each user's row is the exact minimizer of the training loss
// restricted to that user's ratings: a ridge regression on the item factors,
//   (Q_u^T Q_u + (l2 / 2) n_u I) p_u = Q_u^T r_u,
// where Q_u holds the factors of the n_u items the user rated. The weight
// (l2 / 2) n_u is the seed's L2 term, l2/2 |p|^2 per observed rating, summed
// over the user's ratings, so a folded-in row is what SGD with the same l2
// converges to for that user when Q does not move. Solved per user with
// Eigen's LDLT (k x k, in parallel over users). For a model with biases the
// user's bias is solved with the row: the features are [q_i, 1], the targets
// r - mean - b_i, and the bias's weight is the user-bias L2 weight.
//
//   hogmf::FoldInParams params;                         // l2: the model's own
//   absl::StatusOr<hogmf::FoldInResult> folded =
//       hogmf::FoldIn(std::move(model), new_ratings, params);
//   float r = folded->model.Predict(*folded->model.users().Find("new-user"), item);
//
// Threads: FoldIn reads nothing shared but its arguments and may run while
// other threads read other models.
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hogmf/model.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf {

struct FoldInParams {
  /// The L2 weight of the user rows (and biases): >= 0 and finite, or
  /// kAutoWeight: the weights the model was trained with (Model::l2_p and
  /// l2_user_bias). With 0 a user with fewer ratings than k gets the
  /// minimum-norm solution.
  float l2 = kAutoWeight;
  /// Threads; 0 means every core. 0 .. 1024.
  int threads = 0;

  // OK, or kInvalidArgument naming the bad field and its allowed range.
  absl::Status Validate() const;
};

struct FoldInReport {
  uint32_t users_added = 0;                // users the model lacked, now with rows
  uint32_t users_refitted = 0;             // users the model had, whose rows were solved anew
  uint32_t users_without_known_items = 0;  // users none of whose items the model has trained
  uint64_t ratings_used = 0;               // ratings of items with trained factors
  uint64_t ratings_skipped = 0;            // ratings of items the model lacks or never trained
};

struct FoldInResult {
  Model model;
  FoldInReport report;
};

// Folds the users of `ratings` (in their own id space) into `model`: users it
// has keep their index and get a new row solved from these ratings alone;
// new users are appended (both identity maps stay one; otherwise the user map
// becomes a string map). Item factors, the item map and the mean are kept.
// Ratings of items the model lacks or never trained are skipped; a user left
// with none keeps its old row, or, if new, stays unseen (predicted as the
// mean). When the model keeps rated items, each user's folded-in items join
// them. kInvalidArgument for invalid params, empty ratings, a model with no
// items, or one trained for a loss other than squared.
absl::StatusOr<FoldInResult> FoldIn(Model model, const Ratings& ratings,
                                    const FoldInParams& params);

}  // namespace hogmf
