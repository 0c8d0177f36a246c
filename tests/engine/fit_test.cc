// Tests of the fit measurement: CountEntries, the exact parallel pass against
// the serial one and a loss worked out by hand, and its independence of the
// thread count.
#include "engine/fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <tbb/info.h>
#include <tbb/task_arena.h>

#include "hogmf/factor_matrix.h"
#include "hogmf/ratings.h"
#include "kernels/kernel_registry.h"
#include "util/random.h"

namespace hogmf::engine {
namespace {

// Rows uniform in [0, 1/sqrt(k)), so p.q stays near the ratings' scale.
void FillRandom(FactorMatrix& m, internal::Rng& rng) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(m.k()));
  for (uint32_t r = 0; r < m.rows(); ++r) {
    for (int d = 0; d < m.k(); ++d) m.row(r)[d] = scale * rng.UniformFloat();
  }
}

// Args that read p and q with L2 weight l2 on both sides.
kernels::SgdArgs Args(FactorMatrix& p, FactorMatrix& q, float l2) {
  kernels::SgdArgs args;
  args.p = p.data();
  args.q = q.data();
  args.stride = p.stride();
  args.k = p.k();
  args.l2_p = args.l2_q = l2;
  return args;
}

// More ratings than one block of the parallel pass, so it splits; every user
// and item below the given counts but the last of each is rated.
std::vector<Rating> RandomRatings(internal::Rng& rng, uint32_t users, uint32_t items,
                                  size_t count) {
  std::vector<Rating> ratings(count);
  for (Rating& r : ratings) {
    r = Rating{static_cast<uint32_t>(rng.Below(users - 1)),
               static_cast<uint32_t>(rng.Below(items - 1)), 1.0f + 4.0f * rng.UniformFloat()};
  }
  return ratings;
}

TEST(FitTest, CountEntriesCountsEachUserAndItem) {
  const std::vector<Rating> entries{{0, 1, 1.0f}, {2, 1, 2.0f}, {0, 0, 3.0f}};
  const FitCounts counts = CountEntries(entries, 4, 3);
  EXPECT_EQ(counts.users, (std::vector<uint32_t>{2, 0, 1, 0}));
  EXPECT_EQ(counts.items, (std::vector<uint32_t>{1, 2, 0}));
  EXPECT_EQ(counts.entries, 3u);
}

// p0 = (1, 1), p1 = (0, 2), q0 = (2, 0); an unrated item q1 = (100, 100).
//   (0, 0, 3): prediction 2, error 1;  (1, 0, 1): prediction 0, error 1;
//   (0, 0, 2): prediction 2, error 0.  Squared error 2, RMSE sqrt(2/3).
//   L2 term: |p0|^2 = 2 twice, |p1|^2 = 4 once, |q0|^2 = 4 three times:
//   2 * 2 + 4 + 3 * 4 = 20; with l2 = 0.5, loss = 2 + 0.25 * 20 = 7.
TEST(FitTest, ParallelPassMatchesHandComputedLoss) {
  FactorMatrix p(2, 2);
  FactorMatrix q(2, 2);
  p.row(0)[0] = 1, p.row(0)[1] = 1;
  p.row(1)[0] = 0, p.row(1)[1] = 2;
  q.row(0)[0] = 2, q.row(0)[1] = 0;
  q.row(1)[0] = 100, q.row(1)[1] = 100;
  const std::vector<Rating> entries{{0, 0, 3.0f}, {1, 0, 1.0f}, {0, 0, 2.0f}};
  const FitCounts counts = CountEntries(entries, 2, 2);
  for (const kernels::Kernel& kernel : kernels::AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    const Fit fit = MeasureFitParallel(Args(p, q, 0.5f), entries, counts, kernel);
    EXPECT_EQ(fit.count, 3u);
    EXPECT_EQ(fit.squared_error, 2.0);
    EXPECT_EQ(fit.loss, 7.0);
    EXPECT_NEAR(fit.rmse, std::sqrt(2.0 / 3.0), 1e-15);
  }
}

