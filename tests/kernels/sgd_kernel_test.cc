// Tests of the SGD kernels and their registry: every kernel this CPU runs
// against the scalar reference (SgdChunkScalar, DotScalar, LossSumScalar),
// a step and a squared error worked out by hand, the padding invariant, the
// pipelined squared-loss loop against the same kernel fed one rating per call
// (bit for bit), and selection by name and by HOGMF_ISA.
#include "kernels/sgd_kernel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "hogmf/factor_matrix.h"
#include "hogmf/ratings.h"
#include "hwy/targets.h"
#include "kernels/kernel_registry.h"
#include "kernels/sgd_highway.h"
#include "testing/status_matchers.h"
#include "util/random.h"

namespace hogmf::kernels {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

constexpr int kDims[] = {1,  2,  3,  7,  8,  9,   15,  16,  17,  31,
                         32, 33, 63, 64, 65, 100, 127, 128, 129, 256};

// Unit roundoff of float.
constexpr double kU = 0x1.0p-24;

// Sets HOGMF_ISA (or unsets it, for nullopt) for one scope and restores the
// previous value after.
class ScopedIsaEnv {
 public:
  explicit ScopedIsaEnv(std::optional<std::string> value) {
    if (const char* old = std::getenv(kIsaEnvVar)) old_ = old;
    if (value) {
      setenv(kIsaEnvVar, value->c_str(), /*overwrite=*/1);
    } else {
      unsetenv(kIsaEnvVar);
    }
  }
  ~ScopedIsaEnv() {
    if (old_) {
      setenv(kIsaEnvVar, old_->c_str(), 1);
    } else {
      unsetenv(kIsaEnvVar);
    }
  }

 private:
  std::optional<std::string> old_;
};

// Rows uniform in [0, 1/sqrt(k)), so p.q stays near 1 for every k like the
// engine's initialisation, and the padding zero.
void FillRandom(FactorMatrix& m, internal::Rng& rng) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(m.k()));
  for (uint32_t r = 0; r < m.rows(); ++r) {
    for (int d = 0; d < m.k(); ++d) m.row(r)[d] = scale * rng.UniformFloat();
  }
}

// A chunk over few users and items, so rows repeat often and the result
// depends on the order of the steps; every third rating repeats the previous
// user or item, so a step must see the row its predecessor just wrote.
std::vector<Rating> MakeChunk(internal::Rng& rng, uint32_t users, uint32_t items, size_t count) {
  std::vector<Rating> ratings;
  for (size_t j = 0; j < count; ++j) {
    Rating r{static_cast<uint32_t>(rng.Below(users)), static_cast<uint32_t>(rng.Below(items)),
             1.0f + 4.0f * rng.UniformFloat()};
    if (j % 3 == 1) r.user = ratings.back().user;
    if (j % 3 == 2) r.item = ratings.back().item;
    ratings.push_back(r);
  }
  return ratings;
}

// Every padding float of every row is +0.0f (bit pattern 0).
::testing::AssertionResult PaddingIsZero(const FactorMatrix& m) {
  for (uint32_t r = 0; r < m.rows(); ++r) {
    for (size_t d = static_cast<size_t>(m.k()); d < m.stride(); ++d) {
      if (std::bit_cast<uint32_t>(m.row(r)[d]) != 0u) {
        return ::testing::AssertionFailure()
               << "row " << r << " padding float " << d << " is " << m.row(r)[d];
      }
    }
  }
  return ::testing::AssertionSuccess();
}

// Tolerance of a kernel's factor against the reference after a chunk.
//
// The kernels differ from the scalar loop only in rounding: the dot product is
// summed in another order (lane-wise partial sums), and the update may fuse
// multiply-adds. Each summation order is within gamma_k * sum|p_d q_d| of the
// exact dot (gamma_k ~ k u, u = 2^-24), so the two errors e differ by at most
// 2 k u sum|p_d q_d| <= 2 k u (rows start near |p.q| ~ 1 here); the update's
// own roundings (at most 3 per factor) differ by a few u |x|. One step thus
// differs by at most about u (2 k + 4) (1 + |x|). Along a chunk these
// differences pass from row to row through later steps that share rows, each
// step scaling them by about 1 + lr (2|q|^2 + l2) ~ 1, and they partly cancel;
// the worst seen over all kernels, k and chunks below is 0.22 of the one-step
// bound. The test allows four times the one-step bound:
//   |x - ref| <= 4 u (2 k + 4) (1 + |ref|),
// about 1.4e-6 at k = 1 and 1.2e-4 at k = 256, while a wrong step (a missed
// term, a stale or reordered row, a dropped lane) errs by 1e-3 or more.
double FactorTolerance(int k, float ref) {
  return 4.0 * kU * (2.0 * k + 4.0) * (1.0 + std::fabs(ref));
}

