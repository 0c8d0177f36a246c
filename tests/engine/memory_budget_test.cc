// Tests of the memory budget: the estimate, the refusals of Trainer and FoldIn
// before they allocate, and AlignTo's cost on identity maps of huge size.
#include "engine/memory_budget.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

#include "hogmf/fold_in.h"
#include "hogmf/input.h"
#include "hogmf/trainer.h"
#include "testing/status_matchers.h"

namespace hogmf {
namespace {

using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TrainingBytesTest, GrowsWithRowsFactorsAndRatings) {
  TrainParams params = TrainParams::Seed();
  engine::TrainingFootprint small{.users = 1000, .items = 1000, .ratings = 10000};
  const uint64_t base = engine::TrainingBytes(small, params);
  // 2000 padded rows of 32 floats plus a seen flag each, and the ratings.
  EXPECT_GE(base, 2000u * (32 * 4 + 1) + 10000u * 12);
  engine::TrainingFootprint more_rows = small;
  more_rows.users = 100000;
  EXPECT_GT(engine::TrainingBytes(more_rows, params), base + 98000u * 128);
  params.k = 64;
  EXPECT_GT(engine::TrainingBytes(small, params), base);
  // Auto params hold another copy of the ratings while they choose.
  TrainParams defaults;
  EXPECT_GT(engine::TrainingBytes(small, defaults), base);
  // Saturates instead of wrapping.
  engine::TrainingFootprint huge{.users = UINT64_MAX / 2, .items = UINT64_MAX / 2, .ratings = 1};
  EXPECT_EQ(engine::TrainingBytes(huge, params), UINT64_MAX);
}

TEST(TrainingBytesTest, APackedWorkingCopyCountsEightBytesPerRating) {
  const TrainParams params = TrainParams::Seed();
  engine::TrainingFootprint copied{.users = 1000, .items = 1000, .ratings = 10000};
  engine::TrainingFootprint packed = copied;
  packed.packs_ratings = true;
  EXPECT_EQ(engine::TrainingBytes(copied, params) - engine::TrainingBytes(packed, params),
            10000u * 4);
  // Ratings moved in are not copied: packing them allocates nothing more.
  copied.copies_ratings = packed.copies_ratings = false;
  EXPECT_EQ(engine::TrainingBytes(copied, params), engine::TrainingBytes(packed, params));
}

// One rating whose ids, used as row indices, ask for 2^31 rows per side.
Ratings HugeIdentityIds() {
  const std::vector<int64_t> users = {2147483647};
  const std::vector<int64_t> items = {2147483648};
  const std::vector<float> values = {4.0f};
  return RatingsFromArrays(std::span<const int64_t>(users), std::span<const int64_t>(items),
                           std::span<const float>(values), IdMapping::kIdentity)
      .value();
}

TEST(MemoryBudgetTest, TrainerRefusesRowsFromHugeIdsBeforeAllocating) {
  const Ratings ratings = HugeIdentityIds();
  ASSERT_EQ(ratings.num_items(), 2147483649u);
  absl::StatusOr<Trainer> trainer = Trainer::Create(ratings, TrainParams::Seed());
  EXPECT_THAT(trainer.status(),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("2147483648 user rows")));
  EXPECT_THAT(trainer.status().message(), HasSubstr("renumber the ids"));
  EXPECT_THAT(trainer.status().message(), HasSubstr("--max-memory"));
  // The moving form and a warm start check the same way.
  EXPECT_THAT(Trainer::Create(HugeIdentityIds(), TrainParams::Seed()).status(),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

TEST(MemoryBudgetTest, MaxMemoryBytesIsTheLimitWhenSet) {
  Ratings ratings;
  for (uint32_t u = 0; u < 50; ++u) {
    ratings.Add(ratings.mutable_users().Intern(std::to_string(u)),
                ratings.mutable_items().Intern(std::to_string(u % 7)), 3.0f);
  }
  TrainParams params = TrainParams::Seed();
  params.threads = 1;
  params.max_memory_bytes = 1024;
  absl::StatusOr<Trainer> refused = Trainer::Create(ratings, params);
  EXPECT_THAT(refused.status(), StatusIs(absl::StatusCode::kResourceExhausted,
                                         HasSubstr("max_memory_bytes (--max-memory)")));
  params.max_memory_bytes = uint64_t{1} << 30;
  EXPECT_TRUE(Trainer::Create(ratings, params).ok());
}

TEST(MemoryBudgetTest, FoldInRefusesUsersFromHugeIds) {
  Ratings train;
  for (uint32_t u = 0; u < 20; ++u) {
    for (uint32_t i = 0; i < 5; ++i)
      train.Add(train.mutable_users().Intern(std::to_string(u)),
                train.mutable_items().Intern(std::to_string(i)),
                static_cast<float>(1 + (u + i) % 5));
  }
  TrainParams params = TrainParams::Seed();
  params.threads = 1;
  absl::StatusOr<TrainResult> trained = Train(train, params);
  ASSERT_TRUE(trained.ok()) << trained.status();
  absl::StatusOr<FoldInResult> folded =
      FoldIn(std::move(trained->model), HugeIdentityIds(), FoldInParams{});
  EXPECT_THAT(folded.status(),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("fold-in needs about")));
}

TEST(MemoryBudgetTest, AlignToDoesNotAllocateByAnIdentityMapsSize) {
  // Identity maps of 2^32 - 1 ids: a table per id would take 16 GiB each.
  Ratings data(std::vector<Rating>{{0xFFFFFFFEu, 3, 2.0f}, {7, 0xFFFFFFFEu, 1.0f}},
               IdMap::Identity(0xFFFFFFFFu), IdMap::Identity(0xFFFFFFFFu));
  IdMap users;
  users.Intern("7");
  IdMap items;
  items.Intern("x");
  items.Intern("3");
  size_t unknown = 0;
  const std::vector<Rating> aligned = AlignTo(data, users, items, &unknown);
  ASSERT_EQ(aligned.size(), 2u);
  EXPECT_EQ(aligned[0].user, kUnknownIndex);
  EXPECT_EQ(aligned[0].item, 1u);
  EXPECT_EQ(aligned[1].user, 0u);
  EXPECT_EQ(aligned[1].item, kUnknownIndex);
  EXPECT_EQ(unknown, 2u);
  const std::vector<Rating> identity =
      AlignTo(data, IdMap::Identity(10), IdMap::Identity(10), &unknown);
  EXPECT_EQ(identity[1].user, 7u);
  EXPECT_EQ(identity[0].item, 3u);
  EXPECT_EQ(identity[0].user, kUnknownIndex);
}

}  // namespace
}  // namespace hogmf
