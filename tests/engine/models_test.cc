// Tests of the models beyond the seed: biases, clipping to the training
// range, AdaGrad, per-side weights, the loss family end to end, and the
// parameters the data chooses (ChooseParams).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "hogmf/auto_params.h"
#include "hogmf/fold_in.h"
#include "hogmf/metrics.h"
#include "hogmf/synthetic.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"
#include "util/random.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

// Ratings r = mean + b_u + b_i + p_u.q_i + noise: biases of sd `bias_sd`,
// rank-3 factors whose product has sd 0.5, Gaussian noise of sd `noise`.
// Every user rates `per_user` distinct items at random. With `round`, values
// are rounded to integers and clamped to 1..5 like star ratings.
Ratings BiasedRatings(uint32_t users, uint32_t items, int per_user, double bias_sd, double noise,
                      bool round, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  constexpr int kRank = 3;
  const double factor_sd = std::sqrt(0.5 / std::sqrt(static_cast<double>(kRank)));
  std::vector<double> bu(users), bi(items), p(users * kRank), q(items * kRank);
  for (double& b : bu) b = bias_sd * normal(gen);
  for (double& b : bi) b = bias_sd * normal(gen);
  for (double& x : p) x = factor_sd * normal(gen);
  for (double& x : q) x = factor_sd * normal(gen);
  std::vector<Rating> entries;
  std::vector<uint32_t> order(items);
  for (uint32_t u = 0; u < users; ++u) {
    for (uint32_t i = 0; i < items; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), gen);
    for (int j = 0; j < per_user; ++j) {
      const uint32_t i = order[static_cast<size_t>(j)];
      double value = 3.5 + bu[u] + bi[i] + noise * normal(gen);
      for (int d = 0; d < kRank; ++d) value += p[u * kRank + d] * q[i * kRank + d];
      if (round) value = std::clamp(std::round(value), 1.0, 5.0);
      entries.push_back({u, i, static_cast<float>(value)});
    }
  }
  return Ratings(std::move(entries), IdMap::Identity(users), IdMap::Identity(items));
}

TrainParams Fixed(bool biases) {
  TrainParams params;
  params.biases = biases;
  params.k = 8;
  params.l2_p = params.l2_q = 0.05f;
  params.max_epochs = 40;
  params.threads = 1;
  return params;
}

TEST(ModelsTest, SeedParamsAreTheSeedsConstants) {
  const TrainParams seed = TrainParams::Seed();
  EXPECT_EQ(seed.loss, Loss::kSquared);
  EXPECT_FALSE(seed.UsesBiases());
  EXPECT_EQ(seed.learning_rate, 0.01f);
  EXPECT_EQ(seed.l2_p, 0.1f);
  EXPECT_EQ(seed.l2_q, 0.1f);
  EXPECT_EQ(seed.max_epochs, 20);
  EXPECT_EQ(seed.lr_schedule, LearningRateSchedule::kConstant);
  EXPECT_FALSE(seed.HasAutoFields());
  EXPECT_THAT(seed.Validate(), IsOk());
}

TEST(ModelsTest, DefaultsAreBiasedAdaGradAndChosenFromTheData) {
  const TrainParams defaults;
  EXPECT_TRUE(defaults.UsesBiases());
  EXPECT_EQ(defaults.lr_schedule, LearningRateSchedule::kAdaGrad);
  EXPECT_TRUE(defaults.HasAutoFields());
  EXPECT_TRUE(defaults.clip);
  TrainParams bpr;
  bpr.loss = Loss::kBprRow;
  EXPECT_FALSE(bpr.UsesBiases());
  bpr.biases = true;
  EXPECT_THAT(bpr.Validate(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("biases")));
}