using ChunkFn = std::function<void(const SgdArgs&, const Rating*, const uint32_t*, size_t)>;

// Runs `sgd_chunk` and the reference on copies of the same factors and
// compares every factor and the padding.
void ExpectMatchesReference(const std::string& name, const ChunkFn& sgd_chunk, int k,
                            bool with_order) {
  SCOPED_TRACE(::testing::Message()
               << name << " k=" << k << (with_order ? " with order" : " in sequence"));
  internal::Rng rng(1234 + k, with_order ? 1 : 0);
  constexpr uint32_t kUsers = 37;
  constexpr uint32_t kItems = 23;
  FactorMatrix p(kUsers, k);
  FactorMatrix q(kItems, k);
  FillRandom(p, rng);
  FillRandom(q, rng);
  const std::vector<Rating> ratings = MakeChunk(rng, kUsers, kItems, 400);
  // The order visits 350 of the 400 ratings, in a random order.
  std::vector<uint32_t> order(ratings.size());
  for (uint32_t j = 0; j < order.size(); ++j) order[j] = j;
  for (size_t j = order.size() - 1; j > 0; --j) std::swap(order[j], order[rng.Below(j + 1)]);
  order.resize(350);

  FactorMatrix p_ref = p, q_ref = q;
  const SgdArgs args{p.data(), q.data(), p.stride(), k, 0.01f, 0.05f};
  const SgdArgs args_ref{p_ref.data(), q_ref.data(), p_ref.stride(), k, 0.01f, 0.05f};
  const uint32_t* order_ptr = with_order ? order.data() : nullptr;
  const size_t count = with_order ? order.size() : ratings.size();
  sgd_chunk(args, ratings.data(), order_ptr, count);
  SgdChunkScalar(args_ref, ratings.data(), order_ptr, count);

  int bad = 0;  // reports at most a few mismatches per call
  auto compare = [&](const FactorMatrix& m, const FactorMatrix& ref, const char* what) {
    for (uint32_t r = 0; r < m.rows(); ++r) {
      for (int d = 0; d < k; ++d) {
        const float want = ref.row(r)[d];
        const float got = m.row(r)[d];
        if (!(std::fabs(got - want) <= FactorTolerance(k, want)) && bad++ < 5) {
          ADD_FAILURE() << what << "[" << r << "][" << d << "] = " << got << ", reference " << want;
        }
      }
    }
  };
  compare(p, p_ref, "P");
  compare(q, q_ref, "Q");
  EXPECT_TRUE(PaddingIsZero(p));
  EXPECT_TRUE(PaddingIsZero(q));
}

TEST(SgdKernelTest, EveryKernelMatchesScalarReference) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (int k : kDims) {
      ExpectMatchesReference(kernel.name, kernel.sgd_chunk, k, /*with_order=*/false);
      ExpectMatchesReference(kernel.name, kernel.sgd_chunk, k, /*with_order=*/true);
    }
  }
}

// The Highway kernels' tuning knobs (used by the benchmark) keep the step
// exact: no prefetch, prefetch further ahead than the chunk is long, and the
// runtime-k loop for every k.
// Calls check(kernel, distance, specialise, name) for every Highway target
// this CPU runs and every tuning-knob setting the variant tests cover; the
// default prefetch distance is tested with the runtime-k loop.
template <typename Check>
void ForEachHighwayVariant(size_t default_distance, const Check& check) {
  const int64_t supported = hwy::SupportedTargets();
  for (const HighwayKernel& hk : CompiledHighwayKernels()) {
    if ((supported & hk.target) == 0) continue;
    for (const auto& [distance, specialise] : std::vector<std::pair<size_t, bool>>{
             {0, true}, {1, true}, {3, false}, {1000, true}, {default_distance, false}}) {
      const std::string name = HighwayTargetKernelName(hk.target) +
                               " distance=" + std::to_string(distance) +
                               (specialise ? "" : " generic");
      check(hk, distance, specialise, name);
    }
  }
}

TEST(SgdKernelTest, HighwayVariantsMatchScalarReference) {
  ForEachHighwayVariant(kHighwayPrefetchDistance, [](const HighwayKernel& hk, size_t distance,
                                                     bool specialise, const std::string& name) {
    const ChunkFn fn = [&hk, distance, specialise](const SgdArgs& a, const Rating* r,
                                                   const uint32_t* o, size_t n) {
      hk.sgd_chunk_variant(a, r, o, n, distance, specialise);
    };
    for (int k : {1, 5, 8, 16, 32, 33, 64, 128, 129}) {
      ExpectMatchesReference(name, fn, k, /*with_order=*/false);
      ExpectMatchesReference(name, fn, k, /*with_order=*/true);
    }
  });
}

