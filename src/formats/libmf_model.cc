// ExportLibmfModel and ImportLibmfModel: LIBMF's text model format, as LIBMF's
// mf_save_model writes it and mf_load_model reads it:
//
//   f <loss function>           LIBMF's -f code: 0 for squared error
//   m <rows of P>
//   n <rows of Q>
//   k <factors per row>
//   b <training mean>
//   p0 T v1 v2 ... vk           one line per row of P, each value followed by
//   p1 F 0 0 ... 0              a space; "F" marks a row without trained
//   ...                         values (NaN in LIBMF), its k values are zeros
//   q0 T v1 v2 ... vk           then one line per row of Q
//
// Rows are the model's dense indices, so the id maps are identity maps. LIBMF
// predicts b for an index outside the model and for an F row; hogmf's Model
// does the same for out-of-range and unseen rows, so F rows map to unseen
// rows. Values are written in the shortest form that reads back to the same
// float. The reader goes line by line so every error names file:line.
//
// LIBMF models have no biases: a model with biases is exported with two more
// columns that fold them into the dot product, p' = [p, mean + b_u, 1] and
// q' = [q, 1, b_i], so p'.q' = mean + b_u + b_i + p.q is the model's score
// for every seen pair (up to float rounding: LIBMF sums in another order).
// Unseen rows become T rows of zero factors and zero biases, p' = [0, mean,
// 1] and q' = [0, 1, 0], so LIBMF scores a pair with an unseen side as the
// model does: mean + b_i (unseen user), mean + b_u (unseen item), mean (both).
// Read back, such a model is a plain k + 2 model whose every row is trained
// and whose scores equal the biased model's. The f line carries the model's loss; for the
// classification losses (5, 6, 7) mf-predict outputs the score's sign.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "formats/libmf_model.h"
#include "formats/model_check.h"
#include "formats/text_scanner.h"
#include "hogmf/loss.h"
#include "hogmf/model.h"
#include "hogmf/model_io.h"
#include "model/model_internal.h"
#include "util/absl_compat.h"
#include "util/file.h"
#include "util/input_stream.h"
#include "util/status_macros.h"

namespace hogmf {
namespace {

using formats::NextToken;
using formats::Quote;
using internal::ToAbsl;

constexpr int64_t kLibmfIntMax = std::numeric_limits<int32_t>::max();
// Factor storage a header may request without the file being long enough to
// hold it (the rows are then found missing one by one).
constexpr double kUncheckedStorageBytes = 16.0 * 1024 * 1024;

// ---------------------------------------------------------------------------
// Writing.

void AppendFloat(std::string& out, float value) {
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

// The two columns that fold a row's bias into LIBMF's dot product: users
// [mean + b_u, 1], items [1, b_i].
// An unseen row's bias counts as 0, as Model::Score counts it.
void BiasColumns(const Model& model, char prefix, uint32_t r, bool seen, float* columns) {
  if (prefix == 'p') {
    columns[0] = model.mean() + (seen ? model.user_biases()[r] : 0.0f);
    columns[1] = 1.0f;
  } else {
    columns[0] = 1.0f;
    columns[1] = seen ? model.item_biases()[r] : 0.0f;
  }
}

// Appends the rows of P ('p') or Q ('q'): a seen row's k values, then its
// bias columns when the model has biases. An unseen user of a one-class
// model is T and the model's cold_user row; another unseen row of a model
// without biases is F and zeros; with biases it is T, zero factors and the
// bias columns of a zero bias. So LIBMF scores every pair as Model::Score
// does (mean + the other side's bias, or the cold user's score).
void AppendRows(const FactorMatrix& factors, char prefix, bool (Model::*seen)(uint32_t) const,
                const Model& model, internal::AtomicFileWriter& file, std::string& buffer) {
  const int k = factors.k();
  const int columns = model.has_biases() ? k + 2 : k;
  for (uint32_t r = 0; r < factors.rows(); ++r) {
    buffer += prefix;
    buffer += std::to_string(r);
    const bool trained = (model.*seen)(r);
    if (prefix == 'p' && !trained && !model.cold_user().empty()) {
      // A one-class model scores users it has no row for by its cold_user row.
      buffer += " T ";
      for (const float value : model.cold_user()) {
        AppendFloat(buffer, value);
        buffer += ' ';
      }
    } else if (trained || model.has_biases()) {
      buffer += " T ";
      const float* row = factors.row(r);
      for (int d = 0; d < k; ++d) {
        if (trained) {
          AppendFloat(buffer, row[d]);
          buffer += ' ';
        } else {
          buffer += "0 ";
        }
      }
      if (model.has_biases()) {
        float bias_columns[2];
        BiasColumns(model, prefix, r, trained, bias_columns);
        for (const float value : bias_columns) {
          AppendFloat(buffer, value);
          buffer += ' ';
        }
      }
    } else {
      buffer += " F ";
      for (int d = 0; d < columns; ++d) buffer += "0 ";
    }
    buffer += '\n';
    if (buffer.size() >= (1 << 16)) {
      file.Write(buffer);
      buffer.clear();
    }
  }
}

// A trained row LIBMF's reader cannot take: it parses numbers only, no nan/inf.
absl::Status CheckFinite(const FactorMatrix& factors, char prefix, const char* what,
                         bool (Model::*seen)(uint32_t) const, const Model& model,
                         const std::string& path) {
  for (uint32_t r = 0; r < factors.rows(); ++r) {
    if (!(model.*seen)(r)) continue;
    const float* row = factors.row(r);
    for (int d = 0; d < factors.k(); ++d) {
      if (!std::isfinite(row[d])) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": cannot export to LIBMF: ", what, " ", r,
                         " holds a non-finite factor, which LIBMF cannot read"));
      }
    }
    if (!model.has_biases()) continue;
    float bias_columns[2];
    BiasColumns(model, prefix, r, /*seen=*/true, bias_columns);
    if (!std::isfinite(bias_columns[0]) || !std::isfinite(bias_columns[1])) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": cannot export to LIBMF: the bias of ", what, " ", r,
          prefix == 'p' ? " (plus the mean)" : "", " is not finite, which LIBMF cannot read"));
    }
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Reading.

