// Ratings: the observed entries of a sparse users x items matrix, and the maps
// between the ids a user's file speaks (any string) and the dense indices the
// engine works with.
//
// A Ratings either owns its entries (readers, generators) or views entries that
// live elsewhere, such as the buffer a binary file was read into, which it
// keeps alive.
//
//   hogmf::Ratings ratings;                       // string ids, owned storage
//   uint32_t u = ratings.mutable_users().Intern("alice");
//   uint32_t i = ratings.mutable_items().Intern("Heat (1995)");
//   ratings.Add(u, i, 4.5f);
//   double mean = ratings.Mean();
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hogmf {

namespace internal {
class RatingsInternal;  // src/ratings/ratings_internal.h
}  // namespace internal

// An index that names no row: a user or item the model has never seen.
inline constexpr uint32_t kUnknownIndex = 0xFFFFFFFFu;

// One observed entry. 12 bytes, so the engine streams them densely.
struct Rating {
  uint32_t user = 0;
  uint32_t item = 0;
  float value = 0.0f;
};
static_assert(sizeof(Rating) == 12, "Rating must stay 12 bytes");

// Maps external ids to dense indices [0, size()) and back.
//
// Two modes: an identity map, where the id of index i is the decimal string
// "i" (LIBMF text and dense matrices, whose indices are used as they are), and
// a string map, where each new id gets the next index in order of first
// appearance.
class IdMap {
 public:
  // An empty string map.
  IdMap();
  // Copies are independent; a moved-from map is an empty string map.
  IdMap(const IdMap& other);
  IdMap& operator=(const IdMap& other);
  IdMap(IdMap&& other) noexcept;
  IdMap& operator=(IdMap&& other) noexcept;
  ~IdMap();
  // An identity map over [0, size).
  static IdMap Identity(uint32_t size);

  bool is_identity() const { return identity_; }
  uint32_t size() const { return size_; }

  // String mode: returns the index of `id`, adding it if new.
  uint32_t Intern(std::string_view id);
  // Identity mode: grows the map to cover index `size - 1`.
  void GrowTo(uint32_t size);

  // The index of `id`, or nullopt when the map does not hold it.
  std::optional<uint32_t> Find(std::string_view id) const;
  // The external id of `index` (< size()).
  std::string Name(uint32_t index) const;
  // String mode: every id, by index. Empty in identity mode.
  const std::vector<std::string>& names() const { return names_; }

  // Builds a string map from ids listed by index. Fails on a repeated id.
  static std::optional<IdMap> FromNames(std::vector<std::string> names);

 private:
  // The hash index of a string map, defined in src/ratings/ratings.cc. Null
  // in identity mode and until the first id is added.
  struct Index;

  bool identity_ = false;
  uint32_t size_ = 0;
  std::vector<std::string> names_;
  std::unique_ptr<Index> index_;
};

class Ratings {
 public:
  // An empty set with string id maps.
  Ratings() = default;
  // Owned entries with the given maps. Every entry must index inside the maps.
  Ratings(std::vector<Rating> entries, IdMap users, IdMap items);
  // Entries that live in memory owned by `keep_alive` (for example a mapping).
  static Ratings View(std::span<const Rating> entries, std::shared_ptr<const void> keep_alive,
                      IdMap users, IdMap items);

  Ratings(Ratings&&) noexcept = default;
  Ratings& operator=(Ratings&&) noexcept = default;
  Ratings(const Ratings&) = delete;
  Ratings& operator=(const Ratings&) = delete;

  // Appends an entry. Owned storage only; indices must be inside the maps.
  void Add(uint32_t user, uint32_t item, float value);
  void Reserve(size_t n);

  size_t size() const { return view_.size(); }
  bool empty() const { return view_.empty(); }
  std::span<const Rating> entries() const { return view_; }
  const Rating& operator[](size_t i) const { return view_[i]; }

  uint32_t num_users() const { return users_.size(); }
  uint32_t num_items() const { return items_.size(); }
  const IdMap& users() const { return users_; }
  const IdMap& items() const { return items_; }
  IdMap& mutable_users() { return users_; }
  IdMap& mutable_items() { return items_; }

  // Mean of the values (0 for an empty set), accumulated in double.
  double Mean() const;
  // True when the entries are owned (Add is allowed).
  bool owns_entries() const { return keep_alive_ == nullptr; }
  // Moves the entries out: the owned vector as it is, or a copy of a view
  // (whose storage is then released). Leaves this set empty; the maps stay.
  std::vector<Rating> ReleaseEntries();

 private:
  friend class internal::RatingsInternal;

  void SyncView() { view_ = std::span<const Rating>(owned_.data(), owned_.size()); }

  std::vector<Rating> owned_;
  std::shared_ptr<const void> keep_alive_;
  bool file_backed_ = false;
  std::span<const Rating> view_;
  IdMap users_;
  IdMap items_;
};

// Rewrites the entries of `data` (in its own id space) into the index space of
// `users` and `items`: an id those maps lack becomes kUnknownIndex. Counts the
// entries with an unknown user or item in `*unknown` when given. Each distinct
// id is looked up once, so this is linear in size() plus the sizes of the
// string maps; an identity map's size (its largest index + 1) costs nothing.
std::vector<Rating> AlignTo(const Ratings& data, const IdMap& users, const IdMap& items,
                            size_t* unknown = nullptr);

}  // namespace hogmf
