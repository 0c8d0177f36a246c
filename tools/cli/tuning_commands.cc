// hogmf cv and hogmf tune: cross-validation of the training flags on a
// ratings file, and a search over k, l2, lr and epochs scored by
// cross-validation or a validation file.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/common.h"
#include "cli/report_json.h"
#include "cli/string_views.h"
#include "cli/train_flags.h"
#include "hogmf/cross_validation.h"
#include "hogmf/tune.h"
#include "hogmf/write_file.h"

namespace hogmf::cli {
namespace {

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The shortest decimal text that reads back as `value` (so a printed flag
// reproduces the float that was used): 80, 0.00827, 1e-05.
std::string ShortestFloat(float value) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof(text), value);
  return ec == std::errc() ? std::string(text, end) : absl::StrFormat("%.9g", value);
}

// `arg` as one shell word: as it is when that is safe, else single-quoted.
std::string ShellWord(std::string_view arg) {
  const bool safe = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("._,:/=@%+-").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(arg);
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

// `text` padded with spaces to `width` characters (UTF-8: "±" is one).
std::string PadRight(std::string text, size_t width) {
  size_t chars = 0;
  for (char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (chars < width) text.append(width - chars, ' ');
  return text;
}

// --- hogmf cv ---------------------------------------------------------------

std::string CvReportJson(const CvResult& cv, const CvOptions& options) {
  std::string json = "{\n";
  absl::StrAppendFormat(&json, "  \"folds\": %d,\n", options.folds);
  absl::StrAppendFormat(&json, "  \"seed\": %d,\n", options.seed);
  absl::StrAppendFormat(&json, "  \"seconds\": %s,\n", JsonNumber(cv.seconds));
  json += "  \"metrics\": {";
  for (size_t m = 0; m < cv.summaries.size(); ++m) {
    const CvSummary& s = cv.summaries[m];
    absl::StrAppendFormat(&json, "%s\n    %s: {\"mean\": %s, \"sd\": %s}", m > 0 ? "," : "",
                          JsonString(s.name), JsonNumber(s.mean), JsonNumber(s.sd));
  }
  json += "\n  },\n  \"fold_results\": [";
  for (size_t f = 0; f < cv.folds.size(); ++f) {
    const CvFold& fold = cv.folds[f];
    absl::StrAppendFormat(&json,
                          "%s\n    {\"fold\": %d, \"train_ratings\": %d, \"held_out\": %d, "
                          "\"unknown\": %d, \"epochs\": %d, \"train_seconds\": %s, "
                          "\"seconds\": %s",
                          f > 0 ? "," : "", fold.fold + 1, fold.train_ratings, fold.held_out,
                          fold.eval.unknown, fold.epochs, JsonNumber(fold.train_seconds),
                          JsonNumber(fold.seconds));
    for (size_t m = 0; m < cv.metric_names.size(); ++m) {
      absl::StrAppendFormat(&json, ", %s: %s", JsonString(cv.metric_names[m]),
                            JsonNumber(fold.values[m]));
    }
    json += "}";
  }
  json += "\n  ]\n}\n";
  return json;
}

// --- hogmf tune: the search space flags -------------------------------------

constexpr std::string_view kRealSyntax =
    "a number, a list a,b,c, or a range low:high (log-uniform; low:high:lin for uniform)";

absl::Status BadSearchValue(std::string_view flag, std::string_view text,
                            std::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", ToAbsl(flag), "=", ToAbsl(text), ": expected ", ToAbsl(expected)));
}

bool ParseDouble(std::string_view text, double* out) {
  const std::string copy(text);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return !copy.empty() && end == copy.c_str() + copy.size() && std::isfinite(*out);
}

absl::Status ParseIntList(std::string_view flag, std::string_view text, std::vector<int>* out) {
  for (absl::string_view part : absl::StrSplit(ToAbsl(text), ',')) {
    double value = 0;
    if (!ParseDouble(ToStd(part), &value) || value != std::floor(value) || std::abs(value) > 1e9) {
      return BadSearchValue(flag, text, "an integer or a list a,b,c of integers");
    }
    out->push_back(static_cast<int>(value));
  }
  return absl::OkStatus();
}

absl::Status ParseRealDimension(std::string_view flag, std::string_view text, RealDimension* out) {
  if (text.find(':') != std::string_view::npos) {
    std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(text), ':');
    RealRange range;
    if (parts.size() < 2 || parts.size() > 3 || !ParseDouble(ToStd(parts[0]), &range.low) ||
        !ParseDouble(ToStd(parts[1]), &range.high)) {
      return BadSearchValue(flag, text, kRealSyntax);
    }
    if (parts.size() == 3) {
      if (parts[2] == "lin") {
        range.log_scale = false;
      } else if (parts[2] != "log") {
        return BadSearchValue(flag, text, kRealSyntax);
      }
    }
    out->range = range;
    return absl::OkStatus();
  }
  for (absl::string_view part : absl::StrSplit(ToAbsl(text), ',')) {
    double value = 0;
    if (!ParseDouble(ToStd(part), &value)) return BadSearchValue(flag, text, kRealSyntax);
    out->values.push_back(value);
  }
  return absl::OkStatus();
}

std::string ScoreText(const TrialResult& trial, bool by_cv) {
  if (!trial.status.ok()) return "diverged";
  const double score = std::abs(trial.score);  // a higher-is-better metric is negated
  return by_cv ? absl::StrFormat("%.4f ± %.4f", score, trial.score_sd)
               : absl::StrFormat("%.4f", score);
}

// The flags of `trial` that the search chose.
std::string SearchedFlags(const TrainParams& params) {
  return absl::StrCat("--k=", params.k, " --lr=", ShortestFloat(params.learning_rate),
                      " --l2=", ShortestFloat(params.l2_p), " --epochs=", params.max_epochs);
}

std::string TuneReportJson(const TuneResult& tuned, const TuneOptions& options,
                           const std::string& train_command) {
  std::string json = "{\n";
  absl::StrAppendFormat(&json, "  \"search\": \"%s\",\n",
                        std::string(SearchKindName(options.search)));
  absl::StrAppendFormat(&json, "  \"scored_by\": \"%s\",\n",
                        options.validation != nullptr ? "validation" : "cv");
  if (options.validation == nullptr)
    absl::StrAppendFormat(&json, "  \"folds\": %d,\n", options.cv.folds);
  absl::StrAppendFormat(&json, "  \"metric\": %s,\n", JsonString(options.metric));
  absl::StrAppendFormat(&json, "  \"seconds\": %s,\n", JsonNumber(tuned.seconds));
  absl::StrAppendFormat(&json, "  \"budget_exhausted\": %s,\n",
                        tuned.budget_exhausted ? "true" : "false");
  absl::StrAppendFormat(&json, "  \"best\": %d,\n", tuned.trials[tuned.best].trial + 1);
  absl::StrAppendFormat(&json, "  \"best_command\": %s,\n", JsonString(train_command));
  json += "  \"trials\": [";
  for (size_t t = 0; t < tuned.trials.size(); ++t) {
    const TrialResult& trial = tuned.trials[t];
    absl::StrAppendFormat(
        &json,
        "%s\n    {\"trial\": %d, \"k\": %d, \"lr\": %s, \"l2\": %s, \"epochs\": %d, "
        "\"score\": %s, \"score_sd\": %s, \"epochs_run\": %d, \"seconds\": %s",
        t > 0 ? "," : "", trial.trial + 1, trial.params.k,
        ShortestFloat(trial.params.learning_rate), ShortestFloat(trial.params.l2_p),
        trial.params.max_epochs, JsonNumber(std::abs(trial.score)), JsonNumber(trial.score_sd),
        trial.epochs, JsonNumber(trial.seconds));
    if (!trial.status.ok()) {
      absl::StrAppendFormat(&json, ", \"error\": %s", JsonString(ToStd(trial.status.message())));
    }
    json += "}";
  }
  json += "\n  ]\n}\n";
  return json;
}

}  // namespace

int RunCv(const std::vector<std::string>& args) {
  TrainFlags train_flags = InitialTrainFlags(args);
  ReadFlags read_flags;
  CvOptions options;
  std::string report_path;
  bool quiet = false;
  FlagSet flags("hogmf cv --folds=K [flags] FILE",
                "K-fold cross-validation: splits the ratings of FILE at random into K folds,\n"
                "trains on K - 1 of them with the training flags (those of 'hogmf train'),\n"
                "scores the fold left out, and prints each fold's RMSE and MAE and their\n"
                "mean and standard deviation over the folds. FILE '-' is standard input.");
  AddReadFlags(flags, &read_flags);
  AddTrainFlags(flags, &train_flags);
  flags.AddInt("folds", &options.folds, "number of folds K, 2 .. the number of ratings");
  flags.AddUint64("cv-seed", &options.seed, "seed of the random split into folds");
  flags.AddBool("validate-on-held-out", &options.validate_on_held_out,
                "pass each held-out fold to training as its validation set, for --early-stop "
                "and --stop-validation-rmse (the scores are then optimistic)");
  flags.AddString("report", &report_path, "write the folds and the summary as JSON to this file");
  flags.AddBool("quiet", &quiet, "print nothing but the results and errors");

  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("cv", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 1) return UsageError("cv", "expected one ratings FILE", flags);
  if (absl::Status valid = ResolveTrainFlags(&train_flags); !valid.ok()) return Fail("cv", valid);
  const TrainParams& params = train_flags.params;
  if ((params.early_stop > 0 || params.stop_validation_rmse > 0) && !options.validate_on_held_out) {
    return Fail("cv", absl::InvalidArgumentError(
                          "--early-stop and --stop-validation-rmse need a validation set: add "
                          "--validate-on-held-out (each held-out fold then chooses its stopping "
                          "epoch)"));
  }

  if (absl::Status streams = ResolveStdStreams({{nullptr, PathUse::kPrinted, "the results"},
                                                {&positional[0], PathUse::kInput, "FILE"},
                                                {&report_path, PathUse::kOutput, "--report"}});
      !streams.ok()) {
    return Fail("cv", streams);
  }
  absl::StatusOr<ReadResult> data = ReadWithFlags(positional[0], read_flags, quiet);
  if (!data.ok()) return Fail("cv", data.status());
  absl::StatusOr<CvResult> cv = CrossValidate(data->ratings, params, options);
  if (!cv.ok()) return Fail("cv", cv.status());

  for (const CvFold& fold : cv->folds) {
    std::string line = absl::StrFormat("fold %d/%d  train %d  held-out %d", fold.fold + 1,
                                       options.folds, fold.train_ratings, fold.held_out);
    for (size_t m = 0; m < cv->metric_names.size(); ++m) {
      absl::StrAppendFormat(&line, "  %s %.4f", cv->metric_names[m], fold.values[m]);
    }
    absl::StrAppendFormat(&line, "  epochs %d  %.2f s", fold.epochs, fold.seconds);
    if (fold.eval.unknown > 0) {
      absl::StrAppendFormat(&line, "  (%d unseen pairs)", fold.eval.unknown);
    }
    absl::PrintF("%s\n", line);
  }
  for (const CvSummary& summary : cv->summaries) {
    absl::PrintF("%s %.4f ± %.4f\n", summary.name, summary.mean, summary.sd);
  }
  if (!quiet) absl::FPrintF(stderr, "%d folds in %.2f s\n", options.folds, cv->seconds);
  if (!report_path.empty()) {
    if (absl::Status written = WriteFileAtomically(report_path, CvReportJson(*cv, options));
        !written.ok()) {
      return Fail("cv", written);
    }
  }
  return kExitOk;
}

int RunTune(const std::vector<std::string>& args) {
  TrainFlags train_flags = InitialTrainFlags(args);
  ReadFlags read_flags;
  TuneOptions options;
  std::string k_text, l2_text, lr_text, epochs_text;
  std::string search = "random";
  std::string validation_path;
  std::string report_path;
  bool quiet = false;
  FlagSet flags("hogmf tune [flags] (--folds=K | --validation=FILE) FILE",
                "Searches k, l2, lr and epochs: trains one model per trial with the training\n"
                "flags (those of 'hogmf train') as the base and the searched values on top,\n"
                "scores it by K-fold cross-validation of FILE or on a validation file, and\n"
                "prints the trials sorted by score and the best as a 'hogmf train' command.\n"
                "--k and --epochs take a list (16,32,64); --l2 and --lr a list or a range\n"
                "low:high, drawn log-uniformly (low:high:lin for uniform); a flag left out\n"
                "keeps the training default. FILE or --validation may be '-', standard input.");
  AddReadFlags(flags, &read_flags);
  AddTrainFlags(flags, &train_flags);
  // The searched flags take lists and ranges here: they replace the shared
  // single-valued ones, and the values chosen are set on the params after the
  // shared flags are resolved.
  for (std::string_view searched : {"k", "l2", "lr", "epochs"}) flags.Remove(searched);
  flags.AddString("k", &k_text, "latent factors to try: a list, e.g. 16,32,64");
  flags.AddString("l2", &l2_text, "L2 weights to try: a list, or a range low:high[:lin]");
  flags.AddString("lr", &lr_text, "learning rates to try: a list, or a range low:high[:lin]");
  flags.AddString("epochs", &epochs_text, "epoch limits to try: a list");
  flags.AddString("search", &search, "random (--trials draws) or grid (every combination)");
  flags.AddInt("trials", &options.trials,
               "random: trials to run (0 = 20); grid: at most this many points (0 = all)");
  flags.AddInt("grid-points", &options.grid_points, "grid: values taken from each range");
  flags.AddDouble("time-budget", &options.time_budget_seconds,
                  "start no new trial after this many seconds; 0 = no limit");
  flags.AddUint64("search-seed", &options.seed, "seed of the random search's draws");
  flags.AddInt("folds", &options.cv.folds, "score each trial by K-fold cross-validation");
  flags.AddUint64("cv-seed", &options.cv.seed, "seed of the random split into folds");
  flags.AddString("validation", &validation_path,
                  "score each trial on this ratings file instead (training uses all of FILE)");
  flags.AddString("metric", &options.metric, "the score to minimize: rmse or mae");
  flags.AddString("report", &report_path, "write every trial and the best as JSON to this file");
  flags.AddBool("quiet", &quiet, "print nothing but the results and errors");

  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("tune", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 1) return UsageError("tune", "expected one ratings FILE", flags);
  if (flags.WasSet("folds") && !validation_path.empty()) {
    return UsageError("tune", "give --folds=K or --validation=FILE, not both", flags);
  }
  if (absl::Status valid = ResolveTrainFlags(&train_flags); !valid.ok()) {
    return Fail("tune", valid);
  }
  absl::StatusOr<SearchKind> kind = ParseSearchKind(search);
  if (!kind.ok()) return Fail("tune", kind.status());
  options.search = *kind;
  SearchSpace space;
  absl::Status parsed = absl::OkStatus();
  if (parsed.ok() && !k_text.empty()) parsed = ParseIntList("k", k_text, &space.k);
  if (parsed.ok() && !epochs_text.empty()) {
    parsed = ParseIntList("epochs", epochs_text, &space.epochs);
  }
  if (parsed.ok() && !l2_text.empty()) parsed = ParseRealDimension("l2", l2_text, &space.l2);
  if (parsed.ok() && !lr_text.empty()) {
    parsed = ParseRealDimension("lr", lr_text, &space.learning_rate);
  }
  if (!parsed.ok()) return Fail("tune", parsed);

  const std::string file_arg = positional[0];  // as given, for the printed command
  if (absl::Status streams = ResolveStdStreams({{nullptr, PathUse::kPrinted, "the results"},
                                                {&positional[0], PathUse::kInput, "FILE"},
                                                {&validation_path, PathUse::kInput, "--validation"},
                                                {&report_path, PathUse::kOutput, "--report"}});
      !streams.ok()) {
    return Fail("tune", streams);
  }
  absl::StatusOr<ReadResult> data = ReadWithFlags(positional[0], read_flags, quiet);
  if (!data.ok()) return Fail("tune", data.status());
  absl::StatusOr<ReadResult> validation;
  if (!validation_path.empty()) {
    validation = ReadWithFlags(validation_path, read_flags, quiet);
    if (!validation.ok()) return Fail("tune", validation.status());
    options.validation = &validation->ratings;
  } else {
    // Validation rules (--early-stop) are then decided on each held-out fold.
    const TrainParams& base = train_flags.params;
    options.cv.validate_on_held_out = base.early_stop > 0 || base.stop_validation_rmse > 0;
    if (options.cv.folds < 2 || static_cast<size_t>(options.cv.folds) > data->ratings.size()) {
      return Fail("tune",
                  absl::InvalidArgumentError(absl::StrCat(
                      "--folds=", options.cv.folds, ": expected 2 .. the number of ratings (",
                      data->ratings.size(), "), or score on --validation=FILE")));
    }
  }
  const bool by_cv = options.validation == nullptr;
  if (!quiet) {
    options.on_trial = [&](const TrialResult& trial, int trials) {
      absl::FPrintF(stderr, "trial %d/%d  %s  %s %s  %.2f s\n", trial.trial + 1, trials,
                    SearchedFlags(trial.params), options.metric, ScoreText(trial, by_cv),
                    trial.seconds);
    };
  }
  absl::StatusOr<TuneResult> tuned = Tune(data->ratings, train_flags.params, space, options);
  if (!tuned.ok()) return Fail("tune", tuned.status());

  // The trials by score (diverged ones, scored +inf, last).
  std::vector<const TrialResult*> order;
  for (const TrialResult& trial : tuned->trials) order.push_back(&trial);
  std::stable_sort(order.begin(), order.end(),
                   [](const TrialResult* a, const TrialResult* b) { return a->score < b->score; });
  absl::PrintF("%-5s %-6s %-6s %-10s %-10s %-7s %-18s %s\n", "rank", "trial", "k", "lr", "l2",
               "epochs", options.metric, "seconds");
  for (size_t r = 0; r < order.size(); ++r) {
    const TrialResult& trial = *order[r];
    absl::PrintF("%-5d %-6d %-6d %-10s %-10s %-7d %s %.2f\n", r + 1, trial.trial + 1,
                 trial.params.k, ShortestFloat(trial.params.learning_rate),
                 ShortestFloat(trial.params.l2_p), trial.params.max_epochs,
                 PadRight(ScoreText(trial, by_cv), 18), trial.seconds);
  }
  if (tuned->budget_exhausted) {
    absl::PrintF("the time budget (%g s) stopped the search after %d trials\n",
                 options.time_budget_seconds, tuned->trials.size());
  }

  // The best as a command: the training and reading flags given here, then
  // the searched values, then the ratings file.
  const std::vector<std::string_view> tune_only = {
      "k",           "l2",          "lr",    "epochs",  "search", "trials", "grid-points",
      "time-budget", "search-seed", "folds", "cv-seed", "metric", "report", "quiet"};
  std::string command = "hogmf train";
  for (const auto& [name, text] : flags.SetFlags()) {
    if (std::find(tune_only.begin(), tune_only.end(), name) != tune_only.end()) continue;
    absl::StrAppend(&command, " ", ShellWord(absl::StrCat("--", name, "=", text)));
  }
  const TrialResult& best = tuned->trials[tuned->best];
  absl::StrAppend(&command, " ", SearchedFlags(best.params), " ", ShellWord(file_arg));
  absl::PrintF("best: %s\n", command);
  if (!report_path.empty()) {
    if (absl::Status written =
            WriteFileAtomically(report_path, TuneReportJson(*tuned, options, command));
        !written.ok()) {
      return Fail("tune", written);
    }
  }
  return kExitOk;
}

}  // namespace hogmf::cli
