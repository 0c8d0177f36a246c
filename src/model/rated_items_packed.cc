// BuildConsuming from packed ratings: the index from records of 8 bytes, in
// their own memory.
//   1. Group the records by user in place (DistributeInPlace).
//   2. Per range of users, ranges in parallel: gather each user's items, sort
//      them (by marking bits when the item indices are narrow) and drop repeats, and store them as
//      4-byte items from the start of the range's records (they never reach past the user's own
//      records), adding up the bytes their encoding will take.
//   3. Reserve the index at its exact size and append the users' items,
//      dropping each range's pages once appended: the index costs no memory
//      beyond what the records took.
#include <algorithm>
#include <bit>
#include <cstring>

#include "model/rated_items_internal.h"
#include "ratings/arrange.h"
#include "util/check.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/varint.h"

namespace hogmf::internal {
namespace {

// User ranges of pass 2 (each range's scratch pages are dropped once pass 3
// has appended its users).
constexpr size_t kRanges = 1024;

// Items are sorted by marking bits in a bitmap over all items when it is at
// most this many words (item indices below 2^20) ...
constexpr size_t kMaxMarkWords = size_t{1} << 14;
// ... and reading it back costs at most this many words per item.
constexpr size_t kMarkWordsPerItem = 16;

// Sorts `items` and drops repeats: by marking bits in `marks` (all zero, and
// left so) when that is cheaper than sorting.
void SortDistinct(std::vector<uint32_t>& items, std::vector<uint64_t>& marks) {
  if (marks.empty() || marks.size() > kMarkWordsPerItem * items.size()) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    return;
  }
  for (const uint32_t item : items) marks[item >> 6] |= uint64_t{1} << (item & 63);
  size_t count = 0;
  for (size_t word = 0; word < marks.size(); ++word) {
    for (uint64_t bits = marks[word]; bits != 0; bits &= bits - 1) {
      items[count++] =
          static_cast<uint32_t>(word * 64 + static_cast<size_t>(std::countr_zero(bits)));
    }
    marks[word] = 0;
  }
  items.resize(count);
}

}  // namespace

RatedItems RatedItemsInternal::BuildConsuming(PackedRatings& ratings, uint32_t num_users) {
  const std::span<PackedRating> records = ratings.records();
  for (const PackedRating& r : records) HOGMF_CHECK(r.user < num_users);
  const std::vector<size_t> bounds =
      DistributeInPlace(records, std::max<size_t>(num_users, 1),
                        [](const PackedRating& r) -> size_t { return r.user; });

  // Pass 2 per range of users, in parallel: each range stores its users'
  // items at the start of its own records.
  auto* const scratch = reinterpret_cast<uint8_t*>(records.data());
  std::vector<uint32_t> counts(num_users, 0);
  const size_t ranges = std::min<size_t>(kRanges, std::max<uint32_t>(num_users, 1));
  std::vector<size_t> encoded(ranges, 0);
  const auto first_user = [&](size_t range) {
    return static_cast<uint32_t>(uint64_t{num_users} * range / ranges);
  };
  const size_t item_words = (size_t{ratings.item_mask()} >> 6) + 1;
  internal::ParallelFor(ranges, internal::Schedule::Exact(1), [&](size_t begin, size_t end) {
    std::vector<uint32_t> items;
    std::vector<uint64_t> marks(item_words <= kMaxMarkWords ? item_words : 0, 0);
    for (size_t range = begin; range != end; ++range) {
      uint8_t* out = scratch + bounds[first_user(range)] * sizeof(PackedRating);
      size_t range_bytes = 0;
      for (uint32_t u = first_user(range); u < first_user(range + 1); ++u) {
        items.resize(bounds[u + 1] - bounds[u]);
        for (size_t j = bounds[u]; j != bounds[u + 1]; ++j) {
          items[j - bounds[u]] = ratings.item(records[j]);
        }
        SortDistinct(items, marks);
        uint32_t previous = 0;
        for (const uint32_t item : items) {
          range_bytes += VarintSize(item - previous);
          previous = item;
        }
        std::memcpy(out, items.data(), items.size() * sizeof(uint32_t));
        out += items.size() * sizeof(uint32_t);
        counts[u] = static_cast<uint32_t>(items.size());
      }
      encoded[range] = range_bytes;
    }
  });

  // Pass 3, in user order.
  size_t total = 0;
  for (const size_t bytes : encoded) total += bytes;
  RatedItems rated;
  rated.Reserve(num_users, total);
  std::vector<uint32_t> items;
  for (size_t range = 0; range != ranges; ++range) {
    uint8_t* const start = scratch + bounds[first_user(range)] * sizeof(PackedRating);
    const uint8_t* at = start;
    for (uint32_t u = first_user(range); u < first_user(range + 1); ++u) {
      items.resize(counts[u]);
      std::memcpy(items.data(), at, items.size() * sizeof(uint32_t));
      at += items.size() * sizeof(uint32_t);
      rated.AppendUser(items);
    }
    DiscardScratchPages(start, scratch + bounds[first_user(range + 1)] * sizeof(PackedRating));
  }
  ratings.Clear();
  return rated;
}

}  // namespace hogmf::internal
