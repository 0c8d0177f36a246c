// The scalar SGD step and fit pass: plain loops that state every loss, the
// biases, AdaGrad, L1, non-negativity and negative sampling exactly. This is
// the executable spec the Highway kernels are tested against; with the squared
// loss, no biases, a constant rate and no L1 or clamp it is the seed's update
// to the bit.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/losses.h"
#include "kernels/sgd_kernel.h"
#include "util/dot.h"

namespace hogmf::kernels {
namespace {

float* Row(float* base, size_t stride, uint32_t row) {
  return base + static_cast<size_t>(row) * stride;
}

// The step's rate for a row with AdaGrad sum `g` (nullptr: a constant rate).
float RateFor(float learning_rate, const float* g) {
  return g != nullptr ? learning_rate / std::sqrt(*g) : learning_rate;
}

// After the gradient step: the L1 soft threshold (l1 > 0), then the clamp at 0.
float Proximal(float x, float rate, float l1, bool nonneg) {
  if (l1 > 0.0f) x = std::copysign(std::max(std::fabs(x) - rate * l1, 0.0f), x);
  if (nonneg) x = std::max(x, 0.0f);
  return x;
}

// y = (mean + bu + bi) + p_u.q_i, summed in float in that order; p_u.q_i
// without biases.
float Predict(const SgdArgs& a, uint32_t u, uint32_t i) {
  const float dot = internal::Dot(Row(a.p, a.stride, u), Row(a.q, a.stride, i), a.k);
  if (a.user_bias == nullptr) return dot;
  return ((a.mean + a.user_bias[u]) + a.item_bias[i]) + dot;
}

// One pointwise step on (u, i) with g = -dL/dy, from the values before it:
//   p <- p + rate_p (g q - l2_p p),  q <- q + rate_q (g p - l2_q q),
// then Proximal per coordinate; bu <- bu + rate_p (g - l2_user_bias bu) and
// bi likewise; with AdaGrad the rates are lr / sqrt(G) from the G before the
// step, and G += |gradient|^2 / k afterwards.
void PointwiseStep(const SgdArgs& a, uint32_t u, uint32_t i, float g) {
  float* p = Row(a.p, a.stride, u);
  float* q = Row(a.q, a.stride, i);
  float* g_u = a.p_adagrad != nullptr ? a.p_adagrad + u : nullptr;
  float* g_i = a.q_adagrad != nullptr ? a.q_adagrad + i : nullptr;
  const float rate_p = RateFor(a.learning_rate, g_u);
  const float rate_q = RateFor(a.learning_rate, g_i);
  float sum_p = 0.0f;
  float sum_q = 0.0f;
  for (int d = 0; d < a.k; ++d) {
    const float pd = p[d];
    const float qd = q[d];
    const float grad_p = g * qd - a.l2_p * pd;
    const float grad_q = g * pd - a.l2_q * qd;
    p[d] = Proximal(pd + rate_p * grad_p, rate_p, a.l1_p, a.nonneg);
    q[d] = Proximal(qd + rate_q * grad_q, rate_q, a.l1_q, a.nonneg);
    sum_p += grad_p * grad_p;
    sum_q += grad_q * grad_q;
  }
  if (a.user_bias != nullptr) {
    const float bu = a.user_bias[u];
    const float bi = a.item_bias[i];
    a.user_bias[u] = bu + rate_p * (g - a.l2_user_bias * bu);
    a.item_bias[i] = bi + rate_q * (g - a.l2_item_bias * bi);
  }
  if (g_u != nullptr && a.k > 0) {
    *g_u += sum_p / static_cast<float>(a.k);
    *g_i += sum_q / static_cast<float>(a.k);
  }
}

// A row in a BPR step: its factors, AdaGrad sum (or nullptr) and weights.
struct PairRow {
  float* x;
  float* g;
  float l2;
  float l1;
};

// One BPR step with anchor row `a` (p_u for bpr-row), positive `b` and
// negative `c` (q_i and q_j), all from the values before the step:
//   x = a.(b - c),  s = 1 / (1 + exp(x)),
//   a += rate_a (s (b - c) - l2 a),  b += rate_b (s a - l2 b),  c += rate_c (-s a - l2 c),
// then Proximal per coordinate and the AdaGrad sums as in PointwiseStep.
void PairStep(const SgdArgs& args, PairRow a, PairRow b, PairRow c) {
  float x = 0.0f;
  for (int d = 0; d < args.k; ++d) x += a.x[d] * (b.x[d] - c.x[d]);
  const float s = BprGradient(x);
  const float rate_a = RateFor(args.learning_rate, a.g);
  const float rate_b = RateFor(args.learning_rate, b.g);
  const float rate_c = RateFor(args.learning_rate, c.g);
  float sum_a = 0.0f;
  float sum_b = 0.0f;
  float sum_c = 0.0f;
  for (int d = 0; d < args.k; ++d) {
    const float ad = a.x[d];
    const float bd = b.x[d];
    const float cd = c.x[d];
    const float grad_a = s * (bd - cd) - a.l2 * ad;
    const float grad_b = s * ad - b.l2 * bd;
    const float grad_c = -s * ad - c.l2 * cd;
    a.x[d] = Proximal(ad + rate_a * grad_a, rate_a, a.l1, args.nonneg);
    b.x[d] = Proximal(bd + rate_b * grad_b, rate_b, b.l1, args.nonneg);
    c.x[d] = Proximal(cd + rate_c * grad_c, rate_c, c.l1, args.nonneg);
    sum_a += grad_a * grad_a;
    sum_b += grad_b * grad_b;
    sum_c += grad_c * grad_c;
  }
  if (a.g != nullptr && args.k > 0) {
    const float k = static_cast<float>(args.k);
    *a.g += sum_a / k;
    *b.g += sum_b / k;
    *c.g += sum_c / k;
  }
}

PairRow PRow(const SgdArgs& a, uint32_t u) {
  return {Row(a.p, a.stride, u), a.p_adagrad != nullptr ? a.p_adagrad + u : nullptr, a.l2_p,
          a.l1_p};
}
PairRow QRow(const SgdArgs& a, uint32_t i) {
  return {Row(a.q, a.stride, i), a.q_adagrad != nullptr ? a.q_adagrad + i : nullptr, a.l2_q,
          a.l1_q};
}

// x = a.(b - c) of rows a, b, c, summed in float in index order.
float PairMargin(const float* a, const float* b, const float* c, int k) {
  float x = 0.0f;
  for (int d = 0; d < k; ++d) x += a[d] * (b[d] - c[d]);
  return x;
}

}  // namespace

void SgdChunkScalar(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                    size_t count) {
  if (count == 0) return;
  const Rating& first = ratings[order != nullptr ? order[0] : 0];
  NegativeSampler sampler(args.seed, first.user, first.item, count);
  const LossShape shape = ShapeOf(args.loss);
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    switch (shape) {
      case LossShape::kPointwise:
        PointwiseStep(args, r.user, r.item,
                      PointwiseGradient(args.loss, r.value, Predict(args, r.user, r.item)));
        break;
      case LossShape::kOneClass:
        PointwiseStep(args, r.user, r.item,
                      OneClassPositiveGradient(Predict(args, r.user, r.item)));
        if (args.num_items == 0) break;
        for (int t = 0; t < args.negatives; ++t) {
          const uint32_t neg = sampler.Below(args.num_items);
          if (neg == r.item) continue;
          PointwiseStep(args, r.user, neg,
                        OneClassNegativeGradient(args.negative_weight, Predict(args, r.user, neg)));
        }
        break;
      case LossShape::kPairwiseRow: {
        if (args.num_items == 0) break;
        const uint32_t neg = sampler.Below(args.num_items);
        if (neg == r.item) break;
        PairStep(args, PRow(args, r.user), QRow(args, r.item), QRow(args, neg));
        break;
      }
      case LossShape::kPairwiseColumn: {
        if (args.num_users == 0) break;
        const uint32_t neg = sampler.Below(args.num_users);
        if (neg == r.user) break;
        PairStep(args, QRow(args, r.item), PRow(args, r.user), PRow(args, neg));
        break;
      }
    }
  }
}

