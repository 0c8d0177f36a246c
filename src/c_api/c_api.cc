// The C API (include/hogmf/c_api.h), part one: errors, ratings, and the calls
// on trained models (queries, predictions, recommendations, evaluation,
// fold-in, files). Training is in c_api_train.cc.
#include "hogmf/c_api.h"

#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "c_api/c_api_internal.h"
#include "hogmf/fold_in.h"
#include "hogmf/input.h"
#include "hogmf/metrics.h"
#include "hogmf/model_io.h"
#include "hogmf/recommend.h"
#include "util/status_macros.h"

#ifndef HOGMF_VERSION_STRING
#error "HOGMF_VERSION_STRING is defined by src/c_api/CMakeLists.txt"
#endif

namespace hogmf::c_api {
namespace {

// The last error of this thread. The message lives in `error_text`; when it
// cannot be stored (no memory), `error` points at a fixed text instead.
thread_local std::string error_text;
thread_local const char* error = "";

void SetError(absl::string_view message) noexcept {
  try {
    error_text.assign(message.data(), message.size());
    error = error_text.c_str();
  } catch (...) {
    error = "out of memory (the error message could not be stored)";
  }
}

}  // namespace

hogmf_status Report(const absl::Status& status) noexcept {
  if (status.ok()) {
    error_text.clear();
    error = "";
    return HOGMF_OK;
  }
  SetError(status.message());
  return static_cast<hogmf_status>(status.code());
}

hogmf_status ReportException() noexcept {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    SetError("out of memory");
    return HOGMF_RESOURCE_EXHAUSTED;
  } catch (const std::exception& e) {
    SetError(e.what());
    return HOGMF_INTERNAL;
  } catch (...) {
    SetError("unknown exception");
    return HOGMF_INTERNAL;
  }
}

absl::Status NotNull(const void* pointer, absl::string_view name) {
  if (pointer != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " is NULL"));
}

namespace {

const IdMap& SideMap(const Model& model, hogmf_side side) {
  return side == HOGMF_USERS ? model.users() : model.items();
}

absl::Status CheckSide(hogmf_side side) {
  if (side == HOGMF_USERS || side == HOGMF_ITEMS) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("side = ", static_cast<int>(side),
                                                 "; expected HOGMF_USERS (0) or HOGMF_ITEMS (1)"));
}

// Index `index` of the array `name` checked against `rows`: below it, or kUnknownIndex.
absl::Status CheckIndex(uint32_t index, uint32_t rows, absl::string_view name, size_t position) {
  if (index < rows || index == kUnknownIndex) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, "[", position, "] = ", index,
                                                 ": past the model's ", rows,
                                                 " rows (HOGMF_UNKNOWN_INDEX names no row)"));
}

// Stores a new model handle in *out.
void Emit(Model model, hogmf_model** out) { *out = new hogmf_model{std::move(model)}; }

}  // namespace
}  // namespace hogmf::c_api

using hogmf::c_api::Guard;
using hogmf::c_api::NotNull;

extern "C" {

const char* hogmf_last_error(void) { return hogmf::c_api::error; }

const char* hogmf_status_name(hogmf_status status) {
  switch (status) {
    case HOGMF_OK:
      return "OK";
    case HOGMF_CANCELLED:
      return "CANCELLED";
    case HOGMF_UNKNOWN:
      return "UNKNOWN";
    case HOGMF_INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case HOGMF_DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case HOGMF_NOT_FOUND:
      return "NOT_FOUND";
    case HOGMF_ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case HOGMF_PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case HOGMF_RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case HOGMF_FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case HOGMF_ABORTED:
      return "ABORTED";
    case HOGMF_OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case HOGMF_UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case HOGMF_INTERNAL:
      return "INTERNAL";
    case HOGMF_UNAVAILABLE:
      return "UNAVAILABLE";
    case HOGMF_DATA_LOSS:
      return "DATA_LOSS";
    case HOGMF_UNAUTHENTICATED:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

const char* hogmf_version(void) { return HOGMF_VERSION_STRING; }

// ---- Ratings ----

hogmf_status hogmf_ratings_read(const char* path, const char* format, const char* user_column,
                                const char* item_column, const char* rating_column,
                                hogmf_ratings** out) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(out, "out"));
    *out = nullptr;
    HOGMF_RETURN_IF_ERROR(NotNull(path, "path"));
    hogmf::ReadOptions options;
    if (format != nullptr) {
      absl::StatusOr<hogmf::Format> parsed = hogmf::ParseFormat(format);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("format: ", parsed.status().message()));
      }
      options.format = *parsed;
    }
    if (user_column != nullptr) options.user_column = user_column;
    if (item_column != nullptr) options.item_column = item_column;
    if (rating_column != nullptr) options.rating_column = rating_column;
    HOGMF_ASSIGN_OR_RETURN(hogmf::ReadResult read, hogmf::ReadRatings(path, options));
    *out = new hogmf_ratings{std::move(read.ratings)};
    return absl::OkStatus();
  });
}

