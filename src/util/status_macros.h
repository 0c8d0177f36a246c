// Status plumbing used throughout src/: early-return macros for absl::Status
// and absl::StatusOr (Abseil's 2022 LTS ships none).
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define HOGMF_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status hogmf_status_ = (expr);         \
    if (!hogmf_status_.ok()) return hogmf_status_; \
  } while (false)

#define HOGMF_CONCAT_INNER_(a, b) a##b
#define HOGMF_CONCAT_(a, b) HOGMF_CONCAT_INNER_(a, b)

// `lhs = value of expr` when the StatusOr `expr` is OK; returns its status otherwise.
#define HOGMF_ASSIGN_OR_RETURN(lhs, expr) \
  HOGMF_ASSIGN_OR_RETURN_IMPL_(HOGMF_CONCAT_(hogmf_statusor_, __LINE__), lhs, expr)
#define HOGMF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()