TEST(ModelsTest, BiasesBeatThePlainModelOnBiasedRatings) {
  const Ratings data = BiasedRatings(400, 300, 40, 0.6, 0.3, false, 3);
  auto [train, test] = SplitHoldout(data, 0.2, 5);
  absl::StatusOr<TrainResult> biased = Train(train, Fixed(true));
  absl::StatusOr<TrainResult> plain = Train(train, Fixed(false));
  ASSERT_THAT(biased.status(), IsOk());
  ASSERT_THAT(plain.status(), IsOk());
  EXPECT_TRUE(biased->model.has_biases());
  EXPECT_FALSE(plain->model.has_biases());
  const double with = Evaluate(biased->model, test).rmse;
  const double without = Evaluate(plain->model, test).rmse;
  EXPECT_LT(with, 0.95 * without) << with << " vs " << without;
  // The learned item biases follow the planted ones' order: they spread.
  double sum = 0, squares = 0;
  for (float b : biased->model.item_biases()) sum += b, squares += b * b;
  const double n = static_cast<double>(biased->model.num_items());
  EXPECT_GT(std::sqrt(squares / n - (sum / n) * (sum / n)), 0.3);
}

TEST(ModelsTest, PredictionsStayInTheTrainingRangeUnlessToldNotTo) {
  const Ratings data = BiasedRatings(200, 150, 30, 1.0, 0.5, true, 7);
  TrainParams params = Fixed(true);
  absl::StatusOr<TrainResult> clipped = Train(data, params);
  ASSERT_THAT(clipped.status(), IsOk());
  const Model& model = clipped->model;
  EXPECT_TRUE(model.clips());
  EXPECT_EQ(model.min_value(), 1.0f);
  EXPECT_EQ(model.max_value(), 5.0f);
  int outside = 0;
  for (uint32_t u = 0; u < model.num_users(); ++u) {
    for (uint32_t i = 0; i < model.num_items(); ++i) {
      const float score = model.Score(u, i);
      const float predicted = model.Predict(u, i);
      ASSERT_GE(predicted, 1.0f);
      ASSERT_LE(predicted, 5.0f);
      if (score < 1.0f || score > 5.0f) {
        ++outside;
      } else {
        ASSERT_EQ(predicted, score);
      }
    }
  }
  EXPECT_GT(outside, 0);  // biases of sd 1 push some scores past the scale
  params.clip = false;
  absl::StatusOr<TrainResult> raw = Train(data, params);
  ASSERT_THAT(raw.status(), IsOk());
  EXPECT_FALSE(raw->model.clips());
  EXPECT_EQ(raw->model.Predict(3, 4), raw->model.Score(3, 4));
}

TEST(ModelsTest, UnseenRowsScoreTheMeanPlusTheKnownBias) {
  const Ratings data = BiasedRatings(50, 40, 10, 0.5, 0.2, false, 9);
  absl::StatusOr<TrainResult> result = Train(data, Fixed(true));
  ASSERT_THAT(result.status(), IsOk());
  const Model& model = result->model;
  const uint32_t item = data.entries()[0].item;
  const uint32_t user = data.entries()[0].user;
  EXPECT_FLOAT_EQ(model.Score(kUnknownIndex, item), model.mean() + model.item_biases()[item]);
  EXPECT_FLOAT_EQ(model.Score(user, kUnknownIndex), model.mean() + model.user_biases()[user]);
  EXPECT_FLOAT_EQ(model.Score(kUnknownIndex, kUnknownIndex), model.mean());
}

TEST(ModelsTest, AdaGradReachesTheConstantStepsFitInFewerEpochs) {
  const Ratings data = BiasedRatings(300, 200, 30, 0.5, 0.3, false, 11);
  auto [train, test] = SplitHoldout(data, 0.2, 13);
  TrainParams adagrad = Fixed(true);
  adagrad.max_epochs = 10;
  TrainParams constant = adagrad;
  constant.lr_schedule = LearningRateSchedule::kConstant;
  constant.learning_rate = 0.005f;
  absl::StatusOr<TrainResult> a = Train(train, adagrad);
  absl::StatusOr<TrainResult> c = Train(train, constant);
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(c.status(), IsOk());
  EXPECT_LT(Evaluate(a->model, test).rmse, Evaluate(c->model, test).rmse);
}

