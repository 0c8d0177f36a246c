// Ways to build a Ratings that only hogmf itself uses, kept out of the public
// header: a view of a binary file read whole into memory, whose pages
// ReleaseEntries may drop as it copies them.
#pragma once

#include <memory>
#include <span>

#include "hogmf/ratings.h"

namespace hogmf::internal {

class RatingsInternal {
 public:
  // Like Ratings::View, for entries in the buffer a file was read into (owned
  // by `keep_alive`, read only through this view): ReleaseEntries frees its
  // pages as it copies them, so the copy does not double the peak memory.
  static Ratings FileBackedView(std::span<const Rating> entries,
                                std::shared_ptr<const void> keep_alive, IdMap users, IdMap items);
};

}  // namespace hogmf::internal
