// packed_rate: the SGD rate of packed working ratings (8 bytes) against the
// 12-byte array, as a ratio measured in one process: two sessions on the same
// data, their epochs alternated, so that the load of a shared machine falls
// on both alike. On one thread the rate is per second of the main thread's
// CPU time (the epoch runs on it), so lost time slices do not enter either.
//
//   packed_rate nf25m.txt K THREADS EPOCHS
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "hogmf/input.h"
#include "hogmf/trainer.h"

namespace {

double ThreadSeconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: packed_rate RATINGS K THREADS EPOCHS\n");
    return 2;
  }
  absl::StatusOr<hogmf::ReadResult> read = hogmf::ReadRatings(argv[1]);
  if (!read.ok()) {
    std::fprintf(stderr, "%s\n", std::string(read.status().message()).c_str());
    return 1;
  }
  hogmf::TrainParams params;
  params.k = std::atoi(argv[2]);
  params.threads = std::atoi(argv[3]);
  params.max_epochs = std::atoi(argv[4]);
  params.l2_p = params.l2_q = 0.05f;
  hogmf::TrainOptions options[2];
  options[1].compact_ratings = false;
  absl::StatusOr<hogmf::Trainer> sessions[2] = {
      hogmf::Trainer::Create(read->ratings, params, options[0]),
      hogmf::Trainer::Create(read->ratings, params, options[1])};
  for (const auto& session : sessions) {
    if (!session.ok()) {
      std::fprintf(stderr, "%s\n", std::string(session.status().message()).c_str());
      return 1;
    }
  }
  double seconds[2] = {0, 0};
  double updates[2] = {0, 0};
  for (int epoch = 0; epoch < params.max_epochs; ++epoch) {
    for (int turn = 0; turn < 2; ++turn) {
      const int side = (epoch + turn) % 2;  // who goes first alternates
      const double cpu_start = ThreadSeconds();
      absl::StatusOr<hogmf::EpochStats> stats = sessions[side]->RunEpoch();
      if (!stats.ok()) {
        std::fprintf(stderr, "%s\n", std::string(stats.status().message()).c_str());
        return 1;
      }
      seconds[side] += params.threads == 1 ? ThreadSeconds() - cpu_start : stats->seconds;
      updates[side] += static_cast<double>(stats->updates);
    }
  }
  const double packed = updates[0] / seconds[0];
  const double plain = updates[1] / seconds[1];
  std::printf("k=%d threads=%d: packed (%d bytes) %.2f M/s, %d bytes %.2f M/s, ratio %.4f\n",
              params.k, params.threads, sessions[0]->report().working_bytes_per_rating,
              packed / 1e6, sessions[1]->report().working_bytes_per_rating, plain / 1e6,
              packed / plain);
  return 0;
}
