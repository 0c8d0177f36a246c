// Ways to build a Ratings that only hogmf itself uses, kept out of the public
// header: a view of a read-only file mapping whose pages ReleaseEntries may
// drop as it copies them.
#pragma once

#include <memory>
#include <span>

#include "hogmf/ratings.h"

namespace hogmf::internal {

class RatingsInternal {
 public:
  // Like Ratings::View, for entries in a read-only private mapping of a file
  // (owned by `keep_alive`), whose pages may be dropped and read again from
  // the file: ReleaseEntries then frees them as it copies, so the copy does
  // not double the peak memory.
  static Ratings FileBackedView(std::span<const Rating> entries,
                                std::shared_ptr<const void> keep_alive, IdMap users, IdMap items);
};

}  // namespace hogmf::internal