// Numbers as C++ streams read them: an optional sign (plus included).
bool ParseInt(std::string_view text, int64_t* value) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  const char* end = text.data() + text.size();
  const std::from_chars_result result = std::from_chars(text.data(), end, *value);
  return result.ec == std::errc() && result.ptr == end && !text.empty();
}

bool ParseFiniteFloat(std::string_view text, float* value) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  const char* end = text.data() + text.size();
  const std::from_chars_result result = std::from_chars(text.data(), end, *value);
  return result.ec == std::errc() && result.ptr == end && !text.empty() && std::isfinite(*value);
}

class LibmfReader {
 public:
  LibmfReader(const std::string& path, std::string_view data) : path_(path), data_(data) {}

  absl::StatusOr<Model> Read() {
    int64_t fun = 0;
    int64_t m = 0;
    int64_t n = 0;
    int64_t k = 0;
    float b = 0.0f;
    HOGMF_RETURN_IF_ERROR(ReadIntHeader("f", "loss function", &fun));
    const absl::StatusOr<Loss> loss = ParseLoss(absl::StrCat(fun));
    if (!loss.ok()) {
      return Error(absl::StrCat("unknown loss function f ", fun,
                                ", expected one of LIBMF's 0, 1, 2, 5, 6, 7, 10, 11, 12"));
    }
    HOGMF_RETURN_IF_ERROR(ReadIntHeader("m", "number of rows", &m));
    if (m < 0 || m > kLibmfIntMax) return Error(absl::StrCat("m = ", m, " is out of range"));
    m_ = m;
    HOGMF_RETURN_IF_ERROR(ReadIntHeader("n", "number of columns", &n));
    if (n < 0 || n > kLibmfIntMax) return Error(absl::StrCat("n = ", n, " is out of range"));
    HOGMF_RETURN_IF_ERROR(ReadIntHeader("k", "number of factors", &k));
    if (k < 1 || k > kLibmfIntMax) return Error(absl::StrCat("k = ", k, ", expected k >= 1"));
    {
      std::string_view value;
      HOGMF_RETURN_IF_ERROR(ReadHeader("b", "average", &value));
      if (!ParseFiniteFloat(value, &b)) {
        return Error(absl::StrCat("b = ", Quote(value), " is not a finite number"));
      }
    }
    // Every row line takes at least 4 + 2k bytes ("p0 T" and " v" per value),
    // so the file size bounds what the header may ask to allocate. Small
    // models skip this check so that a short file gets the row-level error.
    const uint64_t rows = static_cast<uint64_t>(m) + static_cast<uint64_t>(n);
    const double storage_bytes = static_cast<double>(rows) *
                                 static_cast<double>(FactorMatrix::StrideFor(static_cast<int>(k))) *
                                 sizeof(float);
    const uint64_t min_row_bytes = 4 + 2 * static_cast<uint64_t>(k);
    const uint64_t left = data_.size() - pos_;
    if (storage_bytes > kUncheckedStorageBytes && rows > 0 && min_row_bytes > left / rows) {
      return Error(absl::StrCat("the header promises m + n = ", rows, " rows of k = ", k,
                                " values, more than the ", left, " bytes after it can hold"));
    }
    if (rows == 0 && k > (int64_t{1} << 20)) return Error(absl::StrCat("k = ", k, " is too large"));

    Model model(static_cast<int>(k), IdMap::Identity(static_cast<uint32_t>(m)),
                IdMap::Identity(static_cast<uint32_t>(n)));
    internal::ModelInternal::set_mean(model, b);
    internal::ModelInternal::set_loss(model, *loss);
    HOGMF_RETURN_IF_ERROR(ReadRows('p', internal::ModelInternal::user_factors(model), model,
                                   &internal::ModelInternal::set_user_seen));
    HOGMF_RETURN_IF_ERROR(ReadRows('q', internal::ModelInternal::item_factors(model), model,
                                   &internal::ModelInternal::set_item_seen));
    std::string_view line;
    if (NextLine(&line)) {
      return Error(absl::StrCat("expected the end of the file after m = ", m, " p rows and n = ", n,
                                " q rows, found ", Quote(line)));
    }
    HOGMF_RETURN_IF_ERROR(formats::CheckModelFinite(path_, model));
    internal::ModelInternal::UpdateColdUser(model);
    return model;
  }

