// RatedItems: building the varint index in the memory of the ratings it
// indexes, appending users one by one (model loading), and decoding.
//
// The engine's build (internal::RatedItemsInternal::BuildConsuming, which
// Build runs on a copy) needs no memory per rating beyond the index: it reuses the
// ratings' 12 bytes each (n ratings, bytes [0, 12n)) as scratch space.
//   1. Compact each rating to a (user, item) pair in place: the pairs fill
//      bytes [0, 8n), and [8n, 12n) is free.
//   2. Move the first half of the pairs into the free bytes, grouped by coarse
//      user range (a counting sort: one sequential write stream per range).
//   3. Move the second half into the bytes the first half left, grouped too.
//      Bytes [4n, 8n) are then free: 4 per rating, a share for each range.
//   4. Per coarse range, in parallel (its pairs fit in cache): sort each
//      user's items, drop repeats, and encode them into the range's share of
//      the free bytes (or, in the rare case that they take more than 4 bytes
//      per rating, into a vector of the range's own). Items are sorted by
//      marking bits in a bitmap per user when the item indices are narrow
//      enough for a block of users' bitmaps to fit in cache; otherwise each
//      user's items are gathered into a run in the range's share and sorted.
//   5. Pack the ranges' encodings to the start of the scratch bytes and drop
//      the other scratch pages from memory, then allocate the index at its
//      exact size and copy them in: the index costs no memory beyond what the
//      ratings took.
// Every pass runs on the TBB threads of the calling arena. The scratch bytes
// are read and written with memcpy only.
#include "hogmf/rated_items.h"

#include <tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>

#include "model/rated_items_internal.h"
#include "util/check.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/varint.h"

namespace hogmf {
namespace {

static_assert(offsetof(Rating, user) == 0 && offsetof(Rating, item) == 4,
              "BuildConsuming compacts a rating to its first 8 bytes");

using internal::kMaxVarint32Bytes;
using internal::PutVarint;

// Calls emit(item) for each item of one user's encoding [at, end): varint
// differences, the first item as it is.
template <typename Emit>
void DecodeItems(const uint8_t* at, const uint8_t* end, const Emit& emit) {
  uint32_t item = 0;
  uint64_t delta = 0;
  while (at < end) {
    HOGMF_CHECK(internal::GetVarint(at, end, &delta));
    item += static_cast<uint32_t>(delta);
    emit(item);
  }
}

// A (user, item) pair in the scratch bytes.
struct Pair {
  uint32_t user;
  uint32_t item;
};
constexpr size_t kPairBytes = sizeof(Pair);
static_assert(kPairBytes == 8);

Pair LoadPair(const uint8_t* at) {
  Pair pair;
  std::memcpy(&pair, at, kPairBytes);
  return pair;
}
void StorePair(uint8_t* at, Pair pair) { std::memcpy(at, &pair, kPairBytes); }
void StoreItem(uint8_t* at, uint32_t item) { std::memcpy(at, &item, sizeof(item)); }

// At most this many coarse user ranges, so that the write streams of passes
// 2 and 3 (a cache line each) stay in cache.
constexpr size_t kMaxRanges = 4096;
// Pass 1 compacts ratings in pieces of this many; a slice of passes 2 and 3
// holds at least this many pairs.
constexpr size_t kPiece = size_t{1} << 16;
// Bitmaps of a block of users take at most this many bytes per thread; they
// are used when that is room for at least kMinBlockUsers users (so only for
// items below 2^19).
constexpr size_t kMarkBlockBytes = size_t{1} << 20;
constexpr size_t kMinBlockUsers = 16;

// Runs body(begin, end) over [0, n) cut into at most four parts per thread
// of the calling arena (few, so that a part's scratch is made rarely).
template <typename Body>
void ForEachPart(size_t n, const Body& body) {
  const size_t parts =
      std::min(n, 4 * static_cast<size_t>(tbb::this_task_arena::max_concurrency()));
  internal::ParallelFor(parts, internal::Schedule::Exact(1), [&](size_t begin, size_t end) {
    for (size_t p = begin; p != end; ++p) body(n * p / parts, n * (p + 1) / parts);
  });
}

// Sorting by marking bits: for each of `rows` users a bit per item of
// [0, max_item], and a summary bit per word of them, so that reading a row
// back skips empty words 64 at a time: O(items + max_item / 4096) per row.
class Marks {
 public:
  Marks(size_t rows, uint32_t max_item)
      : row_words_((max_item >> 6) + 1),
        row_summary_((row_words_ + 63) / 64),
        words_(rows * row_words_, 0),
        summary_(rows * row_summary_, 0) {}