// The squared-loss loop on rows of a runtime vector count, and the fixed-count
// loops of 4 or 8 vectors, overlap each step's update with the next rating's
// dot product when the two ratings share no row. These chunks make every
// relation between neighbours common: the next rating shares nothing, its
// user, its item, or both (the same pair again), and every fourth rating
// shares a row with the one two back.
std::vector<Rating> MakeSharingChunk(internal::Rng& rng, uint32_t users, uint32_t items,
                                     size_t count) {
  std::vector<Rating> ratings;
  for (size_t j = 0; j < count; ++j) {
    Rating r{static_cast<uint32_t>(rng.Below(users)), static_cast<uint32_t>(rng.Below(items)),
             1.0f + 4.0f * rng.UniformFloat()};
    if (j > 0) {
      const uint64_t relation = rng.Below(4);
      if (relation & 1) r.user = ratings.back().user;
      if (relation & 2) r.item = ratings.back().item;
    }
    if (j >= 2 && j % 4 == 0) {
      if (rng.Below(2) == 0) {
        r.user = ratings[j - 2].user;
      } else {
        r.item = ratings[j - 2].item;
      }
    }
    ratings.push_back(r);
  }
  return ratings;
}

// A model with every optional part a squared-loss step may update.
struct StepModel {
  StepModel(uint32_t users, uint32_t items, int k, bool biases, bool adagrad, internal::Rng& rng)
      : p(users, k), q(items, k), user_bias(users), item_bias(items), p_g(users), q_g(items) {
    FillRandom(p, rng);
    FillRandom(q, rng);
    for (float& b : user_bias) b = 0.5f * rng.UniformFloat() - 0.25f;
    for (float& b : item_bias) b = 0.5f * rng.UniformFloat() - 0.25f;
    for (float& g : p_g) g = 1.0f + rng.UniformFloat();
    for (float& g : q_g) g = 1.0f + rng.UniformFloat();
    has_biases = biases;
    has_adagrad = adagrad;
  }
  SgdArgs Args() {
    SgdArgs a{p.data(), q.data(), p.stride(), p.k(), 0.01f, 0.05f, 0.04f};
    if (has_biases) {
      a.user_bias = user_bias.data();
      a.item_bias = item_bias.data();
      a.mean = 0.5f;
      a.l2_user_bias = 0.03f;
      a.l2_item_bias = 0.02f;
    }
    if (has_adagrad) {
      a.p_adagrad = p_g.data();
      a.q_adagrad = q_g.data();
    }
    return a;
  }
  FactorMatrix p, q;
  std::vector<float> user_bias, item_bias, p_g, q_g;
  bool has_biases = false;
  bool has_adagrad = false;
};

