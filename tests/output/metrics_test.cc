// Tests of Evaluate, EvaluateAligned and SeedLoss against hand-computed values.
#include "hogmf/metrics.h"
#include "model/model_internal.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hogmf {
namespace {

// Two users, two items, k = 2: p0 = (1, 0), p1 = (0, 2); q0 = (3, 1), q1 = (1, 1).
// Predictions: (0,0) = 3, (0,1) = 1, (1,0) = 2, (1,1) = 2. Item 1 of user 1 is
// trained; a third item exists but was never seen.
Model SmallModel() {
  IdMap users;
  users.Intern("ann");
  users.Intern("bob");
  IdMap items;
  items.Intern("x");
  items.Intern("y");
  items.Intern("z");
  Model model(2, std::move(users), std::move(items));
  float* p0 = internal::ModelInternal::user_factors(model).row(0);
  float* p1 = internal::ModelInternal::user_factors(model).row(1);
  p0[0] = 1, p0[1] = 0, p1[0] = 0, p1[1] = 2;
  float* q0 = internal::ModelInternal::item_factors(model).row(0);
  float* q1 = internal::ModelInternal::item_factors(model).row(1);
  q0[0] = 3, q0[1] = 1, q1[0] = 1, q1[1] = 1;
  for (uint32_t u = 0; u < 2; ++u) internal::ModelInternal::set_user_seen(model, u, true);
  internal::ModelInternal::set_item_seen(model, 0, true);
  internal::ModelInternal::set_item_seen(model, 1, true);
  internal::ModelInternal::set_mean(model, 2.5f);
  return model;
}

TEST(MetricsTest, RmseAndMaeByHand) {
  const Model model = SmallModel();
  // errors: 4-3 = 1, 0-1 = -1 ... use values giving errors 1, -2, 0.
  const std::vector<Rating> test = {{0, 0, 4.0f}, {0, 1, -1.0f}, {1, 1, 2.0f}};
  const EvalResult r = EvaluateAligned(model, test);
  EXPECT_EQ(r.count, 3u);
  EXPECT_EQ(r.unknown, 0u);
  EXPECT_NEAR(r.rmse, std::sqrt((1.0 + 4.0 + 0.0) / 3.0), 1e-9);
  EXPECT_NEAR(r.mae, (1.0 + 2.0 + 0.0) / 3.0, 1e-9);
}

TEST(MetricsTest, UnknownAndUnseenPairsArePredictedAsTheMean) {
  const Model model = SmallModel();
  Ratings test;
  const uint32_t ann = test.mutable_users().Intern("ann");
  const uint32_t eve = test.mutable_users().Intern("eve");
  const uint32_t x = test.mutable_items().Intern("x");
  const uint32_t z = test.mutable_items().Intern("z");
  test.Add(eve, x, 3.5f);  // unknown user: predicted 2.5, error 1
  test.Add(ann, z, 2.5f);  // item never trained: predicted 2.5, error 0
  test.Add(ann, x, 3.0f);  // known: predicted 3, error 0
  const EvalResult r = Evaluate(model, test);
  EXPECT_EQ(r.unknown, 2u);
  EXPECT_NEAR(r.rmse, std::sqrt(1.0 / 3.0), 1e-9);
}

TEST(MetricsTest, SeedLossByHand) {
  const Model model = SmallModel();
  // (0,0,4): e = 1, |p0|^2 = 1, |q0|^2 = 10; (1,1,1): e = -1, |p1|^2 = 4, |q1|^2 = 2.
  const std::vector<Rating> entries = {{0, 0, 4.0f}, {1, 1, 1.0f}};
  const double expected = (1.0 + 1.0) + 0.1 / 2 * ((1 + 10) + (4 + 2));
  EXPECT_NEAR(SeedLoss(model, entries, 0.1f), expected, 1e-6);
}

}  // namespace
}  // namespace hogmf
