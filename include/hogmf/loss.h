// Loss: what training minimises over the observed entries, with LIBMF's
// meaning for each (so `--loss=` names map to LIBMF's `-f` codes), and what a
// model's scores then mean.
//
//   pointwise, real values     squared (LIBMF 0), absolute (1), kl (2)
//   pointwise, +1/-1 values    logistic (5), squared-hinge (6), hinge (7)
//   one-class (implicit)       bpr-row (10), bpr-column (11),
//                              one-class-squared (12; here with sampled negatives)
//
// The gradients are written once, in src/kernels/losses.h (the scalar spec
// every SIMD kernel is tested against); docs/models.md gives each formula.
//
//   absl::StatusOr<hogmf::Loss> loss = hogmf::ParseLoss("bpr-row");
#pragma once

#include <string_view>

#include "absl/status/statusor.h"

namespace hogmf {

enum class Loss {
  kSquared,          // (r - y)^2: explicit ratings (the seed's)
  kAbsolute,         // |r - y|
  kKl,               // generalized KL divergence r log(r / y) - r + y, r and y > 0
  kLogistic,         // log(1 + exp(-r y)), r = +1 or -1
  kSquaredHinge,     // max(0, 1 - r y)^2, r = +1 or -1
  kHinge,            // max(0, 1 - r y), r = +1 or -1
  kBprRow,           // -log sigmoid(y_ui - y_uj): per user, a positive i over a sampled j
  kBprColumn,        // -log sigmoid(y_ui - y_vi): per item, a positive u over a sampled v
  kOneClassSquared,  // (1 - y_ui)^2 + w (0 - y_uj)^2 over sampled negatives j
};

// "squared", "absolute", "kl", "logistic", "squared-hinge", "hinge",
// "bpr-row", "bpr-column", "one-class-squared".
std::string_view LossName(Loss loss);
// The loss named `name` (one of LossName's names, or LIBMF's number "0",
// "1", "2", "5", "6", "7", "10", "11", "12"; "bpr" is "bpr-row");
// kInvalidArgument for anything else.
absl::StatusOr<Loss> ParseLoss(std::string_view name);
// LIBMF's `-f` code of the loss.
int LibmfLossCode(Loss loss);

// Pairwise losses step on a positive and a sampled negative together.
bool IsPairwise(Loss loss);
// One-class losses learn from positive entries alone (implicit feedback):
// values are ignored and scores only rank.
bool IsOneClass(Loss loss);
// Losses for +1/-1 entries: scores are classifier margins.
bool IsBinary(Loss loss);
// Losses whose scores estimate the entries' values (squared, absolute, kl):
// predictions are clipped to the training range by default.
bool PredictsValues(Loss loss);

}  // namespace hogmf
