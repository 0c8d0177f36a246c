// Tests of FoldIn: each row against a least-squares solution computed another
// way, what is kept and what changes in the model, and end to end on planted
// data: folded-in users predict their other ratings better than the mean.
#include "hogmf/fold_in.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include <Eigen/Dense>

#include "hogmf/metrics.h"
#include "hogmf/synthetic.h"
#include "hogmf/trainer.h"
#include "model/model_internal.h"
#include "testing/status_matchers.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::ElementsAre;

constexpr int kK = 4;
constexpr uint32_t kItems = 12;

// A model of 3 users and kItems items with random factors, every row seen.
Model RandomModel(uint64_t seed) {
  Model model(kK, IdMap::Identity(3), IdMap::Identity(kItems));
  internal::Rng rng(seed);
  for (uint32_t u = 0; u < 3; ++u) {
    for (int d = 0; d < kK; ++d)
      internal::ModelInternal::user_factors(model).row(u)[d] = rng.UniformFloat() - 0.5f;
    internal::ModelInternal::set_user_seen(model, u, true);
  }
  for (uint32_t i = 0; i < kItems; ++i) {
    for (int d = 0; d < kK; ++d)
      internal::ModelInternal::item_factors(model).row(i)[d] = rng.UniformFloat() * 2 - 1;
    internal::ModelInternal::set_item_seen(model, i, true);
  }
  internal::ModelInternal::set_mean(model, 3.0f);
  return model;
}

// min |Q p - r|^2 + lambda |p|^2 as the plain least-squares problem
// [Q; sqrt(lambda) I] p = [r; 0], solved by Householder QR.
Eigen::VectorXd AugmentedLeastSquares(const Model& model, const std::vector<Rating>& ratings,
                                      double lambda) {
  const Eigen::Index n = static_cast<Eigen::Index>(ratings.size());
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n + kK, kK);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(n + kK);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (int d = 0; d < kK; ++d) a(j, d) = model.item_factors().row(ratings[j].item)[d];
    b(j) = ratings[j].value;
  }
  for (int d = 0; d < kK; ++d) a(n + d, d) = std::sqrt(lambda);
  return a.householderQr().solve(b);
}

TEST(FoldInTest, EachRowIsTheRidgeSolutionWithTheTrainingL2) {
  const Model model = RandomModel(3);
  // User 3 is new (identity maps grow); user 1 is refitted.
  std::vector<Rating> entries = {{3, 0, 4},  {3, 2, 1}, {3, 5, 5}, {3, 7, 2}, {3, 9, 3},
                                 {3, 11, 4}, {1, 1, 2}, {1, 4, 5}, {1, 6, 1}};
  const Ratings ratings(entries, IdMap::Identity(4), IdMap::Identity(kItems));
  FoldInParams params;
  params.l2 = 0.3f;
  absl::StatusOr<FoldInResult> folded = FoldIn(model, ratings, params);
  ASSERT_THAT(folded, IsOk());
  for (uint32_t user : {3u, 1u}) {
    std::vector<Rating> own;
    for (const Rating& r : entries) {
      if (r.user == user) own.push_back(r);
    }
    // The training loss weighs |p|^2 by l2/2 per rating.
    const Eigen::VectorXd expected = AugmentedLeastSquares(model, own, 0.5 * 0.3 * own.size());
    for (int d = 0; d < kK; ++d) {
      EXPECT_NEAR(folded->model.user_factors().row(user)[d], expected(d), 1e-4)
          << "user " << user << " d " << d;
    }
  }
  EXPECT_EQ(folded->report.users_added, 1u);
  EXPECT_EQ(folded->report.users_refitted, 1u);
  EXPECT_EQ(folded->report.ratings_used, entries.size());
  EXPECT_TRUE(folded->model.user_seen(3));
  EXPECT_TRUE(folded->model.users().is_identity());
}

TEST(FoldInTest, WithoutL2ItIsOrdinaryLeastSquares) {
  const Model model = RandomModel(5);
  std::vector<Rating> entries;
  for (uint32_t i = 0; i < kItems; ++i) entries.push_back({0, i, static_cast<float>(i % 5) + 1});
  const Ratings ratings(entries, IdMap::Identity(1), IdMap::Identity(kItems));
  FoldInParams params;
  params.l2 = 0;
  absl::StatusOr<FoldInResult> folded = FoldIn(model, ratings, params);
  ASSERT_THAT(folded, IsOk());
  const Eigen::VectorXd expected = AugmentedLeastSquares(model, entries, 0.0);
  for (int d = 0; d < kK; ++d) {
    EXPECT_NEAR(folded->model.user_factors().row(0)[d], expected(d), 1e-4);
  }
}

