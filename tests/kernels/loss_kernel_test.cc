// Tests of the SGD kernels beyond the seed's step: every loss (enumerated from
// hogmf::Loss, so a new loss is covered as soon as it has a name) with and
// without biases, AdaGrad, L1 and the non-negativity clamp, every Highway
// target this CPU runs against the scalar spec; each loss's gradient and
// value, an AdaGrad step, the L1 soft threshold, the clamp, a BPR step and the
// loss sums worked out by hand; the negative sampler's determinism and range;
// and the padding under every mode.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "hogmf/factor_matrix.h"
#include "hogmf/loss.h"
#include "hogmf/ratings.h"
#include "hwy/targets.h"
#include "kernels/kernel_registry.h"
#include "kernels/losses.h"
#include "kernels/sgd_highway.h"
#include "kernels/sgd_kernel.h"
#include "util/random.h"

namespace hogmf::kernels {
namespace {

// Unit roundoff of float.
constexpr double kU = 0x1.0p-24;

// Every hogmf::Loss: the enum's values from 0 up, as long as LossName and
// ParseLoss agree on them (src/model/loss.cc names each one).
std::vector<Loss> AllLosses() {
  std::vector<Loss> losses;
  for (int code = 0;; ++code) {
    const Loss loss = static_cast<Loss>(code);
    absl::StatusOr<Loss> parsed = ParseLoss(LossName(loss));
    if (!parsed.ok() || *parsed != loss) break;
    losses.push_back(loss);
  }
  return losses;
}

TEST(LossKernelTest, AllLossesListsEveryLoss) {
  const std::vector<Loss> losses = AllLosses();
  ASSERT_GE(losses.size(), 9u);
  EXPECT_EQ(losses.front(), Loss::kSquared);
  EXPECT_NE(std::find(losses.begin(), losses.end(), Loss::kOneClassSquared), losses.end());
}

// The options a step can have, beside its loss.
struct Mode {
  bool biases = false;
  bool adagrad = false;
  bool l1 = false;
  bool nonneg = false;
};

std::string ModeName(const Mode& m) {
  std::string name;
  if (m.biases) name += "+biases";
  if (m.adagrad) name += "+adagrad";
  if (m.l1) name += "+l1";
  if (m.nonneg) name += "+nonneg";
  return name.empty() ? "plain" : name;
}

// Every combination that applies to `loss` (pairwise losses have no biases).
std::vector<Mode> ModesFor(Loss loss) {
  std::vector<Mode> modes;
  for (int bits = 0; bits < 16; ++bits) {
    Mode m{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0};
    if (m.biases && IsPairwise(loss)) continue;
    modes.push_back(m);
  }
  return modes;
}

// Factors, biases and AdaGrad sums of a small model.
struct Model {
  Model(uint32_t users, uint32_t items, int k)
      : p(users, k), q(items, k), user_bias(users), item_bias(items), p_g(users), q_g(items) {}

  // The arguments for `loss` and `mode` with the given rate and weights.
  SgdArgs Args(Loss loss, const Mode& mode, float lr, float l2, uint64_t seed) {
    SgdArgs a;
    a.p = p.data();
    a.q = q.data();
    a.stride = p.stride();
    a.k = p.k();
    a.learning_rate = lr;
    a.l2_p = l2;
    a.l2_q = 1.5f * l2;
    a.loss = loss;
    if (mode.l1) {
      a.l1_p = 0.02f;
      a.l1_q = 0.01f;
    }
    a.nonneg = mode.nonneg;
    if (mode.biases) {
      a.user_bias = user_bias.data();
      a.item_bias = item_bias.data();
      a.mean = 0.5f;
      a.l2_user_bias = 0.03f;
      a.l2_item_bias = 0.02f;
    }
    if (mode.adagrad) {
      a.p_adagrad = p_g.data();
      a.q_adagrad = q_g.data();
    }
    a.num_users = p.rows();
    a.num_items = q.rows();
    a.negatives = 3;
    a.negative_weight = 0.25f;
    a.seed = seed;
    return a;
  }

