// Ratings for Python: from arrays of integer ids (borrowed, as
// RatingsFromArrays reads them), from sequences of str ids (interned here),
// from a sparse matrix's coordinates (identity ids), and from files.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "absl/strings/str_cat.h"
#include "binding.h"
#include "hogmf/input.h"
#include "hogmf/ratings.h"
#include "ids.h"
#include "status.h"

namespace hogmf::python {
namespace {

// A borrowed view of a C-contiguous NumPy array of one of IdSpan's types.
IdSpan IdSpanOf(const py::array& a, const char* what) {
  if (!(a.flags() & py::array::c_style) || a.ndim() != 1) {
    throw py::value_error(absl::StrCat(what, ": expected a 1-D contiguous array"));
  }
  const size_t n = static_cast<size_t>(a.size());
  const py::dtype dt = a.dtype();
  if (dt.kind() == 'i' && dt.itemsize() == 4)
    return std::span(static_cast<const int32_t*>(a.data()), n);
  if (dt.kind() == 'i' && dt.itemsize() == 8)
    return std::span(static_cast<const int64_t*>(a.data()), n);
  if (dt.kind() == 'u' && dt.itemsize() == 4)
    return std::span(static_cast<const uint32_t*>(a.data()), n);
  if (dt.kind() == 'u' && dt.itemsize() == 8)
    return std::span(static_cast<const uint64_t*>(a.data()), n);
  throw py::value_error(absl::StrCat(what, ": expected an int32, int64, uint32 or uint64 array"));
}

ValueSpan ValueSpanOf(const py::object& values) {
  if (values.is_none()) return {};
  const py::array a = values.cast<py::array>();
  if (!(a.flags() & py::array::c_style) || a.ndim() != 1) {
    throw py::value_error("ratings: expected a 1-D contiguous array");
  }
  const size_t n = static_cast<size_t>(a.size());
  const py::dtype dt = a.dtype();
  if (dt.kind() == 'f' && dt.itemsize() == 4)
    return std::span(static_cast<const float*>(a.data()), n);
  if (dt.kind() == 'f' && dt.itemsize() == 8)
    return std::span(static_cast<const double*>(a.data()), n);
  throw py::value_error("ratings: expected a float32 or float64 array");
}

// One side's ids as dense codes in order of first appearance, with the id
// map that names them (str ids as they are, integer ids in decimal).
std::vector<uint32_t> Encode(py::handle ids, const std::string& kind, const char* what,
                             IdMap* map) {
  std::vector<uint32_t> codes;
  if (kind == "int") {
    const IdSpan span = IdSpanOf(ids.cast<py::array>(), what);
    std::visit(
        [&](auto s) {
          codes.reserve(s.size());
          for (const auto id : s) codes.push_back(map->Intern(absl::StrCat(id)));
        },
        span);
    return codes;
  }
  ForEachString(ids, what, [&](size_t, std::string_view id) { codes.push_back(map->Intern(id)); });
  return codes;
}

Ratings FromIds(py::handle users, py::handle items, const py::object& values,
                const std::string& user_kind, const std::string& item_kind,
                const std::string& mapping) {
  const ValueSpan value_span = ValueSpanOf(values);
  if (user_kind == "int" && item_kind == "int") {
    const IdSpan user_span = IdSpanOf(users.cast<py::array>(), "users");
    const IdSpan item_span = IdSpanOf(items.cast<py::array>(), "items");
    const IdMapping id_mapping = mapping == "identity" ? IdMapping::kIdentity : IdMapping::kDense;
    absl::StatusOr<Ratings> ratings;
    {
      py::gil_scoped_release release;
      ratings = RatingsFromArrays(user_span, item_span, value_span, id_mapping);
    }
    return ValueOrThrow(std::move(ratings));
  }
  IdMap user_map;
  IdMap item_map;
  const std::vector<uint32_t> user_codes = Encode(users, user_kind, "users", &user_map);
  const std::vector<uint32_t> item_codes = Encode(items, item_kind, "items", &item_map);
  Ratings ratings = ValueOrThrow(RatingsFromArrays(std::span<const uint32_t>(user_codes),
                                                   std::span<const uint32_t>(item_codes),
                                                   value_span, IdMapping::kIdentity));
  ratings.mutable_users() = std::move(user_map);
  ratings.mutable_items() = std::move(item_map);
  return ratings;
}

Ratings Read(const std::string& path, const std::string& format, const std::string& user_column,
             const std::string& item_column, const std::string& rating_column) {
  ReadOptions options;
  options.format = ValueOrThrow(ParseFormat(format));
  options.user_column = user_column;
  options.item_column = item_column;
  options.rating_column = rating_column;
  absl::StatusOr<ReadResult> read;
  {
    py::gil_scoped_release release;
    read = ReadRatings(path, options);
  }
  return std::move(ValueOrThrow(std::move(read)).ratings);
}

}  // namespace

void RegisterRatings(py::module_& m) {
  py::class_<Ratings>(m, "Ratings")
      .def("__len__", &Ratings::size)
      .def_property_readonly("num_users", &Ratings::num_users)
      .def_property_readonly("num_items", &Ratings::num_items)
      .def_property_readonly("user_kind", [](const Ratings& r) { return IdKindOf(r.users()); })
      .def_property_readonly("item_kind", [](const Ratings& r) { return IdKindOf(r.items()); })
      .def("mean", &Ratings::Mean);
  m.def("ratings_from_ids", &FromIds, py::arg("users"), py::arg("items"), py::arg("values"),
        py::arg("user_kind"), py::arg("item_kind"), py::arg("mapping") = "dense");
  m.def("read_ratings", &Read, py::arg("path"), py::arg("format") = "auto",
        py::arg("user_column") = "", py::arg("item_column") = "", py::arg("rating_column") = "");
}

}  // namespace hogmf::python
