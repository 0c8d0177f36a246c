// Tests of IdInterner: whatever path an id takes (the direct table for small
// canonical decimals, the map's hash index for the rest), the map it fills is
// the one that interning every id in IdMap would give.
#include "formats/id_interner.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hogmf/ratings.h"
#include "util/random.h"

namespace hogmf {
namespace {

using formats::IdInterner;

// Interns `ids` through an IdInterner and, separately, straight into a map;
// expects the same index for every id and the same maps.
void ExpectSameAsPlainInterning(const std::vector<std::string>& ids) {
  IdMap interned;
  IdMap plain;
  IdInterner interner(&interned);
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_EQ(interner.Intern(ids[i]), plain.Intern(ids[i])) << "id '" << ids[i] << "' at " << i;
  }
  EXPECT_EQ(interned.size(), plain.size());
  EXPECT_EQ(interned.names(), plain.names());
}

TEST(IdInternerTest, NumericIdsAreStillStrings) {
  IdMap map;
  IdInterner interner(&map);
  EXPECT_EQ(interner.Intern("7"), 0u);
  EXPECT_EQ(interner.Intern("07"), 1u);
  EXPECT_EQ(interner.Intern("alice"), 2u);
  EXPECT_EQ(interner.Intern("99999999"), 3u);
  EXPECT_EQ(interner.Intern("123456789"), 4u);
  EXPECT_EQ(interner.Intern("0"), 5u);
  EXPECT_EQ(interner.Intern("7"), 0u);
  EXPECT_EQ(interner.Intern("07"), 1u);
  EXPECT_EQ(interner.Intern("0"), 5u);
  EXPECT_EQ(interner.Intern("123456789"), 4u);
  EXPECT_EQ(map.size(), 6u);
  EXPECT_EQ(map.Name(1), "07");
  EXPECT_EQ(map.Find("99999999"), 3u);
}

TEST(IdInternerTest, IndicesFollowTheOrderOfFirstAppearance) {
  IdMap map;
  IdInterner interner(&map);
  const std::vector<std::string> ids = {"42", "bob", "3", "42", "1000", "bob", "3", "x7"};
  std::vector<uint32_t> indices;
  for (const std::string& id : ids) indices.push_back(interner.Intern(id));
  EXPECT_EQ(indices, (std::vector<uint32_t>{0, 1, 2, 0, 3, 1, 2, 4}));
  EXPECT_EQ(map.names(), (std::vector<std::string>{"42", "bob", "3", "1000", "x7"}));
}

TEST(IdInternerTest, EveryInternedIdIsFoundInTheMap) {
  IdMap map;
  IdInterner interner(&map);
  const std::vector<std::string> ids = {"5", "16777215", "16777216", "carol", "0", "", "12"};
  for (const std::string& id : ids) interner.Intern(id);
  for (uint32_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(map.Find(ids[i]), i) << "id '" << ids[i] << "'";
    EXPECT_EQ(map.Name(i), ids[i]);
  }
  EXPECT_EQ(map.Find("6"), std::nullopt);
  EXPECT_EQ(map.Find("05"), std::nullopt);
}

TEST(IdInternerTest, TextThatIsNotACanonicalDecimalIsADistinctId) {
  // Each of these reads as 7 to a lenient number parser, but is its own id.
  ExpectSameAsPlainInterning({"7", "07", "007", "+7", "-7", " 7", "7 ", "7.0", "7e0", "0x7", "7"});
  IdMap map;
  IdInterner interner(&map);
  EXPECT_EQ(interner.Intern("7"), 0u);
  EXPECT_EQ(interner.Intern("007"), 1u);
  EXPECT_EQ(interner.Intern("+7"), 2u);
  EXPECT_EQ(map.size(), 3u);
}

TEST(IdInternerTest, NumbersAroundTheTableLimitAndAcrossItsGrowth) {
  // Ids below 2^24 take the table, which grows to cover them; from 2^24 on,
  // and for more than 8 digits, they take the map's hash index.
  ExpectSameAsPlainInterning({"16777216", "16777215", "0", "1", "16777214", "99999999", "100000000",
                              "4294967295", "4294967296", "18446744073709551616", "8388608", "2",
                              "16777215", "16777216", "0", "99999999"});
  // Growth in every direction: a small table doubled, a jump far past its
  // size, and numbers below what it already covers.
  std::vector<std::string> growing;
  for (uint32_t n = 0; n < 300; ++n) growing.push_back(std::to_string(n * n));
  growing.push_back("5000000");
  for (uint32_t n = 0; n < 300; ++n) growing.push_back(std::to_string(n * 7 + 1));
  ExpectSameAsPlainInterning(growing);
}

TEST(IdInternerTest, IdsTheMapHeldBeforeKeepTheirIndices) {
  IdMap map;
  map.Intern("12");
  map.Intern("alice");
  map.Intern("3");
  IdInterner interner(&map);
  EXPECT_EQ(interner.Intern("3"), 2u);
  EXPECT_EQ(interner.Intern("12"), 0u);
  EXPECT_EQ(interner.Intern("alice"), 1u);
  EXPECT_EQ(interner.Intern("4"), 3u);
  EXPECT_EQ(interner.Intern("3"), 2u);
  EXPECT_EQ(map.size(), 4u);
}

TEST(IdInternerTest, ALargeShuffledMixOfIdsMatchesPlainInterning) {
  // 400,000 draws from 100,000 small numbers (the table), 20,000 numbers past
  // the table limit, 20,000 zero-padded numbers and 20,000 names: every id
  // repeats several times, in random order.
  internal::Rng rng(20261202);
  std::vector<std::string> ids;
  ids.reserve(400000);
  for (int i = 0; i < 400000; ++i) {
    const uint64_t kind = rng.Below(8);
    if (kind < 5) {
      ids.push_back(std::to_string(rng.Below(100000) * 97));
    } else if (kind == 5) {
      ids.push_back(std::to_string(16777216 + rng.Below(20000) * 1000));
    } else {
      // Zero-padded numbers or names: strings that are not canonical decimals.
      std::string id = kind == 6 ? "0" : "user-";
      id += std::to_string(rng.Below(20000));
      ids.push_back(id);
    }
  }
  ExpectSameAsPlainInterning(ids);
}

}  // namespace
}  // namespace hogmf
