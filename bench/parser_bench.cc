// Throughput of ReadRatings on one thread, in MB of file per CPU second, for
// the LIBMF text reader, the MovieLens u.data reader, the csv reader and the
// binary load.
//
// Data: Netflix-like ratings (480,189 users x 17,770 items, about 209 ratings
// per user, grouped by user as the real files are), 3M lines by default
// (HOGMF_BENCH_LINES overrides), written once into a temporary folder:
//   libmf          "user item rating" with integer ratings 1..5    (~48 MB)
//   movielens-tsv  "user<TAB>item<TAB>rating<TAB>timestamp"
//   csv            MovieLens ratings.csv, half-star ratings
//   binary         the libmf data written by WriteBinaryRatings
// Reads come from the page cache, so the numbers are parser speed, not disk
// speed; each includes mapping the file and building the Ratings.
//
//   parser_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "hogmf/input.h"
#include "util/random.h"

namespace hogmf {
namespace {

constexpr uint32_t kUsers = 480189;
constexpr uint32_t kItems = 17770;

// The generated files, removed at exit.
class BenchFiles {
 public:
  BenchFiles() {
    std::string name = "hogmf_parser_bench_";
    name += std::to_string(::getpid());
    dir_ = (std::filesystem::temp_directory_path() / name).string();
    std::filesystem::create_directories(dir_);
    size_t lines = 3'000'000;
    if (const char* env = std::getenv("HOGMF_BENCH_LINES")) lines = std::strtoull(env, nullptr, 10);
    Generate(lines);
  }
  ~BenchFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string libmf() const { return dir_ + "/ratings.txt"; }
  std::string tsv() const { return dir_ + "/u.data"; }
  std::string csv() const { return dir_ + "/ratings.csv"; }
  std::string binary() const { return dir_ + "/ratings.bin"; }

 private:
  static void Append(std::string* out, uint64_t value) {
    char buffer[24];
    const char* end = std::to_chars(buffer, buffer + sizeof(buffer), value).ptr;
    out->append(buffer, static_cast<size_t>(end - buffer));
  }

  static void Flush(std::string* text, std::FILE* file) {
    std::fwrite(text->data(), 1, text->size(), file);
    text->clear();
  }

  void Generate(size_t lines) {
    std::FILE* libmf_file = std::fopen(libmf().c_str(), "wb");
    std::FILE* tsv_file = std::fopen(tsv().c_str(), "wb");
    std::FILE* csv_file = std::fopen(csv().c_str(), "wb");
    if (libmf_file == nullptr || tsv_file == nullptr || csv_file == nullptr) std::abort();
    std::string libmf_text;
    std::string tsv_text;
    std::string csv_text = "userId,movieId,rating,timestamp\n";
    internal::Rng rng(2006);
    uint32_t user = 0;
    size_t left_for_user = 0;
    for (size_t n = 0; n < lines; ++n) {
      if (left_for_user == 0) {
        user = static_cast<uint32_t>(rng.Below(kUsers));
        left_for_user = 1 + rng.Below(418);  // mean about 209
      }
      --left_for_user;
      const uint32_t item = static_cast<uint32_t>(rng.Below(kItems));
      const uint32_t stars = 1 + static_cast<uint32_t>(rng.Below(5));
      const uint64_t timestamp = 1'000'000'000 + rng.Below(200'000'000);

      Append(&libmf_text, user);
      libmf_text += ' ';
      Append(&libmf_text, item);
      libmf_text += ' ';
      Append(&libmf_text, stars);
      libmf_text += '\n';

      Append(&tsv_text, user + 1);
      tsv_text += '\t';
      Append(&tsv_text, item + 1);
      tsv_text += '\t';
      Append(&tsv_text, stars);
      tsv_text += '\t';
      Append(&tsv_text, timestamp);
      tsv_text += '\n';

      Append(&csv_text, user + 1);
      csv_text += ',';
      Append(&csv_text, item + 1);
      csv_text += ',';
      Append(&csv_text, stars - 1);
      csv_text += rng.Below(2) == 0 ? ".5," : ".0,";
      Append(&csv_text, timestamp);
      csv_text += '\n';

      if (libmf_text.size() > (1 << 20)) {
        Flush(&libmf_text, libmf_file);
        Flush(&tsv_text, tsv_file);
        Flush(&csv_text, csv_file);
      }
    }
    Flush(&libmf_text, libmf_file);
    Flush(&tsv_text, tsv_file);
    Flush(&csv_text, csv_file);
    std::fclose(libmf_file);
    std::fclose(tsv_file);
    std::fclose(csv_file);

    absl::StatusOr<ReadResult> read = ReadRatings(libmf());
    if (!read.ok() || !WriteBinaryRatings(read->ratings, binary()).ok()) std::abort();
  }

  std::string dir_;
};

std::unique_ptr<BenchFiles> g_files;

const BenchFiles& Files() { return *g_files; }

void ReadBenchmark(benchmark::State& state, const std::string& path, Format format) {
  ReadOptions options;
  options.format = format;
  size_t entries = 0;
  for (auto _ : state) {
    absl::StatusOr<ReadResult> read = ReadRatings(path, options);
    if (!read.ok()) {
      state.SkipWithError(std::string(read.status().message()).c_str());
      return;
    }
    entries = read->ratings.size();
    benchmark::DoNotOptimize(read->ratings.entries().data());
  }
  const int64_t bytes = static_cast<int64_t>(std::filesystem::file_size(path));
  state.SetBytesProcessed(bytes * state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(entries) * state.iterations());
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_ReadLibmf(benchmark::State& state) {
  ReadBenchmark(state, Files().libmf(), Format::kLibmf);
}
void BM_ReadMovielensTsv(benchmark::State& state) {
  ReadBenchmark(state, Files().tsv(), Format::kMovielensTsv);
}
void BM_ReadCsv(benchmark::State& state) { ReadBenchmark(state, Files().csv(), Format::kCsv); }
void BM_LoadBinary(benchmark::State& state) {
  ReadBenchmark(state, Files().binary(), Format::kBinary);
}
void BM_ReadAutoLibmf(benchmark::State& state) {
  ReadBenchmark(state, Files().libmf(), Format::kAuto);
}

BENCHMARK(BM_ReadLibmf)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadMovielensTsv)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadCsv)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LoadBinary)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadAutoLibmf)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hogmf

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  hogmf::g_files = std::make_unique<hogmf::BenchFiles>();  // generated before timing starts
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  hogmf::g_files.reset();
  return 0;
}
