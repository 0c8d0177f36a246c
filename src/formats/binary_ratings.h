// hogmf's binary ratings format: a fixed little-endian header, the Rating
// array at a 64-byte aligned offset (so a loaded file is a zero-copy view of
// the mapping), then the id maps of string-id data. docs/formats.md has the
// layout table.
//
//   offset  size  field
//        0     8  magic "HOGMFRAT"
//        8     4  version (1)
//       12     4  header size (128)
//       16     8  rating count
//       24     4  num_users
//       28     4  num_items
//       32     4  flags: bit 0 user map is identity, bit 1 item map is identity
//       36     4  bytes per rating (12)
//       40     8  offset of the rating array (128)
//       48     8  offset of the id maps (ratings offset + 12 * count)
//       56     8  size of the id maps in bytes
//       64     8  file size
//       72     8  Checksum64 of the id maps
//       80     8  Checksum64 of the rating array
//       88    32  reserved, zero
//      120     8  Checksum64 of header bytes [0, 120)
//
// The id maps hold, for each map that is not identity (users, then items),
// one record per index: a u32 byte length and the id's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hogmf/ratings.h"
#include "util/file.h"

namespace hogmf::formats {

inline constexpr char kBinaryMagic[8] = {'H', 'O', 'G', 'M', 'F', 'R', 'A', 'T'};
inline constexpr uint32_t kBinaryVersion = 1;
inline constexpr size_t kBinaryHeaderSize = 128;
inline constexpr uint32_t kUsersIdentityFlag = 1;
inline constexpr uint32_t kItemsIdentityFlag = 2;

// True when `data` starts with the binary ratings magic.
bool HasBinaryMagic(std::string_view data);

// Loads a binary ratings file. The result views the rating array inside the
// mapping (it keeps `file` alive). Checks the header and id-map checksums, the
// sizes against the file size, and in one pass over the ratings that every
// index is inside its map, every value is finite and the array checksum holds.
absl::StatusOr<Ratings> ReadBinaryRatings(std::shared_ptr<const hogmf::internal::MappedFile> file);

// One part of a binary ratings file, for readers that each take a share
// (hogmf-mpi's ranks): ratings [first, first + entries.size()) of `total`.
struct BinaryRatingsSlice {
  uint64_t total = 0;
  uint64_t first = 0;
  uint32_t num_users = 0;
  uint32_t num_items = 0;
  std::vector<Rating> entries;
  IdMap users;  // the file's maps with BinarySliceOptions::id_maps, else identity maps
  IdMap items;
};
struct BinarySliceOptions {
  bool id_maps = false;  // read (and check) the id maps
};

// Reads part `part` of `parts` equal slices (by position) of the rating array
// of `path`, with pread: the header is checked as ReadBinaryRatings checks it,
// every rating of the slice is checked (indices inside the maps, finite
// values), and the id maps when `options` ask. Not the whole array's
// checksum: VerifyBinaryRatingsArray. The errors of ReadBinaryRatings,
// kNotFound for a missing file, kAborted when the file shrinks while read.
absl::StatusOr<BinaryRatingsSlice> ReadBinaryRatingsSlice(const std::string& path, uint64_t part,
                                                          uint64_t parts,
                                                          const BinarySliceOptions& options);

// Checks the checksum of the whole rating array of `path` (whose header
// ReadBinaryRatingsSlice checked), reading it through a small buffer so that
// the array's pages never stay in this process's memory.
absl::Status VerifyBinaryRatingsArray(const std::string& path);

}  // namespace hogmf::formats
