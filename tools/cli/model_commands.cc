// hogmf predict, eval and recommend: the subcommands that use a saved model
// (hogmf's own format or a LIBMF model file as it is).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cli/common.h"
#include "cli/string_views.h"
#include "hogmf/metrics.h"
#include "hogmf/model_io.h"
#include "hogmf/ranking_metrics.h"
#include "hogmf/recommend.h"
#include "hogmf/write_file.h"

namespace hogmf::cli {
namespace {

// One line of eval's output.
struct Metric {
  enum class Kind { kRmse, kMae, kUnseenPairs, kAuc, kMpr, kPrecision, kRecall, kNdcg, kMap };
  Kind kind = Kind::kRmse;
  int n = 0;         // the cutoff of an @N metric
  std::string name;  // as printed
};

constexpr int kDefaultCutoff = 10;

bool IsRanking(const Metric& metric) {
  return metric.kind != Metric::Kind::kRmse && metric.kind != Metric::Kind::kMae &&
         metric.kind != Metric::Kind::kUnseenPairs;
}

// "rmse,mae,precision@10,...": names, with @N on precision, recall, ndcg
// and map (10 when left out).
absl::StatusOr<std::vector<Metric>> ParseMetrics(std::string_view list) {
  std::vector<Metric> metrics;
  for (absl::string_view part : absl::StrSplit(ToAbsl(list), ',')) {
    const std::string entry(absl::StripAsciiWhitespace(part));
    const size_t at = entry.find('@');
    const std::string base = entry.substr(0, at);
    Metric metric;
    if (base == "rmse") {
      metric.kind = Metric::Kind::kRmse;
    } else if (base == "mae") {
      metric.kind = Metric::Kind::kMae;
    } else if (base == "unseen_pairs") {
      metric.kind = Metric::Kind::kUnseenPairs;
    } else if (base == "auc") {
      metric.kind = Metric::Kind::kAuc;
    } else if (base == "mpr") {
      metric.kind = Metric::Kind::kMpr;
    } else if (base == "precision") {
      metric.kind = Metric::Kind::kPrecision;
    } else if (base == "recall") {
      metric.kind = Metric::Kind::kRecall;
    } else if (base == "ndcg") {
      metric.kind = Metric::Kind::kNdcg;
    } else if (base == "map") {
      metric.kind = Metric::Kind::kMap;
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown metric '%s' in --metrics; expected rmse, mae, unseen_pairs, auc, mpr, "
          "precision@N, recall@N, ndcg@N or map@N",
          entry));
    }
    const bool has_cutoff = metric.kind == Metric::Kind::kPrecision ||
                            metric.kind == Metric::Kind::kRecall ||
                            metric.kind == Metric::Kind::kNdcg || metric.kind == Metric::Kind::kMap;
    if (at != std::string::npos && !has_cutoff) {
      return absl::InvalidArgumentError(
          absl::StrFormat("metric '%s' takes no @N (only precision, recall, ndcg, map do)", entry));
    }
    metric.name = base;
    if (has_cutoff) {
      metric.n = kDefaultCutoff;
      if (at != std::string::npos &&
          (!absl::SimpleAtoi(entry.substr(at + 1), &metric.n) || metric.n < 1)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "invalid cutoff in metric '%s'; expected %s@N with N >= 1", entry, base));
      }
      metric.name = absl::StrFormat("%s@%d", base, metric.n);
    }
    metrics.push_back(std::move(metric));
  }
  return metrics;
}

}  // namespace