TEST(ModelsTest, PerSideWeightsShrinkTheirSide) {
  const Ratings data = BiasedRatings(200, 150, 30, 0.3, 0.3, false, 15);
  TrainParams params = Fixed(false);
  params.l2_p = 2.0f;
  params.l2_q = 0.0f;
  absl::StatusOr<TrainResult> result = Train(data, params);
  ASSERT_THAT(result.status(), IsOk());
  const double p_norm = result->model.user_factors().AsEigen().norm() /
                        std::sqrt(static_cast<double>(result->model.num_users()));
  const double q_norm = result->model.item_factors().AsEigen().norm() /
                        std::sqrt(static_cast<double>(result->model.num_items()));
  EXPECT_LT(p_norm, q_norm);
  EXPECT_EQ(result->model.l2_p(), 2.0f);
  EXPECT_EQ(result->model.l2_q(), 0.0f);
}

TEST(ModelsTest, NonNegativeFactorsStayNonNegative) {
  const Ratings data = BiasedRatings(100, 80, 20, 0.3, 0.3, false, 17);
  TrainParams params = Fixed(false);
  params.nonneg = true;
  params.l1_p = params.l1_q = 0.01f;
  absl::StatusOr<TrainResult> result = Train(data, params);
  ASSERT_THAT(result.status(), IsOk());
  EXPECT_GE(result->model.user_factors().AsEigen().minCoeff(), 0.0f);
  EXPECT_GE(result->model.item_factors().AsEigen().minCoeff(), 0.0f);
}

TEST(ModelsTest, ChooseParamsWalksTheLadderAndKeepsTheBest) {
  const Ratings data = BiasedRatings(300, 200, 30, 0.5, 0.5, false, 19);
  TrainParams params;
  params.k = 8;
  params.threads = 1;
  ParamsChoice choice;
  absl::StatusOr<TrainParams> chosen = ChooseParams(data, params, TrainOptions(), &choice);
  ASSERT_THAT(chosen.status(), IsOk());
  EXPECT_FALSE(chosen->HasAutoFields());
  EXPECT_TRUE(choice.chosen);
  EXPECT_TRUE(choice.internal_holdout);
  EXPECT_GT(choice.holdout_ratings, 0u);
  ASSERT_GE(choice.trials.size(), 3u);
  EXPECT_LE(choice.trials.size(), static_cast<size_t>(kMaxTrials));
  const auto best = std::min_element(choice.trials.begin(), choice.trials.end(),
                                     [](const ParamsTrial& a, const ParamsTrial& b) {
                                       return a.score < b.score;
                                     });
  EXPECT_EQ(choice.best_score, best->score);
  EXPECT_EQ(chosen->l2_p, best->l2);
  EXPECT_EQ(chosen->l2_q, best->l2);
  EXPECT_EQ(chosen->l2_user_bias, best->l2);
  EXPECT_EQ(chosen->max_epochs, best->epochs);
  // The best weight is not at an end of the walk unless the walk stopped there.
  for (const ParamsTrial& trial : choice.trials) {
    EXPECT_GT(trial.epochs, 0);
    EXPECT_TRUE(std::isfinite(trial.score));
  }
  // The same seed chooses the same (one thread).
  ParamsChoice again;
  absl::StatusOr<TrainParams> repeat = ChooseParams(data, params, TrainOptions(), &again);
  ASSERT_THAT(repeat.status(), IsOk());
  EXPECT_EQ(repeat->l2_p, chosen->l2_p);
  EXPECT_EQ(repeat->max_epochs, chosen->max_epochs);
}

