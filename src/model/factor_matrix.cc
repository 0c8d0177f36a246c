// FactorMatrix: aligned, padded row storage.
#include "hogmf/factor_matrix.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "util/check.h"
#include "util/parallel.h"

namespace hogmf {

void FactorMatrix::FreeDeleter::operator()(float* p) const { std::free(p); }

namespace {

// Factor matrices at least this large live in 2 MiB-aligned memory and ask the
// kernel for transparent huge pages: SGD touches their rows at random, and
// with 4 KiB pages nearly every row access also misses the TLB
// (docs/performance.md, Kernels).
constexpr size_t kHugePageBytes = size_t{2} << 20;

}  // namespace

FactorMatrix::FactorMatrix(uint32_t rows, int k) : rows_(rows), k_(k), stride_(StrideFor(k)) {
  HOGMF_CHECK(k >= 1);
  size_t bytes = std::max<size_t>(this->bytes(), kAlignBytes);
  const bool huge = bytes >= kHugePageBytes;
  if (huge) bytes = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  void* memory = std::aligned_alloc(huge ? kHugePageBytes : kAlignBytes, bytes);
  if (memory == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (huge) ::madvise(memory, bytes, MADV_HUGEPAGE);  // a hint: failure is harmless
#endif
  // The first write to each page faults it in, and the kernel zeroes it:
  // most of the cost of a large matrix, so its pages are spread over the
  // threads.
  auto* const zeroed = static_cast<unsigned char*>(memory);
  internal::ParallelFor(bytes, internal::Schedule::Auto(kHugePageBytes),
                        [&](size_t begin, size_t end) {
                          std::memset(zeroed + begin, 0, end - begin);
                        });
  data_.reset(static_cast<float*>(memory));
}

FactorMatrix::FactorMatrix(const FactorMatrix& other) : FactorMatrix() { *this = other; }

FactorMatrix& FactorMatrix::operator=(const FactorMatrix& other) {
  if (this == &other) return *this;
  if (other.data_ == nullptr) {
    *this = FactorMatrix();
    return *this;
  }
  if (data_ != nullptr && rows_ == other.rows_ && k_ == other.k_ && stride_ == other.stride_) {
    // Same shape (an early-stop session keeping its best epoch's rows): the
    // rows are overwritten in place, so no third copy is ever resident.
    std::memcpy(data(), other.data(), other.bytes());
    return *this;
  }
  FactorMatrix copy(other.rows_, other.k_);
  std::memcpy(copy.data(), other.data(), other.bytes());
  *this = std::move(copy);
  return *this;
}

FactorMatrix::EigenView FactorMatrix::AsEigen() {
  return EigenView(data_.get(), rows_, k_,
                   Eigen::OuterStride<>(static_cast<Eigen::Index>(stride_)));
}

FactorMatrix::ConstEigenView FactorMatrix::AsEigen() const {
  return ConstEigenView(data_.get(), rows_, k_,
                        Eigen::OuterStride<>(static_cast<Eigen::Index>(stride_)));
}

}  // namespace hogmf