  FactorMatrix p, q;
  std::vector<float> user_bias, item_bias, p_g, q_g;
};

// Rows uniform in [0, 1/sqrt(k)) (so predictions start in (0, 1)), biases in
// [-0.25, 0.25), AdaGrad sums 1 as the engine starts them.
Model MakeModel(uint32_t users, uint32_t items, int k, internal::Rng& rng) {
  Model m(users, items, k);
  const float scale = 1.0f / std::sqrt(static_cast<float>(k));
  for (FactorMatrix* f : {&m.p, &m.q}) {
    for (uint32_t r = 0; r < f->rows(); ++r) {
      for (int d = 0; d < k; ++d) f->row(r)[d] = scale * rng.UniformFloat();
    }
  }
  for (float& b : m.user_bias) b = 0.5f * rng.UniformFloat() - 0.25f;
  for (float& b : m.item_bias) b = 0.5f * rng.UniformFloat() - 0.25f;
  std::fill(m.p_g.begin(), m.p_g.end(), 1.0f);
  std::fill(m.q_g.begin(), m.q_g.end(), 1.0f);
  return m;
}

// Values suited to the loss: +1/-1 for binary losses, 1 to 5 otherwise (one-class
// losses ignore them).
std::vector<Rating> MakeRatings(Loss loss, internal::Rng& rng, uint32_t users, uint32_t items,
                                size_t count) {
  std::vector<Rating> ratings;
  for (size_t j = 0; j < count; ++j) {
    Rating r{static_cast<uint32_t>(rng.Below(users)), static_cast<uint32_t>(rng.Below(items)),
             IsBinary(loss) ? (rng.Below(2) == 0 ? -1.0f : 1.0f)
                            : 1.0f + 4.0f * rng.UniformFloat()};
    // Repeat rows often, so a step must see what its predecessor wrote.
    if (j % 3 == 1) r.user = ratings.back().user;
    if (j % 3 == 2) r.item = ratings.back().item;
    ratings.push_back(r);
  }
  return ratings;
}

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

// Tolerance of a kernel's value against the spec's after a chunk: the seed
// test's bound (sgd_kernel_test.cc, FactorTolerance: the dot product's
// summation order, fused multiply-adds, carried through later steps),
// 4 u (2 k + 4) (1 + |ref|), doubled for the steps here: up to 4 per rating
// (one-class negatives), AdaGrad rates that depend on a float sum in another
// order, and gradients up to twice the squared loss's. The worst seen over
// every kernel, loss, mode and k below is noted in docs/design.md (Adding a loss).
double Tolerance(int k, float ref) { return 8.0 * kU * (2.0 * k + 4.0) * (1.0 + std::fabs(ref)); }

// Compares every value of `got` with `want`; reports at most a few mismatches.
void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, int k,
                const char* what, double* worst) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (size_t j = 0; j < got.size(); ++j) {
    const double err = std::fabs(static_cast<double>(got[j]) - want[j]);
    *worst = std::max(*worst, err / Tolerance(k, want[j]));
    if (!(err <= Tolerance(k, want[j])) && bad++ < 5) {
      ADD_FAILURE() << what << "[" << j << "] = " << got[j] << ", spec " << want[j];
    }
  }
}

std::vector<float> RowsOf(const FactorMatrix& m) {
  std::vector<float> out;
  for (uint32_t r = 0; r < m.rows(); ++r) out.insert(out.end(), m.row(r), m.row(r) + m.k());
  return out;
}

constexpr int kDims[] = {1, 3, 5, 8, 16, 17, 32, 33, 64, 100, 128};

TEST(LossKernelTest, EveryKernelMatchesTheSpecForEveryLossAndMode) {
  double worst = 0;
  for (const Kernel& kernel : AvailableKernels()) {
    if (kernel.name == "scalar") continue;
    for (Loss loss : AllLosses()) {
      for (const Mode& mode : ModesFor(loss)) {
        for (int k : kDims) {
          SCOPED_TRACE(::testing::Message() << kernel.name << " " << LossName(loss) << " "
                                            << ModeName(mode) << " k=" << k);
          internal::Rng rng(77 + k, static_cast<uint64_t>(loss));
          constexpr uint32_t kUsers = 29;
          constexpr uint32_t kItems = 19;
          Model model = MakeModel(kUsers, kItems, k, rng);
          Model ref = model;
          const Model initial = model;
          const std::vector<Rating> ratings = MakeRatings(loss, rng, kUsers, kItems, 240);
          std::vector<uint32_t> order(ratings.size());
          for (uint32_t j = 0; j < order.size(); ++j) order[j] = j;
          for (size_t j = order.size() - 1; j > 0; --j)
            std::swap(order[j], order[rng.Below(j + 1)]);
          order.resize(200);
          // Two chunks: one in sequence, one through an order array.
          for (int chunk = 0; chunk < 2; ++chunk) {
            const uint64_t seed = 1000 + chunk;
            const uint32_t* o = chunk == 0 ? nullptr : order.data();
            const size_t count = chunk == 0 ? ratings.size() : order.size();
            kernel.sgd_chunk(model.Args(loss, mode, 0.01f, 0.05f, seed), ratings.data(), o, count);
            SgdChunkScalar(ref.Args(loss, mode, 0.01f, 0.05f, seed), ratings.data(), o, count);
          }
          ExpectNear(RowsOf(model.p), RowsOf(ref.p), k, "P", &worst);
          ExpectNear(RowsOf(model.q), RowsOf(ref.q), k, "Q", &worst);
          ExpectNear(model.user_bias, ref.user_bias, k, "user bias", &worst);
          ExpectNear(model.item_bias, ref.item_bias, k, "item bias", &worst);
          ExpectNear(model.p_g, ref.p_g, k, "P AdaGrad", &worst);
          ExpectNear(model.q_g, ref.q_g, k, "Q AdaGrad", &worst);
          EXPECT_TRUE(PaddingIsZero(model.p));
          EXPECT_TRUE(PaddingIsZero(model.q));
          EXPECT_TRUE(PaddingIsZero(ref.p));
          EXPECT_TRUE(PaddingIsZero(ref.q));
          // Something moved: the comparison is not of two untouched models.
          EXPECT_NE(RowsOf(model.p), RowsOf(initial.p));
          if (mode.nonneg) {
            for (float x : RowsOf(model.p)) ASSERT_GE(x, 0.0f);
            for (float x : RowsOf(model.q)) ASSERT_GE(x, 0.0f);
          }
        }
      }
    }
  }
  RecordProperty("worst_fraction_of_tolerance", std::to_string(worst));
  std::printf("worst error: %.3f of the tolerance\n", worst);
}

