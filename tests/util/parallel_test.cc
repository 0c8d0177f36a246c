// Tests of util/parallel.h: ParallelFor covers every index once, in blocks
// that follow the schedule; DeterministicSum gives the same bits for any
// thread count; the pipeline consumes every produced item once; the ordered
// map emits every block's result in order; ExecuteIn runs in the arena given.
#include "util/parallel.h"

#include <gtest/gtest.h>

#include <tbb/task_arena.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hogmf::internal {
namespace {

TEST(ParallelForTest, CoversEveryIndexOnce) {
  tbb::task_arena arena(4);
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}, size_t{100003}}) {
    for (const Schedule schedule :
         {Schedule::Exact(1), Schedule::Exact(16), Schedule::Auto(1), Schedule::Auto(256)}) {
      std::vector<std::atomic<int>> visits(n);
      arena.execute([&] {
        ParallelFor(n, schedule, [&](size_t begin, size_t end) {
          ASSERT_LT(begin, end);
          ASSERT_LE(end, n);
          for (size_t i = begin; i != end; ++i) visits[i].fetch_add(1, std::memory_order_relaxed);
        });
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(visits[i].load(), 1) << n << " " << i;
    }
  }
}

TEST(ParallelForTest, ExactBlocksHaveTheGrainSize) {
  tbb::task_arena arena(4);
  constexpr size_t kN = 1000;
  constexpr size_t kGrain = 16;
  std::atomic<int> blocks{0};
  std::atomic<int> wrong{0};
  arena.execute([&] {
    ParallelFor(kN, Schedule::Exact(kGrain), [&](size_t begin, size_t end) {
      blocks.fetch_add(1);
      // simple_partitioner halves ranges until they are no larger than the grain.
      if (end - begin > kGrain) wrong.fetch_add(1);
    });
  });
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(blocks.load(), static_cast<int>(kN / kGrain));
}

// Values whose sum in floating point depends on the order of the additions.
double BlockSum(const std::vector<double>& values, size_t begin, size_t end) {
  double sum = 0;
  for (size_t i = begin; i != end; ++i) sum += values[i];
  return sum;
}

TEST(DeterministicSumTest, SameBitsForOneTwoAndFourThreads) {
  std::vector<double> values(100000);
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = std::sin(static_cast<double>(i)) * std::pow(10.0, static_cast<double>(i % 13) - 6);
  }
  std::vector<double> sums;
  for (int threads : {1, 2, 4}) {
    tbb::task_arena arena(threads);
    for (int repeat = 0; repeat < 3; ++repeat) {
      sums.push_back(arena.execute([&] {
        return DeterministicSum(values.size(), 1000, [&](size_t begin, size_t end) {
          return BlockSum(values, begin, end);
        });
      }));
    }
  }
  for (double sum : sums) {
    EXPECT_EQ(std::memcmp(&sum, &sums[0], sizeof(double)), 0) << sum << " vs " << sums[0];
  }
  // And it is the sum.
  EXPECT_NEAR(sums[0], BlockSum(values, 0, values.size()), 1e-6);
}

TEST(DeterministicSumTest, EmptyRangeSumsToZero) {
  EXPECT_EQ(DeterministicSum(0, 16, [](size_t, size_t) { return 1.0; }), 0.0);
}

TEST(ParallelPipelineTest, ConsumesEveryProducedItemOnce) {
  tbb::task_arena arena(4);
  constexpr int kItems = 5000;
  std::vector<std::atomic<int>> consumed(kItems);
  int produced = 0;
  arena.execute([&] {
    ParallelPipeline<int>(
        16,
        [&](int& item) {
          if (produced == kItems) return false;
          item = produced++;
          return true;
        },
        [&](const int& item) { consumed[item].fetch_add(1, std::memory_order_relaxed); });
  });
  EXPECT_EQ(produced, kItems);
  for (int i = 0; i < kItems; ++i) ASSERT_EQ(consumed[i].load(), 1) << i;
}

// Blocks computed on four threads, each taking longer the lower its index,
// come out in block order, each once, with the result computed for it.
TEST(ParallelOrderedTest, EmitsEveryResultOnceInBlockOrder) {
  tbb::task_arena arena(4);
  for (size_t blocks : {size_t{0}, size_t{1}, size_t{3}, size_t{500}}) {
    std::vector<size_t> emitted;
    std::atomic<int> emitting{0};
    arena.execute([&] {
      ParallelOrdered<std::vector<size_t>>(
          blocks, 8,
          [&](size_t block) {
            volatile size_t spin = 0;
            for (size_t i = 0; i < (blocks - block) * 100; ++i) spin = spin + i;
            return std::vector<size_t>(3, block * 10);
          },
          [&](size_t block, std::vector<size_t>&& result) {
            EXPECT_EQ(emitting.fetch_add(1), 0);  // one call at a time
            ASSERT_EQ(result.size(), 3u);
            EXPECT_EQ(result[0], block * 10);
            emitted.push_back(block);
            emitting.fetch_sub(1);
          });
    });
    ASSERT_EQ(emitted.size(), blocks);
    for (size_t b = 0; b < blocks; ++b) ASSERT_EQ(emitted[b], b);
  }
}

TEST(ExecuteInTest, RunsInTheArenaAndReturnsTheResult) {
  tbb::task_arena arena(3);
  EXPECT_EQ(ExecuteIn(arena, [] { return tbb::this_task_arena::max_concurrency(); }), 3);
  int ran = 0;
  ExecuteIn(arena, [&] { ++ran; });
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace hogmf::internal
