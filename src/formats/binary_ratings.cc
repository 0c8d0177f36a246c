// Reading and writing hogmf's binary ratings format (layout in
// binary_ratings.h). Loading maps the file and views its rating array in
// place; the only pass over the array validates it.
#include "formats/binary_ratings.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hogmf/input.h"
#include "ratings/ratings_internal.h"
#include "util/absl_compat.h"
#include "util/checksum.h"
#include "util/file.h"
#include "util/little_endian.h"
#include "util/status_macros.h"

namespace hogmf {

using ::hogmf::internal::AtomicFileWriter;
using ::hogmf::internal::Checksum64;
using ::hogmf::internal::GetLittleEndian;
using ::hogmf::internal::GetU32;
using ::hogmf::internal::GetU64;
using ::hogmf::internal::LittleEndianReader;
using ::hogmf::internal::MappedFile;
using ::hogmf::internal::PutLittleEndian;
using ::hogmf::internal::PutU32;
using ::hogmf::internal::PutU64;
using ::hogmf::internal::ToAbsl;

namespace formats {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the binary ratings format stores little-endian values and is loaded in place");
static_assert(alignof(Rating) == 4 && sizeof(Rating) == 12 && offsetof(Rating, user) == 0 &&
                  offsetof(Rating, item) == 4 && offsetof(Rating, value) == 8,
              "the binary ratings format stores Rating as it is laid out in memory");

constexpr size_t kRatingSize = sizeof(Rating);
constexpr size_t kHeaderChecksumOffset = 120;
constexpr uint64_t kArrayAlignment = 64;

// Field offsets in the header.
enum HeaderOffset : size_t {
  kVersionAt = 8,
  kHeaderSizeAt = 12,
  kCountAt = 16,
  kNumUsersAt = 24,
  kNumItemsAt = 28,
  kFlagsAt = 32,
  kRatingSizeAt = 36,
  kRatingsOffsetAt = 40,
  kMapsOffsetAt = 48,
  kMapsSizeAt = 56,
  kFileSizeAt = 64,
  kMapsChecksumAt = 72,
  kRatingsChecksumAt = 80,
};

struct Header {
  uint32_t version = kBinaryVersion;
  uint32_t header_size = kBinaryHeaderSize;
  uint64_t count = 0;
  uint32_t num_users = 0;
  uint32_t num_items = 0;
  uint32_t flags = 0;
  uint32_t rating_size = kRatingSize;
  uint64_t ratings_offset = kBinaryHeaderSize;
  uint64_t maps_offset = 0;
  uint64_t maps_size = 0;
  uint64_t file_size = 0;
  uint64_t maps_checksum = 0;
  uint64_t ratings_checksum = 0;
};

uint64_t ChecksumOf(const void* data, size_t size) {
  Checksum64 checksum;
  checksum.Update(data, size);
  return checksum.value();
}

// Calls field(offset, member) for each header field after the magic, in
// layout order (h is a Header or a const Header).
template <typename H, typename Field>
void ForEachHeaderField(H& h, const Field& field) {
  field(kVersionAt, h.version);
  field(kHeaderSizeAt, h.header_size);
  field(kCountAt, h.count);
  field(kNumUsersAt, h.num_users);
  field(kNumItemsAt, h.num_items);
  field(kFlagsAt, h.flags);
  field(kRatingSizeAt, h.rating_size);
  field(kRatingsOffsetAt, h.ratings_offset);
  field(kMapsOffsetAt, h.maps_offset);
  field(kMapsSizeAt, h.maps_size);
  field(kFileSizeAt, h.file_size);
  field(kMapsChecksumAt, h.maps_checksum);
  field(kRatingsChecksumAt, h.ratings_checksum);
}

void EncodeHeader(const Header& h, char* out) {
  std::memset(out, 0, kBinaryHeaderSize);
  std::memcpy(out, kBinaryMagic, sizeof(kBinaryMagic));
  ForEachHeaderField(h, [out](size_t at, auto value) { PutLittleEndian(out + at, value); });
  PutU64(out + kHeaderChecksumOffset, ChecksumOf(out, kHeaderChecksumOffset));
}

Header DecodeHeader(const char* in) {
  Header h;
  ForEachHeaderField(h, [in](size_t at, auto& value) { GetLittleEndian(in + at, &value); });
  return h;
}

absl::Status ByteError(std::string_view path, uint64_t offset, std::string_view problem,
                       std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(path), ": at byte ", offset, ": ",
                                                 ToAbsl(problem), "; expected ", ToAbsl(expected)));
}

