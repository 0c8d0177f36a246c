// Metrics: how well a model predicts held-out ratings, and the seed's loss.
//
//   hogmf::EvalResult r = hogmf::Evaluate(model, test);   // test in its own ids
//   std::printf("rmse %.4f mae %.4f (%zu unknown pairs)\n", r.rmse, r.mae, r.unknown);
#pragma once

#include <cstddef>
#include <span>

#include "hogmf/model.h"
#include "hogmf/ratings.h"

namespace hogmf {

struct EvalResult {
  double rmse = 0;
  double mae = 0;
  size_t count = 0;  // ratings evaluated
  size_t unknown =
      0;  // of those, pairs with a user or item unseen in training (predicted as the mean)
};

// Evaluates on ratings in their own id space, aligned to the model's ids.
EvalResult Evaluate(const Model& model, const Ratings& test);
// Evaluates on entries already in the model's index space (kUnknownIndex allowed).
EvalResult EvaluateAligned(const Model& model, std::span<const Rating> test);

// The seed's loss over entries in the model's index space:
//   sum of (r - p.q)^2 + l2/2 (|p|^2 + |q|^2).
double SeedLoss(const Model& model, std::span<const Rating> entries, float l2);

}  // namespace hogmf