// Every float of both models has the same bits (the padding included).
::testing::AssertionResult SameBits(const StepModel& a, const StepModel& b) {
  if (std::memcmp(a.p.data(), b.p.data(), a.p.bytes()) != 0) {
    return ::testing::AssertionFailure() << "P differs";
  }
  if (std::memcmp(a.q.data(), b.q.data(), a.q.bytes()) != 0) {
    return ::testing::AssertionFailure() << "Q differs";
  }
  for (const auto& [x, y, what] :
       {std::tuple{&a.user_bias, &b.user_bias, "user bias"},
        std::tuple{&a.item_bias, &b.item_bias, "item bias"},
        std::tuple{&a.p_g, &b.p_g, "P AdaGrad sum"}, std::tuple{&a.q_g, &b.q_g, "Q AdaGrad sum"}}) {
    if (std::memcmp(x->data(), y->data(), x->size() * sizeof(float)) != 0) {
      return ::testing::AssertionFailure() << what << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

// Calls check(name, chunk function) for every Highway target this CPU runs,
// with its default prefetch distance, no prefetch and prefetch of the next
// rating, each with and without the k-specialised loops.
template <typename Check>
void ForEachSquaredVariant(const Check& check) {
  const int64_t supported = hwy::SupportedTargets();
  for (const HighwayKernel& hk : CompiledHighwayKernels()) {
    if ((supported & hk.target) == 0) continue;
    for (size_t distance : {size_t{0}, size_t{1}, kHighwayPrefetchDistance}) {
      for (bool specialise : {true, false}) {
        const std::string name = HighwayTargetKernelName(hk.target) +
                                 " distance=" + std::to_string(distance) +
                                 (specialise ? "" : " generic");
        check(name, ChunkFn([&hk, distance, specialise](const SgdArgs& a, const Rating* r,
                                                        const uint32_t* o, size_t n) {
                hk.sgd_chunk_variant(a, r, o, n, distance, specialise);
              }));
      }
    }
  }
}

// k = 32, 64 and 128 are fixed-count loops of 4 vectors (8 lanes) or 4 and 8
// vectors (16 lanes); 17 is 2 or 3 vectors, 256 a runtime count.
constexpr int kSharingDims[] = {1, 15, 16, 17, 32, 64, 128, 256};

// A chunk in one call gives exactly what the same kernel gives when fed one
// rating per call (which never overlaps two steps): overlapping a step with
// the next rating's dot product changes no operation and no order.
TEST(SgdKernelTest, OverlappedStepsMatchOneRatingPerCallBitForBit) {
  ForEachSquaredVariant([](const std::string& name, const ChunkFn& fn) {
    for (int k : kSharingDims) {
      for (int mode = 0; mode < 4; ++mode) {
        for (bool with_order : {false, true}) {
          const bool biases = (mode & 1) != 0;
          const bool adagrad = (mode & 2) != 0;
          SCOPED_TRACE(::testing::Message()
                       << name << " k=" << k << (biases ? " biases" : "")
                       << (adagrad ? " adagrad" : "") << (with_order ? " with order" : ""));
          internal::Rng rng(99 + k, mode);
          constexpr uint32_t kUsers = 9;
          constexpr uint32_t kItems = 7;
          StepModel whole(kUsers, kItems, k, biases, adagrad, rng);
          StepModel single = whole;
          const std::vector<Rating> ratings = MakeSharingChunk(rng, kUsers, kItems, 300);
          std::vector<uint32_t> order(ratings.size());
          for (uint32_t j = 0; j < order.size(); ++j) order[j] = j;
          for (size_t j = order.size() - 1; j > 0; --j)
            std::swap(order[j], order[rng.Below(j + 1)]);
          const uint32_t* order_ptr = with_order ? order.data() : nullptr;
          fn(whole.Args(), ratings.data(), order_ptr, ratings.size());
          const SgdArgs single_args = single.Args();
          for (size_t j = 0; j < ratings.size(); ++j) {
            if (with_order) {
              fn(single_args, ratings.data(), order.data() + j, 1);
            } else {
              fn(single_args, ratings.data() + j, nullptr, 1);
            }
          }
          EXPECT_TRUE(SameBits(whole, single));
          EXPECT_TRUE(PaddingIsZero(whole.p));
          EXPECT_TRUE(PaddingIsZero(whole.q));
        }
      }
    }
  });
}

// The same chunks against the scalar spec, within the bound of
// loss_kernel_test.cc (twice FactorTolerance: AdaGrad rates from a float sum
// in another order).
TEST(SgdKernelTest, OverlappedStepsMatchScalarReference) {
  ForEachSquaredVariant([](const std::string& name, const ChunkFn& fn) {
    for (int k : kSharingDims) {
      for (int mode = 0; mode < 4; ++mode) {
        const bool biases = (mode & 1) != 0;
        const bool adagrad = (mode & 2) != 0;
        SCOPED_TRACE(::testing::Message() << name << " k=" << k << (biases ? " biases" : "")
                                          << (adagrad ? " adagrad" : ""));
        internal::Rng rng(7 + k, mode);
        constexpr uint32_t kUsers = 9;
        constexpr uint32_t kItems = 7;
        StepModel model(kUsers, kItems, k, biases, adagrad, rng);
        StepModel ref = model;
        const std::vector<Rating> ratings = MakeSharingChunk(rng, kUsers, kItems, 300);
        fn(model.Args(), ratings.data(), nullptr, ratings.size());
        SgdChunkScalar(ref.Args(), ratings.data(), nullptr, ratings.size());
        int bad = 0;
        auto expect_near = [&](float got, float want, const char* what, size_t at) {
          const double tolerance = 2.0 * FactorTolerance(k, want);
          if (!(std::fabs(got - want) <= tolerance) && bad++ < 5) {
            ADD_FAILURE() << what << "[" << at << "] = " << got << ", reference " << want;
          }
        };
        for (uint32_t r = 0; r < kUsers; ++r) {
          for (int d = 0; d < k; ++d) expect_near(model.p.row(r)[d], ref.p.row(r)[d], "P", r);
          expect_near(model.user_bias[r], ref.user_bias[r], "user bias", r);
          expect_near(model.p_g[r], ref.p_g[r], "P AdaGrad sum", r);
        }
        for (uint32_t i = 0; i < kItems; ++i) {
          for (int d = 0; d < k; ++d) expect_near(model.q.row(i)[d], ref.q.row(i)[d], "Q", i);
          expect_near(model.item_bias[i], ref.item_bias[i], "item bias", i);
          expect_near(model.q_g[i], ref.q_g[i], "Q AdaGrad sum", i);
        }
        EXPECT_TRUE(PaddingIsZero(model.p));
        EXPECT_TRUE(PaddingIsZero(model.q));
      }
    }
  });
}

TEST(SgdKernelTest, EveryCompiledHighwayTargetIsListedOnce) {
  const std::vector<HighwayKernel> compiled = CompiledHighwayKernels();
  ASSERT_FALSE(compiled.empty());
  int64_t seen = 0;
  for (const HighwayKernel& hk : compiled) {
    EXPECT_EQ(hk.target & (hk.target - 1), 0) << "one target bit per entry";
    EXPECT_EQ(seen & hk.target, 0) << hwy::TargetName(hk.target) << " listed twice";
    seen |= hk.target;
  }
  // Best first: Highway's better targets have lower bits.
  for (size_t i = 1; i < compiled.size(); ++i)
    EXPECT_LT(compiled[i - 1].target, compiled[i].target);
}

TEST(SgdKernelTest, EveryKernelDotMatchesScalarDot) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (int k : kDims) {
      SCOPED_TRACE(::testing::Message() << kernel.name << " k=" << k);
      internal::Rng rng(99, k);
      FactorMatrix m(2, k);
      double abs_sum = 0;
      for (int d = 0; d < k; ++d) {
        m.row(0)[d] = 2.0f * rng.UniformFloat() - 1.0f;
        m.row(1)[d] = 2.0f * rng.UniformFloat() - 1.0f;
        abs_sum += std::fabs(static_cast<double>(m.row(0)[d]) * m.row(1)[d]);
      }
      const float want = DotScalar(m.row(0), m.row(1), m.stride(), k);
      const float got = kernel.dot(m.row(0), m.row(1), m.stride(), k);
      // Any summation order is within gamma_k sum|a_d b_d| (gamma_k = k u / (1 - k u))
      // of the exact dot, so two orders differ by at most twice that.
      const double gamma = k * kU / (1.0 - k * kU);
      EXPECT_LE(std::fabs(static_cast<double>(got) - want), 2.0 * gamma * abs_sum + 1e-30);
    }
  }
}

// Tolerance of a kernel's squared-error sum against the reference's.
//
// Both sum the squared errors across ratings in double in the same order, so
// they differ only through the dot products, summed in float in another order
// (lane-wise partial sums). Each order is within gamma_k sum_d |p_d q_d| of
// the exact dot (gamma_k = k u / (1 - k u), u = 2^-24), so the two dots of a
// rating differ by at most delta = 2 gamma_k sum_d |p_d q_d|, and its squared
// errors by at most delta (2 |e| + delta). The bound is that summed over the
// ratings (computed here in double from the rows), plus 1e-12 of the sum for
// the double roundings. At k = 256 and the rows below a wrong dot product (a
// dropped lane, the wrong row) moves a rating's squared error by 1e-3 or more,
// the bound by about 5e-5 per rating.
double SquaredErrorTolerance(const FactorMatrix& p, const FactorMatrix& q,
                             const std::vector<Rating>& ratings, size_t count, double ref) {
  const int k = p.k();
  const double gamma = k * kU / (1.0 - k * kU);
  double bound = 0.0;
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[j];
    double dot = 0.0;
    double abs_sum = 0.0;
    for (int d = 0; d < k; ++d) {
      const double term = static_cast<double>(p.row(r.user)[d]) * q.row(r.item)[d];
      dot += term;
      abs_sum += std::fabs(term);
    }
    const double delta = 2.0 * gamma * abs_sum;
    bound += delta * (2.0 * std::fabs(r.value - dot) + 2.0 * delta);
  }
  return bound + 1e-12 * std::fabs(ref);
}

