// Files: whole files read into memory, and atomic writes (a temporary file in
// the target's folder, renamed over the target on Commit, removed if never
// committed; a device, pipe or FIFO is written straight).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
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

// The bytes of a whole file in memory this process owns. (The name is
// historical: files were once mapped, and a mapped file that shrinks kills
// its reader with SIGBUS; now they are read.)
class MappedFile {
 public:
  // Reads a regular file. kNotFound for a missing file, kInvalidArgument for
  // a directory or any other path that is not a regular file (InputStream,
  // util/input_stream.h, reads pipes, FIFOs and devices), kAborted "PATH: the
  // file changed while it was read" when its size or time changed or a read
  // came up short, kInternal for other failures. An empty file is an empty
  // range.
  static absl::StatusOr<std::shared_ptr<const MappedFile>> Open(const std::string& path);
  // Bytes already in memory (a stream read to its end, decompressed data)
  // under the name `path`.
  static std::shared_ptr<const MappedFile> FromBytes(std::string path, std::string bytes);
  // Memory aligned to 64 bytes for a reader to fill (binary formats place
  // their arrays at multiples of 64 in the file, so they stay aligned in
  // memory); Adopt makes a file of its first `size` bytes.
  struct Buffer {
    std::unique_ptr<char, void (*)(void*)> bytes{nullptr, &std::free};
    size_t capacity = 0;
  };
  static Buffer Allocate(size_t capacity);
  static std::shared_ptr<const MappedFile> Adopt(std::string path, Buffer buffer, size_t size);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(data_, size_); }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  std::string path_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  std::string owned_;
  Buffer aligned_;
};

// The descriptor of this process that `path` names (/dev/stdout, /dev/stderr,
// /dev/fd/N, /proc/self/fd/N, /proc/<this pid>/fd/N), or -1.
int NamedDescriptor(const std::string& path);

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
//   - an existing character device (/dev/null) or FIFO, or a link to one: it
//     is opened for writing as it is (never created or truncated; opening a
//     FIFO waits for its reader). A block device or a socket is refused.
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
  // The first failed write so far ("writing PATH: no space left on device"),
  // or OK; a write still buffered may yet fail in Commit.
  absl::Status status() const;
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
// A temporary file written outside AtomicFileWriter (a staged output that is
// renamed later): registered, RemoveTemporaryFilesForSignal removes it too.
// Returns the slot to forget once the file is renamed or removed (-1 when
// the table is full; ForgetPartialFile(-1) does nothing).
int RegisterPartialFile(const std::string& path);
void ForgetPartialFile(int slot);
// Removes the files TARGET.tmp.<pid>.<n> beside `target` whose process is
// gone, as AtomicFileWriter::Create does for its own target.
void RemoveStaleTemporaryFiles(const std::string& target);

}  // namespace hogmf::internal
