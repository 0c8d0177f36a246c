// PackedRatings: the value table, the forward pack that releases the 12-byte
// array behind it, and unpacking.
#include "ratings/packed_ratings.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "util/check.h"
#include "util/file.h"

namespace hogmf {
namespace {

static_assert(std::endian::native == std::endian::little, "Unpack reads records as words");
static_assert(offsetof(Rating, user) == 0 && offsetof(Rating, item) == 4 &&
                  offsetof(PackedRating, user) == 0 && offsetof(PackedRating, item_code) == 4,
              "Unpack copies a record's first word into the rating's first 8 bytes");

// Ratings packed between two releases of the 12-byte array's pages.
constexpr size_t kPackPiece = size_t{1} << 16;
// At least the largest page size.
constexpr size_t kReleaseOverlap = size_t{1} << 16;

// The code cache of Pack: 2^kCacheBits entries.
constexpr int kCacheBits = 10;
constexpr size_t kCacheSize = size_t{1} << kCacheBits;
constexpr uint32_t kNoCode = 0xFFFFFFFFu;

uint32_t BitsOf(float value) { return std::bit_cast<uint32_t>(value); }

}  // namespace

int PackedRatings::ItemBits(uint32_t num_items) {
  return std::max(1, static_cast<int>(std::bit_width(num_items > 0 ? num_items - 1 : 0u)));
}

std::optional<PackedRatings> PackedRatings::Pack(std::vector<Rating>& ratings, uint32_t num_items) {
  const int item_bits = ItemBits(num_items);
  const size_t codes = item_bits >= 32 ? 1 : size_t{1} << (32 - item_bits);
  const size_t limit = std::min(kMaxValues, codes);
  // The table, codes in the order values first appear.
  absl::flat_hash_map<uint32_t, uint32_t> code_of;
  std::vector<float> values;
  for (const Rating& r : ratings) {
    HOGMF_CHECK(r.item < num_items);
    const auto [it, added] =
        code_of.try_emplace(BitsOf(r.value), static_cast<uint32_t>(values.size()));
    if (!added) continue;
    if (values.size() == limit) return std::nullopt;
    values.push_back(r.value);
  }

  PackedRatings packed;
  packed.size_ = ratings.size();
  packed.item_bits_ = item_bits;
  packed.item_mask_ = item_bits >= 32 ? 0xFFFFFFFFu : (uint32_t{1} << item_bits) - 1;
  packed.values_ = std::move(values);
  // Default-initialised: no page is touched before its records are written.
  packed.records_.reset(new PackedRating[packed.size_]);
  auto* const bytes = reinterpret_cast<uint8_t*>(ratings.data());
  // A direct-mapped cache of the table in front of the map (a probe of the
  // map per rating would cost more than the rest of the pass).
  struct CacheEntry {
    uint32_t bits;
    uint32_t code;
  };
  std::vector<CacheEntry> cache(kCacheSize, CacheEntry{0, kNoCode});
  for (size_t first = 0; first < packed.size_; first += kPackPiece) {
    const size_t end = std::min(packed.size_, first + kPackPiece);
    for (size_t j = first; j != end; ++j) {
      const Rating& r = ratings[j];
      const uint32_t bits = BitsOf(r.value);
      CacheEntry& entry = cache[(bits * 0x9E3779B1u) >> (32 - kCacheBits)];
      if (entry.code == kNoCode || entry.bits != bits) entry = {bits, code_of.find(bits)->second};
      packed.records_[j] =
          PackedRating{r.user, r.item | static_cast<uint32_t>(uint64_t{entry.code} << item_bits)};
    }
    // From a little before this piece, so that the page it shares with the
    // piece before goes too (DiscardScratchPages keeps partial pages).
    const size_t from = first * sizeof(Rating);
    internal::DiscardScratchPages(bytes + (from > kReleaseOverlap ? from - kReleaseOverlap : 0),
                                  bytes + end * sizeof(Rating));
  }
  ratings = std::vector<Rating>();
  return packed;
}

void PackedRatings::Unpack(size_t first, size_t count, Rating* out) const {
  HOGMF_CHECK(first <= size_ && count <= size_ - first);
  const PackedRating* const in = records_.get() + first;
  if (item_bits_ >= 32) {
    for (size_t j = 0; j != count; ++j) out[j] = Unpacked(in[j]);
    return;
  }
  // A record read as one little-endian word is user | item_code << 32: the
  // rating's first 8 bytes are that word with the code masked off, and the
  // code is the word's top bits. (Locals, so that the stores to `out` need
  // no reload of the layout.)
  const float* const values = values_.data();
  const uint64_t keep = 0xFFFFFFFFull | uint64_t{item_mask_} << 32;
  const int shift = 32 + item_bits_;
  auto* const bytes = reinterpret_cast<uint8_t*>(out);
  for (size_t j = 0; j != count; ++j) {
    uint64_t word;
    std::memcpy(&word, in + j, sizeof(word));
    const uint64_t user_item = word & keep;
    std::memcpy(bytes + j * sizeof(Rating), &user_item, sizeof(user_item));
    std::memcpy(bytes + j * sizeof(Rating) + offsetof(Rating, value), values + (word >> shift),
                sizeof(float));
  }
}

void PackedRatings::Clear() {
  records_.reset();
  size_ = 0;
}

}  // namespace hogmf