void AppendNames(const IdMap& map, std::string* out) {
  if (map.is_identity()) return;
  for (const std::string& name : map.names()) {
    char size[sizeof(uint32_t)];
    PutU32(size, static_cast<uint32_t>(name.size()));
    out->append(size, sizeof(size));
    out->append(name);
  }
}

// Reads `count` names of one id map from the maps section [*pos, end)
// (file offsets); the byte at file offset x is base[x - origin].
absl::StatusOr<IdMap> ReadNames(std::string_view path, const char* base, uint64_t origin,
                                uint64_t* pos, uint64_t end, uint32_t count, const char* which) {
  if (count > (end - *pos) / sizeof(uint32_t)) {
    return ByteError(path, *pos,
                     absl::StrCat("the ", which, " id map should hold ", count,
                                  " ids but the id maps have only ", end - *pos, " bytes"),
                     "an intact file");
  }
  std::vector<std::string> names;
  names.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (end - *pos < sizeof(uint32_t)) {
      return ByteError(path, *pos,
                       absl::StrCat("the ", which, " id map ends after ", i, " of ", count, " ids"),
                       "an intact file");
    }
    const uint32_t size = GetU32(base + (*pos - origin));
    *pos += sizeof(uint32_t);
    if (end - *pos < size) {
      return ByteError(path, *pos - sizeof(uint32_t),
                       absl::StrCat(which, " id ", i, " has length ", size,
                                    ", past the end of the id maps"),
                       "an intact file");
    }
    names.emplace_back(base + (*pos - origin), size);
    *pos += size;
  }
  std::optional<IdMap> map = IdMap::FromNames(std::move(names));
  if (!map) {
    return ByteError(path, *pos, absl::StrCat("the ", which, " id map repeats an id"),
                     "distinct ids");
  }
  return std::move(*map);
}

