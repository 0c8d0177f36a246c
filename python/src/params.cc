// TrainParams for Python: every field by its C++ name, the named choices
// (loss, schedules, order) as the CLI spells them, Seed() and Validate().
#include <cstdint>
#include <optional>
#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "binding.h"
#include "hogmf/loss.h"
#include "hogmf/params.h"
#include "status.h"

namespace hogmf::python {

void RegisterParams(py::module_& m) {
  py::class_<TrainParams> params(m, "TrainParams");
  params.def(py::init<>())
      .def_static("seed_preset", &TrainParams::Seed)
      .def("validate", [](const TrainParams& p) { ThrowIfError(p.Validate()); })
      .def("copy", [](const TrainParams& p) { return p; })
      .def_property(
          "loss", [](const TrainParams& p) { return std::string(LossName(p.loss)); },
          [](TrainParams& p, const std::string& name) { p.loss = ValueOrThrow(ParseLoss(name)); })
      .def_property(
          "lr_schedule",
          [](const TrainParams& p) { return std::string(ScheduleName(p.lr_schedule)); },
          [](TrainParams& p, const std::string& name) {
            p.lr_schedule = ValueOrThrow(ParseSchedule(name));
          })
      .def_property(
          "schedule", [](const TrainParams& p) { return std::string(ScheduleName(p.schedule)); },
          [](TrainParams& p, const std::string& name) {
            p.schedule = ValueOrThrow(ParseParallelSchedule(name));
          })
      .def_property(
          "order", [](const TrainParams& p) { return std::string(OrderName(p.order)); },
          [](TrainParams& p, const std::string& name) { p.order = ValueOrThrow(ParseOrder(name)); })
      .def_readwrite("biases", &TrainParams::biases)
      .def_readwrite("k", &TrainParams::k)
      .def_readwrite("learning_rate", &TrainParams::learning_rate)
      .def_readwrite("l2_p", &TrainParams::l2_p)
      .def_readwrite("l2_q", &TrainParams::l2_q)
      .def_readwrite("l1_p", &TrainParams::l1_p)
      .def_readwrite("l1_q", &TrainParams::l1_q)
      .def_readwrite("l2_user_bias", &TrainParams::l2_user_bias)
      .def_readwrite("l2_item_bias", &TrainParams::l2_item_bias)
      .def_readwrite("nonneg", &TrainParams::nonneg)
      .def_readwrite("clip", &TrainParams::clip)
      .def_readwrite("negatives", &TrainParams::negatives)
      .def_readwrite("negative_weight", &TrainParams::negative_weight)
      .def_readwrite("max_epochs", &TrainParams::max_epochs)
      .def_readwrite("holdout", &TrainParams::holdout)
      .def_readwrite("seed", &TrainParams::seed)
      .def_readwrite("stop_loss", &TrainParams::stop_loss)
      .def_readwrite("stop_rmse", &TrainParams::stop_rmse)
      .def_readwrite("stop_validation_rmse", &TrainParams::stop_validation_rmse)
      .def_readwrite("init_scale", &TrainParams::init_scale)
      .def_readwrite("threads", &TrainParams::threads)
      .def_readwrite("lr_decay", &TrainParams::lr_decay)
      .def_readwrite("grid", &TrainParams::grid)
      .def_readwrite("chunk_size", &TrainParams::chunk_size)
      .def_readwrite("isa", &TrainParams::isa)
      .def_readwrite("monitor_ms", &TrainParams::monitor_ms)
      .def_readwrite("monitor_sample", &TrainParams::monitor_sample)
      .def_readwrite("max_memory_bytes", &TrainParams::max_memory_bytes)
      .def_readwrite("time_limit_seconds", &TrainParams::time_limit_seconds)
      .def_readwrite("early_stop", &TrainParams::early_stop)
      .def_readwrite("early_stop_tolerance", &TrainParams::early_stop_tolerance);
  m.attr("AUTO_WEIGHT") = kAutoWeight;
  m.attr("AUTO_EPOCHS") = kAutoEpochs;
}

}  // namespace hogmf::python
