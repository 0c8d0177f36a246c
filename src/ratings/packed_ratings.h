// PackedRatings: the training ratings in 8 bytes each instead of Rating's 12.
// A record keeps the user index whole and shares one 32-bit word between the
// item index (low bits: as many as the largest item index needs) and the
// index of the rating's value in a table of the data's distinct values (high
// bits; values are told apart by their bits, so any float comes back exactly).
// Every ratings set with few distinct values packs (stars, halves, 0-10);
// one with more values than the code bits or the table hold does not.
//
//   std::optional<PackedRatings> packed = PackedRatings::Pack(ratings, num_items);
//   if (packed.has_value()) {             // `ratings` is now empty
//     Rating buffer[256];
//     packed->Unpack(0, 256, buffer);     // the first 256 ratings, as they were
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "hogmf/ratings.h"

namespace hogmf {

// No default member values: a new array of them is not written (nor its
// pages touched) until it is filled.
struct PackedRating {
  uint32_t user;
  uint32_t item_code;  // item | value code << item_bits
};
static_assert(sizeof(PackedRating) == 8, "PackedRating must stay 8 bytes");

class PackedRatings {
 public:
  // At most this many distinct values (a table that stays in L1).
  static constexpr size_t kMaxValues = 4096;

  // The item bits of a data set with `num_items` items: at least 1.
  static int ItemBits(uint32_t num_items);

  // Packs `ratings` (every item < num_items) when its distinct values fit
  // the code bits and kMaxValues, releasing the 12-byte array's pages as the
  // records are written (so the two arrays are never both whole in memory);
  // `ratings` is then empty. Otherwise nullopt and `ratings` is unchanged.
  static std::optional<PackedRatings> Pack(std::vector<Rating>& ratings, uint32_t num_items);

  size_t size() const { return size_; }
  uint32_t item_mask() const { return item_mask_; }
  std::span<const float> values() const { return values_; }
  // The records, for in-place work that keeps each record whole.
  std::span<PackedRating> records() { return {records_.get(), size_}; }
  std::span<const PackedRating> records() const { return {records_.get(), size_}; }

  uint32_t item(const PackedRating& r) const { return r.item_code & item_mask_; }
  Rating Unpacked(const PackedRating& r) const {
    // 64-bit shift: with 32 item bits the code is 0.
    return Rating{r.user, r.item_code & item_mask_,
                  values_[static_cast<size_t>(uint64_t{r.item_code} >> item_bits_)]};
  }
  // Writes ratings [first, first + count) to out[0 .. count).
  void Unpack(size_t first, size_t count, Rating* out) const;
  // Calls visit(std::span<const Rating>) on all ratings in order, in pieces
  // of at most `piece` ratings unpacked into one buffer.
  template <typename Visit>
  void ForEachPiece(size_t piece, const Visit& visit) const {
    std::vector<Rating> buffer(std::min(piece, size_));
    for (size_t first = 0; first < size_; first += piece) {
      const size_t count = std::min(piece, size_ - first);
      Unpack(first, count, buffer.data());
      visit(std::span<const Rating>(buffer.data(), count));
    }
  }

  // Frees the records.
  void Clear();

 private:
  PackedRatings() = default;

  std::unique_ptr<PackedRating[]> records_;
  size_t size_ = 0;
  int item_bits_ = 1;
  uint32_t item_mask_ = 1;
  std::vector<float> values_;  // values_[code]
};

}  // namespace hogmf
