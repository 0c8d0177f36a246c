// CheckModelFinite: refuses models with NaN or infinite values.
#include "formats/model_check.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hogmf::formats {

namespace {

absl::Status NotFinite(std::string_view name, const std::string& where, float value) {
  return absl::InvalidArgumentError(
      absl::StrCat(absl::string_view(name.data(), name.size()), ": ", where, " is ",
                   std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf"),
                   "; the model is corrupt or comes from a run that diverged"));
}

std::string RowName(const char* side, const IdMap& ids, uint32_t row) {
  return absl::StrCat(side, " '", ids.Name(row), "' (row ", row, ")");
}

absl::Status CheckFactors(std::string_view name, const char* side, const FactorMatrix& factors,
                          const IdMap& ids) {
  for (uint32_t r = 0; r < factors.rows(); ++r) {
    const float* row = factors.row(r);
    for (int c = 0; c < factors.k(); ++c) {
      if (!std::isfinite(row[c])) {
        return NotFinite(name, absl::StrCat(RowName(side, ids, r), ", factor column ", c), row[c]);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckBiases(std::string_view name, const char* side, const std::vector<float>& biases,
                         const IdMap& ids) {
  for (uint32_t r = 0; r < biases.size(); ++r) {
    if (!std::isfinite(biases[r])) {
      return NotFinite(name, absl::StrCat(RowName(side, ids, r), ", bias"), biases[r]);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckModelFinite(std::string_view name, const Model& model) {
  if (!std::isfinite(model.mean())) return NotFinite(name, "the mean", model.mean());
  if (absl::Status s = CheckFactors(name, "user", model.user_factors(), model.users()); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckFactors(name, "item", model.item_factors(), model.items()); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckBiases(name, "user", model.user_biases(), model.users()); !s.ok()) {
    return s;
  }
  return CheckBiases(name, "item", model.item_biases(), model.items());
}

}  // namespace hogmf::formats