hogmf_status hogmf_ratings_from_arrays(const int64_t* users, const int64_t* items,
                                       const float* values, size_t n, hogmf_id_mapping mapping,
                                       hogmf_ratings** out) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(out, "out"));
    *out = nullptr;
    if (n > 0) {
      HOGMF_RETURN_IF_ERROR(NotNull(users, "users"));
      HOGMF_RETURN_IF_ERROR(NotNull(items, "items"));
    }
    if (mapping != HOGMF_IDS_DENSE && mapping != HOGMF_IDS_IDENTITY) {
      return absl::InvalidArgumentError(
          absl::StrCat("mapping = ", static_cast<int>(mapping),
                       "; expected HOGMF_IDS_DENSE (0) or HOGMF_IDS_IDENTITY (1)"));
    }
    hogmf::ValueSpan value_span;
    if (values != nullptr) value_span = std::span<const float>(values, n);
    HOGMF_ASSIGN_OR_RETURN(
        hogmf::Ratings ratings,
        hogmf::RatingsFromArrays(
            std::span<const int64_t>(users, n), std::span<const int64_t>(items, n), value_span,
            mapping == HOGMF_IDS_DENSE ? hogmf::IdMapping::kDense : hogmf::IdMapping::kIdentity));
    *out = new hogmf_ratings{std::move(ratings)};
    return absl::OkStatus();
  });
}

hogmf_status hogmf_ratings_size(const hogmf_ratings* ratings, uint32_t* num_users,
                                uint32_t* num_items, uint64_t* num_ratings) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(ratings, "ratings"));
    if (num_users != nullptr) *num_users = ratings->ratings.num_users();
    if (num_items != nullptr) *num_items = ratings->ratings.num_items();
    if (num_ratings != nullptr) *num_ratings = ratings->ratings.size();
    return absl::OkStatus();
  });
}

void hogmf_ratings_free(hogmf_ratings* ratings) { delete ratings; }

// ---- Models ----