// Checks every rating and the array checksum in one pass, block by block so
// each block is checksummed and validated while it is in cache.
// `first` is the index in the file of ratings[0]; `checksum` may be null
// (a slice is checked against the array's checksum separately).
absl::Status ValidateRatings(std::string_view path, const Header& h,
                             std::span<const Rating> ratings, uint64_t first,
                             Checksum64* checksum) {
  constexpr size_t kBlock = 4096;
  for (size_t begin = 0; begin < ratings.size(); begin += kBlock) {
    const size_t end = std::min(ratings.size(), begin + kBlock);
    if (checksum != nullptr) checksum->Update(ratings.data() + begin, (end - begin) * kRatingSize);
    // Reductions the compiler vectorizes: the largest indices, and the
    // smallest complement of the exponent bits (0 for nan and inf).
    uint32_t max_user = 0;
    uint32_t max_item = 0;
    uint32_t min_exponent_complement = 0x7F800000u;
    for (size_t i = begin; i < end; ++i) {
      const Rating& r = ratings[i];
      max_user = std::max(max_user, r.user);
      max_item = std::max(max_item, r.item);
      min_exponent_complement =
          std::min(min_exponent_complement, ~std::bit_cast<uint32_t>(r.value) & 0x7F800000u);
    }
    const bool bad =
        max_user >= h.num_users || max_item >= h.num_items || min_exponent_complement == 0;
    if (!bad) continue;
    for (size_t i = begin; i < end; ++i) {
      const Rating& r = ratings[i];
      const uint64_t index = first + i;
      const uint64_t at = h.ratings_offset + index * kRatingSize;
      if (r.user >= h.num_users) {
        return ByteError(path, at,
                         absl::StrCat("rating ", index, " has user index ", r.user,
                                      " but there are ", h.num_users, " users"),
                         "indices inside the id maps");
      }
      if (r.item >= h.num_items) {
        return ByteError(path, at + 4,
                         absl::StrCat("rating ", index, " has item index ", r.item,
                                      " but there are ", h.num_items, " items"),
                         "indices inside the id maps");
      }
      if ((std::bit_cast<uint32_t>(r.value) & 0x7F800000u) == 0x7F800000u) {
        return ByteError(path, at + 8,
                         absl::StrCat("rating ", index, " has a value that is not finite"),
                         "finite values");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ArrayChecksumError(std::string_view path, const Header& h) {
  return ByteError(path, h.ratings_offset, "the rating array is corrupt (checksum mismatch)",
                   "an intact file; write it again");
}

}  // namespace

bool HasBinaryMagic(std::string_view data) {
  return data.size() >= sizeof(kBinaryMagic) &&
         std::memcmp(data.data(), kBinaryMagic, sizeof(kBinaryMagic)) == 0;
}

namespace {

constexpr std::string_view kIntact = "an intact file; write it again";

// The header of a file of `size` bytes whose first bytes are `base` (at
// least the header when size allows), checked: magic, version, checksum,
// consistent fields and the file size.
absl::StatusOr<Header> CheckHeader(std::string_view path, const char* base, uint64_t size) {
  if (!HasBinaryMagic(std::string_view(base, std::min<uint64_t>(size, sizeof(kBinaryMagic))))) {
    return ByteError(path, 0, "not a hogmf binary ratings file (it does not start with 'HOGMFRAT')",
                     "a file written by hogmf convert, or --format naming its text format");
  }
  const LittleEndianReader reader(path, "the binary ratings file", base, size);
  uint32_t version = 0;
  HOGMF_RETURN_IF_ERROR(reader.U32(kVersionAt, &version));
  if (version != kBinaryVersion) {
    return ByteError(path, kVersionAt, absl::StrCat("unsupported binary ratings version ", version),
                     absl::StrCat("version ", kBinaryVersion, " (written by this hogmf)"));
  }
  if (size < kBinaryHeaderSize) {
    return ByteError(path, size,
                     absl::StrCat("the file is truncated: ", size, " bytes, less than the ",
                                  kBinaryHeaderSize, "-byte header"),
                     "a complete file");
  }
  if (ChecksumOf(base, kHeaderChecksumOffset) != GetU64(base + kHeaderChecksumOffset)) {
    return ByteError(path, kHeaderChecksumOffset, "the header is corrupt (checksum mismatch)",
                     kIntact);
  }
  const Header h = DecodeHeader(base);
  // The checksum held, so these only fail for a file from a faulty writer.
  const char* inconsistent = nullptr;
  if (h.header_size != kBinaryHeaderSize) {
    inconsistent = "header size";
  } else if (h.rating_size != kRatingSize) {
    inconsistent = "bytes per rating";
  } else if ((h.flags & ~(kUsersIdentityFlag | kItemsIdentityFlag)) != 0) {
    inconsistent = "flags";
  } else if (h.ratings_offset < kBinaryHeaderSize || h.ratings_offset % kArrayAlignment != 0) {
    inconsistent = "ratings offset";
  } else if (h.count > (std::numeric_limits<uint64_t>::max() - h.ratings_offset) / kRatingSize ||
             h.maps_offset != h.ratings_offset + h.count * kRatingSize) {
    inconsistent = "maps offset";
  } else if (h.maps_size > std::numeric_limits<uint64_t>::max() - h.maps_offset ||
             h.file_size != h.maps_offset + h.maps_size) {
    inconsistent = "file size";
  }
  if (inconsistent != nullptr) {
    return ByteError(path, 0, absl::StrCat("the header is inconsistent (", inconsistent, ")"),
                     kIntact);
  }
  if (size < h.file_size) {
    return ByteError(path, size,
                     absl::StrCat("the file is truncated: ", size, " bytes, the header says ",
                                  h.file_size),
                     "a complete file");
  }
  if (size > h.file_size) {
    return ByteError(path, h.file_size,
                     absl::StrCat("the file has ", size, " bytes, the header says ", h.file_size),
                     "nothing after the id maps");
  }
  if (h.count == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(path), ": no ratings in the file; expected at least one rating"));
  }
  return h;
}

// The id maps from the maps section `maps` (h.maps_size bytes), checked.
absl::StatusOr<std::pair<IdMap, IdMap>> ReadIdMaps(std::string_view path, const Header& h,
                                                   const char* maps) {
  if (ChecksumOf(maps, h.maps_size) != h.maps_checksum) {
    return ByteError(path, h.maps_offset, "the id maps are corrupt (checksum mismatch)", kIntact);
  }
  uint64_t pos = h.maps_offset;
  IdMap users = IdMap::Identity(h.num_users);
  IdMap items = IdMap::Identity(h.num_items);
  if ((h.flags & kUsersIdentityFlag) == 0) {
    HOGMF_ASSIGN_OR_RETURN(users, ReadNames(path, maps, h.maps_offset, &pos, h.file_size,
                                            h.num_users, "user"));
  }
  if ((h.flags & kItemsIdentityFlag) == 0) {
    HOGMF_ASSIGN_OR_RETURN(items, ReadNames(path, maps, h.maps_offset, &pos, h.file_size,
                                            h.num_items, "item"));
  }
  if (pos != h.file_size) {
    return ByteError(path, pos, "unexpected bytes after the id maps", kIntact);
  }
  return std::make_pair(std::move(users), std::move(items));
}

// Reads size bytes at `offset` of `fd` into out; an error naming `path` for
// a short read (the file shrank) or a failed one.
absl::Status ReadAt(int fd, std::string_view path, uint64_t offset, void* out, size_t size) {
  char* to = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t got = pread(fd, to, size, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(
          absl::StrCat(ToAbsl(path), ": read failed at byte ", offset, ": ", std::strerror(errno)));
    }
    if (got == 0) {
      return absl::AbortedError(absl::StrCat(ToAbsl(path), ": the file changed while it was read (",
                                             "it ends at byte ", offset, ")"));
    }
    to += got;
    offset += static_cast<uint64_t>(got);
    size -= static_cast<size_t>(got);
  }
  return absl::OkStatus();
}

// A binary ratings file open for pread, its header checked.
struct Descriptor {
  int fd = -1;
  Descriptor() = default;
  explicit Descriptor(int fd) : fd(fd) {}
  Descriptor(Descriptor&& other) noexcept : fd(std::exchange(other.fd, -1)) {}
  Descriptor& operator=(Descriptor&&) = delete;
  ~Descriptor() {
    if (fd >= 0) close(fd);
  }
  int get() const { return fd; }
};
struct OpenedBinary {
  Descriptor fd;
  Header header;
};

absl::StatusOr<OpenedBinary> OpenBinary(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", std::strerror(error)));
  }
  OpenedBinary opened{Descriptor(fd), Header()};
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file; expected a binary ratings file (hogmf convert)"));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  char head[kBinaryHeaderSize] = {};
  HOGMF_RETURN_IF_ERROR(
      ReadAt(fd, path, 0, head, static_cast<size_t>(std::min<uint64_t>(size, kBinaryHeaderSize))));
  HOGMF_ASSIGN_OR_RETURN(opened.header, CheckHeader(path, head, size));
  return opened;
}

}  // namespace