 private:
  absl::Status Error(const std::string& what) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ":", line_no_, ": ", what));
  }

  // The next line holding more than whitespace; false at the end of the file
  // (then line_no_ is one past the last line).
  bool NextLine(std::string_view* line) {
    while (pos_ < data_.size()) {
      const size_t newline = data_.find('\n', pos_);
      const size_t end = newline == std::string_view::npos ? data_.size() : newline;
      *line = data_.substr(pos_, end - pos_);
      pos_ = newline == std::string_view::npos ? data_.size() : newline + 1;
      ++line_no_;
      std::string_view rest = *line;
      std::string_view token;
      if (NextToken(rest, &token)) return true;
    }
    ++line_no_;
    return false;
  }

  absl::Status ReadHeader(const char* tag, const char* meaning, std::string_view* value) {
    const std::string expected = absl::StrCat("header line \"", tag, " <", meaning, ">\"");
    std::string_view line;
    if (!NextLine(&line)) return Error(absl::StrCat("the file ends before the ", expected));
    std::string_view rest = line;
    std::string_view token;
    std::string_view extra;
    if (!NextToken(rest, &token) || token != tag || !NextToken(rest, value) ||
        NextToken(rest, &extra)) {
      return Error(absl::StrCat("expected ", expected, ", found ", Quote(line)));
    }
    return absl::OkStatus();
  }

  absl::Status ReadIntHeader(const char* tag, const char* meaning, int64_t* value) {
    std::string_view text;
    HOGMF_RETURN_IF_ERROR(ReadHeader(tag, meaning, &text));
    if (!ParseInt(text, value)) {
      return Error(absl::StrCat(tag, " = ", Quote(text), " is not an integer"));
    }
    return absl::OkStatus();
  }

  absl::Status ReadRows(char prefix, FactorMatrix& factors, Model& model,
                        void (*set_seen)(Model&, uint32_t, bool)) {
    const int k = factors.k();
    const char other = prefix == 'p' ? 'q' : 'p';
    for (uint32_t r = 0; r < factors.rows(); ++r) {
      const std::string name = absl::StrCat(std::string(1, prefix), r);
      std::string_view line;
      if (!NextLine(&line)) {
        return Error(absl::StrCat("the file ends before row ", name, " (", factors.rows(), " ",
                                  std::string(1, prefix), " rows expected)"));
      }
      std::string_view rest = line;
      std::string_view token;
      NextToken(rest, &token);
      if (token != name) {
        int64_t index = 0;
        const bool indexed = token.size() > 1 && ParseInt(token.substr(1), &index) &&
                             token[1] != '+' && token[1] != '-';
        if (indexed && token[0] == prefix) {
          return Error(absl::StrCat("expected row ", name, ", found ", Quote(token),
                                    " (rows must be numbered 0, 1, 2, ... in order)"));
        }
        if (indexed && token[0] == other) {
          // Too many or too few p rows: either way the count in question is m.
          return Error(absl::StrCat("expected row ", name, ", found ", Quote(token),
                                    " (the header says m = ", m_, ")"));
        }
        return Error(absl::StrCat("expected row ", name, ", found ", Quote(line)));
      }
      if (!NextToken(rest, &token) || (token != "T" && token != "F")) {
        return Error(absl::StrCat("expected T or F after ", name, ", found ", Quote(line)));
      }
      const bool trained = token == "T";
      float* row = factors.row(r);
      int count = 0;
      while (NextToken(rest, &token)) {
        if (count >= k) {
          int total = count + 1;
          while (NextToken(rest, &token)) ++total;
          return Error(absl::StrCat(name, " has ", total, " values, expected k = ", k));
        }
        if (trained && !ParseFiniteFloat(token, &row[count])) {
          return Error(absl::StrCat("value ", count + 1, " of ", name, ", ", Quote(token),
                                    ", is not a finite number"));
        }
        ++count;
      }
      if (count != k) return Error(absl::StrCat(name, " has ", count, " values, expected k = ", k));
      if (!trained) std::memset(row, 0, static_cast<size_t>(k) * sizeof(float));
      set_seen(model, r, trained);
    }
    return absl::OkStatus();
  }

  const std::string& path_;
  std::string_view data_;
  size_t pos_ = 0;
  uint64_t line_no_ = 0;
  int64_t m_ = 0;
};

}  // namespace

