// The scalar SGD step and fit pass: plain loops that state the seed's update
// and squared error exactly.
#include "kernels/sgd_kernel.h"

#include "util/dot.h"

namespace hogmf::kernels {

void SgdChunkScalar(const SgdArgs& args, const Rating* ratings, const uint32_t* order,
                    size_t count) {
  const int k = args.k;
  const float lr = args.learning_rate;
  const float l2 = args.l2;
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    float* p = args.p + static_cast<size_t>(r.user) * args.stride;
    float* q = args.q + static_cast<size_t>(r.item) * args.stride;
    const float e2 = 2.0f * (r.value - internal::Dot(p, q, k));
    for (int d = 0; d < k; ++d) {
      const float pd = p[d];
      const float qd = q[d];
      p[d] = pd + lr * (e2 * qd - l2 * pd);
      q[d] = qd + lr * (e2 * pd - l2 * qd);
    }
  }
}

float DotScalar(const float* a, const float* b, size_t stride, int k) {
  return internal::Dot(a, b, k);
}

double SquaredErrorScalar(const float* p, const float* q, size_t stride, int k,
                          const Rating* ratings, size_t count) {
  double sum = 0.0;
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[j];
    const float dot = DotScalar(p + static_cast<size_t>(r.user) * stride,
                                q + static_cast<size_t>(r.item) * stride, stride, k);
    const double error = static_cast<double>(r.value) - static_cast<double>(dot);
    sum += error * error;
  }
  return sum;
}

Kernel ScalarKernel() { return Kernel{"scalar", &SgdChunkScalar, &DotScalar, &SquaredErrorScalar}; }

}  // namespace hogmf::kernels
