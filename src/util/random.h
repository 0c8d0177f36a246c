// Random numbers with a fixed, portable definition (the standard library's
// distributions differ between implementations): xoshiro256++ seeded through
// splitmix64, with the conversions hogmf needs, and the one Fisher-Yates
// shuffle. Same seed, same stream, on every platform.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace hogmf::internal {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  // `stream` separates independent streams from one seed (per thread, per purpose).
  explicit Rng(uint64_t seed, uint64_t stream = 0) {
    uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (uint64_t& word : s_) word = SplitMix64(s);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // The generator's whole state, to save and restore a stream exactly
  // (training checkpoints).
  using State = std::array<uint64_t, 4>;
  State state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const State& state) {
    for (size_t i = 0; i < 4; ++i) s_[i] = state[i];
  }

  // Uniform in [0, n), n >= 1 (Lemire's multiply-shift; bias < n / 2^64).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [0, 1) with 24 random bits.
  float UniformFloat() { return static_cast<float>(Next() >> 40) * 0x1.0p-24f; }
  // Uniform in [0, 1) with 53 random bits.
  double UniformDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Standard normal (Box-Muller; one value per call).
  double Normal() {
    double u1 = UniformDouble();
    const double u2 = UniformDouble();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// A uniformly random permutation: for i = n, n - 1, ..., 2, values[i - 1]
// swaps with values[rng.Below(i)]. On arrays far larger than the caches it
// runs at memory speed: the swaps are independent, so the processor overlaps
// their cache misses (a bucketed shuffle was tried and dropped:
// docs/performance.md). The random targets are drawn kShuffleAhead swaps early,
// in the same order, and prefetched, so the permutation is the same as without.
inline constexpr size_t kShuffleAhead = 8;

template <typename T>
void FisherYates(std::span<T> values, Rng& rng) {
  const size_t n = values.size();
  if (n < 2) return;
  const size_t swaps = n - 1;  // swap s exchanges values[n - 1 - s] and values[Below(n - s)]
  size_t target[kShuffleAhead];
  const size_t drawn_first = std::min(kShuffleAhead, swaps);
  for (size_t s = 0; s < drawn_first; ++s) {
    target[s] = rng.Below(n - s);
    __builtin_prefetch(values.data() + target[s], 1);
  }
  for (size_t s = 0; s < swaps; ++s) {
    const size_t j = target[s % kShuffleAhead];
    if (s + kShuffleAhead < swaps) {
      const size_t later = rng.Below(n - s - kShuffleAhead);
      target[s % kShuffleAhead] = later;
      __builtin_prefetch(values.data() + later, 1);
    }
    std::swap(values[n - 1 - s], values[j]);
  }
}

}  // namespace hogmf::internal
