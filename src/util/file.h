// Files: read-only memory mappings of whole files, and atomic writes (a
// temporary file in the target's folder, renamed over the target on Commit,
// removed if never committed; a device, pipe or FIFO is written straight).
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
  // Maps a regular file. kNotFound for a missing file, kInvalidArgument for
  // a directory or any other path that is not a regular file (InputStream,
  // util/input_stream.h, reads pipes, FIFOs and devices), kInternal for other
  // failures. An empty file maps to an empty range.
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

// Writes an output file so that a reader sees the old file or the whole new
// one: the bytes go to a temporary file in the target's folder, which Commit
// syncs and renames over the target (a symbolic link at `path` is replaced by
// the new file; its old target is left as it was).
//
// A target that cannot be replaced that way is written straight, as it is
// written (no temporary file, no rename, no sync):
//   - a descriptor of this process named as /dev/stdout, /dev/stderr,
//     /dev/fd/N, /proc/self/fd/N or /proc/<this pid>/fd/N, whatever it is open
//     on (a pipe, a terminal, a file the shell opened): the writer writes to a
//     copy of that descriptor, at its offset;
//   - an existing path that is not a regular file or a folder (a character
//     device such as /dev/null, a FIFO; a link to one): it is opened for
//     writing as it is (never created or truncated; opening a FIFO waits for
//     its reader).
// Such a stream cannot be taken back: a writer destroyed without Commit
// leaves what was written so far. A reader that went away (a closed pipe) is
// the error "writing PATH: broken pipe" from Commit, provided the process
// ignores SIGPIPE (the hogmf command line does); otherwise SIGPIPE ends it.
class AtomicFileWriter {
 public:
  // kInvalidArgument when the output cannot be created or opened.
  static absl::StatusOr<std::unique_ptr<AtomicFileWriter>> Create(const std::string& path);
  ~AtomicFileWriter();  // removes the temporary file unless committed
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Buffered writes; the first failure is remembered and returned by Commit.
  void Write(const void* data, size_t size);
  void Write(std::string_view text) { Write(text.data(), text.size()); }
  // Flushes, syncs and renames over the target path (a stream: flushes).
  // kInternal naming the path when writing, syncing or renaming failed.
  absl::Status Commit();
  const std::string& path() const { return path_; }
  // Bytes handed to Write so far (also those after a failed write, which
  // Commit reports).
  uint64_t offset() const { return offset_; }
  // Whether the output is written straight (a device, pipe or descriptor).
  bool streaming() const { return temp_path_.empty(); }

 private:
  AtomicFileWriter() = default;
  std::string path_;
  std::string temp_path_;  // empty when streaming
  std::FILE* file_ = nullptr;
  uint64_t offset_ = 0;
  int error_ = 0;  // errno of the first failed write; 0 while none failed
  bool committed_ = false;
  int slot_ = -1;  // this writer's entry for RemoveTemporaryFilesForSignal, or -1
};

// Removes the temporary files of the AtomicFileWriters of this process that
// are not yet committed or destroyed. Async-signal-safe (it only reads a fixed
// table and calls unlink): for a signal handler that ends the process right
// after. Temporary files are named TARGET.tmp.<pid>.<n>; creating a writer
// for TARGET also removes the TARGET.tmp.<pid>.<n> files in its folder whose
// process no longer exists (left by a process that was killed).
void RemoveTemporaryFilesForSignal();

}  // namespace hogmf::internal
