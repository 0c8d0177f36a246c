// FactorMatrix: the one memory layout of P and Q. Rows of k floats, row-major,
// each row padded with zeros to a multiple of 16 floats (64 bytes) and starting
// on a 64-byte boundary, so SIMD kernels need no tail handling and no row
// straddles more cache lines than it must. Everything outside the hot loop
// reads the factors through Eigen views.
//
//   hogmf::FactorMatrix p(/*rows=*/1000, /*k=*/32);
//   p.row(7)[0] = 0.5f;
//   Eigen::VectorXf scores = q.AsEigen() * p.AsEigen().row(7).transpose();
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <Eigen/Core>

namespace hogmf {

class FactorMatrix {
 public:
  static constexpr size_t kAlignBytes = 64;
  static constexpr size_t kPadFloats = kAlignBytes / sizeof(float);

  using EigenView =
      Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                 Eigen::Aligned64, Eigen::OuterStride<>>;
  using ConstEigenView =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                 Eigen::Aligned64, Eigen::OuterStride<>>;

  FactorMatrix() = default;
  // rows x k, all zero (padding included).
  FactorMatrix(uint32_t rows, int k);

  FactorMatrix(FactorMatrix&&) noexcept = default;
  FactorMatrix& operator=(FactorMatrix&&) noexcept = default;
  FactorMatrix(const FactorMatrix& other);
  FactorMatrix& operator=(const FactorMatrix& other);

  uint32_t rows() const { return rows_; }
  int k() const { return k_; }
  // Floats from one row to the next: k rounded up to kPadFloats.
  size_t stride() const { return stride_; }
  static size_t StrideFor(int k) {
    return (static_cast<size_t>(k) + kPadFloats - 1) / kPadFloats * kPadFloats;
  }

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  float* row(uint32_t i) { return data_.get() + static_cast<size_t>(i) * stride_; }
  const float* row(uint32_t i) const { return data_.get() + static_cast<size_t>(i) * stride_; }

  // rows x k views (the padding is skipped by the outer stride).
  EigenView AsEigen();
  ConstEigenView AsEigen() const;

  // Bytes of factor storage, padding included.
  size_t bytes() const { return static_cast<size_t>(rows_) * stride_ * sizeof(float); }

 private:
  struct FreeDeleter {
    void operator()(float* p) const;
  };
  uint32_t rows_ = 0;
  int k_ = 0;
  size_t stride_ = 0;
  std::unique_ptr<float[], FreeDeleter> data_;
};

}  // namespace hogmf
