// hogmf convert and gen: the subcommands that write data or model files.
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "cli/common.h"
#include "hogmf/model_io.h"
#include "hogmf/synthetic.h"

namespace hogmf::cli {
namespace {

absl::Status WriteRatings(const Ratings& ratings, const std::string& path,
                          const std::string& format) {
  if (format == "binary") return WriteBinaryRatings(ratings, path);
  if (format == "libmf") return WriteLibmfText(ratings, path);
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown output format '%s'; expected libmf or binary", format));
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
      "  --to=libmf        model (hogmf or LIBMF)     -> LIBMF text model\n"
      "  --to=hogmf        model (hogmf or LIBMF)     -> hogmf model");
  AddReadFlags(flags, &read_flags);
  flags.AddString("to", &to, "binary, libmf-text, libmf or hogmf");
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("convert", flags, args, &positional, &exit_code)) return exit_code;
  if (positional.size() != 2) return UsageError("convert", "expected IN OUT", flags);
  const std::string& in = positional[0];
  const std::string& out = positional[1];
  if (to == "libmf" || to == "hogmf") {
    absl::StatusOr<Model> model = LoadModel(in);
    if (!model.ok()) return Fail("convert", model.status());
    absl::Status saved = to == "libmf" ? ExportLibmfModel(*model, out) : SaveModel(*model, out);
    if (!saved.ok()) return Fail("convert", saved);
    return kExitOk;
  }
  if (to != "binary" && to != "libmf-text") {
    return UsageError("convert", "--to must be binary, libmf-text, libmf or hogmf", flags);
  }
  absl::StatusOr<ReadResult> data = ReadWithFlags(in, read_flags, quiet);
  if (!data.ok()) return Fail("convert", data.status());
  absl::Status written = WriteRatings(data->ratings, out, to == "binary" ? "binary" : "libmf");
  if (!written.ok()) return Fail("convert", written);
  return kExitOk;
}

int RunGen(const std::vector<std::string>& args) {
  SyntheticSpec spec;
  std::string shape = "ml100k";
  std::string out;
  std::string test_out;
  double test_fraction = 0.1;
  std::string format = "libmf";
  bool quiet = false;
  FlagSet flags("hogmf gen --shape=SHAPE --out=FILE [flags]",
                "Generates a synthetic ratings set. Shapes: ml100k, ml10m, netflix (skewed,\n"
                "Zipf-like user activity and item popularity, ratings 1..5) and lowrank (a\n"
                "rank-r matrix plus N(0, noise^2); the best achievable RMSE is the noise).");
  flags.AddString("shape", &shape, "ml100k, ml10m, netflix or lowrank");
  flags.AddString("out", &out, "output file");
  flags.AddUint64("seed", &spec.seed, "random seed");
  flags.AddUint64("ratings", &spec.ratings, "number of ratings; 0 = the shape's own");
  flags.AddUint32("users", &spec.users, "users; 0 = the shape's own");
  flags.AddUint32("items", &spec.items, "items; 0 = the shape's own");
  flags.AddInt("rank", &spec.rank, "lowrank: rank of the planted matrix");
  flags.AddDouble("noise", &spec.noise, "lowrank: sd of the Gaussian noise");
  flags.AddString("test-out", &test_out, "also split off a held-out set to this file");
  flags.AddDouble("test-fraction", &test_fraction, "share of ratings held out with --test-out");
  flags.AddString("format", &format, "output format: libmf (text) or binary");
  flags.AddBool("quiet", &quiet, "print nothing but errors");
  std::vector<std::string> positional;
  int exit_code = 0;
  if (!ParseFlags("gen", flags, args, &positional, &exit_code)) return exit_code;
  if (!positional.empty()) return UsageError("gen", "unexpected arguments", flags);
  if (out.empty()) return UsageError("gen", "--out is required", flags);
  absl::StatusOr<Shape> parsed = ParseShape(shape);
  if (!parsed.ok()) return Fail("gen", parsed.status());
  spec.shape = *parsed;
  if (!(test_fraction > 0 && test_fraction < 1)) {
    return Fail("gen",
                absl::InvalidArgumentError(absl::StrFormat(
                    "invalid --test-fraction=%g; expected a value in (0, 1)", test_fraction)));
  }
  absl::StatusOr<Ratings> data = Generate(spec);
  if (!data.ok()) return Fail("gen", data.status());
  if (test_out.empty()) {
    if (absl::Status s = WriteRatings(*data, out, format); !s.ok()) return Fail("gen", s);
  } else {
    auto [train, test] = SplitHoldout(*data, test_fraction, spec.seed + 1);
    if (absl::Status s = WriteRatings(train, out, format); !s.ok()) return Fail("gen", s);
    if (absl::Status s = WriteRatings(test, test_out, format); !s.ok()) return Fail("gen", s);
  }
  if (!quiet) {
    absl::FPrintF(stderr, "wrote %d %s ratings (%d users, %d items) to %s%s\n", data->size(), shape,
                  data->num_users(), data->num_items(), out,
                  test_out.empty() ? "" : absl::StrFormat(" and %s", test_out));
  }
  return kExitOk;
}

}  // namespace hogmf::cli
