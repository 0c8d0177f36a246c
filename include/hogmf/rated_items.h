// RatedItems: a compact index of the items each user rated, which Model keeps
// so that recommendations can exclude them. Each user's sorted, distinct item
// indices are stored as LEB128 varints of their differences (the first as it
// is) in one byte array, with a byte offset per user: on ratings like
// Netflix's about 1.5 bytes per rating instead of 4.
//
//   hogmf::RatedItems rated = hogmf::RatedItems::Build(ratings, num_users);
//   std::vector<uint32_t> items = rated.Decode(user);      // sorted, distinct
//   rated.ForEachItem(user, [&](uint32_t item) { excluded[item] = 1; });
//   size_t bytes = rated.memory_bytes();
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "hogmf/ratings.h"

namespace hogmf {

namespace internal {
class RatedItemsInternal;  // src/model/rated_items_internal.h
}  // namespace internal

class RatedItems {
 public:
  // No users.
  RatedItems() = default;

  // Indexes the items of users 0 .. num_users - 1 (every r.user < num_users;
  // the values are ignored and repeated items count once). Runs on the TBB
  // threads of the calling arena.
  static RatedItems Build(std::span<const Rating> ratings, uint32_t num_users);

  // Appends one more user (index num_users()) with `items`, which must be
  // sorted and distinct. Reserve makes room for `users` users in `bytes`
  // bytes of encoded items beforehand (an upper bound is fine).
  void AppendUser(std::span<const uint32_t> items);
  void Reserve(uint32_t users, size_t bytes);

  uint32_t num_users() const {
    return offsets_.empty() ? 0 : static_cast<uint32_t>(offsets_.size() - 1);
  }
  // Items over all users.
  uint64_t num_entries() const { return num_entries_; }
  // Heap bytes the index holds.
  size_t memory_bytes() const { return bytes_.capacity() + offsets_.capacity() * sizeof(size_t); }

  // Calls visit(item) for each item of `user` in increasing order; nothing
  // for a user out of range.
  void ForEachItem(uint32_t user, absl::FunctionRef<void(uint32_t)> visit) const;

  // The items of `user`, sorted and distinct (empty for a user out of range).
  std::vector<uint32_t> Decode(uint32_t user) const;
  // The same into `items`, replacing what it held.
  void Decode(uint32_t user, std::vector<uint32_t>* items) const;

  friend bool operator==(const RatedItems&, const RatedItems&) = default;

 private:
  friend class internal::RatedItemsInternal;

  std::vector<size_t> offsets_;  // num_users() + 1 byte offsets into bytes_, or empty
  std::vector<uint8_t> bytes_;   // each user's varint differences, back to back
  uint64_t num_entries_ = 0;
};

}  // namespace hogmf
