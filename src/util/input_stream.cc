// InputStream over POSIX calls and zlib's inflate: buffered blocks read with
// read() from regular files, streams and gzip data, FIFOs opened without
// blocking and waited on with poll(), regular files checked for changes.
#include "util/input_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/memory.h"
#include "util/status_macros.h"

namespace hogmf::internal {

namespace {

// A line longer than this in a stream is refused rather than buffered.
constexpr size_t kMaxLine = size_t{256} << 20;

// read() that retries on EINTR.
absl::StatusOr<size_t> ReadFd(int fd, const std::string& path, char* dst, size_t n) {
  for (;;) {
    const ssize_t got = ::read(fd, dst, n);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno == EINTR) continue;
    return absl::InternalError(absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
}

}  // namespace

// Inflates concatenated gzip members from bytes in memory (a mapping, or what
// was read while sniffing) followed, for a stream, by what `fd` delivers.
class InputStream::Gzip {
 public:
  Gzip(const std::string& path, std::string_view pending, int fd)
      : path_(path), pending_(pending), fd_(fd) {
    std::memset(&z_, 0, sizeof(z_));
    ok_ = ::inflateInit2(&z_, 15 + 16) == Z_OK;  // gzip wrapper only
    if (fd_ >= 0) input_.reset(new char[kInput]);
  }
  ~Gzip() { ::inflateEnd(&z_); }

  // Keeps pending bytes owned by the stream (they were read from the fd into
  // a buffer the stream reuses).
  void OwnPending() {
    owned_.assign(pending_);
    pending_ = owned_;
  }

  absl::StatusOr<size_t> Read(char* dst, size_t n) {
    if (!ok_) return absl::InternalError(absl::StrCat(path_, ": cannot start zlib"));
    size_t produced = 0;
    while (produced == 0 && !finished_) {
      if (z_.avail_in == 0) {
        auto refilled = Refill();
        if (!refilled.ok()) return refilled.status();
        if (!*refilled) {
          if (between_members_) {
            finished_ = true;
            break;
          }
          return absl::InvalidArgumentError(
              absl::StrCat(path_, ": the gzip data is truncated (it ends after ", out_,
                           " decompressed bytes); expected a complete .gz file"));
        }
      }
      if (between_members_) {
        // After a member: another member, zero padding, or garbage.
        const unsigned char next = *z_.next_in;
        if (next == 0) {
          ++z_.next_in;
          --z_.avail_in;
          continue;
        }
        if (next != 0x1f) {
          return absl::InvalidArgumentError(
              absl::StrCat(path_, ": data that is not gzip follows the gzip data (after ", out_,
                           " decompressed bytes); expected a .gz file of gzip members"));
        }
        between_members_ = false;
      }
      z_.next_out = reinterpret_cast<Bytef*>(dst);
      z_.avail_out = static_cast<uInt>(std::min<size_t>(n, size_t{1} << 30));
      const uInt before = z_.avail_out;
      const int rc = ::inflate(&z_, Z_NO_FLUSH);
      produced = before - z_.avail_out;
      out_ += produced;
      if (rc == Z_STREAM_END) {
        ::inflateReset(&z_);
        between_members_ = true;
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && z_.avail_in == 0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            path_, ": corrupt gzip data at decompressed offset ", out_, ": ",
            z_.msg != nullptr ? z_.msg : "inflate failed", "; expected a valid .gz file"));
      }
    }
    return produced;
  }

 private:
  static constexpr size_t kInput = size_t{1} << 18;

  // Points zlib at more compressed bytes; false at their end.
  absl::StatusOr<bool> Refill() {
    if (!pending_.empty()) {
      const size_t take = std::min<size_t>(pending_.size(), size_t{1} << 30);
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pending_.data()));
      z_.avail_in = static_cast<uInt>(take);
      pending_.remove_prefix(take);
      return true;
    }
    if (fd_ < 0) return false;
    auto got = ReadFd(fd_, path_, input_.get(), kInput);
    if (!got.ok()) return got.status();
    if (*got == 0) return false;
    z_.next_in = reinterpret_cast<Bytef*>(input_.get());
    z_.avail_in = static_cast<uInt>(*got);
    return true;
  }

  const std::string& path_;
  std::string_view pending_;
  std::string owned_;
  int fd_;
  std::unique_ptr<char[]> input_;
  z_stream z_;
  bool ok_ = false;
  bool between_members_ = false;
  bool finished_ = false;
  uint64_t out_ = 0;
};

