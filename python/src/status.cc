// absl::Status to Python exceptions (see status.h).
#include "status.h"

#include <string>

#include <pybind11/pybind11.h>

#include "binding.h"

namespace hogmf::python {

void ThrowIfError(const absl::Status& status) {
  if (status.ok()) return;
  const std::string message(status.message());
  PyObject* type = PyExc_RuntimeError;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      type = PyExc_ValueError;
      break;
    case absl::StatusCode::kNotFound:
      type = PyExc_FileNotFoundError;
      break;
    case absl::StatusCode::kResourceExhausted:
      type = PyExc_MemoryError;
      break;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnavailable:
      type = PyExc_OSError;
      break;
    default:
      break;
  }
  PyErr_SetString(type, message.c_str());
  throw py::error_already_set();
}

void RegisterStatus(py::module_& m) {
  // For tests of the mapping: raises what a status of `code` raises.
  m.def("_raise_status", [](int code, const std::string& message) {
    ThrowIfError(absl::Status(static_cast<absl::StatusCode>(code), message));
  });
}

}  // namespace hogmf::python
