// Convergence of SGD with P and Q stored in bfloat16 (fp32 arithmetic)
// against fp32 storage: trains the same data from the same initial factors in
// the same rating orders, one thread, and prints the train and held-out RMSE
// after every epoch for
//   fp32      the project's kernel from the registry (avx512 when the CPU has it)
//   bf16-rne  bf16 rows, rounded to nearest even after every step
//   bf16-sr   bf16 rows, stochastic rounding (bf16_sgd.h)
// The bf16 factors start as the fp32 initial factors rounded to nearest even.
//
// Data (--data):
//   lowrank  the planted problem of hogmf::Generate (rank-r factors plus
//            N(0, noise^2)), shifted by +3 so that values sit around 3 like
//            ratings (there are no bias terms: the factors carry the mean);
//            the best achievable RMSE is the noise
//   netflix  the Netflix-shaped synthetic set cut to --ratings ratings
// Each epoch visits the training ratings in a fresh random order (the
// engine's `shuffle` order), in chunks of 4096.
//
//   bf16_accuracy [--data=lowrank|netflix] [--k=32] [--epochs=10] [--lr=0.01] [--l2=0.05]
//                 [--ratings=5000000] [--users=200000] [--items=20000] [--rank=10]
//                 [--noise=0.5] [--test-fraction=0.05] [--seed=1]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bf16_sgd.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/ratings.h"
#include "hogmf/synthetic.h"
#include "kernels/kernel_registry.h"
#include "kernels/sgd_kernel.h"
#include "util/random.h"

namespace hogmf::bf16 {

using ::hogmf::internal::Rng;

namespace {

constexpr size_t kChunk = 4096;

struct Options {
  std::string data = "lowrank";
  int k = 32;
  int epochs = 10;
  float lr = 0.01f;
  float l2 = 0.05f;
  uint64_t ratings = 5'000'000;
  uint32_t users = 200'000;
  uint32_t items = 20'000;
  int rank = 10;
  double noise = 0.5;
  double test_fraction = 0.05;
  uint64_t seed = 1;
};

[[noreturn]] void Usage(const char* arg) {
  std::fprintf(stderr, "bf16_accuracy: unknown or malformed argument '%s' (see the file comment)\n",
               arg);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    const size_t eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) Usage(argv[a]);
    const std::string_view name = arg.substr(2, eq - 2);
    const char* value = argv[a] + eq + 1;
    if (name == "data")
      o.data = value;
    else if (name == "k")
      o.k = std::atoi(value);
    else if (name == "epochs")
      o.epochs = std::atoi(value);
    else if (name == "lr")
      o.lr = std::strtof(value, nullptr);
    else if (name == "l2")
      o.l2 = std::strtof(value, nullptr);
    else if (name == "ratings")
      o.ratings = std::strtoull(value, nullptr, 10);
    else if (name == "users")
      o.users = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    else if (name == "items")
      o.items = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    else if (name == "rank")
      o.rank = std::atoi(value);
    else if (name == "noise")
      o.noise = std::strtod(value, nullptr);
    else if (name == "test-fraction")
      o.test_fraction = std::strtod(value, nullptr);
    else if (name == "seed")
      o.seed = std::strtoull(value, nullptr, 10);
    else
      Usage(argv[a]);
  }
  if ((o.data != "lowrank" && o.data != "netflix") || o.k < 1 || o.k > kMaxK || o.epochs < 1) {
    std::fprintf(stderr, "bf16_accuracy: need --data=lowrank|netflix, 1 <= k <= %d, epochs >= 1\n",
                 kMaxK);
    std::exit(2);
  }
  return o;
}

struct Problem {
  uint32_t users = 0;
  uint32_t items = 0;
  std::vector<Rating> train;
  std::vector<Rating> test;
};

Problem MakeProblem(const Options& o) {
  SyntheticSpec spec;
  spec.seed = o.seed;
  spec.ratings = o.ratings;
  if (o.data == "lowrank") {
    spec.shape = Shape::kLowRank;
    spec.users = o.users;
    spec.items = o.items;
    spec.rank = o.rank;
    spec.noise = o.noise;
  } else {
    spec.shape = Shape::kNetflix;
  }
  absl::StatusOr<Ratings> data = Generate(spec);
  if (!data.ok()) {
    std::fprintf(stderr, "bf16_accuracy: %s\n", std::string(data.status().message()).c_str());
    std::exit(2);
  }
  auto [train, test] = SplitHoldout(*data, o.test_fraction, o.seed + 1);
  Problem p{data->num_users(), data->num_items(),
            std::vector<Rating>(train.entries().begin(), train.entries().end()),
            std::vector<Rating>(test.entries().begin(), test.entries().end())};
  if (o.data == "lowrank") {
    for (Rating& r : p.train) r.value += 3.0f;
    for (Rating& r : p.test) r.value += 3.0f;
  }
  return p;
}

// The engine's default initialization: uniform in [0, s), s = 2 sqrt(max(|mean|, 0.1) / k).
FactorMatrix InitialFactors(uint32_t rows, int k, double mean, uint64_t seed, uint64_t stream) {
  Rng rng(seed, stream);
  const float scale = static_cast<float>(2.0 * std::sqrt(std::max(std::abs(mean), 0.1) / k));
  FactorMatrix m(rows, k);
  for (uint32_t r = 0; r < rows; ++r) {
    for (int d = 0; d < k; ++d) m.row(r)[d] = scale * rng.UniformFloat();
  }
  return m;
}

// One variant's factors (fp32 or bf16) and its chunk function.
class Variant {
 public:
  virtual ~Variant() = default;
  virtual const char* name() const = 0;
  virtual void Chunk(const Rating* ratings, const uint32_t* order, size_t count) = 0;
  virtual float Predict(uint32_t user, uint32_t item) const = 0;
};