using SquaredErrorFnObject =
    std::function<double(const float*, const float*, size_t, int, const Rating*, size_t)>;

// The squared-error sum of a loss-sum function (squared loss, no biases).
SgdArgs SquaredArgs(const float* p, const float* q, size_t stride, int k) {
  SgdArgs args;
  args.p = const_cast<float*>(p);
  args.q = const_cast<float*>(q);
  args.stride = stride;
  args.k = k;
  return args;
}
SquaredErrorFnObject SquaredErrorOf(LossSumFn loss_sum) {
  return
      [loss_sum](const float* p, const float* q, size_t stride, int k, const Rating* r, size_t n) {
        return loss_sum(SquaredArgs(p, q, stride, k), r, n).squared_error;
      };
}
double SquaredErrorScalar(const float* p, const float* q, size_t stride, int k,
                          const Rating* ratings, size_t count) {
  return SquaredErrorOf(&LossSumScalar)(p, q, stride, k, ratings, count);
}

// Runs `squared_error` and the reference over chunks of several lengths
// (shorter and longer than any prefetch distance) of the same ratings.
void ExpectSquaredErrorMatchesReference(const std::string& name,
                                        const SquaredErrorFnObject& squared_error, int k) {
  SCOPED_TRACE(::testing::Message() << name << " k=" << k);
  internal::Rng rng(4321 + k);
  constexpr uint32_t kUsers = 37;
  constexpr uint32_t kItems = 23;
  FactorMatrix p(kUsers, k);
  FactorMatrix q(kItems, k);
  FillRandom(p, rng);
  FillRandom(q, rng);
  const std::vector<Rating> ratings = MakeChunk(rng, kUsers, kItems, 400);
  for (size_t count :
       {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{17}, size_t{400}}) {
    const double want =
        SquaredErrorScalar(p.data(), q.data(), p.stride(), k, ratings.data(), count);
    const double got = squared_error(p.data(), q.data(), p.stride(), k, ratings.data(), count);
    EXPECT_LE(std::fabs(got - want), SquaredErrorTolerance(p, q, ratings, count, want))
        << "count=" << count << ": " << got << ", reference " << want;
  }
}