  // Bytes per row.
  static size_t RowBytes(uint32_t max_item) {
    const size_t words = (static_cast<size_t>(max_item) >> 6) + 1;
    return (words + (words + 63) / 64) * sizeof(uint64_t);
  }
  // Whether reading back a row beats sorting for `count` items.
  bool Cheaper(size_t count) const { return row_summary_ <= 4 * count; }

  void Mark(size_t row, uint32_t item) {
    words_[row * row_words_ + (item >> 6)] |= uint64_t{1} << (item & 63);
    summary_[row * row_summary_ + (item >> 12)] |= uint64_t{1} << ((item >> 6) & 63);
  }

  // Calls emit(item) for each item marked in `row`, in increasing order, and
  // clears the row.
  template <typename Emit>
  void Drain(size_t row, const Emit& emit) {
    uint64_t* const words = &words_[row * row_words_];
    uint64_t* const summary = &summary_[row * row_summary_];
    const uint32_t summary_words = row_summary_;
    for (size_t s = 0; s < summary_words; ++s) {
      for (uint64_t used = summary[s]; used != 0; used &= used - 1) {
        const size_t w = s * 64 + static_cast<size_t>(std::countr_zero(used));
        for (uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
          emit(static_cast<uint32_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits))));
        }
        words[w] = 0;
      }
      summary[s] = 0;
    }
  }

 private:
  // 32-bit, so that stores to the bitmaps do not alias them.
  uint32_t row_words_;
  uint32_t row_summary_;
  std::vector<uint64_t> words_;
  std::vector<uint64_t> summary_;
};

// One BuildConsuming: the layout of the scratch bytes and the passes over them.
class ScratchBuild {
 public:
  ScratchBuild(std::span<Rating> ratings, uint32_t num_users)
      : ratings_(ratings),
        n_(ratings.size()),
        num_users_(num_users),
        base_(reinterpret_cast<uint8_t*>(ratings.data())),
        half_(n_ / 2),
        second_(n_ - half_),
        has_spare_(second_ != half_),
        slices_(std::clamp<size_t>(half_ / kPiece, 1,
                                   static_cast<size_t>(tbb::this_task_arena::max_concurrency()))) {
    while (((num_users_ - 1) >> shift_) >= kMaxRanges) ++shift_;
    num_ranges_ = ((num_users_ - 1) >> shift_) + 1;
    if (has_spare_) spare_ = {ratings[half_].user, ratings[half_].item};
  }

  // Pass 1. Rating j becomes a pair at byte 8j. A block of ratings [j, j + c)
  // with c <= j / 2 writes only below the bytes it reads, so blocks growing by
  // half are compacted in parallel one after another (the first serially).
  void Compact() {
    // The hot loops copy members to locals: their stores through memcpy may
    // alias anything, which would make the compiler reload members.
    const Rating* const ratings = ratings_.data();
    uint8_t* const base = base_;
    const uint32_t num_users = num_users_;
    const auto compact = [ratings, base, num_users](size_t begin, size_t end) {
      uint32_t largest = 0;
      for (size_t j = begin; j < end; ++j) {
        const Rating r = ratings[j];
        HOGMF_CHECK(r.user < num_users);
        largest = std::max(largest, r.item);
        StorePair(base + j * kPairBytes, {r.user, r.item});
      }
      return largest;
    };
    size_t done = std::min(n_, kPiece);
    max_item_ = compact(0, done);
    std::vector<uint32_t> largest;
    while (done < n_) {
      const size_t block = std::min(n_ - done, done / 2);
      largest.assign((block + kPiece - 1) / kPiece, 0);
      ForEachPart(largest.size(), [&](size_t first, size_t last) {
        for (size_t p = first; p != last; ++p) {
          const size_t begin = done + p * kPiece;
          largest[p] = compact(begin, std::min(begin + kPiece, done + block));
        }
      });
      for (uint32_t item : largest) max_item_ = std::max(max_item_, item);
      done += block;
    }
  }

  // Passes 2 and 3: pairs [0, h) to [8n, 8n + 8h), pairs [n - h, n) to
  // [0, 8h), each grouped by range. With n odd, pair h is the spare.
  void Group() {
    Distribute(0, 0, base_ + n_ * kPairBytes);
    Distribute(1, second_, base_);
    halves_[0] = base_ + n_ * kPairBytes;
    halves_[1] = base_;
    share_.assign(num_ranges_ + 1, 0);
    for (size_t r = 0; r <= num_ranges_; ++r) {
      share_[r] =
          starts_[0][r] + starts_[1][r] + (has_spare_ && (spare_.user >> shift_) < r ? 1 : 0);
    }
  }