InputStream::~InputStream() {
  gzip_.reset();
  if (fd_ >= 0) ::close(fd_);
}

uint64_t CountNewlines(std::string_view text) {
  // Byte-wide counters over blocks of 255 bytes, so the compiler vectorizes
  // the inner loop without widening.
  uint64_t count = 0;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  while (n > 0) {
    const size_t block = n < 255 ? n : 255;
    unsigned char in_block = 0;
    for (size_t i = 0; i < block; ++i) in_block += (p[i] == '\n');
    count += in_block;
    p += block;
    n -= block;
  }
  return count;
}

absl::StatusOr<std::unique_ptr<InputStream>> InputStream::Open(const std::string& path,
                                                               const Options& options) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", std::strerror(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, expected a file"));
  }
  std::unique_ptr<InputStream> in(new InputStream());
  in->path_ = path;
  in->options_ = options;
  in->options_.block_size = std::max<size_t>(options.block_size, 16);
  in->fifo_ = S_ISFIFO(st.st_mode);
  in->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (in->fifo_ ? O_NONBLOCK : 0));
  if (in->fd_ < 0) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", std::strerror(err)));
  }
  if (S_ISREG(st.st_mode)) {
    // The size and time of the file as opened: ReadRaw compares them at the
    // end of the file.
    if (::fstat(in->fd_, &st) != 0) {
      return absl::InternalError(absl::StrCat(path, ": cannot stat: ", std::strerror(errno)));
    }
    in->regular_ = true;
    in->opened_size_ = static_cast<uint64_t>(st.st_size);
    in->opened_mtime_ns_ =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    ::posix_fadvise(in->fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  in->Reserve(in->options_.block_size + 1);
  if (in->fifo_) {
    // Opening without O_NONBLOCK would wait forever for a writer. A read now
    // says whether one is there (EAGAIN: yes, with nothing written yet); a
    // pipe whose writer left is empty; a FIFO gets a bounded wait for one.
    const ssize_t probe = ::read(in->fd_, in->buffer_.get(), in->capacity_ - 1);
    const int probe_error = errno;
    if (probe > 0) {
      in->end_ = static_cast<size_t>(probe);
    } else if (probe == 0) {
      struct statfs fs;
      constexpr long kPipeFs = 0x50495045;  // PIPEFS_MAGIC: an anonymous pipe
      if (::fstatfs(in->fd_, &fs) == 0 && static_cast<long>(fs.f_type) == kPipeFs) {
        in->eof_ = true;
      } else {
        struct pollfd waiting = {in->fd_, POLLIN, 0};
        int ready;
        do {
          ready = ::poll(&waiting, 1, options.fifo_wait_ms);
        } while (ready < 0 && errno == EINTR);
        if (ready == 0) {
          // A writer that opened the FIFO but has not written makes read()
          // say EAGAIN; without a writer it says end of file.
          char byte;
          const ssize_t again = ::read(in->fd_, &byte, 1);
          if (again == 0) {
            return absl::InvalidArgumentError(absl::StrCat(
                path, ": no data arrived within ", options.fifo_wait_ms / 1000.0,
                " s: no process opened the FIFO for writing; expected a process writing to it"));
          }
          if (again == 1) in->buffer_[in->end_++] = byte;
        }
      }
    } else if (probe_error != EAGAIN && probe_error != EINTR) {
      return absl::InternalError(absl::StrCat(path, ": cannot read: ", std::strerror(probe_error)));
    }
    const int flags = ::fcntl(in->fd_, F_GETFL);
    ::fcntl(in->fd_, F_SETFL, flags & ~O_NONBLOCK);
    // A 1 MiB pipe instead of 64 KiB: the writer and this reader trade the
    // processor 16 times less often (a hint; the system may refuse it).
    ::fcntl(in->fd_, F_SETPIPE_SZ, 1 << 20);
  }
  HOGMF_RETURN_IF_ERROR(in->SniffGzip());
  return in;
}

absl::Status InputStream::SniffGzip() {
  while (end_ < 2 && !eof_) {
    auto got = ReadRaw(buffer_.get() + end_, capacity_ - 1 - end_);
    if (!got.ok()) return got.status();
    if (*got == 0) eof_ = true;
    end_ += *got;
  }
  if (end_ >= 2 && buffer_[0] == '\x1f' && buffer_[1] == '\x8b') {
    gzip_ = std::make_unique<Gzip>(path_, std::string_view(buffer_.get(), end_), fd_);
    gzip_->OwnPending();
    end_ = 0;
    eof_ = false;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<InputStream>> InputStream::FromBytes(std::string path,
                                                                    std::string_view bytes,
                                                                    const Options& options) {
  // An anonymous in-memory file: read exactly as a regular file is.
  const int fd = ::memfd_create("hogmf-input", MFD_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot make an in-memory file: ", std::strerror(errno)));
  }
  std::unique_ptr<InputStream> in(new InputStream());
  in->fd_ = fd;
  for (size_t at = 0; at < bytes.size();) {
    const ssize_t wrote = ::write(fd, bytes.data() + at, bytes.size() - at);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      return absl::InternalError(
          absl::StrCat(path, ": cannot fill an in-memory file: ", std::strerror(errno)));
    }
    at += static_cast<size_t>(wrote);
  }
  struct stat st;
  if (::lseek(fd, 0, SEEK_SET) != 0 || ::fstat(fd, &st) != 0) {
    return absl::InternalError(absl::StrCat(path, ": cannot rewind an in-memory file"));
  }
  in->path_ = std::move(path);
  in->options_ = options;
  in->options_.block_size = std::max<size_t>(options.block_size, 16);
  in->regular_ = true;
  in->opened_size_ = static_cast<uint64_t>(st.st_size);
  in->opened_mtime_ns_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  in->Reserve(in->options_.block_size + 1);
  HOGMF_RETURN_IF_ERROR(in->SniffGzip());
  return in;
}

std::string InputStream::EmptyMessage() const {
  if (gzip_ != nullptr) return "empty input: the gzip data decompresses to nothing";
  if (regular_) return "the file is empty";
  if (fifo_) {
    return "empty input: the stream was empty (the process writing to it closed it without "
           "writing anything)";
  }
  return "empty input: the device gave no bytes";
}

absl::StatusOr<size_t> InputStream::ReadRaw(char* dst, size_t n) {
  absl::StatusOr<size_t> got = gzip_ != nullptr ? gzip_->Read(dst, n) : ReadFd(fd_, path_, dst, n);
  if (got.ok() && *got == 0 && regular_) {
    if (absl::Status same = CheckUnchanged(); !same.ok()) return same;
  }
  return got;
}

absl::Status InputStream::CheckUnchanged() const {
  struct stat st;
  const off_t position = ::lseek(fd_, 0, SEEK_CUR);
  if (::fstat(fd_, &st) != 0) {
    return absl::InternalError(absl::StrCat(path_, ": cannot stat: ", std::strerror(errno)));
  }
  const int64_t mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (static_cast<uint64_t>(st.st_size) == opened_size_ && mtime_ns == opened_mtime_ns_ &&
      (position < 0 || static_cast<uint64_t>(position) == opened_size_)) {
    return absl::OkStatus();
  }
  return absl::AbortedError(absl::StrCat(
      path_, ": the file changed while it was read (", opened_size_, " bytes when opened, ",
      static_cast<uint64_t>(st.st_size), " now, ", position < 0 ? 0 : position,
      " read); read it again once the program writing it has finished"));
}

void InputStream::Reserve(size_t capacity) {
  if (capacity <= capacity_) return;
  std::unique_ptr<char[]> grown(new char[capacity]);
  if (end_ > begin_) std::memcpy(grown.get(), buffer_.get() + begin_, end_ - begin_);
  block_end_ -= std::min(block_end_, begin_);
  end_ -= begin_;
  begin_ = 0;
  buffer_ = std::move(grown);
  capacity_ = capacity;
  peak_buffered_ = std::max(peak_buffered_, capacity_);
}

absl::Status InputStream::Fill(size_t want) {
  if (end_ - begin_ >= want || eof_) return absl::OkStatus();
  if (capacity_ < want + 1) {
    Reserve(std::max(want + 1, capacity_ * 2));
  } else if (capacity_ - begin_ < want + 1) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    block_end_ -= std::min(block_end_, begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  while (end_ - begin_ < want) {
    auto got = ReadRaw(buffer_.get() + end_, capacity_ - 1 - end_);
    if (!got.ok()) return got.status();
    if (*got == 0) {
      eof_ = true;
      break;
    }
    end_ += *got;
  }
  return absl::OkStatus();
}

namespace {

// Whether `text` holds a whole line with something but blanks on it: what a
// sniffer needs to see.
bool HasWholeNonBlankLine(std::string_view text) {
  bool content = false;
  for (const char c : text) {
    if (c == '\n') {
      if (content) return true;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      content = true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string_view> InputStream::Head() {
  if (started_) return absl::InternalError("InputStream::Head after NextBlock");
  // A block, grown (doubling, up to kMaxLine) until it holds the first line
  // that is not blank, so that sniffing sees a whole line of data even after
  // megabytes of blank lines or in a first line longer than a block.
  size_t want = options_.block_size;
  for (;;) {
    if (absl::Status filled = Fill(want); !filled.ok()) return filled;
    const std::string_view head(buffer_.get() + begin_, std::min(end_ - begin_, want));
    if (head.size() < want || want >= kMaxLine || HasWholeNonBlankLine(head) ||
        head.find('\0') != std::string_view::npos) {  // binary: the sniffer knows enough
      return head;
    }
    want = std::min(want * 2, kMaxLine);
  }
}

std::optional<uint64_t> InputStream::EstimatedLines() {
  if (gzip_ != nullptr || !regular_ || started_) return std::nullopt;
  absl::StatusOr<std::string_view> head = Head();
  if (!head.ok() || head->empty()) return std::nullopt;
  const uint64_t lines = CountNewlines(*head) + 1;
  if (head->size() >= opened_size_) return lines;
  // 1/64 more than the head's lines per byte promise, so that a file of
  // even lines needs no second allocation.
  const double per_byte = static_cast<double>(lines) / static_cast<double>(head->size());
  return static_cast<uint64_t>(per_byte * static_cast<double>(opened_size_) * (1.0 + 1.0 / 64)) + 1;
}

absl::Status InputStream::CheckBlock(std::string_view text) {
  // One pass counts the lines and looks for NUL bytes: byte-wide counters
  // over runs of 255 bytes, which the compiler vectorizes.
  uint64_t count = 0;
  unsigned char nul = 0;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  while (n > 0) {
    const size_t run = n < 255 ? n : 255;
    unsigned char in_run = 0;
    for (size_t i = 0; i < run; ++i) {
      in_run += (p[i] == '\n');
      nul |= (p[i] == 0);
    }
    count += in_run;
    p += run;
    n -= run;
  }
  if (nul != 0) return CheckNul(text, line_);
  last_lines_ = count;
  return absl::OkStatus();
}

absl::Status InputStream::CheckNul(std::string_view text, uint64_t first_line) const {
  const void* nul = std::memchr(text.data(), '\0', text.size());
  if (nul == nullptr) return absl::OkStatus();
  const size_t at = static_cast<const char*>(nul) - text.data();
  return absl::InvalidArgumentError(absl::StrCat(
      path_, ":", first_line + CountNewlines(text.substr(0, at)), ": NUL byte; expected text"));
}

absl::StatusOr<bool> InputStream::StreamBlock(TextBlock* block, size_t keep) {
  size_t search = keep;  // relative to begin_
  size_t want = keep + options_.block_size;
  for (;;) {
    if (absl::Status filled = Fill(want); !filled.ok()) return filled;
    const char* base = buffer_.get() + begin_;
    const size_t available = end_ - begin_;
    const void* newline =
        available > search ? ::memrchr(base + search, '\n', available - search) : nullptr;
    if (newline != nullptr) {
      block_end_ = begin_ + (static_cast<const char*>(newline) - base) + 1;
      break;
    }
    if (eof_) {
      if (available == keep) return false;
      if (end_ == capacity_) Reserve(capacity_ + 1);
      buffer_[end_++] = '\n';
      added_newline_ = true;
      block_end_ = end_;
      break;
    }
    // No line ends in the buffer: refuse NUL bytes and endless lines before
    // reading on.
    const std::string_view unended(base, available);
    if (absl::Status nul = CheckNul(unended, line_); !nul.ok()) return nul;
    if (available > kMaxLine) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ":", line_ + CountNewlines(unended),
                                                     ": the line is longer than ", kMaxLine,
                                                     " bytes; expected text lines"));
    }
    search = available;
    want = available * 2;
  }
  const std::string_view text(buffer_.get() + begin_, block_end_ - begin_);
  if (absl::Status checked = CheckBlock(text); !checked.ok()) return checked;
  block->text = text;
  block->first_line = line_;
  block->offset = offset_;
  return true;
}

absl::StatusOr<bool> InputStream::NextBlock(TextBlock* block) {
  if (!last_.empty()) {
    // Consume the previous block.
    const std::string_view last = last_;
    line_ += last_lines_;
    const bool ended_added = added_newline_ && block_end_ == end_;
    offset_ += last.size() - (ended_added ? 1 : 0);
    begin_ = block_end_;
  }
  started_ = true;
  last_ = {};
  block->text = {};
  absl::StatusOr<bool> made = false;
  if (begin_ < end_ || !eof_) {
    made = StreamBlock(block, 0);
  }
  if (made.ok() && *made) last_ = block->text;
  return made;
}

absl::StatusOr<bool> InputStream::ExtendBlock(TextBlock* block) {
  if (last_.empty()) return false;
  *block = TextBlock{last_, line_, offset_};
  const size_t keep = block->text.size();
  if (eof_ && block_end_ == end_) return false;
  auto made = StreamBlock(block, keep);
  if (!made.ok()) return made;
  if (!*made) {
    // No more bytes; but looking for them may have moved the buffer: the
    // block is the same bytes at their new place.
    block->text = std::string_view(buffer_.get() + begin_, keep);
    last_ = block->text;
    return false;
  }
  last_ = block->text;
  return true;
}

absl::StatusOr<std::shared_ptr<const MappedFile>> InputStream::ReadAll() {
  if (started_) return absl::InternalError("InputStream::ReadAll after NextBlock");
  started_ = true;
  const MemoryLimit memory = AvailableMemory();
  const uint64_t limit = memory.bytes / 2;
  if (regular_ && gzip_ == nullptr && opened_size_ <= limit) {
    // A regular file: one aligned allocation of its size (and a byte to see
    // its end, which also sees a file that grew).
    const size_t held = end_ - begin_;
    MappedFile::Buffer all = MappedFile::Allocate(std::max<size_t>(held, opened_size_) + 1);
    std::memcpy(all.bytes.get(), buffer_.get() + begin_, held);
    buffer_.reset();
    capacity_ = begin_ = end_ = block_end_ = 0;
    size_t used = held;
    while (!eof_) {
      if (used == all.capacity) {
        // It grew: CheckUnchanged reports that at its end.
        MappedFile::Buffer grown = MappedFile::Allocate(all.capacity * 2);
        std::memcpy(grown.bytes.get(), all.bytes.get(), used);
        all = std::move(grown);
      }
      auto got = ReadRaw(all.bytes.get() + used, all.capacity - used);
      if (!got.ok()) return got.status();
      if (*got == 0) break;
      used += *got;
    }
    peak_buffered_ = std::max(peak_buffered_, all.capacity);
    return MappedFile::Adopt(path_, std::move(all), used);
  }
  std::string all(buffer_.get() + begin_, end_ - begin_);
  buffer_.reset();
  capacity_ = begin_ = end_ = block_end_ = 0;
  constexpr size_t kChunk = size_t{1} << 20;
  size_t used = all.size();
  while (!eof_) {
    if (all.size() < used + kChunk) all.resize(std::max(used + kChunk, all.size() * 3 / 2));
    auto got = ReadRaw(all.data() + used, all.size() - used);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    used += *got;
    peak_buffered_ = std::max(peak_buffered_, all.size());
    if (used > limit) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path_, ": the input holds more than ", FormatBytes(limit), ", half of ",
                       std::string(memory.source), "; write it to a file first"));
    }
  }
  all.resize(used);
  all.shrink_to_fit();
  return MappedFile::FromBytes(path_, std::move(all));
}

absl::StatusOr<std::shared_ptr<const MappedFile>> ReadWholeInput(const std::string& path) {
  auto in = InputStream::Open(path);
  if (!in.ok()) return in.status();
  return (*in)->ReadAll();
}

}  // namespace hogmf::internal
