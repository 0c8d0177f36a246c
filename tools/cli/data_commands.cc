// hogmf convert and gen: the subcommands that write data or model files.
#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "cli/common.h"
#include "hogmf/model_io.h"
#include "hogmf/synthetic.h"
#include "hogmf/write_file.h"

namespace hogmf::cli {
namespace {

absl::Status WriteRatings(const Ratings& ratings, const std::string& path,
                          const std::string& format) {
  if (format == "binary") return WriteBinaryRatings(ratings, path);
  if (format == "libmf") return WriteLibmfText(ratings, path);
  if (format == "pairs") return WritePairsText(ratings, path);
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown output format '%s'; expected libmf, pairs or binary", format));
}

}  // namespace

int RunConvert(const std::vector<std::string>& args) {
  ReadFlags read_flags;
  std::string to = "binary";
  bool quiet = false;
  FlagSet flags(
      "hogmf convert [flags] IN OUT",
      "Converts ratings or models:\n"
      "  --to=binary       ratings file (any format) -> hogmf binary ratings (mmap-loaded)\n"
      "  --to=libmf-text   ratings file (any format) -> LIBMF text 'row col value'\n"
      "  --to=pairs        ratings file (any format) -> 'user item' lines, values dropped\n"
      "  --to=libmf        model (hogmf or LIBMF)     -> LIBMF text model\n"
      "  --to=hogmf        model (hogmf or LIBMF)     -> hogmf model\n"
      "IN '-' is standard input, OUT '-' standard output.");
  AddReadFlags(flags, &read_flags);
  flags.AddString("to", &to, "binary, libmf-text, pairs, libmf or hogmf");
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("convert", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 2) return UsageError("convert", "expected IN OUT", flags);
  const bool binary_out = to == "binary" || to == "hogmf";
  if (absl::Status streams = ResolveStdStreams(
          {{&positional[0], PathUse::kInput, "IN"},
           {&positional[1], binary_out ? PathUse::kBinaryOutput : PathUse::kOutput, "OUT"}});
      !streams.ok()) {
    return Fail("convert", streams);
  }
  const std::string& in = positional[0];
  const std::string& out = positional[1];
  if (to == "libmf" || to == "hogmf") {
    absl::StatusOr<Model> model = LoadModel(in);
    if (!model.ok()) return Fail("convert", model.status());
    OutputSet outputs;
    const std::string staged = outputs.Stage(out);
    absl::Status saved =
        to == "libmf" ? ExportLibmfModel(*model, staged) : SaveModel(*model, staged);
    if (!saved.ok()) return Fail("convert", outputs.Named(saved));
    if (absl::Status committed = outputs.Commit(); !committed.ok()) {
      return Fail("convert", committed);
    }
    return kExitOk;
  }
  if (to != "binary" && to != "libmf-text" && to != "pairs") {
    return UsageError("convert", "--to must be binary, libmf-text, pairs, libmf or hogmf", flags);
  }
  absl::StatusOr<ReadResult> data = ReadWithFlags(in, read_flags, quiet);
  if (!data.ok()) return Fail("convert", data.status());
  OutputSet outputs;
  absl::Status written = WriteRatings(data->ratings, outputs.Stage(out),
                                      to == "libmf-text" ? std::string("libmf") : to);
  if (!written.ok()) return Fail("convert", outputs.Named(written));
  if (absl::Status committed = outputs.Commit(); !committed.ok()) {
    return Fail("convert", committed);
  }
  return kExitOk;
}

int RunGen(const std::vector<std::string>& args) {
  // The flags land in `given`; those set on the command line then override the
  // named shape's or preset's spec.
  SyntheticSpec given;
  std::string shape = "ml100k";
  std::string out;
  std::string test_out;
  double test_fraction = 0.1;
  std::string format = "libmf";
  bool quiet = false;
  FlagSet flags("hogmf gen --shape=SHAPE --out=FILE [flags]",
                "Generates a synthetic ratings set. Shapes: ml100k, ml10m, netflix (skewed,\n"
                "Zipf-like user activity and item popularity, ratings 1..5, one fixed recipe),\n"
                "lowrank (a rank-r matrix plus N(0, noise^2); the best achievable RMSE is the\n"
                "noise), realistic (mean + user and item biases + rank-r taste + noise on a\n"
                "rating scale; log-normal activity and popularity) and implicit (positives\n"
                "drawn from a mixture of r latent topics, value 1). Presets set sizes and\n"
                "recipe after real sets: movielens-like, movielens-10m-like, netflix-like,\n"
                "jester-like, book-like, implicit-like; the flags below override them.");
  flags.AddString("shape", &shape, "a shape or a preset (see above)");
  flags.AddString("out", &out, "output file; - for standard output");
  flags.AddUint64("seed", &given.seed, "random seed");
  flags.AddUint64("ratings", &given.ratings, "number of ratings; 0 = the shape's own");
  flags.AddUint32("users", &given.users, "users; 0 = the shape's own");
  flags.AddUint32("items", &given.items, "items; 0 = the shape's own");
  flags.AddInt("rank", &given.rank,
               "lowrank: rank of the planted matrix; realistic: of the taste; implicit: topics");
  flags.AddDouble("noise", &given.noise, "lowrank, realistic: sd of the Gaussian noise");
  flags.AddDouble("mean", &given.global_mean, "realistic: global mean rating");
  flags.AddDouble("user-bias-sd", &given.user_bias_sd, "realistic: sd of the user biases");
  flags.AddDouble("item-bias-sd", &given.item_bias_sd, "realistic: sd of the item biases");
  flags.AddDouble("taste-sd", &given.taste_sd,
                  "realistic: sd of p_u.q_i; implicit: sd of the log topic weights");
  flags.AddDouble("scale-min", &given.scale.min, "realistic: lowest rating");
  flags.AddDouble("scale-max", &given.scale.max, "realistic: highest rating");
  flags.AddDouble("scale-step", &given.scale.step,
                  "realistic: ratings are rounded to this step (0: continuous)");
  flags.AddDouble("user-skew", &given.user_skew,
                  "realistic, implicit: sd of the log user activity (0: uniform)");
  flags.AddDouble("item-skew", &given.item_skew,
                  "realistic, implicit: sd of the log item popularity (0: uniform)");
  flags.AddUint32("min-user-ratings", &given.min_user_ratings,
                  "realistic, implicit: ratings every user gets at least");
  flags.AddString("test-out", &test_out,
                  "also split off a held-out set to this file (- for standard output)");
  flags.AddDouble("test-fraction", &test_fraction, "share of ratings held out with --test-out");
  flags.AddString("format", &format,
                  "output format: libmf (text), pairs (text, no values) or binary");
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("gen", flags, args, &positional, &exit_code)) return exit_code;
  if (!positional.empty()) return UsageError("gen", "unexpected arguments", flags);
  if (out.empty()) return UsageError("gen", "--out is required", flags);
  const PathUse written = format == "binary" ? PathUse::kBinaryOutput : PathUse::kOutput;
  if (absl::Status streams =
          ResolveStdStreams({{&out, written, "--out"}, {&test_out, written, "--test-out"}});
      !streams.ok()) {
    return Fail("gen", streams);
  }
  absl::StatusOr<SyntheticSpec> named = SyntheticPreset(shape);
  if (!named.ok()) return Fail("gen", named.status());
  SyntheticSpec spec = *named;
  const auto take = [&](const char* flag, auto SyntheticSpec::*field) {
    if (flags.WasSet(flag)) spec.*field = given.*field;
  };
  take("seed", &SyntheticSpec::seed);
  take("ratings", &SyntheticSpec::ratings);
  take("users", &SyntheticSpec::users);
  take("items", &SyntheticSpec::items);
  take("rank", &SyntheticSpec::rank);
  take("noise", &SyntheticSpec::noise);
  take("mean", &SyntheticSpec::global_mean);
  take("user-bias-sd", &SyntheticSpec::user_bias_sd);
  take("item-bias-sd", &SyntheticSpec::item_bias_sd);
  take("taste-sd", &SyntheticSpec::taste_sd);
  take("user-skew", &SyntheticSpec::user_skew);
  take("item-skew", &SyntheticSpec::item_skew);
  take("min-user-ratings", &SyntheticSpec::min_user_ratings);
  if (flags.WasSet("scale-min")) spec.scale.min = given.scale.min;
  if (flags.WasSet("scale-max")) spec.scale.max = given.scale.max;
  if (flags.WasSet("scale-step")) spec.scale.step = given.scale.step;
  if (!(test_fraction > 0 && test_fraction < 1)) {
    return Fail("gen",
                absl::InvalidArgumentError(absl::StrFormat(
                    "invalid --test-fraction=%g; expected a value in (0, 1)", test_fraction)));
  }
  absl::StatusOr<Ratings> data = Generate(spec);
  if (!data.ok()) return Fail("gen", data.status());
  OutputSet outputs;
  const std::string out_staged = outputs.Stage(out);
  const std::string test_staged = outputs.Stage(test_out);
  if (test_out.empty()) {
    if (absl::Status s = WriteRatings(*data, out_staged, format); !s.ok()) {
      return Fail("gen", outputs.Named(s));
    }
  } else {
    // Named pairs, not a structured binding: the lambda below captures them.
    const std::pair<Ratings, Ratings> split = SplitHoldout(*data, test_fraction, spec.seed + 1);
    const Ratings& train = split.first;
    const Ratings& test = split.second;
    // A stream (standard output, a FIFO) cannot be taken back: it is written
    // after the file, so that a failed file leaves the stream unwritten.
    const bool test_first = OutputTargetOf(out) != OutputTarget::kReplaced &&
                            OutputTargetOf(test_out) == OutputTarget::kReplaced;
    const auto write = [&](bool train_part) {
      return train_part ? WriteRatings(train, out_staged, format)
                        : WriteRatings(test, test_staged, format);
    };
    if (absl::Status s = write(!test_first); !s.ok()) return Fail("gen", outputs.Named(s));
    if (absl::Status s = write(test_first); !s.ok()) return Fail("gen", outputs.Named(s));
  }
  if (absl::Status committed = outputs.Commit(); !committed.ok()) return Fail("gen", committed);
  if (!quiet) {
    absl::FPrintF(stderr, "wrote %d %s ratings (%d users, %d items) to %s%s\n", data->size(), shape,
                  data->num_users(), data->num_items(), out,
                  test_out.empty() ? "" : absl::StrFormat(" and %s", test_out));
  }
  return kExitOk;
}

}  // namespace hogmf::cli
