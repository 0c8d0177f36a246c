// Training from Python: the session runs on a C++ thread while the calling
// thread waits in short slices with the GIL released, taking the GIL back
// between slices to check for signals (Ctrl-C) and to hand each epoch to the
// Python callback. A signal or a callback that stops sets TrainOptions::cancel
// (or ends the session after its epoch); the model trained so far is kept and
// returned with the exception, which the package raises after storing it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "binding.h"
#include "hogmf/auto_params.h"
#include "hogmf/params.h"
#include "hogmf/ratings.h"
#include "hogmf/trainer.h"
#include "status.h"

namespace hogmf::python {
namespace {

// How long the calling thread waits without the GIL between signal checks.
constexpr auto kWaitSlice = std::chrono::milliseconds(50);

py::dict EpochDict(const EpochStats& e) {
  py::dict d;
  d["epoch"] = e.epoch;
  d["updates"] = e.updates;
  d["complete"] = e.complete;
  d["loss"] = e.loss;
  d["train_rmse"] = e.train_rmse;
  d["validation_rmse"] =
      e.validation_rmse < 0 ? py::object(py::none()) : py::float_(e.validation_rmse);
  d["validation_loss"] =
      e.validation_loss < 0 ? py::object(py::none()) : py::float_(e.validation_loss);
  d["seconds"] = e.seconds;
  d["elapsed_seconds"] = e.elapsed_seconds;
  d["updates_per_second"] = e.updates_per_second;
  d["learning_rate"] = e.learning_rate;
  return d;
}

py::dict TrialDict(const ParamsTrial& t) {
  py::dict d;
  d["l2"] = t.l2;
  d["epochs"] = t.epochs;
  d["score"] = t.score;
  d["seconds"] = t.seconds;
  return d;
}

py::dict ReportDict(const TrainReport& r) {
  py::dict d;
  d["epochs"] = r.epochs;
  d["updates"] = r.updates;
  d["seconds"] = r.seconds;
  d["updates_per_second"] = r.updates_per_second;
  d["loss"] = r.loss;
  d["train_rmse"] = r.train_rmse;
  d["validation_rmse"] =
      r.validation_rmse < 0 ? py::object(py::none()) : py::float_(r.validation_rmse);
  d["validation_unknown"] = r.validation_unknown;
  d["stop_reason"] = std::string(StopReasonName(r.stop_reason));
  d["kernel"] = r.kernel;
  d["threads"] = r.threads;
  d["schedule"] = std::string(ScheduleName(r.schedule));
  d["order"] = std::string(OrderName(r.order));
  d["best_epoch"] = r.best_epoch;
  d["warm_start"] = r.warm_start;
  d["new_users"] = r.new_users;
  d["new_items"] = r.new_items;
  py::list history;
  for (const EpochStats& e : r.history) history.append(EpochDict(e));
  d["history"] = history;
  d["params"] = r.params;
  py::list trials;
  for (const ParamsTrial& t : r.choice.trials) trials.append(TrialDict(t));
  d["trials"] = trials;
  d["choice_seconds"] = r.choice.seconds;
  d["choice_note"] = r.choice.note;
  return d;
}

// What the training thread and the calling thread share.
struct Session : TrainObserver {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::variant<EpochStats, ParamsTrial>> events;
  bool done = false;
  bool epoch_pending = false;  // the trainer waits for the callback's answer
  bool stop = false;           // the callback asked to stop
  std::atomic<bool> cancel{false};
  absl::Status status;
  std::optional<TrainResult> result;

  void OnTrial(const ParamsTrial& trial) override {
    std::lock_guard<std::mutex> lock(mu);
    events.emplace_back(trial);
    cv.notify_all();
  }

  // Hands an epoch to the calling thread; with `wait`, until it answered.
  bool HandEpoch(const EpochStats& stats, bool wait) {
    std::unique_lock<std::mutex> lock(mu);
    events.emplace_back(stats);
    epoch_pending = wait;
    cv.notify_all();
    cv.wait(lock, [&] { return !epoch_pending || cancel.load(); });
    return !stop && !cancel.load();
  }