TEST(FoldInTest, KeepsItemsOtherUsersAndTheMeanAndSkipsUnknownItems) {
  Model model = RandomModel(7);
  internal::ModelInternal::set_rated_items(
      model, RatedItems::Build(std::vector<Rating>{{0, 1, 1}, {2, 3, 1}}, 3));
  const Model before = model;
  Ratings ratings;
  // Item "99" is not in the model; user "5" has only that item.
  ratings.Add(ratings.mutable_users().Intern("2"), ratings.mutable_items().Intern("4"), 5);
  ratings.Add(ratings.mutable_users().Intern("2"), ratings.mutable_items().Intern("99"), 5);
  ratings.Add(ratings.mutable_users().Intern("5"), ratings.mutable_items().Intern("99"), 1);
  absl::StatusOr<FoldInResult> folded = FoldIn(model, ratings, FoldInParams());
  ASSERT_THAT(folded, IsOk());
  const Model& after = folded->model;
  EXPECT_EQ(std::memcmp(after.item_factors().data(), before.item_factors().data(),
                        before.item_factors().bytes()),
            0);
  for (uint32_t u : {0u, 1u}) {
    EXPECT_EQ(std::memcmp(after.user_factors().row(u), before.user_factors().row(u),
                          sizeof(float) * kK),
              0);
  }
  EXPECT_NE(std::memcmp(after.user_factors().row(2), before.user_factors().row(2),
                        sizeof(float) * kK),
            0);
  EXPECT_EQ(after.mean(), before.mean());
  // The identity user map became a string map that keeps every index.
  EXPECT_EQ(after.users().Find("2"), 2u);
  ASSERT_EQ(after.users().Find("5"), 3u);
  EXPECT_FALSE(after.user_seen(3));
  EXPECT_EQ(after.Predict(3, 0), before.mean());
  EXPECT_EQ(folded->report.ratings_skipped, 2u);
  EXPECT_EQ(folded->report.users_without_known_items, 1u);
  EXPECT_EQ(folded->report.users_added, 1u);
  EXPECT_EQ(folded->report.users_refitted, 1u);
  EXPECT_THAT(after.rated_items().Decode(2), ElementsAre(3, 4));
  EXPECT_THAT(after.rated_items().Decode(0), ElementsAre(1));
  EXPECT_TRUE(after.rated_items().Decode(3).empty());
}

TEST(FoldInTest, RefusesBadParamsAndEmptyInput) {
  FoldInParams params;
  params.l2 = -2;  // negative and not kAutoWeight
  EXPECT_THAT(FoldIn(RandomModel(1), Ratings(), FoldInParams()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const Ratings one(std::vector<Rating>{{0, 0, 1}}, IdMap::Identity(1), IdMap::Identity(1));
  EXPECT_THAT(FoldIn(RandomModel(1), one, params), StatusIs(absl::StatusCode::kInvalidArgument));
  params.l2 = 0.1f;
  params.threads = -2;
  EXPECT_THAT(FoldIn(RandomModel(1), one, params), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Users held back from training, folded in from half of their ratings,
// predict the other half far better than the training mean.
TEST(FoldInTest, HeldBackUsersPredictTheirOtherRatings) {
  SyntheticSpec spec;
  spec.shape = Shape::kLowRank;
  spec.rank = 10;
  spec.noise = 0.5;
  absl::StatusOr<Ratings> data = Generate(spec);
  ASSERT_THAT(data, IsOk());
  const uint32_t trained_users = data->num_users() * 9 / 10;
  std::vector<Rating> train;
  std::vector<Rating> fold;
  std::vector<Rating> check;
  for (const Rating& r : data->entries()) {
    if (r.user < trained_users) {
      train.push_back(r);
    } else {
      // Alternate a user's ratings between the fold-in half and the check half.
      ((r.item + r.user) % 2 == 0 ? fold : check).push_back(r);
    }
  }
  TrainParams params = TrainParams::Seed();
  params.k = 10;
  params.learning_rate = 0.01f;
  params.l2_p = params.l2_q = 0.02f;
  params.max_epochs = 30;
  absl::StatusOr<TrainResult> trained =
      Train(Ratings(train, IdMap::Identity(trained_users), data->items()), params);
  ASSERT_THAT(trained, IsOk());

  FoldInParams fold_params;
  fold_params.l2 = params.l2_p;
  absl::StatusOr<FoldInResult> folded =
      FoldIn(trained->model, Ratings(fold, IdMap::Identity(data->num_users()), data->items()),
             fold_params);
  ASSERT_THAT(folded, IsOk());
  EXPECT_EQ(folded->report.users_added, data->num_users() - trained_users);
  const EvalResult result = EvaluateAligned(folded->model, check);
  double mean_error = 0;
  for (const Rating& r : check) {
    mean_error += (r.value - trained->model.mean()) * (r.value - trained->model.mean());
  }
  const double mean_rmse = std::sqrt(mean_error / check.size());
  EXPECT_EQ(result.unknown, 0u);
  EXPECT_LT(result.rmse, 0.75 * mean_rmse) << "the mean predicts " << mean_rmse;
  // And close to the trained users' own held-out quality: within 25% of the noise.
  EXPECT_LT(result.rmse, 1.25 * spec.noise + 0.3);
}

}  // namespace
}  // namespace hogmf
