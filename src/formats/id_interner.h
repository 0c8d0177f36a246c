// IdInterner: interns the ids of a string-id file into an IdMap, with a direct
// table for the common case of small decimal ids (MovieLens, Netflix), which
// then skip hashing. The map it fills is the same as interning every id.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/text_scanner.h"
#include "hogmf/ratings.h"

namespace hogmf::formats {

class IdInterner {
 public:
  explicit IdInterner(IdMap* map) : map_(map) {}

  // The index of `id` in the map, adding it if new.
  uint32_t Intern(std::string_view id) {
    const uint32_t number = SmallNumber(id);
    if (number == kNotSmall) return map_->Intern(id);
    if (number < table_.size() && table_[number] != kUnknownIndex) return table_[number];
    const uint32_t index = map_->Intern(id);
    if (number >= table_.size()) {
      table_.resize(std::max<size_t>(number + 1, std::min<size_t>(table_.size() * 2, kTableLimit)),
                    kUnknownIndex);
    }
    table_[number] = index;
    return index;
  }

 private:
  static constexpr uint32_t kTableLimit = uint32_t{1} << 24;
  static constexpr uint32_t kNotSmall = 0xFFFFFFFFu;

  // The value of `id` when it is a canonical decimal (no sign, no leading
  // zero) below kTableLimit, so that distinct strings get distinct numbers;
  // kNotSmall otherwise.
  static uint32_t SmallNumber(std::string_view id) {
    if (id.empty() || id.size() > 8 || (id[0] == '0' && id.size() > 1)) return kNotSmall;
    uint32_t value = 0;
    for (char c : id) {
      if (!IsDigit(c)) return kNotSmall;
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    return value < kTableLimit ? value : kNotSmall;
  }

  IdMap* map_;
  std::vector<uint32_t> table_;  // number -> index, kUnknownIndex where unseen
};

}  // namespace hogmf::formats
