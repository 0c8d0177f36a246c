// Id conversion and lookup between Python's ids and a model's id maps (see ids.h).
#include "ids.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/numpy.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hogmf::python {
namespace {

// The integer `name` spells, when it spells one in canonical decimal form.
std::optional<int64_t> CanonicalInt(std::string_view name) {
  int64_t value = 0;
  if (name.empty() || !absl::SimpleAtoi(absl::string_view(name.data(), name.size()), &value) ||
      absl::StrCat(value) != name) {
    return std::nullopt;
  }
  return value;
}

const IntIndex& IndexOf(const IdMap& map, std::optional<IntIndex>& index) {
  if (!index.has_value()) {
    index.emplace();
    index->reserve(map.size());
    for (uint32_t i = 0; i < map.size(); ++i) {
      if (std::optional<int64_t> id = CanonicalInt(map.names()[i])) index->emplace(*id, i);
    }
  }
  return *index;
}

}  // namespace

std::string IdKindOf(const IdMap& ids) {
  if (ids.is_identity()) return "int";
  for (const std::string& name : ids.names()) {
    if (!CanonicalInt(name).has_value()) return "str";
  }
  return "int";
}

py::object IdNames(const IdMap& ids, const std::string& kind) {
  const size_t n = ids.size();
  if (kind == "int") {
    py::array_t<int64_t> out(static_cast<py::ssize_t>(n));
    int64_t* data = out.mutable_data();
    for (size_t i = 0; i < n; ++i) {
      data[i] =
          ids.is_identity() ? static_cast<int64_t>(i) : CanonicalInt(ids.names()[i]).value_or(-1);
    }
    return out;
  }
  py::array out(py::dtype("O"), std::vector<py::ssize_t>{static_cast<py::ssize_t>(n)});
  PyObject** data = static_cast<PyObject**>(out.mutable_data());
  for (size_t i = 0; i < n; ++i) {
    const std::string name = ids.Name(static_cast<uint32_t>(i));
    PyObject* str =
        PyUnicode_DecodeUTF8(name.data(), static_cast<Py_ssize_t>(name.size()), "surrogateescape");
    if (str == nullptr) throw py::error_already_set();
    Py_XDECREF(data[i]);
    data[i] = str;
  }
  return out;
}

py::array_t<uint32_t> LookUpIds(const IdMap& map, std::optional<IntIndex>& index, py::handle ids,
                                const std::string& kind) {
  if (kind == "int") {
    const auto array = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(ids);
    if (!array) throw py::error_already_set();
    const size_t n = static_cast<size_t>(array.size());
    py::array_t<uint32_t> out(static_cast<py::ssize_t>(n));
    const int64_t* in = array.data();
    uint32_t* data = out.mutable_data();
    if (map.is_identity()) {
      for (size_t j = 0; j < n; ++j) {
        data[j] = in[j] >= 0 && in[j] < static_cast<int64_t>(map.size())
                      ? static_cast<uint32_t>(in[j])
                      : kUnknownIndex;
      }
      return out;
    }
    const IntIndex& lookup = IndexOf(map, index);
    for (size_t j = 0; j < n; ++j) {
      const auto it = lookup.find(in[j]);
      data[j] = it == lookup.end() ? kUnknownIndex : it->second;
    }
    return out;
  }
  std::vector<uint32_t> found;
  ForEachString(ids, "ids", [&](size_t, std::string_view id) {
    found.push_back(map.Find(id).value_or(kUnknownIndex));
  });
  py::array_t<uint32_t> out(static_cast<py::ssize_t>(found.size()));
  std::copy(found.begin(), found.end(), out.mutable_data());
  return out;
}

}  // namespace hogmf::python
