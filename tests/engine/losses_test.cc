// End-to-end tests of the loss family: each loss trains through the whole
// engine (every schedule path the kernel takes) and learns what its data
// plant: classification losses separate +1/-1 entries, absolute and KL fit
// their values, and the one-class losses rank held-out positives above
// unobserved items.
#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "hogmf/metrics.h"
#include "hogmf/synthetic.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::IsOk;

constexpr int kRank = 3;

struct Planted {
  std::vector<double> p, q;
  double Dot(uint32_t u, uint32_t i) const {
    double sum = 0;
    for (int d = 0; d < kRank; ++d) sum += p[u * kRank + d] * q[i * kRank + d];
    return sum;
  }
};

Planted Plant(uint32_t users, uint32_t items, std::mt19937_64& gen) {
  std::normal_distribution<double> normal(0.0, 1.0);
  Planted planted;
  planted.p.resize(users * kRank);
  planted.q.resize(items * kRank);
  for (double& x : planted.p) x = normal(gen);
  for (double& x : planted.q) x = normal(gen);
  return planted;
}

// `per_user` random entries per user with value f(planted dot, noise draw).
template <typename Value>
Ratings Entries(uint32_t users, uint32_t items, int per_user, uint64_t seed, Value value) {
  std::mt19937_64 gen(seed);
  const Planted planted = Plant(users, items, gen);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<Rating> entries;
  std::vector<uint32_t> order(items);
  for (uint32_t u = 0; u < users; ++u) {
    for (uint32_t i = 0; i < items; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), gen);
    for (int j = 0; j < per_user; ++j) {
      const uint32_t i = order[static_cast<size_t>(j)];
      entries.push_back({u, i, static_cast<float>(value(planted.Dot(u, i), normal(gen)))});
    }
  }
  return Ratings(std::move(entries), IdMap::Identity(users), IdMap::Identity(items));
}

// Implicit feedback: each user's `per_user` items drawn without replacement
// with weights exp(2 p_u.q_i / sqrt(rank)), value 1.
Ratings Implicit(uint32_t users, uint32_t items, int per_user, uint64_t seed) {
  std::mt19937_64 gen(seed);
  const Planted planted = Plant(users, items, gen);
  std::vector<Rating> entries;
  std::vector<double> weights(items);
  for (uint32_t u = 0; u < users; ++u) {
    for (uint32_t i = 0; i < items; ++i) {
      weights[i] = std::exp(2.0 * planted.Dot(u, i) / std::sqrt(static_cast<double>(kRank)));
    }
    for (int j = 0; j < per_user; ++j) {
      std::discrete_distribution<uint32_t> pick(weights.begin(), weights.end());
      const uint32_t i = pick(gen);
      weights[i] = 0;
      entries.push_back({u, i, 1.0f});
    }
  }
  return Ratings(std::move(entries), IdMap::Identity(users), IdMap::Identity(items));
}

TrainParams Params(Loss loss) {
  TrainParams params;
  params.loss = loss;
  params.k = 8;
  params.l2_p = params.l2_q = 0.01f;
  params.max_epochs = 30;
  params.threads = 1;
  return params;
}

double SignAccuracy(const Model& model, const Ratings& test) {
  int right = 0;
  for (const Rating& r : test.entries())
    right += (model.Score(r.user, r.item) > 0) == (r.value > 0);
  return static_cast<double>(right) / static_cast<double>(test.size());
}

TEST(LossesTest, ClassificationLossesSeparatePlusAndMinusOne) {
  const Ratings data = Entries(300, 200, 40, 1, [](double dot, double noise) {
    return dot + 0.3 * noise > 0 ? 1.0 : -1.0;
  });
  auto [train, test] = SplitHoldout(data, 0.2, 2);
  for (Loss loss : {Loss::kLogistic, Loss::kSquaredHinge, Loss::kHinge}) {
    SCOPED_TRACE(LossName(loss));
    absl::StatusOr<TrainResult> result = Train(train, Params(loss));
    ASSERT_THAT(result.status(), IsOk());
    EXPECT_FALSE(result->model.has_biases());
    EXPECT_FALSE(result->model.clips());
    EXPECT_EQ(result->model.loss(), loss);
    EXPECT_GT(SignAccuracy(result->model, test), 0.8);
  }
}

