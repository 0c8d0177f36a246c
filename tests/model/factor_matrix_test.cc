// Tests of FactorMatrix: padded, aligned rows and the Eigen views over them.
#include "hogmf/factor_matrix.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace hogmf {
namespace {

TEST(FactorMatrixTest, StrideRoundsKUpToSixteenFloats) {
  EXPECT_EQ(FactorMatrix::StrideFor(1), 16u);
  EXPECT_EQ(FactorMatrix::StrideFor(16), 16u);
  EXPECT_EQ(FactorMatrix::StrideFor(17), 32u);
  EXPECT_EQ(FactorMatrix::StrideFor(100), 112u);
  FactorMatrix m(3, 20);
  EXPECT_EQ(m.rows(), 3u);
  EXPECT_EQ(m.k(), 20);
  EXPECT_EQ(m.stride(), 32u);
  EXPECT_EQ(m.bytes(), 3u * 32u * sizeof(float));
}

TEST(FactorMatrixTest, RowsStartOnSixtyFourByteBoundariesAndStartZero) {
  FactorMatrix m(7, 5);
  for (uint32_t r = 0; r < m.rows(); ++r) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(m.row(r)) % FactorMatrix::kAlignBytes, 0u) << "row " << r;
    for (size_t d = 0; d < m.stride(); ++d) EXPECT_EQ(m.row(r)[d], 0.0f);
  }
}

TEST(FactorMatrixTest, EigenViewSkipsThePadding) {
  FactorMatrix m(4, 3);
  m.row(2)[1] = 7.0f;
  FactorMatrix::EigenView view = m.AsEigen();
  EXPECT_EQ(view.rows(), 4);
  EXPECT_EQ(view.cols(), 3);
  EXPECT_EQ(view(2, 1), 7.0f);
  view(3, 2) = -1.5f;
  EXPECT_EQ(m.row(3)[2], -1.5f);
  // Writes through the view never touch the padding.
  view.setOnes();
  for (uint32_t r = 0; r < m.rows(); ++r) {
    for (size_t d = 3; d < m.stride(); ++d) EXPECT_EQ(m.row(r)[d], 0.0f);
  }
  const FactorMatrix& constant = m;
  EXPECT_EQ(constant.AsEigen().sum(), 12.0f);
}

TEST(FactorMatrixTest, EigenProductsScoreRows) {
  FactorMatrix p(1, 2);
  FactorMatrix q(3, 2);
  p.row(0)[0] = 1.0f;
  p.row(0)[1] = 2.0f;
  for (uint32_t i = 0; i < 3; ++i) {
    q.row(i)[0] = static_cast<float>(i);
    q.row(i)[1] = 1.0f;
  }
  Eigen::VectorXf scores = q.AsEigen() * p.AsEigen().row(0).transpose();
  ASSERT_EQ(scores.size(), 3);
  EXPECT_EQ(scores(0), 2.0f);
  EXPECT_EQ(scores(1), 3.0f);
  EXPECT_EQ(scores(2), 4.0f);
}

TEST(FactorMatrixTest, CopiesAreDeep) {
  FactorMatrix a(2, 4);
  a.row(1)[3] = 5.0f;
  FactorMatrix b(a);
  a.row(1)[3] = 6.0f;
  EXPECT_EQ(b.row(1)[3], 5.0f);
  EXPECT_EQ(b.k(), 4);
  EXPECT_EQ(b.rows(), 2u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % FactorMatrix::kAlignBytes, 0u);
  FactorMatrix c;
  c = b;
  EXPECT_EQ(c.row(1)[3], 5.0f);
  c = FactorMatrix();
  EXPECT_EQ(c.rows(), 0u);
  EXPECT_EQ(c.data(), nullptr);
}

TEST(FactorMatrixTest, ZeroRowsIsValid) {
  FactorMatrix m(0, 8);
  EXPECT_EQ(m.rows(), 0u);
  EXPECT_EQ(m.bytes(), 0u);
  EXPECT_EQ(m.AsEigen().rows(), 0);
  EXPECT_EQ(m.AsEigen().cols(), 8);
}

}  // namespace
}  // namespace hogmf