  // Pass 4: the encoding of every range; the size of user u's into
  // sizes[u + 1]. Returns the number of distinct items.
  uint64_t EncodeRanges(std::vector<size_t>& sizes) {
    spills_.assign(num_ranges_, {});
    std::vector<uint64_t> entries(num_ranges_, 0);
    const size_t row_bytes = Marks::RowBytes(max_item_);
    const bool by_marks = kMarkBlockBytes / row_bytes >= kMinBlockUsers;
    const size_t block_users = std::min(kMarkBlockBytes / row_bytes, size_t{1} << shift_);
    ForEachPart(num_ranges_, [&](size_t first, size_t last) {
      if (by_marks) {
        Marks marks(block_users, max_item_);
        for (size_t r = first; r != last; ++r) {
          entries[r] = EncodeByMarks(r, marks, block_users, sizes);
        }
      } else {
        Marks marks(row_bytes <= kMarkBlockBytes ? 1 : 0, max_item_);
        for (size_t r = first; r != last; ++r) {
          entries[r] = EncodeBySorting(r, row_bytes <= kMarkBlockBytes ? &marks : nullptr, sizes);
        }
      }
    });
    uint64_t total = 0;
    for (uint64_t count : entries) total += count;
    return total;
  }

  // Pass 5, first half: every range's encoding, in order, to the start of
  // the scratch bytes at the users' `offsets`, the rest of which is dropped
  // from memory. Returns the packed bytes. A range's encoding takes at most 5
  // bytes per pair of the ranges up to it, which ends below the share of the
  // next range (at 4n + 4 bytes per pair before it), so packing in order
  // overwrites only bytes already packed.
  const uint8_t* Pack(const std::vector<size_t>& offsets) {
    for (size_t r = 0; r < num_ranges_; ++r) {
      const size_t begin = offsets[FirstUser(r)];
      const size_t size = offsets[EndUser(r)] - begin;
      const uint8_t* from = spills_[r].empty() ? Share(r) : spills_[r].data();
      if (size > 0) std::memmove(base_ + begin, from, size);
      std::vector<uint8_t>().swap(spills_[r]);
    }
    internal::DiscardScratchPages(base_ + offsets[num_users_], base_ + n_ * sizeof(Rating));
    return base_;
  }

 private:
  uint32_t FirstUser(size_t r) const { return static_cast<uint32_t>(r << shift_); }
  uint32_t EndUser(size_t r) const {
    return static_cast<uint32_t>(std::min<size_t>((r + 1) << shift_, num_users_));
  }
  // Range r's share of the free bytes [4n, 8n): 4 bytes per pair of the range.
  uint8_t* Share(size_t r) const { return base_ + (n_ + share_[r]) * sizeof(uint32_t); }
  size_t ShareBytes(size_t r) const { return (share_[r + 1] - share_[r]) * sizeof(uint32_t); }

  template <typename Visit>
  void ForEachPair(size_t r, const Visit& visit) const {
    for (int half = 0; half < 2; ++half) {
      const uint8_t* const begin = halves_[half] + starts_[half][r] * kPairBytes;
      const uint8_t* const end = halves_[half] + starts_[half][r + 1] * kPairBytes;
      for (const uint8_t* at = begin; at != end; at += kPairBytes) visit(LoadPair(at));
    }
    if (has_spare_ && (spare_.user >> shift_) == r) visit(spare_);
  }

  size_t SliceBegin(size_t s) const { return half_ * s / slices_; }

  // A counting sort of pairs [from, from + h) by range into `to`, slices in parallel.
  void Distribute(int half, size_t from, uint8_t* to) {
    std::vector<size_t> cursors(slices_ * num_ranges_, 0);  // [s * num_ranges + r]
    const int shift = shift_;
    const auto each_slice = [&](const auto& visit) {
      ForEachPart(slices_, [&](size_t first, size_t last) {
        for (size_t s = first; s != last; ++s) {
          size_t* const cursor = &cursors[s * num_ranges_];
          const uint8_t* const begin = base_ + (from + SliceBegin(s)) * kPairBytes;
          const uint8_t* const end = base_ + (from + SliceBegin(s + 1)) * kPairBytes;
          for (const uint8_t* at = begin; at != end; at += kPairBytes) visit(LoadPair(at), cursor);
        }
      });
    };
    each_slice([shift](Pair pair, size_t* cursor) { ++cursor[pair.user >> shift]; });
    std::vector<size_t>& start = starts_[half];
    start.assign(num_ranges_ + 1, 0);
    size_t position = 0;
    for (size_t r = 0; r < num_ranges_; ++r) {
      start[r] = position;
      for (size_t s = 0; s < slices_; ++s) {
        const size_t count = cursors[s * num_ranges_ + r];
        cursors[s * num_ranges_ + r] = position;
        position += count;
      }
    }
    start[num_ranges_] = position;
    each_slice([shift, to](Pair pair, size_t* cursor) {
      StorePair(to + cursor[pair.user >> shift]++ * kPairBytes, pair);
    });
  }