// The Highway kernels' tuning knobs (no prefetch, prefetch past the chunk's
// end, the runtime-k loop for every k) under the modes beyond the seed's.
TEST(LossKernelTest, HighwayVariantsMatchTheSpec) {
  const int64_t supported = hwy::SupportedTargets();
  struct Case {
    Loss loss;
    Mode mode;
  };
  const Case cases[] = {{Loss::kSquared, Mode{true, false, false, false}},
                        {Loss::kSquared, Mode{true, true, false, false}},
                        {Loss::kSquared, Mode{false, true, false, false}},
                        {Loss::kLogistic, Mode{true, true, true, true}},
                        {Loss::kBprRow, Mode{false, true, false, false}},
                        {Loss::kOneClassSquared, Mode{true, false, false, true}}};
  double worst = 0;
  for (const HighwayKernel& hk : CompiledHighwayKernels()) {
    if ((supported & hk.target) == 0) continue;
    for (const auto& [distance, specialise] :
         std::vector<std::pair<size_t, bool>>{{0, true}, {1000, true}, {3, false}}) {
      for (const Case& c : cases) {
        for (int k : {4, 8, 16, 32, 33, 64, 128}) {
          SCOPED_TRACE(::testing::Message()
                       << HighwayTargetKernelName(hk.target) << " distance=" << distance
                       << (specialise ? "" : " generic") << " " << LossName(c.loss) << " "
                       << ModeName(c.mode) << " k=" << k);
          internal::Rng rng(11 + k);
          Model model = MakeModel(23, 13, k, rng);
          Model ref = model;
          const std::vector<Rating> ratings = MakeRatings(c.loss, rng, 23, 13, 150);
          hk.sgd_chunk_variant(model.Args(c.loss, c.mode, 0.01f, 0.05f, 4), ratings.data(), nullptr,
                               ratings.size(), distance, specialise);
          SgdChunkScalar(ref.Args(c.loss, c.mode, 0.01f, 0.05f, 4), ratings.data(), nullptr,
                         ratings.size());
          ExpectNear(RowsOf(model.p), RowsOf(ref.p), k, "P", &worst);
          ExpectNear(RowsOf(model.q), RowsOf(ref.q), k, "Q", &worst);
          ExpectNear(model.user_bias, ref.user_bias, k, "user bias", &worst);
          ExpectNear(model.p_g, ref.p_g, k, "P AdaGrad", &worst);
          EXPECT_TRUE(PaddingIsZero(model.p));
          EXPECT_TRUE(PaddingIsZero(model.q));
          const SgdArgs args = ref.Args(c.loss, c.mode, 0.01f, 0.05f, 4);
          const LossSums want = LossSumScalar(args, ratings.data(), ratings.size());
          const LossSums got =
              hk.loss_sum_variant(args, ratings.data(), ratings.size(), distance, specialise);
          EXPECT_NEAR(got.loss, want.loss, 16.0 * k * kU * (150.0 + want.loss));
          EXPECT_NEAR(got.squared_error, want.squared_error,
                      16.0 * k * kU * (150.0 + want.squared_error));
        }
      }
    }
  }
}