absl::StatusOr<Ratings> ReadBinaryRatings(std::shared_ptr<const MappedFile> file) {
  const std::string_view path = file->path();
  const char* const base = file->data();
  HOGMF_ASSIGN_OR_RETURN(const Header h, CheckHeader(path, base, file->size()));
  HOGMF_ASSIGN_OR_RETURN(auto maps, ReadIdMaps(path, h, base + h.maps_offset));
  const std::span<const Rating> ratings(
      std::launder(reinterpret_cast<const Rating*>(base + h.ratings_offset)), h.count);
  Checksum64 checksum;
  HOGMF_RETURN_IF_ERROR(ValidateRatings(path, h, ratings, 0, &checksum));
  if (checksum.value() != h.ratings_checksum) return ArrayChecksumError(path, h);
  return internal::RatingsInternal::FileBackedView(ratings, std::move(file), std::move(maps.first),
                                                   std::move(maps.second));
}

absl::StatusOr<BinaryRatingsSlice> ReadBinaryRatingsSlice(const std::string& path, uint64_t part,
                                                          uint64_t parts,
                                                          const BinarySliceOptions& options) {
  if (parts == 0 || part >= parts) {
    return absl::InvalidArgumentError(absl::StrCat("slice ", part, " of ", parts));
  }
  HOGMF_ASSIGN_OR_RETURN(OpenedBinary opened, OpenBinary(path));
  const int fd = opened.fd.get();
  const Header& h = opened.header;
  BinaryRatingsSlice slice;
  slice.total = h.count;
  slice.num_users = h.num_users;
  slice.num_items = h.num_items;
  slice.first = h.count * part / parts;
  const uint64_t last = h.count * (part + 1) / parts;
  slice.entries.resize(last - slice.first);
  HOGMF_RETURN_IF_ERROR(ReadAt(fd, path, h.ratings_offset + slice.first * kRatingSize,
                               slice.entries.data(), slice.entries.size() * kRatingSize));
  HOGMF_RETURN_IF_ERROR(ValidateRatings(path, h, slice.entries, slice.first, nullptr));
  if (options.id_maps) {
    std::string maps(h.maps_size, '\0');
    HOGMF_RETURN_IF_ERROR(ReadAt(fd, path, h.maps_offset, maps.data(), maps.size()));
    HOGMF_ASSIGN_OR_RETURN(auto read, ReadIdMaps(path, h, maps.data()));
    slice.users = std::move(read.first);
    slice.items = std::move(read.second);
  } else {
    slice.users = IdMap::Identity(h.num_users);
    slice.items = IdMap::Identity(h.num_items);
  }
  return slice;
}

