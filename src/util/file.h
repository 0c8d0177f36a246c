// Files: read-only memory mappings of whole files, and atomic writes (a
// temporary file in the target's folder, renamed over the target on Commit,
// removed if never committed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hogmf::internal {

// Drops the resident pages wholly inside [begin, end) of a read-only private
// file mapping; reading them again loads them from the file. Never use it on
// anonymous or written memory (its pages would read back as zeros).
void DiscardFilePages(const void* begin, const void* end);
// Drops the resident pages wholly inside [begin, end) of writable memory whose
// contents are no longer needed (scratch space): the process's resident size
// shrinks at once, and the pages read back as zeros.
void DiscardScratchPages(void* begin, void* end);

class MappedFile {
 public:
  // kNotFound for a missing file, kInvalidArgument for a directory, kInternal
  // for other failures. An empty file maps to an empty range. A path that is
  // not a regular file (a pipe such as /dev/stdin, a FIFO, a character
  // device) is read to its end into memory instead of mapped;
  // kResourceExhausted when that stream holds more than half of the
  // machine's physical memory.
  static absl::StatusOr<std::shared_ptr<const MappedFile>> Open(const std::string& path);
  // Bytes already in memory (a stream read to its end, decompressed data)
  // under the name `path`.
  static std::shared_ptr<const MappedFile> FromBytes(std::string path, std::string bytes);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(data_, size_); }
  const std::string& path() const { return path_; }

  // Drops the resident pages wholly inside [begin, end) (a range of this
  // mapping) from memory; reading them again loads them from the file. Lets a
  // reader that streams through a large file keep its resident size small.
  void Discard(const char* begin, const char* end) const;

 private:
  MappedFile() = default;
  std::string path_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  std::string owned_;  // the bytes of a stream that was read, not mapped
};

class AtomicFileWriter {
 public:
  static absl::StatusOr<std::unique_ptr<AtomicFileWriter>> Create(const std::string& path);
  ~AtomicFileWriter();  // removes the temporary file unless committed
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Buffered writes; the first failure is remembered and returned by Commit.
  void Write(const void* data, size_t size);
  void Write(std::string_view text) { Write(text.data(), text.size()); }
  // Flushes, syncs and renames over the target path.
  absl::Status Commit();
  const std::string& path() const { return path_; }
  // Bytes written so far.
  uint64_t offset() const { return offset_; }

 private:
  AtomicFileWriter() = default;
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  uint64_t offset_ = 0;
  bool failed_ = false;
  bool committed_ = false;
};

}  // namespace hogmf::internal
