// Tests of PackedRatings: ratings come back exactly as they went in (any
// float value, the order kept), the 12-byte array is released, and data
// whose values do not fit the table or the bits the items leave is refused.
#include "ratings/packed_ratings.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "util/random.h"

namespace hogmf {
namespace {

bool SameRating(const Rating& a, const Rating& b) {
  return a.user == b.user && a.item == b.item &&
         std::bit_cast<uint32_t>(a.value) == std::bit_cast<uint32_t>(b.value);
}

std::vector<Rating> Stars(size_t n, uint32_t users, uint32_t items, uint64_t seed) {
  internal::Rng rng(seed, 0);
  std::vector<Rating> ratings(n);
  for (Rating& r : ratings) {
    r.user = static_cast<uint32_t>(rng.Below(users));
    r.item = static_cast<uint32_t>(rng.Below(items));
    r.value = 0.5f * static_cast<float>(1 + rng.Below(10));
  }
  return ratings;
}

TEST(PackedRatingsTest, ItemBitsCoverTheLargestItem) {
  EXPECT_EQ(PackedRatings::ItemBits(0), 1);
  EXPECT_EQ(PackedRatings::ItemBits(1), 1);
  EXPECT_EQ(PackedRatings::ItemBits(2), 1);
  EXPECT_EQ(PackedRatings::ItemBits(3), 2);
  EXPECT_EQ(PackedRatings::ItemBits(17770), 15);
  EXPECT_EQ(PackedRatings::ItemBits(32768), 15);
  EXPECT_EQ(PackedRatings::ItemBits(32769), 16);
  EXPECT_EQ(PackedRatings::ItemBits(0xFFFFFFFFu), 32);
}

TEST(PackedRatingsTest, UnpacksEveryRatingAsItWasInOrder) {
  // More than one piece of the pack's loop, ids at the edges of their bits.
  std::vector<Rating> ratings = Stars(200000, 480189, 17770, 1);
  ratings[0] = {0, 0, 1.0f};
  ratings[1] = {480188, 17769, 5.0f};
  // Values told apart by their bits: -0 and 0, a NaN, the extremes.
  ratings[2].value = -0.0f;
  ratings[3].value = 0.0f;
  ratings[4].value = std::numeric_limits<float>::quiet_NaN();
  ratings[5].value = std::numeric_limits<float>::max();
  ratings[6].value = std::numeric_limits<float>::denorm_min();
  ratings[7].value = 3.14159f;
  const std::vector<Rating> original = ratings;
  std::optional<PackedRatings> packed = PackedRatings::Pack(ratings, 17770);
  ASSERT_TRUE(packed.has_value());
  EXPECT_TRUE(ratings.empty());
  ASSERT_EQ(packed->size(), original.size());
  EXPECT_EQ(packed->values().size(), 16u);
  EXPECT_EQ(packed->item_mask(), 0x7FFFu);
  std::vector<Rating> unpacked(original.size());
  packed->Unpack(0, unpacked.size(), unpacked.data());
  for (size_t j = 0; j < original.size(); ++j) {
    ASSERT_TRUE(SameRating(unpacked[j], original[j])) << j;
    ASSERT_TRUE(SameRating(packed->Unpacked(packed->records()[j]), original[j])) << j;
    ASSERT_EQ(packed->item(packed->records()[j]), original[j].item);
  }
  // A range from the middle, and the pieces.
  std::vector<Rating> middle(1000);
  packed->Unpack(12345, middle.size(), middle.data());
  for (size_t j = 0; j < middle.size(); ++j)
    EXPECT_TRUE(SameRating(middle[j], original[12345 + j]));
  size_t seen = 0;
  packed->ForEachPiece(4096, [&](std::span<const Rating> piece) {
    EXPECT_LE(piece.size(), 4096u);
    for (const Rating& r : piece) EXPECT_TRUE(SameRating(r, original[seen++]));
  });
  EXPECT_EQ(seen, original.size());
}

TEST(PackedRatingsTest, MoreDistinctValuesThanTheTableHoldsDoNotPack) {
  std::vector<Rating> ratings = Stars(10000, 100, 100, 2);
  for (size_t j = 0; j < ratings.size(); ++j) ratings[j].value = static_cast<float>(j) * 0.001f;
  const std::vector<Rating> original = ratings;
  EXPECT_FALSE(PackedRatings::Pack(ratings, 100).has_value());
  ASSERT_EQ(ratings.size(), original.size());
  for (size_t j = 0; j < ratings.size(); ++j) EXPECT_TRUE(SameRating(ratings[j], original[j]));
  // Exactly kMaxValues values pack.
  ratings.resize(PackedRatings::kMaxValues);
  EXPECT_TRUE(PackedRatings::Pack(ratings, 100).has_value());
}

TEST(PackedRatingsTest, ItemsThatLeaveTooFewCodeBitsDoNotPack) {
  // 2^30 + 1 items take 31 bits: two codes are left, three values do not fit.
  std::vector<Rating> ratings = {{0, 0, 1.0f}, {1, 1u << 30, 2.0f}, {2, 5, 3.0f}};
  EXPECT_FALSE(PackedRatings::Pack(ratings, (1u << 30) + 1).has_value());
  EXPECT_EQ(ratings.size(), 3u);
  // Two values do, and come back.
  ratings[2].value = 1.0f;
  std::optional<PackedRatings> packed = PackedRatings::Pack(ratings, (1u << 30) + 1);
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(packed->Unpacked(packed->records()[1]).item, 1u << 30);
  EXPECT_EQ(packed->Unpacked(packed->records()[1]).value, 2.0f);
  // Ids that take all 32 bits leave one code.
  std::vector<Rating> full = {{0, 0xFFFFFFFEu, 1.0f}, {1, 3, 1.0f}};
  packed = PackedRatings::Pack(full, 0xFFFFFFFFu);
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(packed->Unpacked(packed->records()[0]).item, 0xFFFFFFFEu);
  full = {{0, 0xFFFFFFFEu, 1.0f}, {1, 3, 2.0f}};
  EXPECT_FALSE(PackedRatings::Pack(full, 0xFFFFFFFFu).has_value());
}

TEST(PackedRatingsTest, EmptyRatingsPack) {
  std::vector<Rating> none;
  std::optional<PackedRatings> packed = PackedRatings::Pack(none, 10);
  ASSERT_TRUE(packed.has_value());
  EXPECT_EQ(packed->size(), 0u);
}

}  // namespace
}  // namespace hogmf
