// Shared pieces of the C API's implementation (include/hogmf/c_api.h): the
// handle types behind the opaque pointers and the guard that turns every
// call's absl::Status or C++ exception into a hogmf_status and the thread's
// last-error message.
#pragma once

#include <utility>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "hogmf/c_api.h"
#include "hogmf/model.h"
#include "hogmf/ratings.h"

struct hogmf_ratings {
  hogmf::Ratings ratings;
};

struct hogmf_model {
  hogmf::Model model;
};

namespace hogmf::c_api {

// Records `status` as the thread's last error ("" when OK) and returns its code.
hogmf_status Report(const absl::Status& status) noexcept;
// Records an error for an exception that escaped a call.
hogmf_status ReportException() noexcept;

// Runs `body` (returning absl::Status) and reports its outcome; no exception
// leaves it.
template <typename Body>
hogmf_status Guard(Body&& body) noexcept {
  try {
    return Report(std::forward<Body>(body)());
  } catch (...) {
    return ReportException();
  }
}

// kInvalidArgument "<name> is NULL" unless `pointer` is set.
absl::Status NotNull(const void* pointer, absl::string_view name);

}  // namespace hogmf::c_api
