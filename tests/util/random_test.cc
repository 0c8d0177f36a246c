// Tests of util/random.h: the streams are fixed (first values computed once,
// from the published splitmix64 and xoshiro256++ definitions), Below stays in
// range, streams of one seed are independent, and FisherYates is the textbook
// shuffle.
#include "util/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <span>
#include <utility>
#include <vector>

namespace hogmf::internal {
namespace {

TEST(SplitMix64Test, FirstValuesFromZeroAreTheReferenceOnes) {
  uint64_t state = 0;
  EXPECT_EQ(SplitMix64(state), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(SplitMix64(state), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(SplitMix64(state), 0x06C45D188009454Full);
}

TEST(RngTest, StreamsAreFixed) {
  Rng zero(0);
  EXPECT_EQ(zero.Next(), 0x53175D61490B23DFull);
  EXPECT_EQ(zero.Next(), 0x61DA6F3DC380D507ull);
  EXPECT_EQ(zero.Next(), 0x5C0FDF91EC9A7BFCull);
  Rng seed42(42);
  EXPECT_EQ(seed42.Next(), 0xD0764D4F4476689Full);
  EXPECT_EQ(seed42.Next(), 0x519E4174576F3791ull);
  EXPECT_EQ(seed42.Next(), 0xFBE07CFB0C24ED8Cull);
  Rng seed42_stream1(42, 1);
  EXPECT_EQ(seed42_stream1.Next(), 0x1ACD42E57001B8B5ull);
  EXPECT_EQ(seed42_stream1.Next(), 0x979F2122E83B550Dull);
  EXPECT_EQ(seed42_stream1.Next(), 0x871AA1241AA07BC3ull);
}

TEST(RngTest, SameSeedAndStreamGiveTheSameValues) {
  Rng a(7, 3), b(7, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.Next(), b.Next()) << i;
}

TEST(RngTest, BelowStaysInRangeAndReachesEveryValue) {
  Rng rng(5);
  for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{10}, uint64_t{1} << 40}) {
    for (int i = 0; i < 1000; ++i) ASSERT_LT(rng.Below(n), n) << n;
  }
  std::vector<int> seen(7, 0);
  for (int i = 0; i < 7000; ++i) ++seen[rng.Below(7)];
  for (int v = 0; v < 7; ++v) EXPECT_GT(seen[v], 800) << v;  // about 1000 each
}

TEST(RngTest, StreamsOfOneSeedAreIndependent) {
  // Different streams (and different seeds) share no value among their first
  // thousand: 64-bit values from independent streams collide with
  // probability about 2^-40 here.
  std::set<uint64_t> values;
  size_t drawn = 0;
  for (uint64_t stream = 0; stream < 8; ++stream) {
    Rng rng(99, stream);
    for (int i = 0; i < 1000; ++i, ++drawn) values.insert(rng.Next());
  }
  Rng other_seed(100, 0);
  for (int i = 0; i < 1000; ++i, ++drawn) values.insert(other_seed.Next());
  EXPECT_EQ(values.size(), drawn);
  // Nor are they correlated bit by bit: the streams 0 and 1 agree on about
  // half the bits of each pair of values.
  Rng s0(99, 0), s1(99, 1);
  int agreeing = 0;
  for (int i = 0; i < 1000; ++i) agreeing += 64 - __builtin_popcountll(s0.Next() ^ s1.Next());
  EXPECT_NEAR(agreeing / 1000.0, 32.0, 1.0);
}

TEST(RngTest, UniformsLieInTheUnitInterval) {
  Rng rng(11);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const float f = rng.UniformFloat();
    const double d = rng.UniformDouble();
    ASSERT_GE(f, 0.0f);
    ASSERT_LT(f, 1.0f);
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    sum += d;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

// The drawn-ahead, prefetching loop gives exactly the permutation of the
// textbook loop with the same generator, for sizes around the look-ahead.
TEST(FisherYatesTest, SameAsTheTextbookLoop) {
  for (size_t n : {0, 1, 2, 3, 7, 8, 9, 16, 17, 1000, 65537}) {
    std::vector<uint32_t> fast(n), plain(n);
    std::iota(fast.begin(), fast.end(), 0u);
    std::iota(plain.begin(), plain.end(), 0u);
    Rng fast_rng(n, 3), plain_rng(n, 3);
    FisherYates(std::span<uint32_t>(fast), fast_rng);
    for (size_t i = n; i > 1; --i) std::swap(plain[i - 1], plain[plain_rng.Below(i)]);
    EXPECT_EQ(fast, plain) << n << " values";
    EXPECT_EQ(fast_rng.Next(), plain_rng.Next()) << "the same number of draws, " << n << " values";
  }
}

TEST(FisherYatesTest, PermutesAndDependsOnSeed) {
  std::vector<uint32_t> values(1000);
  for (uint32_t j = 0; j < values.size(); ++j) values[j] = j;
  std::vector<uint32_t> a = values, b = values;
  Rng rng_a(1, 3), rng_b(2, 3);
  FisherYates(std::span<uint32_t>(a), rng_a);
  FisherYates(std::span<uint32_t>(b), rng_b);
  EXPECT_NE(a, values);
  EXPECT_NE(a, b);
  std::sort(a.begin(), a.end());
  EXPECT_EQ(a, values);
}

}  // namespace
}  // namespace hogmf::internal
