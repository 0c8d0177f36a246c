// The engine's way to build a RatedItems index, kept out of the public
// header: it uses the memory of the ratings it indexes as its scratch space.
#pragma once

#include <cstdint>
#include <span>

#include "hogmf/rated_items.h"
#include "hogmf/ratings.h"
#include "ratings/packed_ratings.h"

namespace hogmf::internal {

class RatedItemsInternal {
 public:
  // RatedItems::Build without a copy: the ratings' memory serves as the
  // build's scratch space, so that it needs no memory per rating beyond the
  // index itself. The ratings hold unspecified values afterwards. Runs on the
  // TBB threads of the calling arena.
  static RatedItems BuildConsuming(std::span<Rating> ratings, uint32_t num_users);
  // The same from packed ratings (rated_items_packed.cc): the records' 8
  // bytes serve as the scratch space, and `ratings` is empty afterwards.
  static RatedItems BuildConsuming(PackedRatings& ratings, uint32_t num_users);
};

}  // namespace hogmf::internal