hogmf_status hogmf_model_dims(const hogmf_model* model, uint32_t* num_users, uint32_t* num_items,
                              int* k) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    if (num_users != nullptr) *num_users = model->model.num_users();
    if (num_items != nullptr) *num_items = model->model.num_items();
    if (k != nullptr) *k = model->model.k();
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_factors(const hogmf_model* model, hogmf_side side, const float** data,
                                 uint32_t* rows, int* k, size_t* row_stride) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    HOGMF_RETURN_IF_ERROR(NotNull(data, "data"));
    HOGMF_RETURN_IF_ERROR(hogmf::c_api::CheckSide(side));
    const hogmf::FactorMatrix& factors =
        side == HOGMF_USERS ? model->model.user_factors() : model->model.item_factors();
    *data = factors.data();
    if (rows != nullptr) *rows = factors.rows();
    if (k != nullptr) *k = factors.k();
    if (row_stride != nullptr) *row_stride = factors.stride();
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_biases(const hogmf_model* model, float* mean, const float** user_biases,
                                const float** item_biases) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    const hogmf::Model& m = model->model;
    if (mean != nullptr) *mean = m.mean();
    if (user_biases != nullptr) *user_biases = m.has_biases() ? m.user_biases().data() : nullptr;
    if (item_biases != nullptr) *item_biases = m.has_biases() ? m.item_biases().data() : nullptr;
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_id(const hogmf_model* model, hogmf_side side, uint32_t index, char* buf,
                            size_t size, size_t* length) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    HOGMF_RETURN_IF_ERROR(hogmf::c_api::CheckSide(side));
    const hogmf::IdMap& map = hogmf::c_api::SideMap(model->model, side);
    if (index >= map.size()) {
      return absl::OutOfRangeError(absl::StrCat("index ", index, " is past the model's ",
                                                map.size(),
                                                side == HOGMF_USERS ? " users" : " items"));
    }
    std::string id = map.Name(index);
    if (length != nullptr) *length = id.size();
    if (buf == nullptr && size == 0) return absl::OkStatus();
    HOGMF_RETURN_IF_ERROR(NotNull(buf, "buf"));
    if (size <= id.size()) {
      return absl::OutOfRangeError(absl::StrCat("buf of ", size, " bytes is too small for id '", id,
                                                "' (", id.size() + 1, " bytes with its NUL)"));
    }
    std::memcpy(buf, id.c_str(), id.size() + 1);
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_index(const hogmf_model* model, hogmf_side side, const char* id,
                               uint32_t* index) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    HOGMF_RETURN_IF_ERROR(NotNull(id, "id"));
    HOGMF_RETURN_IF_ERROR(NotNull(index, "index"));
    HOGMF_RETURN_IF_ERROR(hogmf::c_api::CheckSide(side));
    std::optional<uint32_t> found = hogmf::c_api::SideMap(model->model, side).Find(id);
    if (!found.has_value()) {
      *index = HOGMF_UNKNOWN_INDEX;
      return absl::NotFoundError(
          absl::StrCat(side == HOGMF_USERS ? "user" : "item", " '", id, "' is not in the model"));
    }
    *index = *found;
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_predict(const hogmf_model* model, const uint32_t* users,
                                 const uint32_t* items, size_t n, float* out) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    if (n == 0) return absl::OkStatus();
    HOGMF_RETURN_IF_ERROR(NotNull(users, "users"));
    HOGMF_RETURN_IF_ERROR(NotNull(items, "items"));
    HOGMF_RETURN_IF_ERROR(NotNull(out, "out"));
    const hogmf::Model& m = model->model;
    for (size_t j = 0; j < n; ++j) {
      HOGMF_RETURN_IF_ERROR(hogmf::c_api::CheckIndex(users[j], m.num_users(), "users", j));
      HOGMF_RETURN_IF_ERROR(hogmf::c_api::CheckIndex(items[j], m.num_items(), "items", j));
    }
    for (size_t j = 0; j < n; ++j) out[j] = m.Predict(users[j], items[j]);
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_predict_ids(const hogmf_model* model, const char* const* user_ids,
                                     const char* const* item_ids, size_t n, float* out,
                                     size_t* unknown) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    if (unknown != nullptr) *unknown = 0;
    if (n == 0) return absl::OkStatus();
    HOGMF_RETURN_IF_ERROR(NotNull(user_ids, "user_ids"));
    HOGMF_RETURN_IF_ERROR(NotNull(item_ids, "item_ids"));
    HOGMF_RETURN_IF_ERROR(NotNull(out, "out"));
    const hogmf::Model& m = model->model;
    std::vector<float> predictions(n);
    size_t unknown_pairs = 0;
    for (size_t j = 0; j < n; ++j) {
      if (user_ids[j] == nullptr || item_ids[j] == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(user_ids[j] == nullptr ? "user_ids[" : "item_ids[", j, "] is NULL"));
      }
      uint32_t user = m.users().Find(user_ids[j]).value_or(hogmf::kUnknownIndex);
      uint32_t item = m.items().Find(item_ids[j]).value_or(hogmf::kUnknownIndex);
      if (user == hogmf::kUnknownIndex || item == hogmf::kUnknownIndex) ++unknown_pairs;
      predictions[j] = m.Predict(user, item);
    }
    std::memcpy(out, predictions.data(), n * sizeof(float));
    if (unknown != nullptr) *unknown = unknown_pairs;
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_recommend(const hogmf_model* model, const uint32_t* users, size_t n_users,
                                   int top_n, int threads, uint32_t* out_items, float* out_scores,
                                   size_t out_size, uint32_t* out_counts) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    if (top_n < 1) {
      return absl::InvalidArgumentError(absl::StrCat("top_n = ", top_n, "; expected >= 1"));
    }
    if (n_users == 0) return absl::OkStatus();
    HOGMF_RETURN_IF_ERROR(NotNull(users, "users"));
    HOGMF_RETURN_IF_ERROR(NotNull(out_items, "out_items"));
    const size_t per_user = static_cast<size_t>(top_n);
    if (n_users > std::numeric_limits<size_t>::max() / per_user || out_size < n_users * per_user) {
      return absl::InvalidArgumentError(absl::StrCat("out_size = ", out_size, "; ", n_users,
                                                     " users x top_n ", top_n, " need more"));
    }
    hogmf::RecommendOptions options;
    options.top_n = top_n;
    options.threads = threads;
    size_t position = 0;  // blocks arrive in the order of `users`, one call at a time
    return hogmf::RecommendForUsers(
        model->model, std::span<const uint32_t>(users, n_users), options,
        [&](std::span<const hogmf::UserRecommendations> block) {
          for (const hogmf::UserRecommendations& list : block) {
            uint32_t* items = out_items + position * per_user;
            float* scores = out_scores == nullptr ? nullptr : out_scores + position * per_user;
            for (size_t r = 0; r < per_user; ++r) {
              const bool filled = r < list.items.size();
              items[r] = filled ? list.items[r].item : HOGMF_UNKNOWN_INDEX;
              if (scores != nullptr) {
                scores[r] = filled ? list.items[r].score : -std::numeric_limits<float>::infinity();
              }
            }
            if (out_counts != nullptr) out_counts[position] = list.items.size();
            ++position;
          }
        });
  });
}