TEST(SgdKernelTest, EveryKernelSquaredErrorMatchesScalarReference) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (int k : kDims)
      ExpectSquaredErrorMatchesReference(kernel.name, SquaredErrorOf(kernel.loss_sum), k);
  }
}

// The squared-error pass with its tuning knobs: no prefetch, prefetch further
// ahead than the chunk is long, and the runtime-k loop for every k.
TEST(SgdKernelTest, HighwaySquaredErrorVariantsMatchScalarReference) {
  ForEachHighwayVariant(kHighwayLossPrefetchDistance, [](const HighwayKernel& hk, size_t distance,
                                                         bool specialise, const std::string& name) {
    const SquaredErrorFnObject fn = [&hk, distance, specialise](const float* p, const float* q,
                                                                size_t stride, int k,
                                                                const Rating* r, size_t n) {
      return hk.loss_sum_variant(SquaredArgs(p, q, stride, k), r, n, distance, specialise)
          .squared_error;
    };
    for (int k : kDims) ExpectSquaredErrorMatchesReference(name, fn, k);
  });
}

// Two ratings with k = 2, every number exact in binary so that every kernel
// gives exactly this sum:
//   p = (0.5, 1.0), q = (2.0, 0.5): p.q = 1.5
//   r = 3.5: e = 2, e^2 = 4;  r = 1.0: e = -0.5, e^2 = 0.25;  sum 4.25
// and the rows of an unrated user and item (holding 1e30) are never read.
TEST(SgdKernelTest, SquaredErrorMatchesHandComputedValue) {
  for (const Kernel& kernel : AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    FactorMatrix p(2, 2);
    FactorMatrix q(2, 2);
    p.row(1)[0] = 0.5f;
    p.row(1)[1] = 1.0f;
    q.row(0)[0] = 2.0f;
    q.row(0)[1] = 0.5f;
    p.row(0)[0] = p.row(0)[1] = q.row(1)[0] = q.row(1)[1] = 1e30f;
    const Rating ratings[] = {{1, 0, 3.5f}, {1, 0, 1.0f}};
    EXPECT_EQ(SquaredErrorOf(kernel.loss_sum)(p.data(), q.data(), p.stride(), 2, ratings, 2), 4.25);
    EXPECT_EQ(SquaredErrorOf(kernel.loss_sum)(p.data(), q.data(), p.stride(), 2, ratings, 0), 0.0);
  }
}

// One step with k = 2, every number exact in binary so that every kernel,
// fused multiply-adds or not, gives exactly these values:
//   p = (0.5, 1.0), q = (2.0, 0.5), r = 3.5, lr = 0.125, l2 = 0.5
//   p.q = 0.5 * 2.0 + 1.0 * 0.5 = 1.5,  e = 3.5 - 1.5 = 2,  2e = 4
//   p0 <- 0.5 + 0.125 (4 * 2.0 - 0.5 * 0.5) = 0.5 + 0.125 * 7.75 = 1.46875
//   p1 <- 1.0 + 0.125 (4 * 0.5 - 0.5 * 1.0) = 1.0 + 0.125 * 1.5  = 1.1875
//   q0 <- 2.0 + 0.125 (4 * 0.5 - 0.5 * 2.0) = 2.0 + 0.125 * 1.0  = 2.125
//   q1 <- 0.5 + 0.125 (4 * 1.0 - 0.5 * 0.5) = 0.5 + 0.125 * 3.75 = 0.96875
TEST(SgdKernelTest, SingleStepMatchesHandComputedValues) {
  for (const Kernel& kernel : AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    FactorMatrix p(1, 2);
    FactorMatrix q(1, 2);
    p.row(0)[0] = 0.5f;
    p.row(0)[1] = 1.0f;
    q.row(0)[0] = 2.0f;
    q.row(0)[1] = 0.5f;
    EXPECT_EQ(kernel.dot(p.row(0), q.row(0), p.stride(), 2), 1.5f);
    const Rating rating{0, 0, 3.5f};
    kernel.sgd_chunk(SgdArgs{p.data(), q.data(), p.stride(), 2, 0.125f, 0.5f, 0.5f}, &rating,
                     nullptr, 1);
    EXPECT_EQ(p.row(0)[0], 1.46875f);
    EXPECT_EQ(p.row(0)[1], 1.1875f);
    EXPECT_EQ(q.row(0)[0], 2.125f);
    EXPECT_EQ(q.row(0)[1], 0.96875f);
    EXPECT_TRUE(PaddingIsZero(p));
    EXPECT_TRUE(PaddingIsZero(q));
  }
}

