// hogmf predict, eval and recommend: the subcommands that use a saved model
// (hogmf's own format or a LIBMF model file as it is).
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "cli/common.h"
#include "hogmf/metrics.h"
#include "hogmf/model_io.h"
#include "hogmf/recommend.h"
#include "hogmf/write_file.h"

namespace hogmf::cli {

int RunPredict(const std::vector<std::string>& args) {
  ReadFlags read_flags;
  bool quiet = false;
  bool noclip = false;
  FlagSet flags("hogmf predict [flags] MODEL FILE [OUT]",
                "Predicts the rating of every (user, item) pair of FILE, one value per line in\n"
                "the order of FILE, to OUT (or standard output). Users or items the model has\n"
                "not seen in training are predicted as the training mean (plus the other\n"
                "side's bias in a model with biases). Predictions are clipped to the training\n"
                "range when the model clips; --noclip prints the raw scores.");
  AddReadFlags(flags, &read_flags);
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  flags.AddBool("noclip", &noclip, "print raw scores, not clipped to the training range");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("predict", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() < 2 || positional.size() > 3) {
    return UsageError("predict", "expected MODEL FILE [OUT]", flags);
  }
  absl::StatusOr<Model> model = LoadModel(positional[0]);
  if (!model.ok()) return Fail("predict", model.status());
  absl::StatusOr<ReadResult> data = ReadWithFlags(positional[1], read_flags, quiet);
  if (!data.ok()) return Fail("predict", data.status());
  size_t unknown = 0;
  const std::vector<Rating> aligned =
      AlignTo(data->ratings, model->users(), model->items(), &unknown);
  std::string text;
  text.reserve(aligned.size() * 10);
  for (const Rating& r : aligned) {
    const float value = noclip ? model->Score(r.user, r.item) : model->Predict(r.user, r.item);
    absl::StrAppendFormat(&text, "%.6g\n", value);
  }
  if (positional.size() == 3) {
    if (absl::Status status = WriteFileAtomically(positional[2], text); !status.ok()) {
      return Fail("predict", status);
    }
  } else {
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  if (!quiet && unknown > 0) {
    absl::FPrintF(stderr,
                  "%d pairs with a user or item unseen in training (predicted as the mean)\n",
                  unknown);
  }
  return kExitOk;
}

int RunEval(const std::vector<std::string>& args) {
  ReadFlags read_flags;
  bool quiet = false;
  FlagSet flags("hogmf eval [flags] MODEL FILE",
                "Prints the RMSE and MAE of MODEL's predictions on the ratings of FILE, and how\n"
                "many pairs had a user or item unseen in training (predicted as the mean).");
  AddReadFlags(flags, &read_flags);
  flags.AddBool("quiet", &quiet, "print only the figures");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("eval", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 2) return UsageError("eval", "expected MODEL FILE", flags);
  absl::StatusOr<Model> model = LoadModel(positional[0]);
  if (!model.ok()) return Fail("eval", model.status());
  absl::StatusOr<ReadResult> data = ReadWithFlags(positional[1], read_flags, quiet);
  if (!data.ok()) return Fail("eval", data.status());
  const EvalResult result = Evaluate(*model, data->ratings);
  absl::PrintF("rmse %.6f\nmae %.6f\nunseen_pairs %d\n", result.rmse, result.mae, result.unknown);
  return kExitOk;
}

int RunRecommend(const std::vector<std::string>& args) {
  std::string user;
  int top = 10;
  FlagSet flags("hogmf recommend MODEL --user=ID [--top=N]",
                "Prints the N items with the highest predicted rating for user ID, best first,\n"
                "as 'rank item score' lines; items the user rated in training are excluded.");
  flags.AddString("user", &user, "the user's id, as in the training file");
  flags.AddInt("top", &top, "how many items");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("recommend", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 1) return UsageError("recommend", "expected MODEL", flags);
  if (!flags.WasSet("user")) return UsageError("recommend", "--user is required", flags);
  absl::StatusOr<Model> model = LoadModel(positional[0]);
  if (!model.ok()) return Fail("recommend", model.status());
  absl::StatusOr<std::vector<Recommendation>> best = Recommend(*model, user, top);
  if (!best.ok()) return Fail("recommend", best.status());
  int rank = 1;
  for (const Recommendation& r : *best) {
    absl::PrintF("%d\t%s\t%.4f\n", rank++, model->items().Name(r.item), r.score);
  }
  return kExitOk;
}

}  // namespace hogmf::cli