int RunPredict(const std::vector<std::string>& args) {
  ReadFlags read_flags;
  bool quiet = false;
  bool noclip = false;
  FlagSet flags("hogmf predict [flags] MODEL FILE [OUT]",
                "Predicts the rating of every (user, item) pair of FILE, one value per line in\n"
                "the order of FILE, to OUT (or standard output). Users or items the model has\n"
                "not seen in training are predicted as the training mean (plus the other\n"
                "side's bias in a model with biases). Predictions are clipped to the training\n"
                "range when the model clips; --noclip prints the raw scores. '-' is standard\n"
                "input (MODEL or FILE) or standard output (OUT).");
  AddReadFlags(flags, &read_flags);
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  flags.AddBool("noclip", &noclip, "print raw scores, not clipped to the training range");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("predict", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() < 2 || positional.size() > 3) {
    return UsageError("predict", "expected MODEL FILE [OUT]", flags);
  }
  if (positional.size() == 2) positional.push_back("-");
  if (absl::Status streams = ResolveStdStreams({{&positional[0], PathUse::kInput, "MODEL"},
                                                {&positional[1], PathUse::kInput, "FILE"},
                                                {&positional[2], PathUse::kOutput, "OUT"}});
      !streams.ok()) {
    return Fail("predict", streams);
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
  OutputSet outputs;
  if (absl::Status status = WriteFileAtomically(outputs.Stage(positional[2]), text); !status.ok()) {
    return Fail("predict", outputs.Named(status));
  }
  if (absl::Status status = outputs.Commit(); !status.ok()) return Fail("predict", status);
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
  std::string metrics_flag = "rmse,mae,unseen_pairs";
  float relevant = 0;
  int threads = 0;
  std::string baseline;
  FlagSet flags(
      "hogmf eval [flags] MODEL FILE",
      "Prints metrics of MODEL on the ratings of FILE, one 'name value' line each, in the\n"
      "order of --metrics. By default the RMSE and MAE of its predictions and how many\n"
      "pairs had a user or item unseen in training (predicted as the mean). Ranking\n"
      "metrics rank, for every test user the model was trained on, the items it can\n"
      "recommend to the user (trained, not rated by the user in training) by raw score:\n"
      "precision@N, recall@N, ndcg@N, map@N (N = 10 when left out), auc, mpr (LIBMF's\n"
      "mean percentile rank, 0 best); a test entry is relevant when its value is at\n"
      "least --relevant (every entry without it). --baseline=popularity ranks the same\n"
      "candidates by each item's number of users in training instead of MODEL's scores\n"
      "(ties to the lower index), for comparison; it needs MODEL's rated items (not\n"
      "trained with --nokeep-rated) and only ranking metrics. MODEL or FILE may be '-',\n"
      "standard input.");
  AddReadFlags(flags, &read_flags);
  flags.AddString("metrics", &metrics_flag,
                  "comma-separated: rmse, mae, unseen_pairs, auc, mpr, precision@N, recall@N, "
                  "ndcg@N, map@N");
  flags.AddFloat("relevant", &relevant,
                 "ranking metrics: test entries with a value >= this are relevant (default: all)");
  flags.AddInt("threads", &threads, "ranking metrics: threads; 0 = every core");
  flags.AddString("baseline", &baseline,
                  "rank by this instead of MODEL's scores: popularity (ranking metrics only)");
  flags.AddBool("quiet", &quiet, "print only the figures");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("eval", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 2) return UsageError("eval", "expected MODEL FILE", flags);
  absl::StatusOr<std::vector<Metric>> metrics = ParseMetrics(metrics_flag);
  if (!metrics.ok()) return UsageError("eval", ToStd(metrics.status().message()), flags);
  const bool popularity = flags.WasSet("baseline");
  if (popularity) {
    if (baseline != "popularity") {
      return UsageError(
          "eval", absl::StrFormat("unknown --baseline '%s'; expected popularity", baseline), flags);
    }
    for (const Metric& metric : *metrics) {
      if (!IsRanking(metric)) {
        return UsageError("eval",
                          absl::StrFormat("--baseline ranks items and predicts no values: '%s' is "
                                          "not a ranking metric; set --metrics",
                                          metric.name),
                          flags);
      }
    }
  }
  if (absl::Status streams = ResolveStdStreams(
          {{&positional[0], PathUse::kInput, "MODEL"}, {&positional[1], PathUse::kInput, "FILE"}});
      !streams.ok()) {
    return Fail("eval", streams);
  }
  absl::StatusOr<Model> model = LoadModel(positional[0]);
  if (!model.ok()) return Fail("eval", model.status());
  absl::StatusOr<ReadResult> data = ReadWithFlags(positional[1], read_flags, quiet);
  if (!data.ok()) return Fail("eval", data.status());
  const std::vector<Rating> aligned = AlignTo(data->ratings, model->users(), model->items());
  const EvalResult result = EvaluateAligned(*model, aligned);
  // Every cutoff asked for, once, from one ranking.
  RankingOptions ranking_options;
  ranking_options.cutoffs.clear();
  bool any_ranking = false;
  for (const Metric& metric : *metrics) {
    any_ranking = any_ranking || IsRanking(metric);
    if (metric.n > 0 && std::find(ranking_options.cutoffs.begin(), ranking_options.cutoffs.end(),
                                  metric.n) == ranking_options.cutoffs.end()) {
      ranking_options.cutoffs.push_back(metric.n);
    }
  }
  if (flags.WasSet("relevant")) ranking_options.relevant_threshold = relevant;
  ranking_options.threads = threads;
  if (popularity) ranking_options.scorer = RankingScorer::kPopularity;
  std::optional<RankingResult> ranking;
  if (any_ranking) {
    absl::StatusOr<RankingResult> ranked = EvaluateRankingAligned(*model, aligned, ranking_options);
    if (!ranked.ok()) return Fail("eval", ranked.status());
    ranking = *std::move(ranked);
    if (!quiet) {
      absl::FPrintF(stderr, "ranked %d users (%d relevant entries); %d users skipped\n",
                    ranking->users, ranking->relevant, ranking->skipped_users);
    }
  }
  const auto at = [&](int n) -> const CutoffMetrics& {
    for (const CutoffMetrics& c : ranking->at) {
      if (c.n == n) return c;
    }
    return ranking->at.front();  // not reached: every cutoff was asked for
  };
  std::string out;
  for (const Metric& metric : *metrics) {
    switch (metric.kind) {
      case Metric::Kind::kRmse:
        absl::StrAppendFormat(&out, "rmse %.6f\n", result.rmse);
        break;
      case Metric::Kind::kMae:
        absl::StrAppendFormat(&out, "mae %.6f\n", result.mae);
        break;
      case Metric::Kind::kUnseenPairs:
        absl::StrAppendFormat(&out, "unseen_pairs %d\n", result.unknown);
        break;
      case Metric::Kind::kAuc:
        absl::StrAppendFormat(&out, "auc %.6f\n", ranking->auc);
        break;
      case Metric::Kind::kMpr:
        absl::StrAppendFormat(&out, "mpr %.6f\n", ranking->mpr);
        break;
      case Metric::Kind::kPrecision:
        absl::StrAppendFormat(&out, "%s %.6f\n", metric.name, at(metric.n).precision);
        break;
      case Metric::Kind::kRecall:
        absl::StrAppendFormat(&out, "%s %.6f\n", metric.name, at(metric.n).recall);
        break;
      case Metric::Kind::kNdcg:
        absl::StrAppendFormat(&out, "%s %.6f\n", metric.name, at(metric.n).ndcg);
        break;
      case Metric::Kind::kMap:
        absl::StrAppendFormat(&out, "%s %.6f\n", metric.name, at(metric.n).map);
        break;
    }
  }
  WriteStdout(out);
  return kExitOk;
}

namespace {

// The users named in FILE, one id per line (blank lines skipped), as
// indices; an id the model lacks, or a user without ratings in training, is
// an error naming its line, or is skipped (and counted) with `skip_unknown`.
absl::StatusOr<std::vector<uint32_t>> ReadUsers(const std::string& path, const Model& model,
                                                bool skip_unknown, size_t* skipped) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrFormat("cannot open users file %s", path));
  }
  std::vector<uint32_t> users;
  std::string line;
  for (size_t number = 1; std::getline(file, line); ++number) {
    const std::string id(absl::StripAsciiWhitespace(line));
    if (id.empty()) continue;
    const std::optional<uint32_t> user = model.users().Find(id);
    if (!user || !model.user_seen(*user)) {
      if (skip_unknown) {
        ++*skipped;
        continue;
      }
      return absl::NotFoundError(
          absl::StrFormat("%s:%d: user '%s' %s (--skip-unknown skips such lines)", path, number, id,
                          user ? "has no ratings in training" : "is not in the model"));
    }
    users.push_back(*user);
  }
  if (file.bad()) return absl::InternalError(absl::StrFormat("cannot read users file %s", path));
  return users;
}

