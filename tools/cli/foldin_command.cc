// hogmf foldin: gives users who arrived after training their rows, with the
// model's item factors held fixed, and saves the extended model.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/common.h"
#include "hogmf/fold_in.h"
#include "hogmf/model_io.h"

namespace hogmf::cli {

int RunFoldIn(const std::vector<std::string>& args) {
  ReadFlags read_flags;
  FoldInParams params;
  bool quiet = false;
  FlagSet flags("hogmf foldin [flags] MODEL RATINGS OUT",
                "Solves a row for every user of RATINGS against MODEL's item factors, which\n"
                "stay as they are, and saves the result to OUT. Users the model has are refitted\n"
                "from RATINGS alone; new users are added. Each row minimizes the training loss\n"
                "over that user's ratings: a ridge regression with weight l2/2 per rating\n"
                "(with biases, the user's bias is solved with the row).\n"
                "Ratings of items the model lacks are skipped. '-' is standard input (MODEL or\n"
                "RATINGS) or standard output (OUT).");
  AddReadFlags(flags, &read_flags);
  std::string l2 = "auto";
  flags.AddString("l2", &l2,
                  "L2 weight of the user rows (and biases): auto (the weights the model was "
                  "trained with) or a value");
  flags.AddInt("threads", &params.threads, "threads; 0 = every core");
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("foldin", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 3) return UsageError("foldin", "expected MODEL RATINGS OUT", flags);
  if (l2 != "auto") {
    char* end = nullptr;
    params.l2 = std::strtof(l2.c_str(), &end);
    if (l2.empty() || end != l2.c_str() + l2.size() || !(params.l2 >= 0)) {
      return Fail("foldin", absl::InvalidArgumentError(absl::StrCat(
                                "invalid --l2=", l2, "; expected a number >= 0, or auto")));
    }
  }
  if (absl::Status valid = params.Validate(); !valid.ok()) return Fail("foldin", valid);
  if (absl::Status streams = ResolveStdStreams({{&positional[0], PathUse::kInput, "MODEL"},
                                                {&positional[1], PathUse::kInput, "RATINGS"},
                                                {&positional[2], PathUse::kBinaryOutput, "OUT"}});
      !streams.ok()) {
    return Fail("foldin", streams);
  }
  absl::StatusOr<Model> model = LoadModel(positional[0]);
  if (!model.ok()) return Fail("foldin", model.status());
  absl::StatusOr<ReadResult> data = ReadWithFlags(positional[1], read_flags, quiet);
  if (!data.ok()) return Fail("foldin", data.status());
  absl::StatusOr<FoldInResult> folded = FoldIn(std::move(*model), data->ratings, params);
  if (!folded.ok()) return Fail("foldin", folded.status());
  OutputSet outputs;
  if (absl::Status saved = SaveModel(folded->model, outputs.Stage(positional[2])); !saved.ok()) {
    return Fail("foldin", outputs.Named(saved));
  }
  if (absl::Status committed = outputs.Commit(); !committed.ok()) {
    return Fail("foldin", committed);
  }
  if (!quiet) {
    const FoldInReport& r = folded->report;
    absl::FPrintF(stderr,
                  "folded in %d new and %d known users from %d ratings; saved model to %s\n",
                  r.users_added, r.users_refitted, r.ratings_used, positional[2]);
    if (r.ratings_skipped > 0) {
      absl::FPrintF(stderr, "skipped %d ratings of items the model has no factors for\n",
                    r.ratings_skipped);
    }
    if (r.users_without_known_items > 0) {
      absl::FPrintF(stderr,
                    "%d users rated no item the model knows: they keep their row, or, if new, "
                    "are predicted as the mean\n",
                    r.users_without_known_items);
    }
  }
  return kExitOk;
}

}  // namespace hogmf::cli
