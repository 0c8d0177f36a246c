// Input for the readers: a regular file, a pipe, FIFO or character device,
// all read with read() into memory this process owns (never mapped: a file
// that shrinks while it is read is an error, not a SIGBUS), any of them
// gzip-compressed (recognized by the bytes 1f 8b, never by the name;
// concatenated members read as one). Text readers take the input as blocks of
// whole lines, so an input never needs to fit in memory; the binary readers
// take the whole input at once.
//
// A regular file must not change while it is read: at its end, its size, its
// modification time and the bytes read are compared with the file as it was
// opened, and a difference is the error (kAborted) "PATH: the file changed
// while it was read". A last line without '\n' is read as a line only then
// (a writer still appending could have cut it short: "17 17 3." of "3.5").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "util/file.h"

namespace hogmf::internal {

// A run of whole lines of the input. The text ends with '\n' (one is added
// after a last line that lacks it) and holds no NUL byte.
struct TextBlock {
  std::string_view text;
  uint64_t first_line = 1;  // the 1-based number of the text's first line
  uint64_t offset = 0;      // the (decompressed) input offset of the text
};

// The number of '\n' in `text` (byte-wide counters the compiler vectorizes).
uint64_t CountNewlines(std::string_view text);

class InputStream {
 public:
  struct Options {
    // The size of the blocks (a line longer than that makes a longer block).
    size_t block_size = size_t{8} << 20;
    // How long opening a FIFO waits for a writer to send its first bytes.
    int fifo_wait_ms = 10000;
  };

  // kNotFound for a missing path, kInvalidArgument for a directory, a FIFO no
  // process writes to within the wait, or a path that cannot be opened.
  static absl::StatusOr<std::unique_ptr<InputStream>> Open(const std::string& path,
                                                           const Options& options);
  static absl::StatusOr<std::unique_ptr<InputStream>> Open(const std::string& path) {
    return Open(path, Options());
  }
  // Bytes already in memory under the name `path` (tests, fuzz targets): read
  // as a regular file is (an in-memory file), gzip-decompressed when they
  // start 1f 8b. kInternal when the system cannot make the in-memory file.
  static absl::StatusOr<std::unique_ptr<InputStream>> FromBytes(std::string path,
                                                                std::string_view bytes,
                                                                const Options& options);
  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  const std::string& path() const { return path_; }
  // True for a pipe, FIFO or device (not a regular file).
  bool is_stream() const { return !regular_; }
  bool compressed() const { return gzip_ != nullptr; }
  // "the file is empty", or the words for an empty stream or .gz.
  std::string EmptyMessage() const;

  // The first bytes of the input (decompressed): block_size of them, or all
  // when the input is shorter. Does not consume them. Call before NextBlock.
  absl::StatusOr<std::string_view> Head();
  // About how many lines a plain regular file (not compressed) holds, from
  // the lines of its head and its size (exact when the head is the whole
  // file; else about 1.6% more than an even file has), for readers that
  // size their output from it; nullopt for a stream, whose size is unknown.
  // Only before NextBlock.
  std::optional<uint64_t> EstimatedLines();

  // The next block of whole lines; false at the end of the input. The
  // previous block's text is no longer valid.
  // An InvalidArgument "path:line: NUL byte; expected text" for a NUL byte.
  absl::StatusOr<bool> NextBlock(TextBlock* block);
  // Adds at least one more line to *block, the block NextBlock returned last
  // (for a record that continues past it); false, leaving *block as it was,
  // at the end of the input. Its text may move.
  absl::StatusOr<bool> ExtendBlock(TextBlock* block);

  // The whole input, for readers that need random access: the bytes read
  // (and decompressed) into memory, refused with kResourceExhausted beyond
  // half of the physical memory. Only before NextBlock.
  absl::StatusOr<std::shared_ptr<const MappedFile>> ReadAll();

  // The most bytes of input this stream held in buffers at once (a test hook).
  size_t peak_buffered() const { return peak_buffered_; }

 private:
  class Gzip;
  InputStream() = default;
  // Reads into [dst, dst + n) from the fd or the decompressor; 0 at the end.
  absl::StatusOr<size_t> ReadRaw(char* dst, size_t n);
  // Reads until the buffer holds `want` bytes after begin_ or the input ends,
  // growing the buffer if needed.
  absl::Status Fill(size_t want);
  // Counts the lines of a block about to be handed out into last_lines_;
  // an error for a NUL byte in it.
  absl::Status CheckBlock(std::string_view text);
  absl::Status CheckNul(std::string_view text, uint64_t first_line) const;
  // At the end of a regular file: an error when it changed since Open.
  absl::Status CheckUnchanged() const;
  absl::StatusOr<bool> StreamBlock(TextBlock* block, size_t min_size);
  // After opening: a stream that starts with the gzip magic is read through zlib.
  absl::Status SniffGzip();
  void Reserve(size_t capacity);

  std::string path_;
  Options options_;
  bool fifo_ = false;
  bool regular_ = false;  // a regular file, checked for changes at its end
  uint64_t opened_size_ = 0;
  int64_t opened_mtime_ns_ = 0;
  int fd_ = -1;
  std::unique_ptr<Gzip> gzip_;
  // Buffered text of a stream: [begin_, end_) of buffer_ holds bytes not yet
  // consumed; block_end_ ends the last block handed out.
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t block_end_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool added_newline_ = false;
  // The block handed out last, consumed by the next NextBlock.
  std::string_view last_;
  uint64_t last_lines_ = 0;
  // Where the next block starts in lines and bytes.
  uint64_t line_ = 1;
  uint64_t offset_ = 0;
  bool started_ = false;
  size_t peak_buffered_ = 0;
};

// The whole input at `path` (InputStream::ReadAll): for model files and other
// readers that need all the bytes at once.
absl::StatusOr<std::shared_ptr<const MappedFile>> ReadWholeInput(const std::string& path);

}  // namespace hogmf::internal