  // Range r with a bitmap per user, `block_users` users at a time.
  uint64_t EncodeByMarks(size_t r, Marks& marks, size_t block_users, std::vector<size_t>& sizes) {
    // Items below 2^21 take at most 3 bytes, so the encoding fits in the share.
    HOGMF_CHECK(max_item_ < (1u << 21));
    uint8_t* out = Share(r);
    uint64_t distinct = 0;
    for (uint32_t first = FirstUser(r); first < EndUser(r); first += block_users) {
      const uint32_t end = static_cast<uint32_t>(std::min<size_t>(first + block_users, EndUser(r)));
      if (first == FirstUser(r) && end == EndUser(r)) {
        ForEachPair(r, [&marks, first](Pair pair) { marks.Mark(pair.user - first, pair.item); });
      } else {
        ForEachPair(r, [&marks, first, end](Pair pair) {
          if (pair.user >= first && pair.user < end) marks.Mark(pair.user - first, pair.item);
        });
      }
      for (uint32_t u = first; u < end; ++u) {
        uint8_t* const start = out;
        uint32_t previous = 0;
        marks.Drain(u - first, [&](uint32_t item) {
          out = PutVarint(item - previous, out);
          previous = item;
          ++distinct;
        });
        sizes[u + 1] = static_cast<size_t>(out - start);
      }
    }
    return distinct;
  }

  // Range r by sorting: each user's items gathered into a run in the range's
  // share, sorted (by a row of `marks`, if given, when that is cheaper) and
  // encoded over the start of the run when the encoding fits in it (4 bytes
  // per rating); then the encodings are packed to the start of the share, or,
  // when one did not fit, written to the range's spill.
  uint64_t EncodeBySorting(size_t r, Marks* marks, std::vector<size_t>& sizes) {
    const uint32_t first = FirstUser(r);
    const uint32_t end = EndUser(r);
    uint8_t* const share = Share(r);
    std::vector<size_t> run(end - first + 1, 0);  // run[u - first]: where user u's run starts
    ForEachPair(r, [&](Pair pair) { ++run[pair.user - first + 1]; });
    for (size_t k = 0; k + 1 < run.size(); ++k) run[k + 1] += run[k];
    std::vector<size_t> next(run.begin(), run.end() - 1);
    ForEachPair(r, [&](Pair pair) {
      StoreItem(share + next[pair.user - first]++ * sizeof(uint32_t), pair.item);
    });
    const auto run_start = [&](uint32_t u) { return share + run[u - first] * sizeof(uint32_t); };
    const auto run_count = [&](uint32_t u) { return run[u - first + 1] - run[u - first]; };
    const auto fits = [&](uint32_t u) { return sizes[u + 1] <= run_count(u) * sizeof(uint32_t); };
    std::vector<uint32_t> items;
    std::vector<uint8_t> encoded;
    // The encoding of user u's distinct items into `encoded`; returns their number.
    const auto encode = [&](uint32_t u) {
      items.resize(run_count(u));
      std::memcpy(items.data(), run_start(u), items.size() * sizeof(uint32_t));
      encoded.resize(items.size() * kMaxVarint32Bytes);
      uint8_t* at = encoded.data();
      uint32_t previous = 0;
      size_t kept = 0;
      const auto keep = [&](uint32_t item) {
        at = PutVarint(item - previous, at);
        previous = item;
        ++kept;
      };
      if (marks != nullptr && marks->Cheaper(items.size())) {
        for (uint32_t item : items) marks->Mark(0, item);
        marks->Drain(0, keep);
      } else {
        std::sort(items.begin(), items.end());
        for (size_t k = 0; k < items.size(); ++k) {
          if (k == 0 || items[k] != items[k - 1]) keep(items[k]);
        }
      }
      encoded.resize(static_cast<size_t>(at - encoded.data()));
      return kept;
    };
    uint64_t distinct = 0;
    bool all_fit = true;
    for (uint32_t u = first; u < end; ++u) {
      if (run_count(u) == 0) continue;  // sizes[u + 1] stays 0
      distinct += encode(u);
      sizes[u + 1] = encoded.size();
      if (fits(u)) {
        std::memcpy(run_start(u), encoded.data(), encoded.size());
      } else {
        all_fit = false;
      }
    }
    // Each run begins after the encodings of the users before it, which fit
    // in their runs, so packing moves bytes only down.
    uint8_t* packed = share;
    std::vector<uint8_t>& spill = spills_[r];
    for (uint32_t u = first; u < end; ++u) {
      const size_t bytes = sizes[u + 1];
      if (all_fit) {
        std::memmove(packed, run_start(u), bytes);
        packed += bytes;
      } else if (fits(u)) {
        spill.insert(spill.end(), run_start(u), run_start(u) + bytes);
      } else {
        encode(u);  // the run still holds the user's items
        spill.insert(spill.end(), encoded.begin(), encoded.end());
      }
    }
    return distinct;
  }

