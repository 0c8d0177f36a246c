// Loss names, LIBMF codes and the properties the rest of hogmf asks of a loss.
#include "hogmf/loss.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "formats/text_scanner.h"
#include "util/absl_compat.h"

namespace hogmf {
namespace {

struct LossEntry {
  Loss loss;
  std::string_view name;
  int libmf_code;
};

constexpr LossEntry kLosses[] = {
    {Loss::kSquared, "squared", 0},
    {Loss::kAbsolute, "absolute", 1},
    {Loss::kKl, "kl", 2},
    {Loss::kLogistic, "logistic", 5},
    {Loss::kSquaredHinge, "squared-hinge", 6},
    {Loss::kHinge, "hinge", 7},
    {Loss::kBprRow, "bpr-row", 10},
    {Loss::kBprColumn, "bpr-column", 11},
    {Loss::kOneClassSquared, "one-class-squared", 12},
};

const LossEntry& EntryFor(Loss loss) {
  for (const LossEntry& entry : kLosses) {
    if (entry.loss == loss) return entry;
  }
  return kLosses[0];
}

}  // namespace

std::string_view LossName(Loss loss) { return EntryFor(loss).name; }

int LibmfLossCode(Loss loss) { return EntryFor(loss).libmf_code; }

absl::StatusOr<Loss> ParseLoss(std::string_view name) {
  using formats::EqualsIgnoreCase;
  if (EqualsIgnoreCase(name, "bpr")) return Loss::kBprRow;
  for (const LossEntry& entry : kLosses) {
    if (EqualsIgnoreCase(name, entry.name) || name == absl::StrCat(entry.libmf_code)) {
      return entry.loss;
    }
  }
  std::string names;
  for (const LossEntry& entry : kLosses) {
    if (!names.empty()) names += ", ";
    names += entry.name;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown loss \"", internal::ToAbsl(name),
                                                 "\"; expected one of ", names,
                                                 " (or LIBMF's -f number)"));
}

bool IsPairwise(Loss loss) { return loss == Loss::kBprRow || loss == Loss::kBprColumn; }

bool IsOneClass(Loss loss) { return IsPairwise(loss) || loss == Loss::kOneClassSquared; }

bool IsBinary(Loss loss) {
  return loss == Loss::kLogistic || loss == Loss::kSquaredHinge || loss == Loss::kHinge;
}

bool PredictsValues(Loss loss) {
  return loss == Loss::kSquared || loss == Loss::kAbsolute || loss == Loss::kKl;
}

}  // namespace hogmf
