// The trained model for Python: factor and bias arrays that view the
// model's memory (read-only, kept alive by the handle), its ids, and model
// files (native, LIBMF, and bytes for pickle).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "binding.h"
#include "hogmf/factor_matrix.h"
#include "hogmf/loss.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "ids.h"
#include "status.h"

namespace hogmf::python {
namespace {

// Marks an array read-only: the model it views is shared and never changes.
py::array ReadOnly(py::array array) {
  py::detail::array_proxy(array.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return array;
}

// rows x k over the padded rows of `m`: the row stride skips the padding.
py::array FactorView(const FactorMatrix& m, py::handle owner) {
  const py::ssize_t rows = m.rows();
  const py::ssize_t k = m.k();
  const py::ssize_t row_bytes = static_cast<py::ssize_t>(m.stride() * sizeof(float));
  static const float kEmpty = 0.0f;
  const float* data = m.data() != nullptr ? m.data() : &kEmpty;
  return ReadOnly(py::array_t<float>(
      {rows, k}, {row_bytes, static_cast<py::ssize_t>(sizeof(float))}, data, owner));
}

py::object BiasView(const Model& model, const std::vector<float>& biases, py::handle owner) {
  if (!model.has_biases()) return py::none();
  return ReadOnly(py::array_t<float>({static_cast<py::ssize_t>(biases.size())},
                                     {static_cast<py::ssize_t>(sizeof(float))}, biases.data(),
                                     owner));
}

py::array SeenFlags(uint32_t rows, bool (Model::*seen)(uint32_t) const, const Model& model) {
  py::array_t<bool> out(static_cast<py::ssize_t>(rows));
  bool* data = out.mutable_data();
  for (uint32_t r = 0; r < rows; ++r) data[r] = (model.*seen)(r);
  return out;
}

ModelPtr Load(const std::string& path) {
  absl::StatusOr<Model> model;
  {
    py::gil_scoped_release release;
    model = LoadModel(path);
  }
  return std::make_shared<ModelHandle>(ValueOrThrow(std::move(model)));
}

}  // namespace

void RegisterModel(py::module_& m) {
  py::class_<ModelHandle, ModelPtr>(m, "Model")
      .def_property_readonly("k", [](const ModelHandle& h) { return h.model.k(); })
      .def_property_readonly("num_users", [](const ModelHandle& h) { return h.model.num_users(); })
      .def_property_readonly("num_items", [](const ModelHandle& h) { return h.model.num_items(); })
      .def_property_readonly("mean", [](const ModelHandle& h) { return h.model.mean(); })
      .def_property_readonly("has_biases",
                             [](const ModelHandle& h) { return h.model.has_biases(); })
      .def_property_readonly(
          "loss", [](const ModelHandle& h) { return std::string(LossName(h.model.loss())); })
      .def_property_readonly("clips", [](const ModelHandle& h) { return h.model.clips(); })
      .def_property_readonly("value_range",
                             [](const ModelHandle& h) {
                               return std::make_pair(h.model.min_value(), h.model.max_value());
                             })
      .def_property_readonly("has_rated_items",
                             [](const ModelHandle& h) { return h.model.has_rated_items(); })
      .def_property_readonly("user_factors",
                             [](py::object self) {
                               return FactorView(self.cast<ModelHandle&>().model.user_factors(),
                                                 self);
                             })
      .def_property_readonly("item_factors",
                             [](py::object self) {
                               return FactorView(self.cast<ModelHandle&>().model.item_factors(),
                                                 self);
                             })
      .def_property_readonly("user_biases",
                             [](py::object self) {
                               const Model& model = self.cast<ModelHandle&>().model;
                               return BiasView(model, model.user_biases(), self);
                             })
      .def_property_readonly("item_biases",
                             [](py::object self) {
                               const Model& model = self.cast<ModelHandle&>().model;
                               return BiasView(model, model.item_biases(), self);
                             })
      .def_property_readonly("user_seen",
                             [](const ModelHandle& h) {
                               return SeenFlags(h.model.num_users(), &Model::user_seen, h.model);
                             })
      .def_property_readonly("item_seen",
                             [](const ModelHandle& h) {
                               return SeenFlags(h.model.num_items(), &Model::item_seen, h.model);
                             })
      .def("user_kind", [](const ModelHandle& h) { return IdKindOf(h.model.users()); })
      .def("item_kind", [](const ModelHandle& h) { return IdKindOf(h.model.items()); })
      .def("user_ids", [](const ModelHandle& h,
                          const std::string& kind) { return IdNames(h.model.users(), kind); })
      .def("item_ids", [](const ModelHandle& h,
                          const std::string& kind) { return IdNames(h.model.items(), kind); })
      .def("user_indices",
           [](ModelHandle& h, py::handle ids, const std::string& kind) {
             return LookUpIds(h.model.users(), h.user_index, ids, kind);
           })
      .def("item_indices",
           [](ModelHandle& h, py::handle ids, const std::string& kind) {
             return LookUpIds(h.model.items(), h.item_index, ids, kind);
           })
      .def("save",
           [](const ModelHandle& h, const std::string& path) {
             absl::Status status;
             {
               py::gil_scoped_release release;
               status = SaveModel(h.model, path);
             }
             ThrowIfError(status);
           })
      .def("export_libmf",
           [](const ModelHandle& h, const std::string& path) {
             absl::Status status;
             {
               py::gil_scoped_release release;
               status = ExportLibmfModel(h.model, path);
             }
             ThrowIfError(status);
           })
      .def("serialize", [](const ModelHandle& h) {
        absl::StatusOr<std::string> bytes;
        {
          py::gil_scoped_release release;
          bytes = SerializeModel(h.model);
        }
        return py::bytes(ValueOrThrow(std::move(bytes)));
      });
  m.def("load_model", &Load, py::arg("path"));
  m.def("deserialize_model", [](py::bytes bytes) {
    const std::string_view view = bytes;
    absl::StatusOr<Model> model;
    {
      py::gil_scoped_release release;
      model = DeserializeModel(view);
    }
    return std::make_shared<ModelHandle>(ValueOrThrow(std::move(model)));
  });
}

}  // namespace hogmf::python
