// Share: the part of the training data one rank holds. Every rank reads an
// equal slice (by position) of a binary ratings file with pread, or rank 0
// reads any other format and deals out slices; the ranks then agree on the
// bands (partition.h) from the counts per user and per item, and each rating
// goes to the rank whose user band holds its user. No rank holds the whole
// data set, except rank 0 while it reads a text file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "distributed/comm.h"
#include "hogmf/input.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"

namespace hogmf::distributed {

// What every rank knows of the whole data set (the same on every rank).
struct Layout {
  uint32_t num_users = 0;
  uint32_t num_items = 0;
  uint64_t total_ratings = 0;
  std::vector<uint32_t> user_counts;  // ratings per user, all ranks
  std::vector<uint32_t> item_counts;  // ratings per item, all ranks
  std::vector<uint32_t> user_bounds;  // ranks + 1: rank r holds users [user_bounds[r], [r+1])
  std::vector<uint32_t> item_bounds;  // 2 ranks + 1 item bands
  double mean = 0;                    // of every rating
  float min_value = 0;
  float max_value = 0;
};

struct Share {
  Layout layout;
  std::vector<Rating> ratings;  // every rating of this rank's users, in the data's index space
  IdMap users;                  // rank 0: the data's id maps; others: identity maps of the sizes
  IdMap items;
  std::string format;  // the reader used
};

// Reads `path` (`options` as hogmf train's reader options) across the ranks
// of `comm`. Before the per-row counts and rows are allocated, each rank's
// share is checked against the memory it may use for training with `params`
// (kResourceExhausted). Errors are agreed (Comm::Agree): every rank gets the
// same status, naming the rank that failed.
absl::StatusOr<Share> ReadShare(Comm& comm, const std::string& path, const ReadOptions& options,
                                const TrainParams& params);

// Held-out ratings for a share: rank 0 reads `path`, aligns it to the
// training id maps and sends each pair to the rank of its user. Returns this
// rank's pairs (both ids known) and sets *unknown (on every rank) to the
// pairs with an id the training data lacks. Errors agreed.
absl::StatusOr<std::vector<Rating>> ReadValidationShare(Comm& comm, const std::string& path,
                                                        const ReadOptions& options,
                                                        const Share& share, uint64_t* unknown);

// Sends each of `entries` (this rank's, any user) to the rank whose user
// band holds its user; returns what this rank receives.
std::vector<Rating> RouteByUser(Comm& comm, const Layout& layout, std::vector<Rating> entries);

}  // namespace hogmf::distributed
