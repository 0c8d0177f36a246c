// HOGMF_CHECK: aborts with file:line for a broken internal invariant. User
// mistakes are never checked this way; they return an absl::Status.
#pragma once

#include <cstdio>
#include <cstdlib>

#define HOGMF_CHECK(cond)                                                                    \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: internal check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
