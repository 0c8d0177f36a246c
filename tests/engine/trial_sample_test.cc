// Tests of the trials' user sample (engine/trial_sample.h) and of ChooseParams
// on a set large enough to be tried on it.
#include "engine/trial_sample.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "hogmf/auto_params.h"
#include "hogmf/metrics.h"
#include "hogmf/model_io.h"
#include "hogmf/synthetic.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"

namespace hogmf::engine {
namespace {

using ::hogmf::testing::IsOk;

TEST(TrialSampleTest, SmallSetsAreTriedWholeAndLargeOnesOnAShare) {
  EXPECT_EQ(TrialUserShare(0), 1.0);
  EXPECT_EQ(TrialUserShare(2 * kTrialSampleMin - 1), 1.0);
  EXPECT_DOUBLE_EQ(TrialUserShare(2 * kTrialSampleMin), 0.5);
  EXPECT_DOUBLE_EQ(TrialUserShare(100'000'000), 1.0 / kTrialSampleDivisor);
  EXPECT_DOUBLE_EQ(TrialUserShare(4 * kTrialSampleMin),
                   static_cast<double>(kTrialSampleMin) / (4 * kTrialSampleMin));
}

// Ratings of `users` users, user u rating items (u + j) % items for j < per_user.
std::vector<Rating> Rows(uint32_t users, uint32_t items, uint32_t per_user) {
  std::vector<Rating> entries;
  for (uint32_t u = 0; u < users; ++u) {
    for (uint32_t j = 0; j < per_user; ++j) {
      entries.push_back({u, (u + j * 7) % items, static_cast<float>(u % 5 + 1)});
    }
  }
  return entries;
}

TrialSampler Sampler(double share, uint64_t seed, double holdout = 0.0) {
  TrialSampler sampler;
  sampler.user_share = share;
  sampler.seed = seed;
  sampler.holdout = holdout;
  return sampler;
}

TEST(TrialSampleTest, KeepsEveryRatingOfTheSampledUsersRenumberedDensely) {
  constexpr uint32_t kUsers = 20000, kItems = 3000, kPerUser = 5;
  const std::vector<Rating> entries = Rows(kUsers, kItems, kPerUser);
  const TrialSample sample = SampleUsers(entries, kUsers, kItems, Sampler(0.25, 11));
  ASSERT_EQ(sample.user_index.size(), kUsers);
  ASSERT_EQ(sample.item_index.size(), kItems);
  EXPECT_EQ(sample.held.size(), 0u);
  // About a quarter of the users, each with all its ratings.
  uint32_t sampled = 0;
  for (uint32_t u = 0; u < kUsers; ++u) {
    if (sample.user_index[u] == kUnknownIndex) continue;
    EXPECT_EQ(sample.user_index[u], sampled) << "dense, in index order";
    ++sampled;
  }
  EXPECT_NEAR(sampled, kUsers / 4.0, 5 * std::sqrt(kUsers * 0.25 * 0.75));
  EXPECT_EQ(sample.fit.num_users(), sampled);
  EXPECT_EQ(sample.fit.size(), size_t{sampled} * kPerUser);
  // The sample's entries are the sampled users' entries in their order.
  size_t next = 0;
  for (const Rating& r : entries) {
    if (sample.user_index[r.user] == kUnknownIndex) continue;
    ASSERT_LT(next, sample.fit.size());
    const Rating& s = sample.fit.entries()[next++];
    EXPECT_EQ(s.user, sample.user_index[r.user]);
    EXPECT_EQ(s.item, sample.item_index[r.item]);
    EXPECT_EQ(s.value, r.value);
  }
  // Items: exactly those the sampled users rated, dense.
  std::vector<bool> rated(kItems, false);
  for (const Rating& r : entries) {
    if (sample.user_index[r.user] != kUnknownIndex) rated[r.item] = true;
  }
  uint32_t items = 0;
  for (uint32_t i = 0; i < kItems; ++i) {
    EXPECT_EQ(sample.item_index[i] != kUnknownIndex, rated[i]);
    if (rated[i]) {
      EXPECT_EQ(sample.item_index[i], items++);
    }
  }
  EXPECT_EQ(sample.fit.num_items(), items);
}

TEST(TrialSampleTest, TheSeedDecidesTheSample) {
  const std::vector<Rating> entries = Rows(5000, 500, 3);
  const TrialSample a = SampleUsers(entries, 5000, 500, Sampler(0.3, 1));
  const TrialSample b = SampleUsers(entries, 5000, 500, Sampler(0.3, 1));
  const TrialSample c = SampleUsers(entries, 5000, 500, Sampler(0.3, 2));
  EXPECT_EQ(a.user_index, b.user_index);
  EXPECT_NE(a.user_index, c.user_index);
  EXPECT_EQ(SampleUsers(entries, 5000, 500, Sampler(1.0, 1)).fit.size(), entries.size());
  EXPECT_EQ(SampleUsers(entries, 5000, 500, Sampler(0.0, 1)).fit.size(), 0u);
}

TEST(TrialSampleTest, TheHeldOutRatingsAreTheOnesTheFinalRunLeavesOut) {
  constexpr uint32_t kUsers = 8000, kItems = 700;
  const std::vector<Rating> entries = Rows(kUsers, kItems, 6);
  const TrialSampler sampler = Sampler(0.2, 4, 0.1);
  const TrialSample sample = SampleUsers(entries, kUsers, kItems, sampler);
  const double sampled = static_cast<double>(sample.fit.size() + sample.held.size());
  EXPECT_NEAR(static_cast<double>(sample.held.size()) / sampled, 0.1, 0.02);

  std::vector<Rating> working = entries;
  const std::vector<Rating> held = TakeHeldOut(working, sampler);
  ASSERT_EQ(held.size(), sample.held.size());
  EXPECT_EQ(working.size() + held.size(), entries.size());
  // The same ratings, in their order, in train's indices.
  for (size_t j = 0; j < held.size(); ++j) {
    EXPECT_EQ(sample.user_index[held[j].user], sample.held.entries()[j].user);
    EXPECT_EQ(sample.item_index[held[j].item], sample.held.entries()[j].item);
    EXPECT_EQ(held[j].value, sample.held.entries()[j].value);
  }
  // The others keep their order.
  size_t w = 0;
  for (size_t j = 0; j < entries.size() && w < working.size(); ++j) {
    if (entries[j].user == working[w].user && entries[j].item == working[w].item) ++w;
  }
  EXPECT_EQ(w, working.size());
}

TEST(TrialSampleTest, PairsOutsideTheSampleAreDropped) {
  const std::vector<Rating> entries = Rows(4000, 400, 2);
  const TrialSample sample = SampleUsers(entries, 4000, 400, Sampler(0.5, 3));
  const std::vector<Rating> pairs = {
      {0, 0, 1},     {1, 1, 2}, {2, 2, 3}, {3, 3, 4}, {kUnknownIndex, 0, 5}, {0, kUnknownIndex, 5},
      {999999, 0, 5}};
  const std::vector<Rating> mapped = ToSampleIndices(sample, pairs);
  size_t expected = 0;
  for (const Rating& r : pairs) {
    if (r.user < 4000 && r.item < 400 && sample.user_index[r.user] != kUnknownIndex &&
        sample.item_index[r.item] != kUnknownIndex) {
      ASSERT_LT(expected, mapped.size());
      EXPECT_EQ(mapped[expected].user, sample.user_index[r.user]);
      EXPECT_EQ(mapped[expected].item, sample.item_index[r.item]);
      EXPECT_EQ(mapped[expected].value, r.value);
      ++expected;
    }
  }
  EXPECT_EQ(mapped.size(), expected);
}

// A set past the sampling threshold: the trials train on a share of the users
// and score on their held-out ratings, and the choice still beats the ends
// of the ladder on the whole set's test ratings.
class LargeSetChoiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SyntheticSpec spec;
    spec.shape = Shape::kNetflix;
    spec.ratings = 2 * kTrialSampleMin + 200'000;
    spec.seed = 5;
    absl::StatusOr<Ratings> data = Generate(spec);
    ASSERT_THAT(data.status(), IsOk());
    auto [train, test] = SplitHoldout(*data, 0.02, 9);
    train_ = new Ratings(std::move(train));
    test_ = new Ratings(std::move(test));
  }
  static void TearDownTestSuite() {
    delete train_;
    delete test_;
  }
  static TrainParams Params() {
    TrainParams params;
    params.k = 8;
    params.threads = 2;
    params.max_epochs = 3;  // l2 auto, a short fixed count: each trial is cheap
    return params;
  }
  static Ratings* train_;
  static Ratings* test_;
};
Ratings* LargeSetChoiceTest::train_ = nullptr;
Ratings* LargeSetChoiceTest::test_ = nullptr;

