// Ids as Python speaks them: integer ids (NumPy integer arrays, kept as the
// decimal names of a string id map, or an identity map) and string ids
// (sequences of str). Converts both ways and looks ids up in a model's maps.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "binding.h"
#include "hogmf/ratings.h"

namespace hogmf::python {

// Calls f(position, utf8 view) for each str of a Python sequence; a TypeError
// names the first element that is not a str. The views live as long as the
// sequence's elements.
template <typename F>
void ForEachString(py::handle sequence, const char* what, F&& f) {
  py::object fast =
      py::reinterpret_steal<py::object>(PySequence_Fast(sequence.ptr(), "ids must be a sequence"));
  if (!fast) throw py::error_already_set();
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
  PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
  for (Py_ssize_t j = 0; j < n; ++j) {
    Py_ssize_t size = 0;
    const char* data =
        PyUnicode_Check(items[j]) ? PyUnicode_AsUTF8AndSize(items[j], &size) : nullptr;
    if (data == nullptr) {
      if (PyErr_Occurred() == nullptr) {
        PyErr_Format(PyExc_TypeError, "%s[%zd]: expected a str id, found %R", what, j, items[j]);
      }
      throw py::error_already_set();
    }
    f(static_cast<size_t>(j), std::string_view(data, static_cast<size_t>(size)));
  }
}

// "int" when every id of `ids` is an integer in canonical decimal form (an
// identity map always), else "str".
std::string IdKindOf(const IdMap& ids);

// The ids of a map in index order: an int64 array for kind "int", an object
// array of str otherwise.
py::object IdNames(const IdMap& ids, const std::string& kind);

// The indices of `ids` (an int64 array for kind "int", a sequence of str
// otherwise) in `map`; kUnknownIndex for ids the map lacks. `index` caches
// the integer lookup of a string map.
py::array_t<uint32_t> LookUpIds(const IdMap& map, std::optional<IntIndex>& index, py::handle ids,
                                const std::string& kind);

}  // namespace hogmf::python