absl::Status ExportLibmfModel(const Model& model, const std::string& path) {
  if (model.k() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot export a model without factors (k = 0)"));
  }
  if (model.num_users() > kLibmfIntMax || model.num_items() > kLibmfIntMax) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot export to LIBMF: ", model.num_users(), " users x ",
                     model.num_items(), " items exceeds LIBMF's limit of ", kLibmfIntMax, " rows"));
  }
  if (!std::isfinite(model.mean())) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot export to LIBMF: the model mean is not finite"));
  }
  HOGMF_RETURN_IF_ERROR(
      CheckFinite(model.user_factors(), 'p', "user", &Model::user_seen, model, path));
  HOGMF_RETURN_IF_ERROR(
      CheckFinite(model.item_factors(), 'q', "item", &Model::item_seen, model, path));

  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<internal::AtomicFileWriter> file,
                         internal::AtomicFileWriter::Create(path));
  const int k = model.has_biases() ? model.k() + 2 : model.k();
  std::string buffer = absl::StrCat("f ", LibmfLossCode(model.loss()), "\nm ", model.num_users(),
                                    "\nn ", model.num_items(), "\nk ", k, "\nb ");
  AppendFloat(buffer, model.mean());
  buffer += '\n';
  AppendRows(model.user_factors(), 'p', &Model::user_seen, model, *file, buffer);
  AppendRows(model.item_factors(), 'q', &Model::item_seen, model, *file, buffer);
  file->Write(buffer);
  return file->Commit();
}

absl::StatusOr<Model> ImportLibmfModel(const std::string& path) {
  HOGMF_ASSIGN_OR_RETURN(std::shared_ptr<const internal::MappedFile> file,
                         internal::ReadWholeInput(path));
  return formats::ParseLibmfModel(path, file->view());
}

absl::StatusOr<Model> formats::ParseLibmfModel(std::string_view path, std::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(path), ": empty file, not a LIBMF model"));
  }
  return LibmfReader(std::string(path), text).Read();
}

}  // namespace hogmf