  void Run(std::optional<Model> initial, Ratings ratings, const TrainParams& params,
           const Ratings* validation, bool keep_rated, bool wait_for_callback) {
    TrainOptions options;
    options.validation = validation;
    options.observer = this;
    options.keep_rated_items = keep_rated;
    options.cancel = &cancel;
    absl::StatusOr<Trainer> trainer =
        initial.has_value()
            ? Trainer::Continue(*std::move(initial), std::move(ratings), params, options)
            : Trainer::Create(std::move(ratings), params, options);
    absl::Status run_status = trainer.status();
    if (trainer.ok()) {
      const int limit = trainer->report().params.max_epochs;
      while (trainer->epoch() < limit && !cancel.load()) {
        absl::StatusOr<EpochStats> epoch = trainer->RunEpoch();
        if (!epoch.ok()) {
          run_status = epoch.status();
          break;
        }
        if (!HandEpoch(*epoch, wait_for_callback)) break;
        if (trainer->stop_reason().has_value()) break;
      }
      if (run_status.ok()) result = trainer->Finish();
    }
    std::lock_guard<std::mutex> lock(mu);
    status = run_status;
    done = true;
    cv.notify_all();
  }
};

// Trains; returns (model or None, report or None, pending exception or None).
// Library errors raise at once when nothing is pending.
py::tuple Train(Ratings& ratings, const TrainParams& params, const Ratings* validation,
                std::optional<ModelPtr> initial, py::object on_epoch, py::object on_trial,
                bool keep_rated) {
  Session session;
  std::optional<Model> initial_model;
  if (initial.has_value() && *initial) initial_model = (*initial)->model;
  const bool wait_for_callback = !on_epoch.is_none();
  py::object pending = py::none();
  {
    py::gil_scoped_release release;
    std::thread worker([&, train = std::move(ratings)]() mutable {
      session.Run(std::move(initial_model), std::move(train), params, validation, keep_rated,
                  wait_for_callback);
    });
    bool finished = false;
    while (!finished) {
      std::deque<std::variant<EpochStats, ParamsTrial>> events;
      {
        std::unique_lock<std::mutex> lock(session.mu);
        session.cv.wait_for(lock, kWaitSlice,
                            [&] { return session.done || !session.events.empty(); });
        events.swap(session.events);
        finished = session.done;
      }
      bool stop = false;
      {
        py::gil_scoped_acquire acquire;
        if (pending.is_none() && PyErr_CheckSignals() != 0) {
          py::error_already_set error;
          pending = error.value();
          stop = true;
        }
        for (const auto& event : events) {
          if (!pending.is_none()) break;
          try {
            if (const auto* trial = std::get_if<ParamsTrial>(&event)) {
              if (!on_trial.is_none()) on_trial(TrialDict(*trial));
            } else if (!on_epoch.is_none()) {
              const py::object answer = on_epoch(EpochDict(std::get<EpochStats>(event)));
              if (!answer.is_none() && !answer.cast<bool>()) stop = true;
            }
          } catch (py::error_already_set& error) {
            pending = error.value();
            stop = true;
          }
        }
      }
      std::lock_guard<std::mutex> lock(session.mu);
      if (!pending.is_none()) session.cancel = true;
      if (stop) session.stop = true;
      session.epoch_pending = false;
      session.cv.notify_all();
    }
    worker.join();
  }
  if (!session.status.ok() && pending.is_none()) ThrowIfError(session.status);
  if (!session.result.has_value()) return py::make_tuple(py::none(), py::none(), pending);
  py::dict report = ReportDict(session.result->report);
  // Stops made here between epochs, which the engine did not see as a rule.
  if (session.cancel.load()) {
    report["stop_reason"] = std::string(StopReasonName(StopReason::kCancelled));
  } else if (session.stop) {
    report["stop_reason"] = std::string(StopReasonName(StopReason::kCallback));
  }
  ModelPtr model = std::make_shared<ModelHandle>(std::move(session.result->model));
  return py::make_tuple(model, report, pending);
}

}  // namespace

void RegisterTrain(py::module_& m) {
  m.def("train", &Train, py::arg("ratings"), py::arg("params"), py::arg("validation"),
        py::arg("initial"), py::arg("on_epoch"), py::arg("on_trial"), py::arg("keep_rated") = true);
}

}  // namespace hogmf::python
