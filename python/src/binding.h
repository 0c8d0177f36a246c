// What the binding's files share: the model handle Python holds and the
// functions each file registers on the module.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <pybind11/pybind11.h>

#include "absl/container/flat_hash_map.h"
#include "hogmf/model.h"

namespace hogmf::python {

namespace py = pybind11;

// Integer ids of a string id map whose names are decimal integers (the maps
// RatingsFromArrays' kDense builds), looked up without formatting each id.
using IntIndex = absl::flat_hash_map<int64_t, uint32_t>;

// A trained model as Python holds it: the model, never changed once made,
// and the integer indices of its id maps, built on first use.
struct ModelHandle {
  explicit ModelHandle(Model m) : model(std::move(m)) {}
  Model model;
  std::optional<IntIndex> user_index;
  std::optional<IntIndex> item_index;
};
using ModelPtr = std::shared_ptr<ModelHandle>;

void RegisterStatus(py::module_& m);
void RegisterParams(py::module_& m);
void RegisterRatings(py::module_& m);
void RegisterModel(py::module_& m);
void RegisterTrain(py::module_& m);
void RegisterQueries(py::module_& m);

}  // namespace hogmf::python