TEST(LossKernelTest, EveryKernelLossSumMatchesTheSpec) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (Loss loss : AllLosses()) {
      for (bool biases : {false, true}) {
        if (biases && IsPairwise(loss)) continue;
        for (int k : kDims) {
          SCOPED_TRACE(::testing::Message() << kernel.name << " " << LossName(loss)
                                            << (biases ? " biases" : "") << " k=" << k);
          internal::Rng rng(55 + k, static_cast<uint64_t>(loss));
          Model model = MakeModel(31, 17, k, rng);
          const std::vector<Rating> ratings = MakeRatings(loss, rng, 31, 17, 300);
          Mode mode;
          mode.biases = biases;
          const SgdArgs args = model.Args(loss, mode, 0.01f, 0.05f, 99);
          for (size_t count : {size_t{0}, size_t{1}, size_t{9}, size_t{17}, size_t{300}}) {
            const LossSums want = LossSumScalar(args, ratings.data(), count);
            const LossSums got = kernel.loss_sum(args, ratings.data(), count);
            // The predictions differ by the dot product's summation order,
            // at most 2 k u sum|p_d q_d| <= 2 k u here per prediction; every
            // loss here moves by at most a few times that per rating.
            const double bound = 16.0 * k * kU * (static_cast<double>(count) + want.loss);
            EXPECT_NEAR(got.loss, want.loss, bound) << "count=" << count;
            EXPECT_NEAR(got.squared_error, want.squared_error, bound) << "count=" << count;
            EXPECT_NEAR(got.absolute_error, want.absolute_error, bound) << "count=" << count;
            if (count == 300) {
              EXPECT_GT(want.loss, 0.0);
            }
            if (IsPairwise(loss)) {
              EXPECT_EQ(want.squared_error, 0.0);
              EXPECT_EQ(got.absolute_error, 0.0);
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// By hand.

// Each pointwise loss's g = -dL/dy and value at chosen points.
TEST(LossKernelTest, PointwiseGradientsAndValuesByHand) {
  // squared: (r - y)^2, g = 2 (r - y)
  EXPECT_EQ(PointwiseGradient(Loss::kSquared, 3.5f, 1.5f), 4.0f);
  EXPECT_EQ(PointwiseLoss(Loss::kSquared, 3.5f, 1.5f), 4.0);
  // absolute: |r - y|, g = sign(r - y), 0 at 0
  EXPECT_EQ(PointwiseGradient(Loss::kAbsolute, 1.0f, 1.5f), -1.0f);
  EXPECT_EQ(PointwiseGradient(Loss::kAbsolute, 2.0f, 1.5f), 1.0f);
  EXPECT_EQ(PointwiseGradient(Loss::kAbsolute, 1.5f, 1.5f), 0.0f);
  EXPECT_EQ(PointwiseLoss(Loss::kAbsolute, 1.0f, 1.5f), 0.5);
  // kl: r log(r / y) - r + y, g = r / y - 1, y clamped at 1e-6
  EXPECT_EQ(PointwiseGradient(Loss::kKl, 3.0f, 1.5f), 1.0f);
  EXPECT_EQ(PointwiseGradient(Loss::kKl, 2.0f, -1.0f), 2.0f / 1e-6f - 1.0f);
  EXPECT_DOUBLE_EQ(PointwiseLoss(Loss::kKl, 3.0f, 1.5f), 3.0 * std::log(2.0) - 3.0 + 1.5);
  EXPECT_DOUBLE_EQ(PointwiseLoss(Loss::kKl, 0.0f, 1.5f), 1.5);  // 0 log 0 = 0
  // logistic: log(1 + exp(-r y)), g = r / (1 + exp(r y))
  EXPECT_EQ(PointwiseGradient(Loss::kLogistic, 1.0f, 0.0f), 0.5f);
  EXPECT_EQ(PointwiseGradient(Loss::kLogistic, -1.0f, 0.0f), -0.5f);
  EXPECT_NEAR(PointwiseGradient(Loss::kLogistic, -1.0f, 1.5f), -1.0 / (1.0 + std::exp(-1.5)), 1e-7);
  EXPECT_EQ(PointwiseGradient(Loss::kLogistic, 1.0f, 200.0f), 0.0f);  // exp overflows to inf
  EXPECT_DOUBLE_EQ(PointwiseLoss(Loss::kLogistic, 1.0f, 0.0f), std::log(2.0));
  EXPECT_DOUBLE_EQ(PointwiseLoss(Loss::kLogistic, -1.0f, 800.0f), 800.0);  // no overflow
  // squared-hinge: max(0, 1 - r y)^2, g = 2 r max(0, 1 - r y)
  EXPECT_EQ(PointwiseGradient(Loss::kSquaredHinge, 1.0f, 0.25f), 1.5f);
  EXPECT_EQ(PointwiseGradient(Loss::kSquaredHinge, -1.0f, 1.5f), -5.0f);
  EXPECT_EQ(PointwiseGradient(Loss::kSquaredHinge, 1.0f, 1.5f), 0.0f);
  EXPECT_EQ(PointwiseLoss(Loss::kSquaredHinge, 1.0f, 0.25f), 0.5625);
  EXPECT_EQ(PointwiseLoss(Loss::kSquaredHinge, 1.0f, 1.5f), 0.0);
  // hinge: max(0, 1 - r y), g = r if r y < 1 else 0
  EXPECT_EQ(PointwiseGradient(Loss::kHinge, -1.0f, 1.5f), -1.0f);
  EXPECT_EQ(PointwiseGradient(Loss::kHinge, 1.0f, 1.0f), 0.0f);
  EXPECT_EQ(PointwiseGradient(Loss::kHinge, 1.0f, 0.5f), 1.0f);
  EXPECT_EQ(PointwiseLoss(Loss::kHinge, -1.0f, 1.5f), 2.5);
  // one-class-squared: target 1 for the positive, w * target 0 for a negative
  EXPECT_EQ(OneClassPositiveGradient(1.5f), -1.0f);
  EXPECT_EQ(OneClassNegativeGradient(0.25f, 1.5f), -0.75f);
  // BPR: s = 1 / (1 + exp(x)), L = log(1 + exp(-x))
  EXPECT_EQ(BprGradient(0.0f), 0.5f);
  EXPECT_DOUBLE_EQ(BprLoss(0.0f), std::log(2.0));
  EXPECT_DOUBLE_EQ(BprLoss(-900.0f), 900.0);
}

// Rows p = (0.5, 1.0), q = (2.0, 0.5) with k = 2: p.q = 1.5.
struct TwoByTwo {
  TwoByTwo() : p(1, 2), q(1, 2) {
    p.row(0)[0] = 0.5f;
    p.row(0)[1] = 1.0f;
    q.row(0)[0] = 2.0f;
    q.row(0)[1] = 0.5f;
  }
  SgdArgs Args(Loss loss, float lr, float l2) {
    SgdArgs a;
    a.p = p.data();
    a.q = q.data();
    a.stride = p.stride();
    a.k = 2;
    a.learning_rate = lr;
    a.l2_p = a.l2_q = l2;
    a.loss = loss;
    return a;
  }
  FactorMatrix p, q;
};

// One step of each pointwise loss at p.q = 1.5, lr = 0.125, l2 = 0.5, with
// the value chosen so that g is exact in binary:
//   p0 <- 0.5 + 0.125 (2.0 g - 0.25)    p1 <- 1.0 + 0.125 (0.5 g - 0.5)
//   q0 <- 2.0 + 0.125 (0.5 g - 1.0)     q1 <- 0.5 + 0.125 (1.0 g - 0.25)
// so every kernel, fused multiply-adds or not, gives exactly these values.
TEST(LossKernelTest, PointwiseStepOfEveryLossByHand) {
  struct Case {
    Loss loss;
    float value;
    float g;
  };
  const Case cases[] = {
      {Loss::kSquared, 3.5f, 4.0f},      {Loss::kAbsolute, 1.0f, -1.0f},
      {Loss::kKl, 3.0f, 1.0f},           {Loss::kSquaredHinge, -1.0f, -5.0f},
      {Loss::kSquaredHinge, 1.0f, 0.0f}, {Loss::kHinge, -1.0f, -1.0f},
  };
  for (const Kernel& kernel : AvailableKernels()) {
    for (const Case& c : cases) {
      SCOPED_TRACE(::testing::Message()
                   << kernel.name << " " << LossName(c.loss) << " r=" << c.value);
      ASSERT_EQ(PointwiseGradient(c.loss, c.value, 1.5f), c.g);
      TwoByTwo m;
      const Rating rating{0, 0, c.value};
      kernel.sgd_chunk(m.Args(c.loss, 0.125f, 0.5f), &rating, nullptr, 1);
      EXPECT_EQ(m.p.row(0)[0], 0.5f + 0.125f * (2.0f * c.g - 0.25f));
      EXPECT_EQ(m.p.row(0)[1], 1.0f + 0.125f * (0.5f * c.g - 0.5f));
      EXPECT_EQ(m.q.row(0)[0], 2.0f + 0.125f * (0.5f * c.g - 1.0f));
      EXPECT_EQ(m.q.row(0)[1], 0.5f + 0.125f * (1.0f * c.g - 0.25f));
      EXPECT_TRUE(PaddingIsZero(m.p));
      EXPECT_TRUE(PaddingIsZero(m.q));
    }
  }
}

// Biases: mean 0.25, bu = 0.5, bi = -0.25: y = (0.25 + 0.5 - 0.25) + 1.5 = 2,
// r = 3.5: g = 3; lr = 0.125, l2 = 0.5, bias weights 1:
//   p = (0.5 + 0.125 (6 - 0.25), 1 + 0.125 (1.5 - 0.5)) = (1.21875, 1.125)
//   q = (2 + 0.125 (1.5 - 1), 0.5 + 0.125 (3 - 0.25))   = (2.0625, 0.84375)
//   bu = 0.5 + 0.125 (3 - 0.5) = 0.8125,  bi = -0.25 + 0.125 (3 + 0.25) = 0.15625
TEST(LossKernelTest, BiasStepByHand) {
  for (const Kernel& kernel : AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    TwoByTwo m;
    float bu = 0.5f;
    float bi = -0.25f;
    SgdArgs a = m.Args(Loss::kSquared, 0.125f, 0.5f);
    a.user_bias = &bu;
    a.item_bias = &bi;
    a.mean = 0.25f;
    a.l2_user_bias = a.l2_item_bias = 1.0f;
    const Rating rating{0, 0, 3.5f};
    kernel.sgd_chunk(a, &rating, nullptr, 1);
    EXPECT_EQ(m.p.row(0)[0], 1.21875f);
    EXPECT_EQ(m.p.row(0)[1], 1.125f);
    EXPECT_EQ(m.q.row(0)[0], 2.0625f);
    EXPECT_EQ(m.q.row(0)[1], 0.84375f);
    EXPECT_EQ(bu, 0.8125f);
    EXPECT_EQ(bi, 0.15625f);
    // The loss sum sees the same prediction: (3.5 - 2)^2 before the step.
    bu = 0.5f;
    bi = -0.25f;
    TwoByTwo fresh;
    a.p = fresh.p.data();
    a.q = fresh.q.data();
    const LossSums sums = kernel.loss_sum(a, &rating, 1);
    EXPECT_EQ(sums.loss, 2.25);
    EXPECT_EQ(sums.squared_error, 2.25);
    EXPECT_EQ(sums.absolute_error, 1.5);
  }
}

// AdaGrad: G_u = 4, G_i = 16, lr = 0.5: rate_p = 0.25, rate_q = 0.125;
// r = 3.5, l2 = 0.5: g = 4,
//   grad_p = (4 * 2 - 0.25, 4 * 0.5 - 0.5) = (7.75, 1.5)
//   grad_q = (4 * 0.5 - 1, 4 * 1 - 0.25)   = (1, 3.75)
//   p = (0.5 + 0.25 * 7.75, 1 + 0.25 * 1.5)     = (2.4375, 1.375)
//   q = (2 + 0.125 * 1, 0.5 + 0.125 * 3.75)     = (2.125, 0.96875)
//   G_u = 4 + (7.75^2 + 1.5^2) / 2 = 4 + 31.15625 = 35.15625
//   G_i = 16 + (1 + 3.75^2) / 2    = 16 + 7.53125 = 23.53125
TEST(LossKernelTest, AdaGradStepByHand) {
  for (const Kernel& kernel : AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    TwoByTwo m;
    float g_u = 4.0f;
    float g_i = 16.0f;
    SgdArgs a = m.Args(Loss::kSquared, 0.5f, 0.5f);
    a.p_adagrad = &g_u;
    a.q_adagrad = &g_i;
    const Rating rating{0, 0, 3.5f};
    kernel.sgd_chunk(a, &rating, nullptr, 1);
    EXPECT_EQ(m.p.row(0)[0], 2.4375f);
    EXPECT_EQ(m.p.row(0)[1], 1.375f);
    EXPECT_EQ(m.q.row(0)[0], 2.125f);
    EXPECT_EQ(m.q.row(0)[1], 0.96875f);
    EXPECT_EQ(g_u, 35.15625f);
    EXPECT_EQ(g_i, 23.53125f);
    EXPECT_TRUE(PaddingIsZero(m.p));
    EXPECT_TRUE(PaddingIsZero(m.q));
  }
}

// L1 and the clamp: p = (0.5, -1), q = (2, 0.5): y = 1 - 0.5 = 0.5; with r =
// 0.5 (g = 0) and l2 = 0 the gradient step changes nothing, so what follows
// is the proximal step alone: lr = 0.125,
//   l1_p = 2 (threshold 0.25): p = (0.25, -0.75)
//   l1_q = 8 (threshold 1):    q = (1, 0)       (0.5 falls to 0)
// and with the clamp as well p = (0.25, 0); the clamp alone gives p = (0.5, 0).
TEST(LossKernelTest, L1SoftThresholdAndClampByHand) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (int variant = 0; variant < 3; ++variant) {
      const bool l1 = variant != 2;
      const bool nonneg = variant != 0;
      SCOPED_TRACE(::testing::Message()
                   << kernel.name << (l1 ? " l1" : "") << (nonneg ? " nonneg" : ""));
      TwoByTwo m;
      m.p.row(0)[1] = -1.0f;
      SgdArgs a = m.Args(Loss::kSquared, 0.125f, 0.0f);
      if (l1) {
        a.l1_p = 2.0f;
        a.l1_q = 8.0f;
      }
      a.nonneg = nonneg;
      const Rating rating{0, 0, 0.5f};
      kernel.sgd_chunk(a, &rating, nullptr, 1);
      EXPECT_EQ(m.p.row(0)[0], l1 ? 0.25f : 0.5f);
      EXPECT_EQ(m.p.row(0)[1], nonneg ? 0.0f : -0.75f);
      EXPECT_EQ(m.q.row(0)[0], l1 ? 1.0f : 2.0f);
      EXPECT_EQ(m.q.row(0)[1], l1 ? 0.0f : 0.5f);
      EXPECT_TRUE(PaddingIsZero(m.p));
      EXPECT_TRUE(PaddingIsZero(m.q));
    }
  }
}

// The seed (the epoch's) with which the first negative drawn for a chunk of
// one rating (u, i) is `want` among n.
uint64_t SeedDrawing(uint32_t u, uint32_t i, uint32_t n, uint32_t want) {
  for (uint64_t seed = 0;; ++seed) {
    NegativeSampler sampler(seed, u, i, 1);
    if (sampler.Below(n) == want) return seed;
  }
}

// BPR by hand, k = 2: p_u = (1, 2), q_i = (1, 0), q_j = (0, 0.5):
//   x = p_u.(q_i - q_j) = (1, 2).(1, -0.5) = 0, s = 1 / (1 + e^0) = 0.5
// lr = 0.5, l2 = 0.25:
//   p_u += 0.5 (0.5 (1, -0.5) - 0.25 (1, 2))   = (1, 2) + 0.5 (0.25, -0.75)  = (1.125, 1.625)
//   q_i += 0.5 (0.5 (1, 2) - 0.25 (1, 0))      = (1, 0) + 0.5 (0.25, 1)      = (1.125, 0.5)
//   q_j += 0.5 (-0.5 (1, 2) - 0.25 (0, 0.5))   = (0, 0.5) + 0.5 (-0.5, -1.125) = (-0.25, -0.0625)
// bpr-column is the same with P and Q swapped (q_i = (1, 2), p_u = (1, 0), p_v = (0, 0.5)).
TEST(LossKernelTest, BprStepByHand) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (bool column : {false, true}) {
      SCOPED_TRACE(::testing::Message() << kernel.name << (column ? " bpr-column" : " bpr-row"));
      FactorMatrix anchor(2, 2);  // row 0 rated; row 1 never touched
      FactorMatrix other(2, 2);   // row 0 the positive, row 1 the negative
      anchor.row(0)[0] = 1.0f;
      anchor.row(0)[1] = 2.0f;
      anchor.row(1)[0] = anchor.row(1)[1] = 7.0f;
      other.row(0)[0] = 1.0f;
      other.row(0)[1] = 0.0f;
      other.row(1)[0] = 0.0f;
      other.row(1)[1] = 0.5f;
      SgdArgs a;
      a.p = column ? other.data() : anchor.data();
      a.q = column ? anchor.data() : other.data();
      a.stride = anchor.stride();
      a.k = 2;
      a.learning_rate = 0.5f;
      a.l2_p = a.l2_q = 0.25f;
      a.loss = column ? Loss::kBprColumn : Loss::kBprRow;
      a.num_users = a.num_items = 2;
      a.seed = SeedDrawing(0, 0, 2, 1);  // the negative drawn is row 1
      const Rating rating{0, 0, 1.0f};
      // Before the step, the loss sum is log(1 + e^0) when its deterministic
      // negative is row 1, and nothing when it is the positive itself.
      const uint32_t fit_negative = DeterministicNegative(a.seed, 0, 0, 0, 2);
      EXPECT_DOUBLE_EQ(kernel.loss_sum(a, &rating, 1).loss,
                       fit_negative == 1 ? std::log(2.0) : 0.0);
      kernel.sgd_chunk(a, &rating, nullptr, 1);
      EXPECT_EQ(anchor.row(0)[0], 1.125f);
      EXPECT_EQ(anchor.row(0)[1], 1.625f);
      EXPECT_EQ(other.row(0)[0], 1.125f);
      EXPECT_EQ(other.row(0)[1], 0.5f);
      EXPECT_EQ(other.row(1)[0], -0.25f);
      EXPECT_EQ(other.row(1)[1], -0.0625f);
      EXPECT_EQ(anchor.row(1)[0], 7.0f);
      // A draw equal to the positive writes nothing.
      a.seed = SeedDrawing(0, 0, 2, 0);
      const std::vector<float> before(other.row(0), other.row(0) + 2 * other.stride());
      kernel.sgd_chunk(a, &rating, nullptr, 1);
      EXPECT_EQ(std::vector<float>(other.row(0), other.row(0) + 2 * other.stride()), before);
      EXPECT_EQ(anchor.row(0)[0], 1.125f);
    }
  }
}

// One-class squared, k = 2, w = 0.25, one negative: p = (0.5, 1), q_i = (2,
// 0.5) (y = 1.5), q_j = (1, 0.5) (y = 1). The loss sum is (1 - 1.5)^2 +
// 0.25 (0 - 1)^2 = 0.5 when the deterministic negative is j, and the step
// (lr = 0.125, l2 = 0) first moves towards 1 on (u, i): g = 2 (1 - 1.5) = -1,
//   p = (0.5, 1) + 0.125 (-1) (2, 0.5) = (0.25, 0.9375),
//   q_i = (2, 0.5) + 0.125 (-1) (0.5, 1) = (1.9375, 0.375),
// then towards 0 on (u, j) from the new p: y = 0.25 + 0.46875 = 0.71875,
// g = 0.25 * 2 (0 - 0.71875) = -0.359375 (every product below exact in binary).
TEST(LossKernelTest, OneClassStepAndLossByHand) {
  for (const Kernel& kernel : AvailableKernels()) {
    SCOPED_TRACE(kernel.name);
    FactorMatrix p(1, 2);
    FactorMatrix q(2, 2);
    p.row(0)[0] = 0.5f;
    p.row(0)[1] = 1.0f;
    q.row(0)[0] = 2.0f;
    q.row(0)[1] = 0.5f;
    q.row(1)[0] = 1.0f;
    q.row(1)[1] = 0.5f;
    SgdArgs a;
    a.p = p.data();
    a.q = q.data();
    a.stride = p.stride();
    a.k = 2;
    a.learning_rate = 0.125f;
    a.loss = Loss::kOneClassSquared;
    a.num_users = 1;
    a.num_items = 2;
    a.negatives = 1;
    a.negative_weight = 0.25f;
    a.seed = SeedDrawing(0, 0, 2, 1);
    const Rating rating{0, 0, 5.0f};  // the value is ignored
    const LossSums sums = kernel.loss_sum(a, &rating, 1);
    const bool fit_negative = DeterministicNegative(a.seed, 0, 0, 0, 2) == 1;
    EXPECT_EQ(sums.loss, fit_negative ? 0.5 : 0.25);
    EXPECT_EQ(sums.squared_error, 0.25);
    EXPECT_EQ(sums.absolute_error, 0.5);
    kernel.sgd_chunk(a, &rating, nullptr, 1);
    EXPECT_EQ(q.row(0)[0], 1.9375f);
    EXPECT_EQ(q.row(0)[1], 0.375f);
    // The negative's step, from (0.25, 0.9375) and q_j = (1, 0.5):
    //   p   = (0.25, 0.9375) - 0.125 * 0.359375 (1, 0.5)    = (0.205078125, 0.9150390625)
    //   q_j = (1, 0.5) - 0.125 * 0.359375 (0.25, 0.9375)    = (0.98876953125, 0.4578857421875)
    EXPECT_EQ(p.row(0)[0], 0.205078125f);
    EXPECT_EQ(p.row(0)[1], 0.9150390625f);
    EXPECT_EQ(q.row(1)[0], 0.98876953125f);
    EXPECT_EQ(q.row(1)[1], 0.4578857421875f);
  }
}

// The fit pass of each pointwise loss on two ratings at y = 1.5 against the
// values worked out above (and PointwiseLoss for the sum of both).
TEST(LossKernelTest, PointwiseLossSumsByHand) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (Loss loss : AllLosses()) {
      if (ShapeOf(loss) != LossShape::kPointwise) continue;
      SCOPED_TRACE(::testing::Message() << kernel.name << " " << LossName(loss));
      TwoByTwo m;
      const float r0 = IsBinary(loss) ? -1.0f : 3.5f;
      const float r1 = IsBinary(loss) ? 1.0f : 1.0f;
      const Rating ratings[] = {{0, 0, r0}, {0, 0, r1}};
      const LossSums sums = kernel.loss_sum(m.Args(loss, 0.1f, 0.1f), ratings, 2);
      // errors r - 1.5: binary -2.5 and -0.5, else 2 and -0.5
      EXPECT_EQ(sums.squared_error, IsBinary(loss) ? 6.5 : 4.25);
      EXPECT_EQ(sums.absolute_error, IsBinary(loss) ? 3.0 : 2.5);
      EXPECT_DOUBLE_EQ(sums.loss, PointwiseLoss(loss, r0, 1.5f) + PointwiseLoss(loss, r1, 1.5f));
    }
  }
  // The values themselves, by hand: squared 4 + 0.25; absolute 2 + 0.5;
  // squared-hinge (1 + 1.5)^2 + 0; hinge 2.5 + 0.
  EXPECT_EQ(PointwiseLoss(Loss::kSquared, 3.5f, 1.5f) + PointwiseLoss(Loss::kSquared, 1.0f, 1.5f),
            4.25);
  EXPECT_EQ(PointwiseLoss(Loss::kAbsolute, 3.5f, 1.5f) + PointwiseLoss(Loss::kAbsolute, 1.0f, 1.5f),
            2.5);
  EXPECT_EQ(PointwiseLoss(Loss::kSquaredHinge, -1.0f, 1.5f) +
                PointwiseLoss(Loss::kSquaredHinge, 1.0f, 1.5f),
            6.25);
  EXPECT_EQ(PointwiseLoss(Loss::kHinge, -1.0f, 1.5f) + PointwiseLoss(Loss::kHinge, 1.0f, 1.5f),
            2.5);
}

