// Helpers shared by the fuzz targets: reading fuzz bytes as a ratings input
// (an in-memory InputStream) and the invariants every successful read keeps.
// A broken invariant aborts, which libFuzzer reports as a crash.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "formats/readers.h"
#include "hogmf/input.h"
#include "hogmf/ratings.h"
#include "util/input_stream.h"

namespace hogmf::fuzz {

// Aborts with a message when `condition` fails.
#define HOGMF_FUZZ_ASSERT(condition)                                                              \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

// The block size of the second read of every input: small, so that records
// cross block boundaries (InputStream's minimum is 16).
inline constexpr size_t kSmallBlock = 16;

// ReadRatingsFrom over `bytes` held in memory under the name "fuzz-input".
inline absl::StatusOr<ReadResult> ReadBytes(std::string_view bytes, const ReadOptions& options,
                                            size_t block_size = size_t{8} << 20) {
  internal::InputStream::Options stream_options;
  stream_options.block_size = block_size;
  absl::StatusOr<std::unique_ptr<internal::InputStream>> in =
      internal::InputStream::FromBytes("fuzz-input", bytes, stream_options);
  if (!in.ok()) return in.status();
  return formats::ReadRatingsFrom(**in, options);
}

// A successful read: every entry inside the id maps with a finite value, and
// each string map's names find their own index.
inline void CheckRatings(const Ratings& ratings) {
  HOGMF_FUZZ_ASSERT(ratings.entries().size() == ratings.size());
  for (const Rating& r : ratings.entries()) {
    HOGMF_FUZZ_ASSERT(r.user < ratings.num_users());
    HOGMF_FUZZ_ASSERT(r.item < ratings.num_items());
    HOGMF_FUZZ_ASSERT(std::isfinite(r.value));
  }
  for (const IdMap* map : {&ratings.users(), &ratings.items()}) {
    if (map->is_identity()) continue;
    HOGMF_FUZZ_ASSERT(map->names().size() == map->size());
    for (uint32_t i = 0; i < map->size(); ++i) {
      HOGMF_FUZZ_ASSERT(map->Find(map->names()[i]) == i);
    }
  }
}

// Two reads of the same input agree: both fail with the same code, or both
// succeed with the same entries and map sizes.
inline void CheckSameResult(const absl::StatusOr<ReadResult>& a,
                            const absl::StatusOr<ReadResult>& b) {
  if (!a.ok() || !b.ok()) {
    if (a.status().code() != b.status().code()) {
      std::fprintf(stderr, "the two reads differ:\n  %s\n  %s\n", a.status().ToString().c_str(),
                   b.status().ToString().c_str());
      std::abort();
    }
    return;
  }
  HOGMF_FUZZ_ASSERT(a->format == b->format);
  const Ratings& x = a->ratings;
  const Ratings& y = b->ratings;
  HOGMF_FUZZ_ASSERT(x.size() == y.size());
  HOGMF_FUZZ_ASSERT(x.num_users() == y.num_users());
  HOGMF_FUZZ_ASSERT(x.num_items() == y.num_items());
  for (size_t j = 0; j < x.size(); ++j) {
    const Rating& r = x.entries()[j];
    const Rating& s = y.entries()[j];
    HOGMF_FUZZ_ASSERT(r.user == s.user && r.item == s.item);
    HOGMF_FUZZ_ASSERT(r.value == s.value);
  }
  HOGMF_FUZZ_ASSERT(x.users().names() == y.users().names());
  HOGMF_FUZZ_ASSERT(x.items().names() == y.items().names());
}

// Reads `bytes` twice (default and small blocks), checks the invariants and
// that both reads agree; returns the first read. Format::kAuto sniffs only
// the first block (InputStream::Head), so with kAuto the small-block read
// names the format the first read found, and is skipped when that failed.
inline absl::StatusOr<ReadResult> ReadAndCheck(std::string_view bytes, const ReadOptions& options) {
  absl::StatusOr<ReadResult> whole = ReadBytes(bytes, options);
  if (whole.ok()) CheckRatings(whole->ratings);
  if (options.format == Format::kAuto && !whole.ok()) return whole;
  ReadOptions named = options;
  if (whole.ok()) named.format = whole->format;
  CheckSameResult(whole, ReadBytes(bytes, named, kSmallBlock));
  return whole;
}

}  // namespace hogmf::fuzz