class Fp32Variant : public Variant {
 public:
  Fp32Variant(const FactorMatrix& p, const FactorMatrix& q, const Options& o,
              kernels::Kernel kernel)
      : p_(p), q_(q), kernel_(std::move(kernel)), args_{p_.data(), q_.data(), p_.stride(), o.k,
                                                        o.lr,      o.l2,      o.l2} {}
  const char* name() const override { return "fp32"; }
  void Chunk(const Rating* ratings, const uint32_t* order, size_t count) override {
    kernel_.sgd_chunk(args_, ratings, order, count);
  }
  float Predict(uint32_t user, uint32_t item) const override {
    return kernel_.dot(p_.row(user), q_.row(item), p_.stride(), p_.k());
  }

 private:
  FactorMatrix p_, q_;
  kernels::Kernel kernel_;
  kernels::SgdArgs args_;
};

template <Format F>
class Bf16Variant : public Variant {
 public:
  Bf16Variant(const FactorMatrix& p, const FactorMatrix& q, const Options& o)
      : p_(p), q_(q), rounding_(o.seed + 2), args_{p_.data(), q_.data(), p_.stride(),
                                                   o.k,       o.lr,      o.l2} {}
  const char* name() const override { return F == Format::kBf16Nearest ? "bf16-rne" : "bf16-sr"; }
  void Chunk(const Rating* ratings, const uint32_t* order, size_t count) override {
    SgdChunk<F>(args_, ratings, order, count, &rounding_);
  }
  float Predict(uint32_t user, uint32_t item) const override {
    return DotRows(p_.row(user), q_.row(item), p_.k());
  }

 private:
  Bf16Matrix p_, q_;
  RoundingState rounding_;
  RowArgs<uint16_t> args_;
};

double Rmse(const Variant& v, const std::vector<Rating>& ratings) {
  double sum = 0;
  for (const Rating& r : ratings) {
    const double e = r.value - v.Predict(r.user, r.item);
    sum += e * e;
  }
  return std::sqrt(sum / static_cast<double>(ratings.size()));
}

struct Curve {
  std::vector<double> train, test, seconds;
};

// Epoch e visits the training ratings in the permutation drawn from stream
// 100 + e: the same orders for every variant.
Curve Train(Variant& v, const Problem& problem, const Options& o) {
  Curve c;
  c.train.push_back(Rmse(v, problem.train));
  c.test.push_back(Rmse(v, problem.test));
  c.seconds.push_back(0);
  const size_t n = problem.train.size();
  std::vector<uint32_t> order(n);
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    Rng rng(o.seed, 100 + static_cast<uint64_t>(epoch));
    for (uint32_t j = 0; j < n; ++j) order[j] = j;
    for (size_t j = n; j > 1; --j) std::swap(order[j - 1], order[rng.Below(j)]);
    const auto start = std::chrono::steady_clock::now();
    for (size_t begin = 0; begin < n; begin += kChunk) {
      v.Chunk(problem.train.data(), order.data() + begin, std::min(kChunk, n - begin));
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    c.seconds.push_back(took.count());
    c.train.push_back(Rmse(v, problem.train));
    c.test.push_back(Rmse(v, problem.test));
  }
  return c;
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  if (!CpuHasBf16()) {
    std::fprintf(stderr, "bf16_accuracy: this CPU lacks AVX-512 BF16\n");
    return 1;
  }
  absl::StatusOr<kernels::Kernel> kernel = kernels::SelectKernel("avx512");
  if (!kernel.ok()) kernel = kernels::SelectKernel("auto");

  const Problem problem = MakeProblem(o);
  double mean = 0;
  for (const Rating& r : problem.train) mean += r.value;
  mean /= static_cast<double>(problem.train.size());
  std::printf(
      "data=%s users=%u items=%u train=%zu test=%zu mean=%.3f k=%d lr=%g l2=%g "
      "fp32 kernel=%s\n",
      o.data.c_str(), problem.users, problem.items, problem.train.size(), problem.test.size(), mean,
      o.k, o.lr, o.l2, kernel->name.c_str());

  const FactorMatrix p = InitialFactors(problem.users, o.k, mean, o.seed, 1);
  const FactorMatrix q = InitialFactors(problem.items, o.k, mean, o.seed, 2);
  Fp32Variant fp32(p, q, o, *kernel);
  Bf16Variant<Format::kBf16Nearest> rne(p, q, o);
  Bf16Variant<Format::kBf16Stochastic> sr(p, q, o);
  Variant* const variants[] = {&fp32, &rne, &sr};
  std::vector<Curve> curves;
  for (Variant* v : variants) curves.push_back(Train(*v, problem, o));

  std::printf("\n| epoch |");
  for (Variant* v : variants) std::printf(" %s train | %s test |", v->name(), v->name());
  std::printf("\n|---|");
  for (size_t i = 0; i < std::size(variants); ++i) std::printf("---|---|");
  std::printf("\n");
  for (int e = 0; e <= o.epochs; ++e) {
    std::printf("| %d |", e);
    for (const Curve& c : curves) std::printf(" %.4f | %.4f |", c.train[e], c.test[e]);
    std::printf("\n");
  }
  std::printf("\nSGD seconds per epoch (median over epochs, one thread):");
  for (size_t i = 0; i < std::size(variants); ++i) {
    std::vector<double> s(curves[i].seconds.begin() + 1, curves[i].seconds.end());
    std::sort(s.begin(), s.end());
    std::printf(" %s %.3f", variants[i]->name(), s[s.size() / 2]);
  }
  std::printf("\n");
  return 0;
}

}  // namespace
}  // namespace hogmf::bf16

int main(int argc, char** argv) { return hogmf::bf16::Main(argc, argv); }