// A huge error (a diverged model) must still leave the padding zero: the
// padding lanes see an error of exactly 0, never inf * 0.
TEST(SgdKernelTest, PaddingStaysZeroEvenForInfiniteError) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (int k : {1, 3, 17}) {
      SCOPED_TRACE(::testing::Message() << kernel.name << " k=" << k);
      FactorMatrix p(1, k);
      FactorMatrix q(1, k);
      for (int d = 0; d < k; ++d) p.row(0)[d] = q.row(0)[d] = 1e30f;
      const Rating rating{0, 0, 1.0f};
      kernel.sgd_chunk(SgdArgs{p.data(), q.data(), p.stride(), k, 0.01f, 0.05f, 0.05f}, &rating,
                       nullptr, 1);
      EXPECT_TRUE(PaddingIsZero(p));
      EXPECT_TRUE(PaddingIsZero(q));
    }
  }
}

TEST(SgdKernelTest, EmptyChunkChangesNothing) {
  for (const Kernel& kernel : AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    FactorMatrix p(1, 4);
    FactorMatrix q(1, 4);
    p.row(0)[0] = q.row(0)[0] = 1.0f;
    const Rating rating{0, 0, 5.0f};
    kernel.sgd_chunk(SgdArgs{p.data(), q.data(), p.stride(), 4, 0.1f, 0.1f, 0.1f}, &rating, nullptr,
                     0);
    EXPECT_EQ(p.row(0)[0], 1.0f);
    EXPECT_EQ(q.row(0)[0], 1.0f);
  }
}

// Kernels keep no state of their own: two threads on disjoint rows give what
// the two chunks give one after the other.
TEST(SgdKernelTest, ConcurrentCallsOnDisjointRowsMatchSequentialCalls) {
  for (const Kernel& kernel : AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    constexpr int kK = 32;
    internal::Rng rng(7);
    FactorMatrix p(40, kK);
    FactorMatrix q(40, kK);
    FillRandom(p, rng);
    FillRandom(q, rng);
    std::vector<Rating> first = MakeChunk(rng, 20, 20, 20000);
    std::vector<Rating> second = MakeChunk(rng, 20, 20, 20000);
    for (Rating& r : second) {
      r.user += 20;
      r.item += 20;
    }
    FactorMatrix p_seq = p, q_seq = q;
    const SgdArgs args{p.data(), q.data(), p.stride(), kK, 0.005f, 0.05f};
    const SgdArgs args_seq{p_seq.data(), q_seq.data(), p_seq.stride(), kK, 0.005f, 0.05f};
    kernel.sgd_chunk(args_seq, first.data(), nullptr, first.size());
    kernel.sgd_chunk(args_seq, second.data(), nullptr, second.size());
    std::thread a([&] { kernel.sgd_chunk(args, first.data(), nullptr, first.size()); });
    std::thread b([&] { kernel.sgd_chunk(args, second.data(), nullptr, second.size()); });
    a.join();
    b.join();
    EXPECT_EQ(0, std::memcmp(p.data(), p_seq.data(), p.bytes()));
    EXPECT_EQ(0, std::memcmp(q.data(), q_seq.data(), q.bytes()));
  }
}