// Every user's lists as 'user item rank score' lines, to OUT: streamed block by
// block to standard output (/dev/stdout), or written to a file atomically.
int RecommendMany(const Model& model, const std::vector<uint32_t>& users, int top, int threads,
                  const std::string& out_path, bool quiet) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> item_names(model.num_items());
  for (uint32_t i = 0; i < model.num_items(); ++i) item_names[i] = model.items().Name(i);
  const bool to_stdout = out_path == "/dev/stdout";
  std::string text;
  size_t lines = 0;
  RecommendOptions options;
  options.top_n = top;
  options.threads = threads;
  const absl::Status status =
      RecommendForUsers(model, users, options, [&](std::span<const UserRecommendations> block) {
        for (const UserRecommendations& list : block) {
          const std::string user = model.users().Name(list.user);
          int rank = 1;
          for (const Recommendation& r : list.items) {
            absl::StrAppendFormat(&text, "%s\t%s\t%d\t%.4f\n", user, item_names[r.item], rank++,
                                  r.score);
          }
          lines += list.items.size();
        }
        if (to_stdout) {
          WriteStdout(text);
          text.clear();
        }
      });
  if (!status.ok()) return Fail("recommend", status);
  OutputSet outputs;
  if (absl::Status written =
          to_stdout ? FlushStdout() : WriteFileAtomically(outputs.Stage(out_path), text);
      !written.ok()) {
    return Fail("recommend", outputs.Named(written));
  }
  if (absl::Status committed = outputs.Commit(); !committed.ok()) {
    return Fail("recommend", committed);
  }
  if (!quiet) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    absl::FPrintF(stderr, "recommended %d items to %d users (%.2f s)\n", lines, users.size(),
                  seconds);
  }
  return kExitOk;
}

}  // namespace

