// IdMap and Ratings: the container every stage after input works on.
#include "hogmf/ratings.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "ratings/ratings_internal.h"
#include "util/absl_compat.h"
#include "util/check.h"
#include "util/file.h"

namespace hogmf {

struct IdMap::Index {
  absl::flat_hash_map<std::string, uint32_t> map;
};

IdMap::IdMap() = default;
IdMap::~IdMap() = default;

IdMap::IdMap(const IdMap& other)
    : identity_(other.identity_),
      size_(other.size_),
      names_(other.names_),
      index_(other.index_ != nullptr ? std::make_unique<Index>(*other.index_) : nullptr) {}

IdMap& IdMap::operator=(const IdMap& other) {
  if (this != &other) *this = IdMap(other);
  return *this;
}

IdMap::IdMap(IdMap&& other) noexcept
    : identity_(std::exchange(other.identity_, false)),
      size_(std::exchange(other.size_, 0)),
      names_(std::move(other.names_)),
      index_(std::move(other.index_)) {
  other.names_.clear();
}

IdMap& IdMap::operator=(IdMap&& other) noexcept {
  if (this != &other) {
    identity_ = std::exchange(other.identity_, false);
    size_ = std::exchange(other.size_, 0);
    names_ = std::move(other.names_);
    other.names_.clear();
    index_ = std::move(other.index_);
  }
  return *this;
}

IdMap IdMap::Identity(uint32_t size) {
  IdMap map;
  map.identity_ = true;
  map.size_ = size;
  return map;
}

uint32_t IdMap::Intern(std::string_view id) {
  HOGMF_CHECK(!identity_);
  if (index_ == nullptr) index_ = std::make_unique<Index>();
  auto [it, inserted] = index_->map.try_emplace(internal::ToAbsl(id), size_);
  if (inserted) {
    names_.emplace_back(id);
    ++size_;
  }
  return it->second;
}

void IdMap::GrowTo(uint32_t size) {
  HOGMF_CHECK(identity_);
  if (size > size_) size_ = size;
}

std::optional<uint32_t> IdMap::Find(std::string_view id) const {
  if (identity_) {
    uint64_t value = 0;
    const char* end = id.data() + id.size();
    auto [ptr, ec] = std::from_chars(id.data(), end, value);
    if (ec != std::errc() || ptr != end || id.empty() || value >= size_) return std::nullopt;
    return static_cast<uint32_t>(value);
  }
  if (index_ == nullptr) return std::nullopt;
  auto it = index_->map.find(internal::ToAbsl(id));
  if (it == index_->map.end()) return std::nullopt;
  return it->second;
}

std::string IdMap::Name(uint32_t index) const {
  HOGMF_CHECK(index < size_);
  if (identity_) return std::to_string(index);
  return names_[index];
}

std::optional<IdMap> IdMap::FromNames(std::vector<std::string> names) {
  IdMap map;
  map.index_ = std::make_unique<Index>();
  map.index_->map.reserve(names.size());
  for (uint32_t i = 0; i < names.size(); ++i) {
    if (!map.index_->map.try_emplace(names[i], i).second) return std::nullopt;
  }
  map.size_ = static_cast<uint32_t>(names.size());
  map.names_ = std::move(names);
  return map;
}

Ratings::Ratings(std::vector<Rating> entries, IdMap users, IdMap items)
    : owned_(std::move(entries)), users_(std::move(users)), items_(std::move(items)) {
  SyncView();
}

Ratings Ratings::View(std::span<const Rating> entries, std::shared_ptr<const void> keep_alive,
                      IdMap users, IdMap items) {
  Ratings ratings;
  ratings.keep_alive_ = std::move(keep_alive);
  ratings.view_ = entries;
  ratings.users_ = std::move(users);
  ratings.items_ = std::move(items);
  return ratings;
}

namespace internal {

Ratings RatingsInternal::FileBackedView(std::span<const Rating> entries,
                                        std::shared_ptr<const void> keep_alive, IdMap users,
                                        IdMap items) {
  Ratings ratings =
      Ratings::View(entries, std::move(keep_alive), std::move(users), std::move(items));
  ratings.file_backed_ = true;
  return ratings;
}

}  // namespace internal

void Ratings::Add(uint32_t user, uint32_t item, float value) {
  HOGMF_CHECK(owns_entries());
  owned_.push_back(Rating{user, item, value});
  SyncView();
}

void Ratings::Reserve(size_t n) {
  HOGMF_CHECK(owns_entries());
  owned_.reserve(n);
  SyncView();
}

std::vector<Rating> Ratings::ReleaseEntries() {
  std::vector<Rating> entries;
  if (owns_entries()) {
    entries = std::move(owned_);
  } else if (!file_backed_) {
    entries.assign(view_.begin(), view_.end());
    keep_alive_.reset();
  } else {
    // Copy slice by slice, dropping each copied slice's file pages at once.
    constexpr size_t kSlice = (size_t{64} << 20) / sizeof(Rating);
    entries.reserve(view_.size());
    for (size_t begin = 0; begin < view_.size(); begin += kSlice) {
      const size_t end = std::min(view_.size(), begin + kSlice);
      entries.insert(entries.end(), view_.begin() + static_cast<std::ptrdiff_t>(begin),
                     view_.begin() + static_cast<std::ptrdiff_t>(end));
      internal::DiscardFilePages(view_.data() + begin, view_.data() + end);
    }
    keep_alive_.reset();
  }
  file_backed_ = false;
  owned_.clear();
  SyncView();
  return entries;
}

double Ratings::Mean() const {
  if (view_.empty()) return 0.0;
  double sum = 0.0;
  for (const Rating& r : view_) sum += r.value;
  return sum / static_cast<double>(view_.size());
}

namespace {

// Maps the indices of `from` to indices of `to` (or kUnknownIndex). A string
// map gets a table, one lookup per id it holds; an identity map holds no ids
// (its size is the largest index + 1, which a hostile file sets to 2^32 - 1),
// so its indices are translated as they occur, each distinct one looked up once.
class Translation {
 public:
  Translation(const IdMap& from, const IdMap& to) : from_(from), to_(to) {
    if (from.is_identity()) return;
    table_.assign(from.size(), kUnknownIndex);
    for (uint32_t i = 0; i < from.size(); ++i) {
      std::optional<uint32_t> found = to.Find(from.Name(i));
      if (found) table_[i] = *found;
    }
  }

  uint32_t operator()(uint32_t index) {
    if (!from_.is_identity()) return table_[index];
    if (to_.is_identity()) return index < to_.size() ? index : kUnknownIndex;
    auto [it, inserted] = seen_.try_emplace(index, kUnknownIndex);
    if (inserted) it->second = to_.Find(from_.Name(index)).value_or(kUnknownIndex);
    return it->second;
  }

 private:
  const IdMap& from_;
  const IdMap& to_;
  std::vector<uint32_t> table_;
  absl::flat_hash_map<uint32_t, uint32_t> seen_;
};

}  // namespace

std::vector<Rating> AlignTo(const Ratings& data, const IdMap& users, const IdMap& items,
                            size_t* unknown) {
  Translation user_index(data.users(), users);
  Translation item_index(data.items(), items);
  std::vector<Rating> aligned;
  aligned.reserve(data.size());
  size_t missing = 0;
  for (const Rating& r : data.entries()) {
    const Rating out{user_index(r.user), item_index(r.item), r.value};
    missing += (out.user == kUnknownIndex || out.item == kUnknownIndex);
    aligned.push_back(out);
  }
  if (unknown != nullptr) *unknown = missing;
  return aligned;
}

}  // namespace hogmf
