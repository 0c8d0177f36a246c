// RatingsFromArrays: ratings from parallel arrays of integer ids and values,
// the form embedders (the Python module, the C API) hold them in.
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "hogmf/input.h"

namespace hogmf {
namespace {

constexpr uint64_t kMaxIdentityId = 0xFFFFFFFEu;

size_t SpanSize(const IdSpan& ids) {
  return std::visit([](auto span) { return span.size(); }, ids);
}

// Dense indices for one side, written into `out` (which has the array's size).
template <typename Id>
absl::StatusOr<IdMap> MapIds(std::span<const Id> ids, IdMapping mapping, const char* array,
                             std::vector<uint32_t>& out) {
  out.resize(ids.size());
  if (mapping == IdMapping::kIdentity) {
    uint64_t largest = 0;
    bool any = false;
    for (size_t j = 0; j < ids.size(); ++j) {
      const Id id = ids[j];
      if constexpr (std::is_signed_v<Id>) {
        if (id < 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              array, "[", j, "]: negative id ", id, "; expected an index 0 .. ", kMaxIdentityId));
        }
      }
      if (static_cast<uint64_t>(id) > kMaxIdentityId) {
        return absl::InvalidArgumentError(absl::StrCat(
            array, "[", j, "]: id ", id, " is too large; expected an index 0 .. ", kMaxIdentityId));
      }
      out[j] = static_cast<uint32_t>(id);
      largest = any && largest > out[j] ? largest : out[j];
      any = true;
    }
    return IdMap::Identity(any ? static_cast<uint32_t>(largest + 1) : 0);
  }
  absl::flat_hash_map<Id, uint32_t> index;
  std::vector<std::string> names;
  for (size_t j = 0; j < ids.size(); ++j) {
    auto [it, inserted] = index.try_emplace(ids[j], static_cast<uint32_t>(names.size()));
    if (inserted) {
      if (names.size() == kMaxIdentityId + 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(array, "[", j, "]: more than ", kMaxIdentityId + 1, " distinct ids"));
      }
      names.push_back(absl::StrCat(ids[j]));
    }
    out[j] = it->second;
  }
  std::optional<IdMap> map = IdMap::FromNames(std::move(names));
  // Distinct integers have distinct decimal names.
  return std::move(map).value();
}

absl::StatusOr<IdMap> MapIdSpan(const IdSpan& ids, IdMapping mapping, const char* array,
                                std::vector<uint32_t>& out) {
  return std::visit([&](auto span) { return MapIds(span, mapping, array, out); }, ids);
}

template <typename Value>
absl::Status CheckValues(std::span<const Value> values) {
  for (size_t j = 0; j < values.size(); ++j) {
    const double v = static_cast<double>(values[j]);
    if (!std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max()) {
      return absl::InvalidArgumentError(absl::StrCat("values[", j, "]: ", v,
                                                     "; expected a finite rating within the "
                                                     "float range"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Ratings> RatingsFromArrays(IdSpan users, IdSpan items, ValueSpan values,
                                          IdMapping mapping) {
  const size_t n = SpanSize(users);
  const size_t num_values = std::visit([](auto span) { return span.size(); }, values);
  if (SpanSize(items) != n || (num_values != 0 && num_values != n)) {
    return absl::InvalidArgumentError(
        absl::StrCat("arrays of different lengths: ", n, " users, ", SpanSize(items), " items, ",
                     num_values, " values; expected equal lengths (or no values)"));
  }
  if (absl::Status s = std::visit([](auto span) { return CheckValues(span); }, values); !s.ok()) {
    return s;
  }
  std::vector<uint32_t> user_index;
  std::vector<uint32_t> item_index;
  absl::StatusOr<IdMap> user_map = MapIdSpan(users, mapping, "users", user_index);
  if (!user_map.ok()) return user_map.status();
  absl::StatusOr<IdMap> item_map = MapIdSpan(items, mapping, "items", item_index);
  if (!item_map.ok()) return item_map.status();

  std::vector<Rating> entries(n);
  std::visit(
      [&](auto span) {
        for (size_t j = 0; j < n; ++j) {
          entries[j] = Rating{user_index[j], item_index[j],
                              num_values == 0 ? 1.0f : static_cast<float>(span[j])};
        }
      },
      values);
  return Ratings(std::move(entries), *std::move(user_map), *std::move(item_map));
}

}  // namespace hogmf