TEST_F(LargeSetChoiceTest, TrialsRunOnASampleOfTheUsers) {
  ParamsChoice choice;
  absl::StatusOr<TrainParams> chosen = ChooseParams(*train_, Params(), TrainOptions(), &choice);
  ASSERT_THAT(chosen.status(), IsOk());
  const double share = TrialUserShare(train_->size());
  ASSERT_LT(share, 1.0);
  EXPECT_EQ(choice.user_share, share);
  EXPECT_TRUE(choice.internal_holdout);
  // A share of the users holds about that share of the ratings; the hold-out
  // is params.holdout of it.
  const double tried = static_cast<double>(choice.trial_ratings + choice.holdout_ratings);
  EXPECT_NEAR(tried / static_cast<double>(train_->size()), share, 0.05);
  EXPECT_NEAR(static_cast<double>(choice.holdout_ratings) / tried, Params().holdout, 0.01);
  ASSERT_GE(choice.trials.size(), 3u);
  EXPECT_FALSE(chosen->HasAutoFields());
  EXPECT_EQ(chosen->max_epochs, 3);
  EXPECT_FALSE(choice.final_early_stop) << "the epochs were given";
}

TEST_F(LargeSetChoiceTest, AGivenValidationSetIsCutToTheSampledUsers) {
  TrainOptions options;
  options.validation = test_;
  ParamsChoice choice;
  absl::StatusOr<TrainParams> chosen = ChooseParams(*train_, Params(), options, &choice);
  ASSERT_THAT(chosen.status(), IsOk());
  EXPECT_FALSE(choice.internal_holdout);
  EXPECT_LT(choice.user_share, 1.0);
  EXPECT_GT(choice.holdout_ratings, 0u);
  EXPECT_NEAR(static_cast<double>(choice.holdout_ratings) / static_cast<double>(test_->size()),
              choice.user_share, 0.05);
  EXPECT_NEAR(static_cast<double>(choice.trial_ratings) / static_cast<double>(train_->size()),
              choice.user_share, 0.05);
}

