// Tests of kernel selection: the scalar kernel is always there, "auto" picks
// the first available kernel unless HOGMF_ISA names another, names ignore
// case, and an unknown name is an error that lists the available ones.
#include "kernels/kernel_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "testing/status_matchers.h"

namespace hogmf::kernels {
namespace {

using ::hogmf::testing::IsOk;
using ::hogmf::testing::StatusIs;
using ::testing::HasSubstr;

// Sets HOGMF_ISA for one test and restores what it was.
class IsaEnvironment {
 public:
  explicit IsaEnvironment(const char* value) {
    const char* old = std::getenv(kIsaEnvVar);
    if (old != nullptr) old_ = old;
    if (value != nullptr) {
      ::setenv(kIsaEnvVar, value, 1);
    } else {
      ::unsetenv(kIsaEnvVar);
    }
  }
  ~IsaEnvironment() {
    if (old_.has_value()) {
      ::setenv(kIsaEnvVar, old_->c_str(), 1);
    } else {
      ::unsetenv(kIsaEnvVar);
    }
  }

 private:
  std::optional<std::string> old_;
};

std::vector<std::string> Names(const std::vector<Kernel>& kernels) {
  std::vector<std::string> names;
  for (const Kernel& kernel : kernels) names.push_back(kernel.name);
  return names;
}

TEST(KernelRegistryTest, ScalarIsAlwaysAvailableAndLast) {
  const std::vector<Kernel> kernels = AvailableKernels();
  ASSERT_FALSE(kernels.empty());
  EXPECT_EQ(kernels.back().name, "scalar");
  EXPECT_EQ(kernels.back().sgd_chunk, &SgdChunkScalar);
  for (const Kernel& kernel : kernels) {
    EXPECT_NE(kernel.sgd_chunk, nullptr) << kernel.name;
    EXPECT_NE(kernel.dot, nullptr) << kernel.name;
    EXPECT_NE(kernel.loss_sum, nullptr) << kernel.name;
  }
  // One kernel per name.
  std::vector<std::string> names = Names(kernels);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());

  const IsaEnvironment isa(nullptr);
  absl::StatusOr<Kernel> scalar = SelectKernel("scalar");
  ASSERT_THAT(scalar, IsOk());
  EXPECT_EQ(scalar->name, "scalar");
  EXPECT_EQ(scalar->sgd_chunk, &SgdChunkScalar);
}

TEST(KernelRegistryTest, AutoPicksTheFirstAvailable) {
  const IsaEnvironment isa(nullptr);
  const std::string first = AvailableKernels().front().name;
  for (const char* name : {"auto", "", "AUTO"}) {
    absl::StatusOr<Kernel> kernel = SelectKernel(name);
    ASSERT_THAT(kernel, IsOk()) << name;
    EXPECT_EQ(kernel->name, first) << name;
  }
  const IsaEnvironment isa_auto("auto");
  absl::StatusOr<Kernel> kernel = SelectKernel("auto");
  ASSERT_THAT(kernel, IsOk());
  EXPECT_EQ(kernel->name, first);
}

TEST(KernelRegistryTest, HogmfIsaOverridesAutoButNotAName) {
  const std::vector<Kernel> kernels = AvailableKernels();
  // The last available kernel (scalar), which auto never picks when there
  // are others.
  const IsaEnvironment isa("Scalar");
  absl::StatusOr<Kernel> kernel = SelectKernel("auto");
  ASSERT_THAT(kernel, IsOk());
  EXPECT_EQ(kernel->name, "scalar");
  // An explicit name wins over the environment.
  kernel = SelectKernel(kernels.front().name);
  ASSERT_THAT(kernel, IsOk());
  EXPECT_EQ(kernel->name, kernels.front().name);
}

TEST(KernelRegistryTest, AnUnknownHogmfIsaIsAnErrorNamingTheVariable) {
  const IsaEnvironment isa("pentium");
  EXPECT_THAT(SelectKernel("auto"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("HOGMF_ISA"), HasSubstr("\"pentium\" is not a known kernel"),
                             HasSubstr("scalar"))));
}

TEST(KernelRegistryTest, NamesIgnoreCase) {
  const IsaEnvironment isa(nullptr);
  for (const Kernel& expected : AvailableKernels()) {
    std::string upper = expected.name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    absl::StatusOr<Kernel> kernel = SelectKernel(upper);
    ASSERT_THAT(kernel, IsOk()) << upper;
    EXPECT_EQ(kernel->name, expected.name);
    EXPECT_EQ(kernel->sgd_chunk, expected.sgd_chunk);
  }
}

TEST(KernelRegistryTest, AnUnknownNameIsAnErrorListingTheAvailableNames) {
  const IsaEnvironment isa(nullptr);
  std::string list;
  for (const std::string& name : Names(AvailableKernels())) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  EXPECT_THAT(SelectKernel("mmx"), StatusIs(absl::StatusCode::kInvalidArgument,
                                            AllOf(HasSubstr("\"mmx\" is not a known kernel"),
                                                  HasSubstr("available: " + list))));
}

TEST(KernelRegistryTest, AKnownNameThisCpuLacksSaysSo) {
  const IsaEnvironment isa(nullptr);
  const std::vector<std::string> available = Names(AvailableKernels());
  for (const char* name : {"avx512", "avx2", "sse4", "neon", "sve", "rvv"}) {
    if (std::find(available.begin(), available.end(), name) != available.end()) continue;
    EXPECT_THAT(SelectKernel(name), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("is not available on this CPU")))
        << name;
  }
}

}  // namespace
}  // namespace hogmf::kernels
