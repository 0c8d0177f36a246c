// Reading a rank's share of the training data (share.h).
#include "distributed/share.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "distributed/partition.h"
#include "engine/memory_budget.h"
#include "formats/binary_ratings.h"
#include "util/memory.h"
#include "util/status_macros.h"

namespace hogmf::distributed {
namespace {

// Whether `path` starts with the binary ratings magic (false when it cannot
// be read: the reader then names the problem).
bool LooksBinary(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char head[8] = {};
  const ssize_t got = pread(fd, head, sizeof(head), 0);
  close(fd);
  return got == static_cast<ssize_t>(sizeof(head)) &&
         formats::HasBinaryMagic(std::string_view(head, sizeof(head)));
}

// This rank's slice by position, in the data's index space, with the sizes
// (and on rank 0 the id maps).
struct Slice {
  std::vector<Rating> entries;
  uint32_t num_users = 0;
  uint32_t num_items = 0;
  IdMap users;
  IdMap items;
  std::string format;
};

absl::StatusOr<Slice> ReadBinarySlice(Comm& comm, const std::string& path) {
  formats::BinarySliceOptions options;
  options.id_maps = comm.rank() == 0;
  absl::StatusOr<formats::BinaryRatingsSlice> read = formats::ReadBinaryRatingsSlice(
      path, static_cast<uint64_t>(comm.rank()), static_cast<uint64_t>(comm.size()), options);
  // Each rank's own slice first, so a bad rating is named by the rank that
  // holds it; then rank 0 checks the whole array's checksum.
  HOGMF_RETURN_IF_ERROR(comm.Agree(read.status()));
  HOGMF_RETURN_IF_ERROR(
      comm.Agree(comm.rank() == 0 ? formats::VerifyBinaryRatingsArray(path) : absl::OkStatus()));
  Slice slice;
  slice.entries = std::move(read->entries);
  slice.num_users = read->num_users;
  slice.num_items = read->num_items;
  slice.users = std::move(read->users);
  slice.items = std::move(read->items);
  slice.format = "binary";
  return slice;
}

// Rank 0 reads the whole file with the library's readers and deals out
// equal slices by position.
absl::StatusOr<Slice> ReadAndDeal(Comm& comm, const std::string& path, const ReadOptions& options) {
  Slice slice;
  std::optional<ReadResult> read;
  std::vector<size_t> counts(static_cast<size_t>(comm.size()), 0);
  uint32_t sizes[2] = {0, 0};
  absl::Status status;
  if (comm.rank() == 0) {
    absl::StatusOr<ReadResult> result = ReadRatings(path, options);
    status = result.status();
    if (result.ok()) {
      read = std::move(*result);
      const size_t total = read->ratings.size();
      const size_t ranks = counts.size();
      for (size_t r = 0; r < ranks; ++r) counts[r] = total * (r + 1) / ranks - total * r / ranks;
      sizes[0] = read->ratings.num_users();
      sizes[1] = read->ratings.num_items();
      slice.users = read->ratings.users();
      slice.items = read->ratings.items();
      slice.format = std::string(FormatName(read->format));
    }
  }
  HOGMF_RETURN_IF_ERROR(comm.Agree(status));
  comm.Broadcast(sizes, sizeof(sizes), 0);
  comm.BroadcastString(slice.format, 0);
  slice.entries =
      comm.Exchange(read.has_value() ? read->ratings.entries() : std::span<const Rating>(), counts);
  read.reset();
  slice.num_users = sizes[0];
  slice.num_items = sizes[1];
  if (comm.rank() != 0) {
    slice.users = IdMap::Identity(sizes[0]);
    slice.items = IdMap::Identity(sizes[1]);
  }
  return slice;
}

}  // namespace

std::vector<Rating> RouteByUser(Comm& comm, const Layout& layout, std::vector<Rating> entries) {
  // Grouped by destination with a counting sort: at most two copies alive.
  std::vector<size_t> counts(static_cast<size_t>(comm.size()), 0);
  for (const Rating& r : entries) ++counts[static_cast<size_t>(BandOf(layout.user_bounds, r.user))];
  std::vector<size_t> next(counts.size(), 0);
  for (size_t r = 1; r < counts.size(); ++r) next[r] = next[r - 1] + counts[r - 1];
  std::vector<Rating> grouped(entries.size());
  for (const Rating& r : entries) {
    grouped[next[static_cast<size_t>(BandOf(layout.user_bounds, r.user))]++] = r;
  }
  entries = std::vector<Rating>();
  return comm.Exchange(grouped, counts);
}

absl::StatusOr<Share> ReadShare(Comm& comm, const std::string& path, const ReadOptions& options,
                                const TrainParams& params) {
  // Every rank decides alike: rank 0 looks at the file.
  uint8_t binary = 0;
  if (comm.rank() == 0) {
    binary =
        (options.format == Format::kAuto || options.format == Format::kBinary) && LooksBinary(path);
  }
  comm.Broadcast(&binary, 1, 0);
  absl::StatusOr<Slice> slice =
      binary != 0 ? ReadBinarySlice(comm, path) : ReadAndDeal(comm, path, options);
  if (!slice.ok()) return slice.status();

  // Before the counts (4 bytes per user and item, on every rank) and the
  // rows are allocated: this rank's share against the memory it may use, so
  // that a file whose largest id is 2^31 is refused with a message.
  {
    const uint64_t ranks = static_cast<uint64_t>(comm.size());
    engine::TrainingFootprint footprint;
    footprint.users = (slice->num_users + ranks - 1) / ranks;
    footprint.items = 3 * ((slice->num_items + 2 * ranks - 1) / (2 * ranks));
    footprint.ratings = 2 * slice->entries.size();  // the slice and the share routed to it
    footprint.copies_ratings = false;
    absl::Status fits = engine::CheckTrainingMemory(footprint, params);
    const uint64_t counts =
        4 * (static_cast<uint64_t>(slice->num_users) + static_cast<uint64_t>(slice->num_items));
    const uint64_t limit =
        params.max_memory_bytes > 0 ? params.max_memory_bytes : internal::AvailableMemory().bytes;
    if (fits.ok() && counts > limit / 2) {
      fits = absl::ResourceExhaustedError(absl::StrCat(
          path, ": the per-user and per-item counts every rank keeps need ",
          internal::FormatBytes(counts), " (", slice->num_users, " users, ", slice->num_items,
          " items), more than half of the ", internal::FormatBytes(limit),
          " this rank may use; renumber the ids densely"));
    }
    HOGMF_RETURN_IF_ERROR(comm.Agree(fits));
  }
  Share share;
  Layout& layout = share.layout;
  layout.num_users = slice->num_users;
  layout.num_items = slice->num_items;
  layout.user_counts.assign(layout.num_users, 0);
  layout.item_counts.assign(layout.num_items, 0);
  double sums[2] = {0.0, static_cast<double>(slice->entries.size())};
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  for (const Rating& r : slice->entries) {
    ++layout.user_counts[r.user];
    ++layout.item_counts[r.item];
    sums[0] += r.value;
    low = std::min(low, static_cast<double>(r.value));
    high = std::max(high, static_cast<double>(r.value));
  }
  comm.SumInPlace(layout.user_counts);
  comm.SumInPlace(layout.item_counts);
  comm.SumInPlace(sums);
  double range[2] = {-low, high};
  comm.MaxInPlace(range);
  layout.total_ratings = static_cast<uint64_t>(sums[1]);
  if (layout.total_ratings == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no ratings"));
  }
  layout.mean = sums[0] / sums[1];
  layout.min_value = static_cast<float>(-range[0]);
  layout.max_value = static_cast<float>(range[1]);
  layout.user_bounds = BalancedBands(layout.user_counts, comm.size());
  layout.item_bounds = BalancedBands(layout.item_counts, 2 * comm.size());
  share.ratings = RouteByUser(comm, layout, std::move(slice->entries));
  share.users = std::move(slice->users);
  share.items = std::move(slice->items);
  share.format = std::move(slice->format);
  return share;
}

absl::StatusOr<std::vector<Rating>> ReadValidationShare(Comm& comm, const std::string& path,
                                                        const ReadOptions& options,
                                                        const Share& share, uint64_t* unknown) {
  std::vector<Rating> known;
  uint64_t missing = 0;
  absl::Status status;
  if (comm.rank() == 0) {
    absl::StatusOr<ReadResult> read = ReadRatings(path, options);
    status = read.status();
    if (read.ok()) {
      std::vector<Rating> aligned = AlignTo(read->ratings, share.users, share.items);
      for (const Rating& r : aligned) {
        if (r.user >= share.layout.num_users || r.item >= share.layout.num_items) {
          ++missing;
        } else {
          known.push_back(r);
        }
      }
    }
  }
  HOGMF_RETURN_IF_ERROR(comm.Agree(status));
  comm.Broadcast(&missing, sizeof(missing), 0);
  *unknown = missing;
  return RouteByUser(comm, share.layout, std::move(known));
}

}  // namespace hogmf::distributed