int RunRecommend(const std::vector<std::string>& args) {
  std::string user;
  std::string users_file;
  bool all_users = false;
  bool skip_unknown = false;
  bool quiet = false;
  int top = 10;
  int threads = 0;
  FlagSet flags(
      "hogmf recommend MODEL --user=ID [--top=N]\n"
      "       hogmf recommend MODEL (--all-users | --users=FILE) [--top=N] [OUT]",
      "With --user, prints the N items with the highest score for user ID, best first,\n"
      "as 'rank item score' lines. With --all-users (every user trained on) or\n"
      "--users=FILE (one user id per line), writes every user's list as\n"
      "'user item rank score' lines, users in order, to OUT (or standard output). Items\n"
      "the user rated in training and items never trained are excluded; scores are the\n"
      "model's raw scores (with biases when it has them), never clipped. '-' is standard\n"
      "input (MODEL or --users) or standard output (OUT).");
  flags.AddString("user", &user, "the user's id, as in the training file");
  flags.AddBool("all-users", &all_users, "recommend to every user the model was trained on");
  flags.AddString("users", &users_file, "recommend to the users listed in this file");
  flags.AddBool("skip-unknown", &skip_unknown,
                "--users: skip ids not in the model or without training ratings (default: error)");
  flags.AddInt("top", &top, "how many items per user");
  flags.AddInt("threads", &threads, "--all-users, --users: threads; 0 = every core");
  flags.AddBool("quiet", &quiet, "--all-users, --users: print nothing but errors");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("recommend", flags, args, &positional, &exit_code)) return exit_code;
  const int forms = flags.WasSet("user") + all_users + flags.WasSet("users");
  if (forms != 1) {
    return UsageError("recommend", "give exactly one of --user, --all-users and --users", flags);
  }
  const bool many = forms == 1 && !flags.WasSet("user");
  if (positional.empty() || positional.size() > (many ? 2u : 1u)) {
    return UsageError("recommend", many ? "expected MODEL [OUT]" : "expected MODEL", flags);
  }
  if (top < 1) {
    return UsageError("recommend", absl::StrFormat("invalid --top=%d; expected >= 1", top), flags);
  }
  std::string out_path = many ? (positional.size() == 2 ? positional[1] : "-") : "";
  if (absl::Status streams = ResolveStdStreams({{&positional[0], PathUse::kInput, "MODEL"},
                                                {&users_file, PathUse::kInput, "--users"},
                                                {&out_path, PathUse::kOutput, "OUT"}});
      !streams.ok()) {
    return Fail("recommend", streams);
  }
  absl::StatusOr<Model> model = LoadModel(positional[0]);
  if (!model.ok()) return Fail("recommend", model.status());
  if (!many) {
    absl::StatusOr<std::vector<Recommendation>> best = Recommend(*model, user, top);
    if (!best.ok()) return Fail("recommend", best.status());
    int rank = 1;
    for (const Recommendation& r : *best) {
      absl::PrintF("%d\t%s\t%.4f\n", rank++, model->items().Name(r.item), r.score);
    }
    return kExitOk;
  }
  std::vector<uint32_t> users;
  if (all_users) {
    for (uint32_t u = 0; u < model->num_users(); ++u) {
      if (model->user_seen(u)) users.push_back(u);
    }
  } else {
    size_t skipped = 0;
    absl::StatusOr<std::vector<uint32_t>> listed =
        ReadUsers(users_file, *model, skip_unknown, &skipped);
    if (!listed.ok()) return Fail("recommend", listed.status());
    users = *std::move(listed);
    if (!quiet && skipped > 0) {
      absl::FPrintF(stderr, "skipped %d users not in the model or without training ratings\n",
                    skipped);
    }
  }
  return RecommendMany(*model, users, top, threads, out_path, quiet);
}

}  // namespace hogmf::cli
