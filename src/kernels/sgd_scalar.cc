// The scalar SGD step: a plain loop that states the seed's update exactly.
#include "kernels/sgd_kernel.h"

namespace hogmf::kernels {

void SgdChunkScalar(const SgdArgs& args, const Rating* ratings, const uint32_t* order, size_t count) {
  const int k = args.k;
  const float lr = args.learning_rate;
  const float l2 = args.l2;
  for (size_t j = 0; j < count; ++j) {
    const Rating& r = ratings[order != nullptr ? order[j] : j];
    float* p = args.p + static_cast<size_t>(r.user) * args.stride;
    float* q = args.q + static_cast<size_t>(r.item) * args.stride;
    float dot = 0.0f;
    for (int d = 0; d < k; ++d) dot += p[d] * q[d];
    const float e2 = 2.0f * (r.value - dot);
    for (int d = 0; d < k; ++d) {
      const float pd = p[d];
      const float qd = q[d];
      p[d] = pd + lr * (e2 * qd - l2 * pd);
      q[d] = qd + lr * (e2 * pd - l2 * qd);
    }
  }
}

float DotScalar(const float* a, const float* b, size_t stride, int k) {
  float dot = 0.0f;
  for (int d = 0; d < k; ++d) dot += a[d] * b[d];
  return dot;
}

Kernel ScalarKernel() { return Kernel{"scalar", &SgdChunkScalar, &DotScalar}; }

}  // namespace hogmf::kernels
