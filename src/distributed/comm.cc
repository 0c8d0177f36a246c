// Comm over MPI_COMM_WORLD (comm.h).
#include "distributed/comm.h"

#include <mpi.h>

#include <chrono>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "util/check.h"

namespace hogmf::distributed {
namespace {

// Whole 64-byte units, so that counts stay in MPI's int range up to 128 GiB.
MPI_Datatype UnitType() {
  static MPI_Datatype unit = [] {
    MPI_Datatype type;
    MPI_Type_contiguous(64, MPI_BYTE, &type);
    MPI_Type_commit(&type);
    return type;
  }();
  return unit;
}

MPI_Datatype RatingType() {
  static MPI_Datatype rating = [] {
    MPI_Datatype type;
    MPI_Type_contiguous(static_cast<int>(sizeof(Rating)), MPI_BYTE, &type);
    MPI_Type_commit(&type);
    return type;
  }();
  return rating;
}

int CountOf(size_t n) {
  HOGMF_CHECK(n <= static_cast<size_t>(std::numeric_limits<int>::max()));
  return static_cast<int>(n);
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  // Errors come back as codes (and end in Abort) rather than killing the job
  // from inside a call.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

MpiSession::~MpiSession() { MPI_Finalize(); }

Comm::Comm() {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

absl::Status Comm::Agree(const absl::Status& mine) {
  // The lowest failing rank, then its code and message from it.
  int failing = mine.ok() ? size_ : rank_;
  MPI_Allreduce(MPI_IN_PLACE, &failing, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (failing == size_) return absl::OkStatus();
  int code = static_cast<int>(mine.code());
  MPI_Bcast(&code, 1, MPI_INT, failing, MPI_COMM_WORLD);
  std::string message(mine.message());
  BroadcastString(message, failing);
  return absl::Status(static_cast<absl::StatusCode>(code),
                      absl::StrCat("rank ", failing, ": ", message));
}

void Comm::SumInPlace(std::span<double> values) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), CountOf(values.size()), MPI_DOUBLE, MPI_SUM,
                MPI_COMM_WORLD);
}
void Comm::SumInPlace(std::span<uint64_t> values) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), CountOf(values.size()), MPI_UINT64_T, MPI_SUM,
                MPI_COMM_WORLD);
}
void Comm::SumInPlace(std::span<uint32_t> values) {
  // In pieces, so that any size stays in MPI's int counts.
  constexpr size_t kPiece = size_t{1} << 28;
  for (size_t at = 0; at < values.size(); at += kPiece) {
    const size_t n = std::min(kPiece, values.size() - at);
    MPI_Allreduce(MPI_IN_PLACE, values.data() + at, CountOf(n), MPI_UINT32_T, MPI_SUM,
                  MPI_COMM_WORLD);
  }
}
void Comm::MaxInPlace(std::span<double> values) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), CountOf(values.size()), MPI_DOUBLE, MPI_MAX,
                MPI_COMM_WORLD);
}
void Comm::MinInPlace(std::span<double> values) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), CountOf(values.size()), MPI_DOUBLE, MPI_MIN,
                MPI_COMM_WORLD);
}
void Comm::Barrier() { MPI_Barrier(MPI_COMM_WORLD); }

void Comm::Broadcast(void* data, size_t bytes, int root) {
  MPI_Bcast(data, CountOf(bytes), MPI_BYTE, root, MPI_COMM_WORLD);
}

void Comm::BroadcastString(std::string& text, int root) {
  uint64_t size = text.size();
  MPI_Bcast(&size, 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
  text.resize(size);
  Broadcast(text.data(), size, root);
}

std::vector<Rating> Comm::Exchange(std::span<const Rating> grouped,
                                   std::span<const size_t> counts) {
  HOGMF_CHECK(static_cast<int>(counts.size()) == size_);
  std::vector<int> send_counts(size_), send_offsets(size_), receive_counts(size_),
      receive_offsets(size_);
  size_t total_out = 0;
  for (int r = 0; r < size_; ++r) {
    send_counts[r] = CountOf(counts[r]);
    send_offsets[r] = CountOf(total_out);
    total_out += counts[r];
  }
  HOGMF_CHECK(total_out == grouped.size());
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  size_t total_in = 0;
  for (int r = 0; r < size_; ++r) {
    receive_offsets[r] = CountOf(total_in);
    total_in += static_cast<size_t>(receive_counts[r]);
  }
  std::vector<Rating> received(total_in);
  MPI_Alltoallv(grouped.data(), send_counts.data(), send_offsets.data(), RatingType(),
                received.data(), receive_counts.data(), receive_offsets.data(), RatingType(),
                MPI_COMM_WORLD);
  bytes_sent_ += (total_out - counts[rank_]) * sizeof(Rating);
  bytes_received_ += (total_in - static_cast<size_t>(receive_counts[rank_])) * sizeof(Rating);
  return received;
}

std::vector<std::string> Comm::Gather(const std::string& mine, int root) {
  uint64_t size = mine.size();
  std::vector<uint64_t> sizes(rank_ == root ? size_ : 0);
  MPI_Gather(&size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T, root, MPI_COMM_WORLD);
  std::vector<std::string> all;
  if (rank_ != root) {
    // In pieces of at most 1 GiB.
    constexpr size_t kPiece = size_t{1} << 30;
    for (size_t at = 0; at < mine.size(); at += kPiece) {
      const size_t n = std::min(kPiece, mine.size() - at);
      MPI_Send(mine.data() + at, CountOf(n), MPI_BYTE, root, 7, MPI_COMM_WORLD);
    }
    bytes_sent_ += mine.size();
    return all;
  }
  all.resize(size_);
  for (int r = 0; r < size_; ++r) {
    if (r == root) {
      all[r] = mine;
      continue;
    }
    all[r].resize(sizes[r]);
    constexpr size_t kPiece = size_t{1} << 30;
    for (size_t at = 0; at < sizes[r]; at += kPiece) {
      const size_t n = std::min<size_t>(kPiece, sizes[r] - at);
      MPI_Recv(all[r].data() + at, CountOf(n), MPI_BYTE, r, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    bytes_received_ += sizes[r];
  }
  return all;
}

Comm::Request Comm::StartSend(const float* data, size_t floats, int to, int tag) {
  HOGMF_CHECK(floats % 16 == 0);
  auto* request = new MPI_Request;
  MPI_Isend(data, CountOf(floats / 16), UnitType(), to, tag, MPI_COMM_WORLD, request);
  bytes_sent_ += floats * sizeof(float);
  return request;
}

Comm::Request Comm::StartReceive(float* data, size_t floats, int from, int tag) {
  HOGMF_CHECK(floats % 16 == 0);
  auto* request = new MPI_Request;
  MPI_Irecv(data, CountOf(floats / 16), UnitType(), from, tag, MPI_COMM_WORLD, request);
  bytes_received_ += floats * sizeof(float);
  return request;
}

void Comm::Wait(Request& request) {
  if (request == nullptr) return;
  auto* mpi_request = static_cast<MPI_Request*>(request);
  const auto start = std::chrono::steady_clock::now();
  MPI_Wait(mpi_request, MPI_STATUS_IGNORE);
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  delete mpi_request;
  request = nullptr;
}

void Comm::Abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();
}

}  // namespace hogmf::distributed