TEST(ModelsTest, TheObserverSeesEveryTrial) {
  struct Trials : TrainObserver {
    std::vector<ParamsTrial> seen;
    void OnTrial(const ParamsTrial& trial) override { seen.push_back(trial); }
  } observer;
  const Ratings data = BiasedRatings(200, 150, 30, 0.5, 0.5, false, 35);
  TrainParams params;
  params.k = 8;
  params.threads = 1;
  TrainOptions options;
  options.observer = &observer;
  absl::StatusOr<TrainResult> result = Train(data, params, options);
  ASSERT_THAT(result.status(), IsOk());
  ASSERT_EQ(observer.seen.size(), result->report.choice.trials.size());
  for (size_t t = 0; t < observer.seen.size(); ++t) {
    EXPECT_EQ(observer.seen[t].l2, result->report.choice.trials[t].l2);
    EXPECT_EQ(observer.seen[t].score, result->report.choice.trials[t].score);
  }
}

TEST(ModelsTest, DefaultTrainingReportsItsChoiceAndBeatsAPoorFixedWeight) {
  const Ratings data = BiasedRatings(300, 200, 30, 0.5, 0.7, true, 21);
  auto [train, test] = SplitHoldout(data, 0.2, 23);
  TrainParams params;
  params.k = 8;
  params.threads = 1;
  absl::StatusOr<TrainResult> chosen = Train(train, params);
  ASSERT_THAT(chosen.status(), IsOk());
  EXPECT_TRUE(chosen->report.choice.chosen);
  EXPECT_FALSE(chosen->report.params.HasAutoFields());
  EXPECT_EQ(chosen->report.epochs, chosen->report.params.max_epochs);
  TrainParams poor = chosen->report.params;
  poor.l2_p = poor.l2_q = poor.l2_user_bias = poor.l2_item_bias = 0.0f;
  poor.max_epochs = 60;
  absl::StatusOr<TrainResult> overfit = Train(train, poor);
  ASSERT_THAT(overfit.status(), IsOk());
  EXPECT_LT(Evaluate(chosen->model, test).rmse, Evaluate(overfit->model, test).rmse);
}

TEST(ModelsTest, ChooseParamsScoresOnAGivenValidationSet) {
  const Ratings data = BiasedRatings(200, 150, 30, 0.5, 0.5, false, 25);
  auto [train, validation] = SplitHoldout(data, 0.2, 27);
  TrainParams params = Fixed(true);
  params.max_epochs = kAutoEpochs;
  TrainOptions options;
  options.validation = &validation;
  ParamsChoice choice;
  absl::StatusOr<TrainParams> chosen = ChooseParams(train, params, options, &choice);
  ASSERT_THAT(chosen.status(), IsOk());
  EXPECT_FALSE(choice.internal_holdout);
  EXPECT_EQ(choice.holdout_ratings, validation.size());
  EXPECT_EQ(choice.trials.size(), 1u);  // only the epochs were auto
  EXPECT_EQ(chosen->l2_p, 0.05f);
  EXPECT_GE(chosen->max_epochs, 1);
}

TEST(ModelsTest, ChooseParamsFallsBackOnTooFewRatings) {
  const Ratings tiny(std::vector<Rating>{{0, 0, 1}, {1, 1, 2}}, IdMap::Identity(2),
                     IdMap::Identity(2));
  absl::StatusOr<TrainResult> result = Train(tiny, TrainParams());
  ASSERT_THAT(result.status(), IsOk());
  EXPECT_TRUE(result->report.choice.fallback);
  EXPECT_TRUE(result->report.choice.trials.empty());
  EXPECT_EQ(result->report.params.l2_p, kLadderStart);
  EXPECT_EQ(result->report.epochs, kFallbackEpochs);
}