// ---------------------------------------------------------------------------
// The sampler.

TEST(NegativeSamplerTest, SameInputsSameSequence) {
  NegativeSampler a(42, 3, 7, 100);
  NegativeSampler b(42, 3, 7, 100);
  NegativeSampler other_seed(43, 3, 7, 100);
  NegativeSampler other_rating(42, 3, 8, 100);
  NegativeSampler other_count(42, 3, 7, 101);
  int same_seed = 0, same_rating = 0, same_count = 0;
  for (int t = 0; t < 1000; ++t) {
    const uint32_t x = a.Below(1u << 20);
    EXPECT_EQ(x, b.Below(1u << 20));
    same_seed += x == other_seed.Below(1u << 20);
    same_rating += x == other_rating.Below(1u << 20);
    same_count += x == other_count.Below(1u << 20);
  }
  // Independent streams agree on about 1000 / 2^20 draws.
  EXPECT_LT(same_seed, 5);
  EXPECT_LT(same_rating, 5);
  EXPECT_LT(same_count, 5);
}

TEST(NegativeSamplerTest, DrawsLieInRangeAndCoverIt) {
  NegativeSampler sampler(7, 0, 0, 1);
  for (uint32_t n : {1u, 2u, 3u, 10u, 1000u, 0xFFFFFFFFu}) {
    for (int t = 0; t < 2000; ++t) ASSERT_LT(sampler.Below(n), n) << n;
  }
  // Uniform: 10 bins of 100,000 draws each within 2% of their share.
  std::vector<int> bins(10);
  for (int t = 0; t < 100000; ++t) ++bins[sampler.Below(10)];
  for (int count : bins) EXPECT_NEAR(count, 10000, 200);
  EXPECT_EQ(BelowFromBits(~uint64_t{0}, 10), 9u);
  EXPECT_EQ(BelowFromBits(0, 10), 0u);
}