float DotScalar(const float* a, const float* b, size_t stride, int k) {
  return internal::Dot(a, b, k);
}

LossSums LossSumScalar(const SgdArgs& args, const Rating* ratings, size_t count) {
  LossSums sums;
  const LossShape shape = ShapeOf(args.loss);
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[j];
    switch (shape) {
      case LossShape::kPointwise: {
        const float y = Predict(args, r.user, r.item);
        const double error = static_cast<double>(r.value) - static_cast<double>(y);
        sums.squared_error += error * error;
        sums.absolute_error += std::fabs(error);
        sums.loss += PointwiseLoss(args.loss, r.value, y);
        break;
      }
      case LossShape::kOneClass: {
        const float y = Predict(args, r.user, r.item);
        const double error = 1.0 - static_cast<double>(y);
        sums.squared_error += error * error;
        sums.absolute_error += std::fabs(error);
        sums.loss += PointwiseLoss(Loss::kSquared, 1.0f, y);
        for (int t = 0; t < args.negatives; ++t) {
          const uint32_t neg = DeterministicNegative(args.seed, r.user, r.item, t, args.num_items);
          if (args.num_items == 0 || neg == r.item) continue;
          sums.loss += static_cast<double>(args.negative_weight) *
                       PointwiseLoss(Loss::kSquared, 0.0f, Predict(args, r.user, neg));
        }
        break;
      }
      case LossShape::kPairwiseRow: {
        const uint32_t neg = DeterministicNegative(args.seed, r.user, r.item, 0, args.num_items);
        if (args.num_items == 0 || neg == r.item) break;
        sums.loss +=
            BprLoss(PairMargin(Row(args.p, args.stride, r.user), Row(args.q, args.stride, r.item),
                               Row(args.q, args.stride, neg), args.k));
        break;
      }
      case LossShape::kPairwiseColumn: {
        const uint32_t neg = DeterministicNegative(args.seed, r.user, r.item, 0, args.num_users);
        if (args.num_users == 0 || neg == r.user) break;
        sums.loss +=
            BprLoss(PairMargin(Row(args.q, args.stride, r.item), Row(args.p, args.stride, r.user),
                               Row(args.p, args.stride, neg), args.k));
        break;
      }
    }
  }
  return sums;
}

Kernel ScalarKernel() { return Kernel{"scalar", &SgdChunkScalar, &DotScalar, &LossSumScalar}; }

}  // namespace hogmf::kernels