  std::span<Rating> ratings_;
  size_t n_;
  uint32_t num_users_;
  uint8_t* base_;
  size_t half_;    // pairs per half
  size_t second_;  // the first pair of the second half
  bool has_spare_;
  Pair spare_{0, 0};
  size_t slices_;
  int shift_ = 0;  // range r holds users [r << shift, (r + 1) << shift)
  size_t num_ranges_ = 0;
  uint32_t max_item_ = 0;
  std::vector<size_t> starts_[2];  // where range r begins in each grouped half
  const uint8_t* halves_[2] = {nullptr, nullptr};
  std::vector<size_t> share_;  // the pairs of the ranges before r: where r's share begins
  std::vector<std::vector<uint8_t>> spills_;
};

}  // namespace

RatedItems RatedItems::Build(std::span<const Rating> ratings, uint32_t num_users) {
  std::vector<Rating> copy(ratings.begin(), ratings.end());
  return internal::RatedItemsInternal::BuildConsuming(copy, num_users);
}

RatedItems internal::RatedItemsInternal::BuildConsuming(std::span<Rating> ratings,
                                                        uint32_t num_users) {
  RatedItems index;
  if (num_users == 0) {
    HOGMF_CHECK(ratings.empty());
    return index;
  }
  ScratchBuild build(ratings, num_users);
  build.Compact();
  build.Group();
  index.offsets_.assign(static_cast<size_t>(num_users) + 1, 0);
  index.num_entries_ = build.EncodeRanges(index.offsets_);
  for (uint32_t u = 0; u < num_users; ++u) index.offsets_[u + 1] += index.offsets_[u];
  const uint8_t* const packed = build.Pack(index.offsets_);
  index.bytes_.assign(packed, packed + index.offsets_[num_users]);
  return index;
}

void RatedItems::AppendUser(std::span<const uint32_t> items) {
  if (offsets_.empty()) offsets_.push_back(0);
  HOGMF_CHECK(offsets_.size() - 1 < UINT32_MAX);
  uint8_t encoded[kMaxVarint32Bytes];
  uint32_t previous = 0;
  for (size_t j = 0; j < items.size(); ++j) {
    HOGMF_CHECK(j == 0 || items[j] > previous);
    uint8_t* const end = PutVarint(items[j] - previous, encoded);
    bytes_.insert(bytes_.end(), encoded, end);
    previous = items[j];
  }
  num_entries_ += items.size();
  offsets_.push_back(bytes_.size());
}

void RatedItems::Reserve(uint32_t users, size_t bytes) {
  offsets_.reserve(static_cast<size_t>(users) + 1);
  bytes_.reserve(bytes);
}

std::vector<uint32_t> RatedItems::Decode(uint32_t user) const {
  std::vector<uint32_t> items;
  Decode(user, &items);
  return items;
}

void RatedItems::ForEachItem(uint32_t user, absl::FunctionRef<void(uint32_t)> visit) const {
  if (user >= num_users()) return;
  DecodeItems(bytes_.data() + offsets_[user], bytes_.data() + offsets_[user + 1], visit);
}

void RatedItems::Decode(uint32_t user, std::vector<uint32_t>* items) const {
  items->clear();
  if (user >= num_users()) return;
  DecodeItems(bytes_.data() + offsets_[user], bytes_.data() + offsets_[user + 1],
              [items](uint32_t item) { items->push_back(item); });
}

}  // namespace hogmf
