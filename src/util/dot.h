// The scalar dot product, written once: the SGD kernels' reference
// (kernels::DotScalar), model predictions and the synthetic data's planted
// ratings all call it. The SIMD kernels have their own (src/kernels).
//
//   float score = Dot(p, q, k);             // summed in float, in index order
//   double exact = Dot<double>(p, q, k);    // float products, exact in double
#pragma once

namespace hogmf::internal {

// The sum over d < k of a[d] * b[d], in increasing d, each product and the
// running sum in `Sum`. With Sum = double every product of two floats is
// exact, so the result does not depend on whether the compiler fuses
// multiply-adds.
template <typename Sum = float>
Sum Dot(const float* a, const float* b, int k) {
  Sum sum = 0;
  for (int d = 0; d < k; ++d) sum += static_cast<Sum>(a[d]) * static_cast<Sum>(b[d]);
  return sum;
}

}  // namespace hogmf::internal