TEST_F(LargeSetChoiceTest, TheFinalRunEarlyStopsOnTheSamplesHeldOutRatings) {
  TrainParams params = Params();
  params.max_epochs = kAutoEpochs;
  absl::StatusOr<TrainResult> result = Train(*train_, params);
  ASSERT_THAT(result.status(), IsOk());
  const TrainReport& report = result->report;
  const ParamsChoice& choice = report.choice;
  ASSERT_LT(choice.user_share, 1.0);
  EXPECT_TRUE(choice.final_early_stop);
  EXPECT_EQ(choice.final_holdout_ratings, choice.holdout_ratings);
  // Every epoch ran over all ratings but the held-out ones, and was scored on them.
  EXPECT_EQ(report.updates,
            static_cast<uint64_t>(report.epochs) * (train_->size() - choice.final_holdout_ratings));
  // It stops at the first epoch without a gain and keeps that epoch's model.
  EXPECT_TRUE(choice.final_keeps_last);
  EXPECT_EQ(report.params.early_stop, 1);
  EXPECT_GT(report.validation_rmse, 0.0);
  EXPECT_EQ(report.best_epoch, report.epochs);
  ASSERT_EQ(report.history.size(), static_cast<size_t>(report.epochs));
  EXPECT_EQ(report.validation_rmse, report.history.back().validation_rmse);
  ASSERT_TRUE(report.stop_reason == StopReason::kEarlyStop || report.epochs == kAutoMaxEpochs);
  if (report.stop_reason == StopReason::kEarlyStop) {
    ASSERT_GE(report.epochs, 2);
    const double last = report.history[report.history.size() - 1].validation_rmse;
    const double before = report.history[report.history.size() - 2].validation_rmse;
    EXPECT_GE(last, before * (1.0 - report.params.early_stop_tolerance)) << "a gain, yet stopped";
    for (size_t e = 1; e + 1 < report.history.size(); ++e) {
      EXPECT_LT(report.history[e].validation_rmse,
                report.history[e - 1].validation_rmse * (1.0 - report.params.early_stop_tolerance))
          << "epoch " << e + 1 << " had no gain, yet training went on";
    }
  }
  // The choice beats the same run with 100 times the weight on the whole
  // set's test ratings (how close it comes to the whole set's own choice is
  // measured in docs/performance.md).
  const double rmse = Evaluate(result->model, *test_).rmse;
  for (const float scale : {100.0f}) {
    TrainParams other = report.params;
    other.l2_p *= scale;
    other.l2_q *= scale;
    other.l2_user_bias *= scale;
    other.l2_item_bias *= scale;
    other.early_stop = 0;
    other.max_epochs = report.best_epoch;
    absl::StatusOr<TrainResult> trained = Train(*train_, other);
    ASSERT_THAT(trained.status(), IsOk());
    EXPECT_LT(rmse, Evaluate(trained->model, *test_).rmse) << "weights x" << scale;
  }
}