hogmf_status hogmf_model_evaluate(const hogmf_model* model, const hogmf_ratings* ratings,
                                  double* rmse, double* mae, uint64_t* count, uint64_t* unknown) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    HOGMF_RETURN_IF_ERROR(NotNull(ratings, "ratings"));
    hogmf::EvalResult result = hogmf::Evaluate(model->model, ratings->ratings);
    if (rmse != nullptr) *rmse = result.rmse;
    if (mae != nullptr) *mae = result.mae;
    if (count != nullptr) *count = result.count;
    if (unknown != nullptr) *unknown = result.unknown;
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_fold_in(const hogmf_model* model, const hogmf_ratings* ratings, float l2,
                                 int threads, hogmf_model** out) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(out, "out"));
    *out = nullptr;
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    HOGMF_RETURN_IF_ERROR(NotNull(ratings, "ratings"));
    hogmf::FoldInParams params;
    params.l2 = l2 < 0 ? hogmf::kAutoWeight : l2;  // a NaN goes on to Validate's message
    params.threads = threads;
    HOGMF_ASSIGN_OR_RETURN(hogmf::FoldInResult folded,
                           hogmf::FoldIn(model->model, ratings->ratings, params));
    hogmf::c_api::Emit(std::move(folded.model), out);
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_save(const hogmf_model* model, const char* path) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    HOGMF_RETURN_IF_ERROR(NotNull(path, "path"));
    return hogmf::SaveModel(model->model, path);
  });
}

hogmf_status hogmf_model_load(const char* path, hogmf_model** out) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(out, "out"));
    *out = nullptr;
    HOGMF_RETURN_IF_ERROR(NotNull(path, "path"));
    HOGMF_ASSIGN_OR_RETURN(hogmf::Model model, hogmf::LoadModel(path));
    hogmf::c_api::Emit(std::move(model), out);
    return absl::OkStatus();
  });
}

hogmf_status hogmf_model_export_libmf(const hogmf_model* model, const char* path) {
  return Guard([&]() -> absl::Status {
    HOGMF_RETURN_IF_ERROR(NotNull(model, "model"));
    HOGMF_RETURN_IF_ERROR(NotNull(path, "path"));
    return hogmf::ExportLibmfModel(model->model, path);
  });
}

void hogmf_model_free(hogmf_model* model) { delete model; }

}  // extern "C"