// One-class trials are scored by 1 - the sampled held-out AUC: a share in
// [0, 1], the chosen weight the best trial's.
TEST(ModelsTest, OneClassLossesAreChosenByHeldOutRanking) {
  const Ratings data = BiasedRatings(200, 150, 30, 0.5, 0.5, false, 33);
  for (Loss loss : {Loss::kBprRow, Loss::kBprColumn, Loss::kOneClassSquared}) {
    SCOPED_TRACE(LossName(loss));
    TrainParams params;
    params.loss = loss;
    params.k = 8;
    params.threads = 1;
    ParamsChoice choice;
    absl::StatusOr<TrainParams> chosen = ChooseParams(data, params, TrainOptions(), &choice);
    ASSERT_THAT(chosen.status(), IsOk());
    EXPECT_FALSE(choice.fallback);
    ASSERT_GE(choice.trials.size(), 3u);
    for (const ParamsTrial& trial : choice.trials) {
      EXPECT_GE(trial.score, 0.0);
      EXPECT_LE(trial.score, 1.0);
      EXPECT_GE(trial.epochs, 1);
    }
    const auto best = std::min_element(choice.trials.begin(), choice.trials.end(),
                                       [](const ParamsTrial& a, const ParamsTrial& b) {
                                         return a.score < b.score;
                                       });
    EXPECT_EQ(chosen->l2_p, best->l2);
    EXPECT_EQ(chosen->max_epochs, best->epochs);
  }
}

TEST(ModelsTest, WarmStartKeepsTheBiasesAndRefusesAnotherStructure) {
  const Ratings data = BiasedRatings(100, 80, 20, 0.5, 0.3, false, 29);
  absl::StatusOr<TrainResult> first = Train(data, Fixed(true));
  ASSERT_THAT(first.status(), IsOk());
  TrainParams warm = Fixed(true);
  warm.biases.reset();
  warm.l2_p = warm.l2_q = kAutoWeight;  // the model's
  warm.max_epochs = 2;
  absl::StatusOr<Trainer> trainer = Trainer::Continue(first->model, data, warm);
  ASSERT_THAT(trainer.status(), IsOk());
  EXPECT_TRUE(trainer->model().has_biases());
  EXPECT_EQ(trainer->model().user_biases(), first->model.user_biases());
  EXPECT_EQ(trainer->model().mean(), first->model.mean());
  EXPECT_EQ(trainer->report().params.l2_p, 0.05f);
  TrainParams plain = Fixed(false);
  EXPECT_THAT(Trainer::Continue(first->model, data, plain).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("biases")));
}

TEST(ModelsTest, FoldInSolvesANewUsersBiasWithTheRow) {
  const Ratings data = BiasedRatings(300, 100, 40, 0.8, 0.2, false, 31);
  // Users below 250 train the model; the rest are folded in from their ratings.
  std::vector<Rating> known, fresh;
  for (const Rating& r : data.entries()) (r.user < 250 ? known : fresh).push_back(r);
  const Ratings train(std::move(known), IdMap::Identity(250), IdMap::Identity(100));
  absl::StatusOr<TrainResult> result = Train(train, Fixed(true));
  ASSERT_THAT(result.status(), IsOk());
  // Half of each new user's ratings fold in, the other half are predicted.
  std::vector<Rating> fold_half, test_half;
  for (size_t j = 0; j < fresh.size(); ++j)
    (j % 2 == 0 ? fold_half : test_half).push_back(fresh[j]);
  const Ratings to_fold(std::move(fold_half), IdMap::Identity(300), IdMap::Identity(100));
  const Ratings to_test(std::move(test_half), IdMap::Identity(300), IdMap::Identity(100));
  FoldInParams fold;
  fold.threads = 1;
  absl::StatusOr<FoldInResult> folded = FoldIn(result->model, to_fold, fold);
  ASSERT_THAT(folded.status(), IsOk());
  EXPECT_TRUE(folded->model.has_biases());
  const double rmse = Evaluate(folded->model, to_test).rmse;
  // The mean alone: sd of the biases and factors, about 1.3.
  const double mean_only = Evaluate(result->model, to_test).rmse;
  EXPECT_LT(rmse, 0.7 * mean_only) << rmse << " vs " << mean_only;
}

}  // namespace
}  // namespace hogmf
