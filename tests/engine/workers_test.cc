// Tests of the WorkerPool: an epoch runs every chunk the shuffler hands out
// exactly once, for one thread and several; a stop signal ends it early with
// every handed-out chunk run; a blocked epoch runs every block once.
#include "engine/workers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/block_grid.h"
#include "engine/monitor.h"
#include "engine/shuffler.h"

namespace hogmf::engine {
namespace {

// What the recording kernel saw: visits[id] for the rating whose value is id.
// A kernel is a plain function pointer, so its record is a global.
struct Record {
  std::vector<std::atomic<int>> visits;
  std::atomic<uint64_t> calls{0};
  StopState* stop_after_first_call = nullptr;
};
Record* g_record = nullptr;

void RecordingChunk(const kernels::SgdArgs&, const Rating* ratings, const uint32_t* order,
                    size_t count) {
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    g_record->visits[static_cast<size_t>(r.value)].fetch_add(1, std::memory_order_relaxed);
  }
  g_record->calls.fetch_add(1, std::memory_order_relaxed);
  if (g_record->stop_after_first_call != nullptr) {
    g_record->stop_after_first_call->Raise(StopReason::kCancelled);
  }
}

kernels::Kernel RecordingKernel() {
  kernels::Kernel kernel = kernels::ScalarKernel();
  kernel.name = "recording";
  kernel.sgd_chunk = &RecordingChunk;
  return kernel;
}

// n ratings over a users x items grid, rating j's value j (exact in float).
std::vector<Rating> Numbered(size_t n, uint32_t users, uint32_t items) {
  std::vector<Rating> ratings(n);
  for (size_t j = 0; j < n; ++j) {
    ratings[j] = {static_cast<uint32_t>(j % users), static_cast<uint32_t>((j / users) % items),
                  static_cast<float>(j)};
  }
  return ratings;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { Reset(kRatings); }
  void TearDown() override { g_record = nullptr; }
  void Reset(size_t n) {
    record_ = std::make_unique<Record>();
    record_->visits = std::vector<std::atomic<int>>(n);
    g_record = record_.get();
  }
  uint64_t Visited() const {
    uint64_t total = 0;
    for (const std::atomic<int>& v : record_->visits) total += static_cast<uint64_t>(v.load());
    return total;
  }
  bool EachVisitedOnce() const {
    for (const std::atomic<int>& v : record_->visits) {
      if (v.load() != 1) return false;
    }
    return true;
  }

  static constexpr size_t kRatings = 10007;  // not a multiple of the chunk size
  std::unique_ptr<Record> record_;
  const kernels::Kernel kernel_ = RecordingKernel();
  const kernels::SgdArgs args_{};
};

TEST_F(WorkerPoolTest, EveryChunkOfAnEpochRunsOnce) {
  for (int threads : {1, 2, 4}) {
    for (RatingOrder order : {RatingOrder::kShuffle, RatingOrder::kChunks}) {
      Reset(kRatings);
      std::vector<Rating> ratings = Numbered(kRatings, 97, 89);
      WorkerPool pool(threads);
      ASSERT_EQ(pool.threads(), threads);
      Shuffler shuffler(ratings, order, 64, /*seed=*/5);
      StopState stop;
      std::atomic<uint64_t> updates{3};
      for (int epoch = 0; epoch < 2; ++epoch) {
        shuffler.StartEpoch();
        EXPECT_EQ(pool.RunEpoch(shuffler, kernel_, args_, stop, updates), kRatings);
      }
      EXPECT_EQ(updates.load(), 3 + 2 * kRatings);
      EXPECT_EQ(record_->calls.load(), 2 * shuffler.num_chunks());
      for (size_t j = 0; j < kRatings; ++j) {
        ASSERT_EQ(record_->visits[j].load(), 2) << "threads " << threads << " rating " << j;
      }
    }
  }
}

TEST_F(WorkerPoolTest, AStopSignalEndsTheEpochAndEveryHandedOutChunkRuns) {
  std::vector<Rating> ratings = Numbered(kRatings, 97, 89);
  for (int threads : {1, 4}) {
    Reset(kRatings);
    WorkerPool pool(threads);
    Shuffler shuffler(ratings, RatingOrder::kChunks, 64, /*seed=*/5);
    shuffler.StartEpoch();
    StopState stopped;
    stopped.Raise(StopReason::kTimeLimit);
    std::atomic<uint64_t> updates{0};
    EXPECT_EQ(pool.RunEpoch(shuffler, kernel_, args_, stopped, updates), 0u);
    EXPECT_EQ(record_->calls.load(), 0u);

    // Raised by the first chunk: the pipeline hands out at most the chunks
    // already in flight (4 per thread) after it.
    StopState stop;
    record_->stop_after_first_call = &stop;
    shuffler.StartEpoch();
    const uint64_t handed_out = pool.RunEpoch(shuffler, kernel_, args_, stop, updates);
    EXPECT_GT(handed_out, 0u);
    EXPECT_LE(handed_out, static_cast<uint64_t>(64 * (1 + 4 * threads))) << threads;
    EXPECT_EQ(updates.load(), handed_out);
    EXPECT_EQ(Visited(), handed_out);
    EXPECT_EQ(stop.reason(), StopReason::kCancelled);
  }
}

TEST_F(WorkerPoolTest, ABlockedEpochRunsEveryBlockOnce) {
  for (int threads : {1, 3}) {
    Reset(kRatings);
    std::vector<Rating> ratings = Numbered(kRatings, 97, 89);
    WorkerPool pool(threads);
    std::unique_ptr<BlockGrid> grid = pool.Execute([&] {
      return std::make_unique<BlockGrid>(std::span<Rating>(ratings), 97, 89, 4, 4, /*seed=*/3);
    });
    grid->StartEpoch();
    StopState stop;
    std::atomic<uint64_t> updates{0};
    const WorkerPool::BlockedEpoch epoch =
        pool.RunBlockedEpoch(*grid, kernel_, args_, stop, updates);
    EXPECT_EQ(epoch.ratings, kRatings);
    EXPECT_EQ(updates.load(), kRatings);
    EXPECT_GE(epoch.idle_seconds, 0.0);
    EXPECT_EQ(record_->calls.load(), grid->num_blocks());
    EXPECT_TRUE(EachVisitedOnce()) << threads;

    // A raised stop signal: no block runs.
    Reset(kRatings);
    grid->StartEpoch();
    stop.Raise(StopReason::kCancelled);
    EXPECT_EQ(pool.RunBlockedEpoch(*grid, kernel_, args_, stop, updates).ratings, 0u);
    EXPECT_EQ(record_->calls.load(), 0u);
  }
}

}  // namespace
}  // namespace hogmf::engine
