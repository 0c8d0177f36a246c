// The fuzz targets (fuzz_targets.h). Reader targets read the input twice (the
// default block size and 16-byte blocks) and require the same result; csv and
// tsv take their column options from the input's first line
// ("user|item|rating", each empty for the default) so that bad column names
// are fuzzed too.
#include "fuzz/fuzz_targets.h"

#include <zlib.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/flags.h"
#include "cli/train_flags.h"
#include "formats/libmf_model.h"
#include "formats/readers.h"
#include "fuzz/fuzz_util.h"
#include "fuzz/model_checks.h"
#include "hogmf/model_io.h"

namespace hogmf::fuzz {
namespace {

// Reads `text` as `format` and checks the result (fuzz_util.h).
void ReadAs(Format format, std::string_view text, ReadOptions options = {}) {
  options.format = format;
  absl::StatusOr<ReadResult> read = ReadAndCheck(text, options);
  if (read.ok()) HOGMF_FUZZ_ASSERT(read->format == format);
}

// Splits the options line "user|item|rating" off the front of `*text`.
ReadOptions TakeColumnOptions(std::string_view* text) {
  ReadOptions options;
  const size_t newline = text->find('\n');
  std::string_view line = text->substr(0, newline);
  *text = newline == std::string_view::npos ? std::string_view() : text->substr(newline + 1);
  std::string* fields[] = {&options.user_column, &options.item_column, &options.rating_column};
  for (std::string* field : fields) {
    const size_t bar = line.find('|');
    field->assign(line.substr(0, bar));
    line = bar == std::string_view::npos ? std::string_view() : line.substr(bar + 1);
  }
  return options;
}

void Libmf(std::string_view input) { ReadAs(Format::kLibmf, input); }
void Pairs(std::string_view input) { ReadAs(Format::kPairs, input); }
void Dense(std::string_view input) { ReadAs(Format::kDense, input); }
void BinaryRatings(std::string_view input) { ReadAs(Format::kBinary, input); }

// Both MovieLens readers read every input.
void Movielens(std::string_view input) {
  ReadAs(Format::kMovielensTsv, input);
  ReadAs(Format::kMovielensDat, input);
}

void Csv(std::string_view input) {
  ReadOptions options = TakeColumnOptions(&input);
  ReadAs(Format::kCsv, input, std::move(options));
}

void Tsv(std::string_view input) {
  ReadOptions options = TakeColumnOptions(&input);
  ReadAs(Format::kTsv, input, std::move(options));
}

// SniffFormat on the input's first bytes, then ReadRatings with kAuto, which
// reads the format SniffFormat named or fails as that reader fails.
void Sniff(std::string_view input) {
  absl::StatusOr<Format> sniffed = absl::InvalidArgumentError("empty input");
  if (!input.empty()) {
    sniffed = formats::SniffFormat("fuzz-input", input);
    if (sniffed.ok()) HOGMF_FUZZ_ASSERT(*sniffed != Format::kAuto);
  }
  ReadOptions options;  // kAuto
  absl::StatusOr<ReadResult> read = ReadAndCheck(input, options);
  if (read.ok()) {
    HOGMF_FUZZ_ASSERT(sniffed.ok() && read->format == *sniffed);
  } else if (sniffed.ok()) {
    options.format = *sniffed;
    absl::StatusOr<ReadResult> named = ReadBytes(input, options);
    HOGMF_FUZZ_ASSERT(!named.ok() && named.status().code() == read.status().code());
  }
}

// `text` as one gzip member (level 1).
std::string GzipMember(std::string_view text) {
  z_stream z = {};
  HOGMF_FUZZ_ASSERT(::deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(::deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  HOGMF_FUZZ_ASSERT(::deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  ::deflateEnd(&z);
  return out;
}

// InputStream's gzip path. Input that starts with the gzip magic 1f 8b is
// read as it is (corrupt, truncated, concatenated .gz data); any other input
// is compressed here into two gzip members and must read through the gzip
// path exactly as the plain bytes read (kAuto).
void Gzip(std::string_view input) {
  ReadOptions options;  // kAuto
  if (input.size() >= 2 && input[0] == '\x1f' && input[1] == '\x8b') {
    (void)ReadAndCheck(input, options);
    return;
  }
  const size_t half = input.size() / 2;
  const std::string gz = GzipMember(input.substr(0, half)) + GzipMember(input.substr(half));
  absl::StatusOr<ReadResult> compressed = ReadAndCheck(gz, options);
  absl::StatusOr<ReadResult> plain = ReadBytes(input, options);
  CheckSameResult(plain, compressed);
}

// DeserializeModel. A model it accepts keeps the model invariants, saves, and
// its saved bytes load back and save to the same bytes.
void HogmfModel(std::string_view input) {
  absl::StatusOr<Model> model = DeserializeModel(input);
  if (!model.ok()) return;
  CheckModel(*model);
  absl::StatusOr<std::string> saved = SerializeModel(*model);
  HOGMF_FUZZ_ASSERT(saved.ok());
  absl::StatusOr<Model> again = DeserializeModel(*saved);
  HOGMF_FUZZ_ASSERT(again.ok());
  CheckModel(*again);
  absl::StatusOr<std::string> resaved = SerializeModel(*again);
  HOGMF_FUZZ_ASSERT(resaved.ok() && *resaved == *saved);
}

void LibmfModel(std::string_view input) {
  absl::StatusOr<Model> model = formats::ParseLibmfModel("fuzz-model", input);
  if (model.ok()) CheckModel(*model);
}

// The input split at '\n' into arguments, parsed as `hogmf train` parses its
// flags; params that resolve are valid.
void TrainFlagsTarget(std::string_view input) {
  std::vector<std::string> args;
  while (!input.empty()) {
    const size_t newline = input.find('\n');
    args.emplace_back(input.substr(0, newline));
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  }
  cli::TrainFlags train_flags = cli::InitialTrainFlags(args);
  cli::FlagSet flags("hogmf train FILE", "Fuzzed training flags.");
  cli::AddTrainFlags(flags, &train_flags);
  std::vector<std::string> positional;
  if (!flags.Parse(args, &positional).ok()) return;
  (void)flags.SetFlags();
  if (flags.help_requested()) (void)flags.Help();
  if (!cli::ResolveTrainFlags(&train_flags).ok()) return;
  HOGMF_FUZZ_ASSERT(train_flags.params.Validate().ok());
}

struct NamedTarget {
  std::string_view name;
  TargetFunction function;
};

constexpr NamedTarget kTargets[] = {
    {"libmf", Libmf},
    {"pairs", Pairs},
    {"movielens", Movielens},
    {"csv", Csv},
    {"tsv", Tsv},
    {"dense", Dense},
    {"binary_ratings", BinaryRatings},
    {"sniff", Sniff},
    {"gzip", Gzip},
    {"hogmf_model", HogmfModel},
    {"libmf_model", LibmfModel},
    {"train_flags", TrainFlagsTarget},
};

}  // namespace

const std::vector<std::string_view>& TargetNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> all;
    for (const NamedTarget& target : kTargets) all.push_back(target.name);
    return all;
  }();
  return names;
}

TargetFunction FindTarget(std::string_view name) {
  for (const NamedTarget& target : kTargets) {
    if (target.name == name) return target.function;
  }
  return nullptr;
}

}  // namespace hogmf::fuzz