absl::Status VerifyBinaryRatingsArray(const std::string& path) {
  HOGMF_ASSIGN_OR_RETURN(OpenedBinary opened, OpenBinary(path));
  const Header& h = opened.header;
  constexpr size_t kBlockBytes = size_t{8} << 20;
  const uint64_t bytes = h.count * kRatingSize;
  std::vector<char> block(static_cast<size_t>(std::min<uint64_t>(kBlockBytes, bytes)));
  Checksum64 checksum;
  for (uint64_t at = 0; at < bytes; at += block.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), bytes - at));
    HOGMF_RETURN_IF_ERROR(ReadAt(opened.fd.get(), path, h.ratings_offset + at, block.data(), n));
    checksum.Update(block.data(), n);
  }
  if (checksum.value() != h.ratings_checksum) return ArrayChecksumError(path, h);
  return absl::OkStatus();
}

}  // namespace formats

absl::Status WriteBinaryRatings(const Ratings& ratings, const std::string& path) {
  using formats::Header;
  const std::span<const Rating> entries = ratings.entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    const Rating& r = entries[i];
    if (r.user >= ratings.num_users() || r.item >= ratings.num_items() || !std::isfinite(r.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot write entry ", i, " (user ", r.user, ", item ", r.item,
                       "): expected indices inside the id maps (", ratings.num_users(), " users, ",
                       ratings.num_items(), " items) and a finite value"));
    }
  }
  std::string maps;
  formats::AppendNames(ratings.users(), &maps);
  formats::AppendNames(ratings.items(), &maps);

  Header h;
  h.count = entries.size();
  h.num_users = ratings.num_users();
  h.num_items = ratings.num_items();
  h.flags = (ratings.users().is_identity() ? formats::kUsersIdentityFlag : 0) |
            (ratings.items().is_identity() ? formats::kItemsIdentityFlag : 0);
  h.maps_offset = h.ratings_offset + h.count * formats::kRatingSize;
  h.maps_size = maps.size();
  h.file_size = h.maps_offset + h.maps_size;
  h.maps_checksum = formats::ChecksumOf(maps.data(), maps.size());
  h.ratings_checksum = formats::ChecksumOf(entries.data(), entries.size_bytes());
  char header[formats::kBinaryHeaderSize];
  formats::EncodeHeader(h, header);

  HOGMF_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileWriter> writer, AtomicFileWriter::Create(path));
  writer->Write(header, sizeof(header));
  writer->Write(entries.data(), entries.size_bytes());
  writer->Write(maps);
  return writer->Commit();
}

}  // namespace hogmf
