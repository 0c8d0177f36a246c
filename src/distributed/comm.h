// Comm: the MPI calls hogmf-mpi's ranks make, behind one small class, so that
// the rest of src/distributed never includes <mpi.h>. Besides MPI's own
// collectives it counts the bytes each rank sends and receives and the time
// it spends waiting for messages, and it turns each rank's absl::Status into
// one agreed status (Agree), so that a failure on one rank reaches every rank
// as the same message naming that rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hogmf/ratings.h"

namespace hogmf::distributed {

class Comm {
 public:
  // MPI_COMM_WORLD; MPI must be initialised (MpiSession).
  Comm();
  int rank() const { return rank_; }
  int size() const { return size_; }

  // OK on every rank when `mine` is OK on every rank; otherwise, on every
  // rank, the failing status of the lowest failing rank with "rank R: "
  // before its message (the same code).
  absl::Status Agree(const absl::Status& mine);

  // Element-wise sums and maxima over the ranks, in place, the result the
  // same on every rank.
  void SumInPlace(std::span<double> values);
  void SumInPlace(std::span<uint64_t> values);
  void SumInPlace(std::span<uint32_t> values);
  void MaxInPlace(std::span<double> values);
  void MinInPlace(std::span<double> values);
  void Barrier();
  // `bytes` from `root` to every rank (sizes agreed beforehand).
  void Broadcast(void* data, size_t bytes, int root);
  // A string from `root` to every rank (any size).
  void BroadcastString(std::string& text, int root);

  // Every rank sends the next counts[r] entries of `grouped` (grouped by
  // destination, in rank order) to rank r, and returns what it received, in
  // rank order. counts has size() entries.
  std::vector<Rating> Exchange(std::span<const Rating> grouped, std::span<const size_t> counts);
  // Every rank's `mine` at `root` (in rank order); other ranks get nothing.
  std::vector<std::string> Gather(const std::string& mine, int root);

  // Non-blocking transfer of whole 64-byte units (a float count that is a
  // multiple of 16). Start* return a handle for Wait.
  using Request = void*;
  Request StartSend(const float* data, size_t floats, int to, int tag);
  Request StartReceive(float* data, size_t floats, int from, int tag);
  // Waits for a request (a null one is done); adds the time to wait_seconds().
  void Wait(Request& request);

  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t bytes_received() const { return bytes_received_; }
  double wait_seconds() const { return wait_seconds_; }

  // Ends every rank of the job at once with `code` (a last resort: an
  // agreed error is the normal way out).
  [[noreturn]] void Abort(int code);

 private:
  int rank_ = 0;
  int size_ = 1;
  uint64_t bytes_sent_ = 0;
  uint64_t bytes_received_ = 0;
  double wait_seconds_ = 0;
};

// Initialises MPI (threads: funneled, since only the calling thread calls
// MPI) and finalises it at scope exit.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

}  // namespace hogmf::distributed