TEST_F(LargeSetChoiceTest, AGivenEarlyStopKeepsTheBestEpochsModel) {
  TrainParams params = Params();
  params.max_epochs = kAutoEpochs;
  params.l2_p = params.l2_q = 0.05f;  // only the epochs auto: no trials
  params.early_stop = 2;              // asks for a validation set
  TrainOptions options;
  options.validation = test_;
  absl::StatusOr<TrainResult> result = Train(*train_, params, options);
  ASSERT_THAT(result.status(), IsOk());
  const TrainReport& report = result->report;
  ASSERT_TRUE(report.choice.final_early_stop);
  EXPECT_FALSE(report.choice.final_keeps_last);
  EXPECT_EQ(report.params.early_stop, 2);
  ASSERT_GE(report.best_epoch, 1);
  double best = report.history[0].validation_rmse;
  for (const EpochStats& stats : report.history) best = std::min(best, stats.validation_rmse);
  EXPECT_EQ(report.validation_rmse, best);
  EXPECT_EQ(report.history[static_cast<size_t>(report.best_epoch) - 1].validation_rmse, best);
}

TEST_F(LargeSetChoiceTest, AFinalRunOnHeldOutRatingsResumesToTheSameBits) {
  TrainParams params = Params();
  params.threads = 1;
  params.max_epochs = kAutoEpochs;
  params.l2_p = params.l2_q = 0.05f;  // only the epochs auto: no trials
  absl::StatusOr<TrainResult> straight = Train(*train_, params);
  ASSERT_THAT(straight.status(), IsOk());
  ASSERT_TRUE(straight->report.choice.final_early_stop);
  ASSERT_TRUE(straight->report.choice.trials.empty());
  ASSERT_GE(straight->report.epochs, 3);

  const std::string path = ::testing::TempDir() + "/final_holdout.ckpt";
  {
    absl::StatusOr<Trainer> trainer = Trainer::Create(*train_, params);
    ASSERT_THAT(trainer.status(), IsOk());
    for (int e = 0; e < 2; ++e) ASSERT_THAT(trainer->RunEpoch().status(), IsOk());
    ASSERT_THAT(trainer->SaveCheckpoint(path), IsOk());
  }
  absl::StatusOr<Trainer> resumed = Trainer::Resume(path, *train_);
  ASSERT_THAT(resumed.status(), IsOk());
  ASSERT_EQ(resumed->epoch(), 2);
  if (!resumed->stop_reason().has_value()) {
    ASSERT_THAT(resumed->Run().status(), IsOk());
  }
  std::optional<TrainResult> finished(resumed->Finish());
  EXPECT_EQ(finished->report.epochs, straight->report.epochs);
  EXPECT_EQ(finished->report.best_epoch, straight->report.best_epoch);
  EXPECT_EQ(finished->report.choice.final_holdout_ratings,
            straight->report.choice.final_holdout_ratings);
  EXPECT_TRUE(finished->report.choice.final_keeps_last);
  absl::StatusOr<std::string> a = SerializeModel(straight->model);
  absl::StatusOr<std::string> b = SerializeModel(finished->model);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b) << "resumed model differs";
  std::remove(path.c_str());
}

}  // namespace
}  // namespace hogmf::engine