TEST(LossesTest, AbsoluteLossFitsBetterThanTheMean) {
  const Ratings data =
      Entries(300, 200, 40, 3, [](double dot, double noise) { return 3.0 + dot + 0.3 * noise; });
  auto [train, test] = SplitHoldout(data, 0.2, 4);
  absl::StatusOr<TrainResult> result = Train(train, Params(Loss::kAbsolute));
  ASSERT_THAT(result.status(), IsOk());
  EXPECT_TRUE(result->model.has_biases());
  const EvalResult fit = Evaluate(result->model, test);
  double mean_mae = 0;
  for (const Rating& r : test.entries()) mean_mae += std::abs(r.value - result->model.mean());
  mean_mae /= static_cast<double>(test.size());
  EXPECT_LT(fit.mae, 0.6 * mean_mae);
}

TEST(LossesTest, KlLossFitsNonNegativeValues) {
  const Ratings data = Entries(300, 200, 40, 5, [](double dot, double noise) {
    return std::exp(0.3 * dot + 0.1 * noise);
  });
  auto [train, test] = SplitHoldout(data, 0.2, 6);
  TrainParams params = Params(Loss::kKl);
  params.nonneg = true;
  params.biases = false;
  absl::StatusOr<TrainResult> result = Train(train, params);
  ASSERT_THAT(result.status(), IsOk());
  const std::vector<EpochStats>& history = result->report.history;
  EXPECT_LT(history.back().loss, history.front().loss);
  double mean_se = 0;
  double mean = 0;
  for (const Rating& r : train.entries()) mean += r.value;
  mean /= static_cast<double>(train.size());
  for (const Rating& r : test.entries()) mean_se += (r.value - mean) * (r.value - mean);
  const double mean_rmse = std::sqrt(mean_se / static_cast<double>(test.size()));
  EXPECT_LT(Evaluate(result->model, test).rmse, mean_rmse);
}

// For each held-out positive (u, i): the share of 50 random items the user
// has in neither set that score below i.
double SampledAuc(const Model& model, const Ratings& train, const Ratings& test) {
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (const Rating& r : train.entries()) seen.insert({r.user, r.item});
  for (const Rating& r : test.entries()) seen.insert({r.user, r.item});
  std::mt19937_64 gen(99);
  std::uniform_int_distribution<uint32_t> item(0, model.num_items() - 1);
  double right = 0;
  double pairs = 0;
  for (const Rating& r : test.entries()) {
    const float positive = model.Score(r.user, r.item);
    for (int n = 0; n < 50; ++n) {
      const uint32_t j = item(gen);
      if (seen.count({r.user, j}) != 0) continue;
      right += positive > model.Score(r.user, j) ? 1.0 : 0.0;
      pairs += 1;
    }
  }
  return right / pairs;
}

TEST(LossesTest, OneClassLossesRankHeldOutPositivesFirst) {
  const Ratings data = Implicit(300, 300, 30, 7);
  auto [train, test] = SplitHoldout(data, 0.2, 8);
  for (Loss loss : {Loss::kBprRow, Loss::kBprColumn, Loss::kOneClassSquared}) {
    SCOPED_TRACE(LossName(loss));
    TrainParams params = Params(loss);
    params.learning_rate = 0.1f;
    absl::StatusOr<TrainResult> result = Train(train, params);
    ASSERT_THAT(result.status(), IsOk());
    EXPECT_FALSE(result->model.clips());
    EXPECT_GT(SampledAuc(result->model, train, test), 0.75);
  }
}

}  // namespace
}  // namespace hogmf