TEST(KernelRegistryTest, AvailableKernelsAreUniqueAndEndWithScalar) {
  const std::vector<Kernel> kernels = AvailableKernels();
  ASSERT_FALSE(kernels.empty());
  EXPECT_EQ(kernels.back().name, "scalar");
  std::vector<std::string> names;
  for (const Kernel& kernel : kernels) {
    EXPECT_NE(kernel.sgd_chunk, nullptr) << kernel.name;
    EXPECT_NE(kernel.dot, nullptr) << kernel.name;
    EXPECT_NE(kernel.loss_sum, nullptr) << kernel.name;
    names.push_back(kernel.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

TEST(KernelRegistryTest, BestKernelMatchesTheCpu) {
  const int64_t supported = hwy::SupportedTargets();
  const std::string best = AvailableKernels().front().name;
  if (supported & (HWY_AVX3 | HWY_AVX3_DL)) {
    EXPECT_THAT(best, ::testing::StartsWith("avx512"));
  } else if (supported & HWY_AVX2) {
    EXPECT_EQ(best, "avx2");
  }
}

TEST(KernelRegistryTest, HighwayTargetNames) {
  EXPECT_EQ(HighwayTargetKernelName(HWY_AVX3), "avx512");
  EXPECT_EQ(HighwayTargetKernelName(HWY_AVX3_DL), "avx512");
  EXPECT_EQ(HighwayTargetKernelName(HWY_AVX2), "avx2");
  EXPECT_EQ(HighwayTargetKernelName(HWY_SSE4), "sse4");
  EXPECT_EQ(HighwayTargetKernelName(HWY_SSSE3), "ssse3");
  EXPECT_EQ(HighwayTargetKernelName(HWY_NEON), "neon");
  EXPECT_EQ(HighwayTargetKernelName(HWY_SVE), "sve");
  EXPECT_EQ(HighwayTargetKernelName(HWY_SVE2), "sve2");
  EXPECT_EQ(HighwayTargetKernelName(HWY_EMU128), "emu128");
  EXPECT_EQ(HighwayTargetKernelName(HWY_SCALAR), "scalar-hwy");
}

TEST(KernelRegistryTest, AutoSelectsTheFirstAvailableKernel) {
  ScopedIsaEnv env(std::nullopt);
  const std::string best = AvailableKernels().front().name;
  absl::StatusOr<Kernel> kernel = SelectKernel("auto");
  ASSERT_THAT(kernel, IsOk());
  EXPECT_EQ(kernel->name, best);
  kernel = SelectKernel("");
  ASSERT_THAT(kernel, IsOk());
  EXPECT_EQ(kernel->name, best);
}

TEST(KernelRegistryTest, EveryAvailableKernelIsSelectableByName) {
  for (const Kernel& available : AvailableKernels()) {
    absl::StatusOr<Kernel> kernel = SelectKernel(available.name);
    ASSERT_THAT(kernel, IsOk());
    EXPECT_EQ(kernel->name, available.name);
    EXPECT_EQ(kernel->sgd_chunk, available.sgd_chunk);
    EXPECT_EQ(kernel->dot, available.dot);
    EXPECT_EQ(kernel->loss_sum, available.loss_sum);
  }
  std::string upper = AvailableKernels().front().name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  absl::StatusOr<Kernel> kernel = SelectKernel(upper);
  ASSERT_THAT(kernel, IsOk());
  EXPECT_EQ(kernel->name, AvailableKernels().front().name);
}

TEST(KernelRegistryTest, EnvironmentOverridesAuto) {
  const std::vector<Kernel> kernels = AvailableKernels();
  for (const Kernel& available : kernels) {
    ScopedIsaEnv env(available.name);
    absl::StatusOr<Kernel> kernel = SelectKernel("auto");
    ASSERT_THAT(kernel, IsOk());
    EXPECT_EQ(kernel->name, available.name);
    kernel = SelectKernel("");
    ASSERT_THAT(kernel, IsOk());
    EXPECT_EQ(kernel->name, available.name);
  }
  {
    // "auto" in the environment means no override.
    ScopedIsaEnv env("auto");
    absl::StatusOr<Kernel> kernel = SelectKernel("auto");
    ASSERT_THAT(kernel, IsOk());
    EXPECT_EQ(kernel->name, kernels.front().name);
  }
  {
    // An explicit name wins over the environment.
    ScopedIsaEnv env(kernels.front().name);
    absl::StatusOr<Kernel> kernel = SelectKernel("scalar");
    ASSERT_THAT(kernel, IsOk());
    EXPECT_EQ(kernel->name, "scalar");
  }
}

TEST(KernelRegistryTest, BadEnvironmentIsRefused) {
  ScopedIsaEnv env("avx1024");
  EXPECT_THAT(SelectKernel("auto"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("HOGMF_ISA"), HasSubstr("avx1024"),
                                        HasSubstr("scalar"))));
}

TEST(KernelRegistryTest, UnknownNameIsRefusedWithTheAvailableNames) {
  ScopedIsaEnv env(std::nullopt);
  absl::StatusOr<Kernel> kernel = SelectKernel("avx1024");
  EXPECT_THAT(kernel,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr("avx1024"), HasSubstr("not a known kernel"),
                                        HasSubstr("scalar"),
                                        HasSubstr(AvailableKernels().front().name))));
}

TEST(KernelRegistryTest, KernelThisCpuLacksIsRefused) {
  // Some known kernel is always missing: no CPU runs both x86 and Arm code.
  std::vector<std::string> names;
  for (const Kernel& kernel : AvailableKernels()) names.push_back(kernel.name);
  const std::string missing =
      std::find(names.begin(), names.end(), "neon") == names.end() ? "neon" : "avx2";
  EXPECT_THAT(SelectKernel(missing),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::AllOf(HasSubstr(missing), HasSubstr("not available"),
                                        HasSubstr("scalar"))));
}

}  // namespace
}  // namespace hogmf::kernels