TEST(NegativeSamplerTest, DeterministicNegativeIsAPureFunctionInRange) {
  std::vector<int> bins(7);
  for (uint32_t u = 0; u < 50; ++u) {
    for (uint32_t i = 0; i < 50; ++i) {
      const uint32_t j = DeterministicNegative(5, u, i, 0, 7);
      ASSERT_LT(j, 7u);
      EXPECT_EQ(j, DeterministicNegative(5, u, i, 0, 7));
      ++bins[j];
    }
  }
  for (int count : bins) EXPECT_NEAR(count, 2500.0 / 7, 80);
  // Draws t = 0, 1, ... differ from each other and from seed to seed.
  int same_t = 0, same_seed = 0;
  for (uint32_t u = 0; u < 1000; ++u) {
    same_t +=
        DeterministicNegative(5, u, 1, 0, 1u << 20) == DeterministicNegative(5, u, 1, 1, 1u << 20);
    same_seed +=
        DeterministicNegative(5, u, 1, 0, 1u << 20) == DeterministicNegative(6, u, 1, 0, 1u << 20);
  }
  EXPECT_LT(same_t, 5);
  EXPECT_LT(same_seed, 5);
}

// The loss sum of sampled losses is the same figure whether the ratings come
// in one chunk or many (its negatives depend on the rating, not the chunk).
TEST(LossKernelTest, SampledLossSumDoesNotDependOnChunking) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (Loss loss : {Loss::kBprRow, Loss::kBprColumn, Loss::kOneClassSquared}) {
      SCOPED_TRACE(::testing::Message() << kernel.name << " " << LossName(loss));
      internal::Rng rng(3);
      Model model = MakeModel(13, 11, 16, rng);
      const std::vector<Rating> ratings = MakeRatings(loss, rng, 13, 11, 100);
      const SgdArgs args = model.Args(loss, Mode{}, 0.1f, 0.1f, 5);
      const double whole = kernel.loss_sum(args, ratings.data(), ratings.size()).loss;
      double parts = 0;
      for (size_t begin = 0; begin < ratings.size(); begin += 7) {
        parts +=
            kernel
                .loss_sum(args, ratings.data() + begin, std::min<size_t>(7, ratings.size() - begin))
                .loss;
      }
      EXPECT_NEAR(whole, parts, 1e-9 * whole);
      EXPECT_GT(whole, 0.0);
    }
  }
}

