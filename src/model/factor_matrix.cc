// FactorMatrix: aligned, padded row storage.
#include "hogmf/factor_matrix.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "util/check.h"

namespace hogmf {

void FactorMatrix::FreeDeleter::operator()(float* p) const { std::free(p); }

FactorMatrix::FactorMatrix(uint32_t rows, int k) : rows_(rows), k_(k), stride_(StrideFor(k)) {
  HOGMF_CHECK(k >= 1);
  const size_t bytes = std::max<size_t>(this->bytes(), kAlignBytes);
  void* memory = std::aligned_alloc(kAlignBytes, bytes);
  if (memory == nullptr) throw std::bad_alloc();
  std::memset(memory, 0, bytes);
  data_.reset(static_cast<float*>(memory));
}

FactorMatrix::FactorMatrix(const FactorMatrix& other) : FactorMatrix() { *this = other; }

FactorMatrix& FactorMatrix::operator=(const FactorMatrix& other) {
  if (this == &other) return *this;
  if (other.data_ == nullptr) {
    *this = FactorMatrix();
    return *this;
  }
  FactorMatrix copy(other.rows_, other.k_);
  std::memcpy(copy.data(), other.data(), other.bytes());
  *this = std::move(copy);
  return *this;
}

FactorMatrix::EigenView FactorMatrix::AsEigen() {
  return EigenView(data_.get(), rows_, k_, Eigen::OuterStride<>(static_cast<Eigen::Index>(stride_)));
}

FactorMatrix::ConstEigenView FactorMatrix::AsEigen() const {
  return ConstEigenView(data_.get(), rows_, k_,
                        Eigen::OuterStride<>(static_cast<Eigen::Index>(stride_)));
}

}  // namespace hogmf