TEST(FitTest, EmptySetHasZeroFit) {
  FactorMatrix p(1, 4);
  FactorMatrix q(1, 4);
  const FitCounts counts = CountEntries({}, 1, 1);
  const Fit fit = MeasureFitParallel(Args(p, q, 0.1f), {}, counts, kernels::ScalarKernel());
  EXPECT_EQ(fit.count, 0u);
  EXPECT_EQ(fit.loss, 0.0);
  EXPECT_EQ(fit.rmse, 0.0);
}

// The parallel pass (per-row counts, the kernel's loss loop) and the serial
// one (per-entry norms, the scalar kernel's loss loop) differ in the float
// summation order of each dot product, and in the order of the double sums. A norm
// (a sum of squares) differs by at most 2 gamma_k of itself (gamma_k = k u /
// (1 - k u), u = 2^-24). A dot here is below 1 and a rating at least 1, so
// an error e = r - p.q moves by at most delta = 2 gamma_k, its square by
// delta (2 e + delta); summed, that is at most 2 delta sqrt(n S) + n delta^2
// for n ratings and squared error S, under 2 delta of S while S >= n. The
// test allows 4 gamma_k of each sum (under 2e-6 at k = 128, 3e-7 at k = 16);
// a wrong count or a skipped block of ratings moves the sums by far more.
TEST(FitTest, ParallelPassMatchesSerialPass) {
  internal::Rng rng(11);
  for (int k : {1, 7, 16, 32, 33, 128}) {
    SCOPED_TRACE(::testing::Message() << "k=" << k);
    FactorMatrix p(500, k);
    FactorMatrix q(300, k);
    FillRandom(p, rng);
    FillRandom(q, rng);
    const std::vector<Rating> entries = RandomRatings(rng, 500, 300, 150000);
    const FitCounts counts = CountEntries(entries, 500, 300);
    const Fit serial = MeasureFit(Args(p, q, 0.05f), entries, kernels::ScalarKernel());
    ASSERT_GE(serial.squared_error, static_cast<double>(entries.size()));
    const double u = 0x1.0p-24;
    const double tolerance = 4.0 * (k * u / (1.0 - k * u));
    for (const kernels::Kernel& kernel : kernels::AvailableKernels()) {
      SCOPED_TRACE(kernel.name);
      const Fit fit = MeasureFitParallel(Args(p, q, 0.05f), entries, counts, kernel);
      EXPECT_EQ(fit.count, entries.size());
      EXPECT_NEAR(fit.squared_error, serial.squared_error, tolerance * serial.squared_error);
      EXPECT_NEAR(fit.loss, serial.loss, tolerance * serial.loss);
      EXPECT_NEAR(fit.rmse, serial.rmse, tolerance * serial.rmse);
    }
  }
}

// Blocks and their sums have a fixed shape, so any thread count gives the
// same bits.
TEST(FitTest, ParallelPassDoesNotDependOnTheThreadCount) {
  internal::Rng rng(12);
  FactorMatrix p(2000, 32);
  FactorMatrix q(700, 32);
  FillRandom(p, rng);
  FillRandom(q, rng);
  const std::vector<Rating> entries = RandomRatings(rng, 2000, 700, 400000);
  const FitCounts counts = CountEntries(entries, 2000, 700);
  const kernels::Kernel kernel = kernels::AvailableKernels().front();
  const auto measure = [&](int threads) {
    tbb::task_arena arena(threads);
    return arena.execute(
        [&] { return MeasureFitParallel(Args(p, q, 0.05f), entries, counts, kernel); });
  };
  const Fit one = measure(1);
  for (int threads : {2, std::max(2, tbb::info::default_concurrency())}) {
    const Fit fit = measure(threads);
    EXPECT_EQ(std::memcmp(&fit.loss, &one.loss, sizeof(double)), 0) << threads << " threads";
    EXPECT_EQ(std::memcmp(&fit.rmse, &one.rmse, sizeof(double)), 0) << threads << " threads";
  }
}

}  // namespace
}  // namespace hogmf::engine