// The padding stays +0 under every loss and mode, even for a diverged model
// (huge factors): the padding lanes see a g of exactly 0.
TEST(LossKernelTest, PaddingStaysZeroUnderEveryLossAndMode) {
  for (const Kernel& kernel : AvailableKernels()) {
    for (Loss loss : AllLosses()) {
      for (const Mode& mode : ModesFor(loss)) {
        for (int k : {1, 3, 17}) {
          SCOPED_TRACE(::testing::Message() << kernel.name << " " << LossName(loss) << " "
                                            << ModeName(mode) << " k=" << k);
          Model model(2, 2, k);
          for (int d = 0; d < k; ++d) {
            for (uint32_t r = 0; r < 2; ++r) model.p.row(r)[d] = model.q.row(r)[d] = 1e30f;
          }
          std::fill(model.p_g.begin(), model.p_g.end(), 1.0f);
          std::fill(model.q_g.begin(), model.q_g.end(), 1.0f);
          const Rating ratings[] = {{0, 0, 1.0f}, {1, 1, -1.0f}, {0, 1, 1.0f}};
          kernel.sgd_chunk(model.Args(loss, mode, 0.01f, 0.05f, 3), ratings, nullptr, 3);
          EXPECT_TRUE(PaddingIsZero(model.p));
          EXPECT_TRUE(PaddingIsZero(model.q));
        }
      }
    }
  }
}

}  // namespace
}  // namespace hogmf::kernels
