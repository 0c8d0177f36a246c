// MappedFile (whole files read into memory) and AtomicFileWriter over POSIX
// calls.
#include "util/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio_ext.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <new>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hogmf::internal {

namespace {

// "writing PATH: REASON" for a write that failed with `err`.
std::string WriteError(const std::string& path, int err) {
  switch (err) {
    case EPIPE:
      return absl::StrCat("writing ", path, ": broken pipe (its reader went away)");
    case ENOSPC:
      return absl::StrCat("writing ", path, ": no space left on device");
    case EDQUOT:
      return absl::StrCat("writing ", path, ": disk quota exceeded");
    default:
      return absl::StrCat("writing ", path, ": ", std::strerror(err));
  }
}

}  // namespace

int NamedDescriptor(const std::string& path) {
  if (path == "/dev/stdout") return STDOUT_FILENO;
  if (path == "/dev/stderr") return STDERR_FILENO;
  const std::string prefixes[] = {"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/",
                                  absl::StrCat("/proc/", ::getpid(), "/fd/")};
  for (const std::string& prefix : prefixes) {
    if (!absl::StartsWith(path, prefix)) continue;
    const char* const first = path.data() + prefix.size();
    const char* const last = path.data() + path.size();
    int fd = -1;
    const auto [end, error] = std::from_chars(first, last, fd);
    if (first != last && end == last && error == std::errc() && fd >= 0) return fd;
    return -1;
  }
  return -1;
}

absl::StatusOr<std::shared_ptr<const MappedFile>> MappedFile::Open(const std::string& path) {
  // O_NONBLOCK: a FIFO must not block the open; it is refused below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  // (A regular file reads as if blocking.)
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", std::strerror(err)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat(path, ": cannot stat: ", std::strerror(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory, expected a file"));
  }
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": not a regular file, so it cannot be read whole (InputStream reads "
                     "pipes, FIFOs and devices)"));
  }
  // Read, not mapped: a file that shrinks while mapped kills its reader
  // with SIGBUS; a short read is an error.
  const size_t size = static_cast<size_t>(st.st_size);
  Buffer bytes = Allocate(size + 1);
  size_t used = 0;
  for (;;) {
    const ssize_t got = ::read(fd, bytes.bytes.get() + used, bytes.capacity - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int err = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat(path, ": cannot read: ", std::strerror(err)));
    }
    if (got == 0 || used + static_cast<size_t>(got) > size) {
      used += static_cast<size_t>(got);
      break;
    }
    used += static_cast<size_t>(got);
  }
  struct stat after;
  const bool same = ::fstat(fd, &after) == 0 && after.st_size == st.st_size &&
                    after.st_mtim.tv_sec == st.st_mtim.tv_sec &&
                    after.st_mtim.tv_nsec == st.st_mtim.tv_nsec;
  ::close(fd);
  if (used != size || !same) {
    return absl::AbortedError(absl::StrCat(path, ": the file changed while it was read (", size,
                                           " bytes when opened); read it again once the program "
                                           "writing it has finished"));
  }
  return Adopt(path, std::move(bytes), size);
}

std::shared_ptr<const MappedFile> MappedFile::FromBytes(std::string path, std::string bytes) {
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = std::move(path);
  file->owned_ = std::move(bytes);
  file->data_ = file->owned_.data();
  file->size_ = file->owned_.size();
  return file;
}

void DiscardFilePages(const void* begin, const void* end) {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t from = (reinterpret_cast<uintptr_t>(begin) + page - 1) / page * page;
  const uintptr_t to = reinterpret_cast<uintptr_t>(end) / page * page;
  if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
}

void DiscardScratchPages(void* begin, void* end) { DiscardFilePages(begin, end); }

MappedFile::~MappedFile() = default;

MappedFile::Buffer MappedFile::Allocate(size_t capacity) {
  Buffer buffer;
  const size_t rounded = (std::max<size_t>(capacity, 1) + 63) / 64 * 64;
  buffer.bytes.reset(static_cast<char*>(std::aligned_alloc(64, rounded)));
  if (buffer.bytes == nullptr) throw std::bad_alloc();
  buffer.capacity = capacity;
  return buffer;
}

std::shared_ptr<const MappedFile> MappedFile::Adopt(std::string path, Buffer buffer, size_t size) {
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = std::move(path);
  file->aligned_ = std::move(buffer);
  file->data_ = file->aligned_.bytes.get();
  file->size_ = size;
  return file;
}

namespace {

// The temporary files of the writers alive, for RemoveTemporaryFilesForSignal:
// a fixed table a signal handler may read. state: 0 free, 1 being filled,
// 2 holds a path.
struct TemporarySlot {
  std::atomic<int> state{0};
  char path[4096];
};
constexpr int kTemporarySlots = 16;
TemporarySlot temporary_slots[kTemporarySlots];

// A slot holding `path`, or -1 when the table is full or the path too long
// (the file is then left to the next run's clean-up).
int RegisterTemporary(const std::string& path) {
  if (path.size() >= sizeof(TemporarySlot::path)) return -1;
  for (int i = 0; i < kTemporarySlots; ++i) {
    int expected = 0;
    if (!temporary_slots[i].state.compare_exchange_strong(expected, 1)) continue;
    std::memcpy(temporary_slots[i].path, path.c_str(), path.size() + 1);
    temporary_slots[i].state.store(2);
    return i;
  }
  return -1;
}

void ReleaseTemporary(int slot) {
  if (slot >= 0) temporary_slots[slot].state.store(0);
}

// Whether `name` is `base`.tmp.<pid>.<digits>, the name of a temporary file of
// an AtomicFileWriter for `base`; sets *pid.
bool IsTemporaryName(std::string_view name, std::string_view base, long* pid) {
  const std::string prefix = std::string(base) + ".tmp.";
  if (name.substr(0, prefix.size()) != prefix) return false;
  std::string_view rest = name.substr(prefix.size());
  const size_t dot = rest.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == rest.size()) return false;
  const std::string_view pid_digits = rest.substr(0, dot);
  const std::string_view counter = rest.substr(dot + 1);
  for (const std::string_view digits : {pid_digits, counter}) {
    for (const char c : digits) {
      if (c < '0' || c > '9') return false;
    }
  }
  const auto [end, error] =
      std::from_chars(pid_digits.data(), pid_digits.data() + pid_digits.size(), *pid);
  return error == std::errc() && end == pid_digits.data() + pid_digits.size() && *pid > 0;
}

// Removes the regular files `path`.tmp.<pid>.<n> in path's folder whose
// process is gone (another process of the same pid keeps them: it may be a
// hogmf writing the same target).
void RemoveStaleTemporaries(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return;
  DIR* folder = ::opendir(dir.c_str());
  if (folder == nullptr) return;
  while (const struct dirent* entry = ::readdir(folder)) {
    long pid = 0;
    if (!IsTemporaryName(entry->d_name, base, &pid)) continue;
    if (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    const std::string stale = slash == std::string::npos ? entry->d_name : dir + entry->d_name;
    struct stat st;
    if (::lstat(stale.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(stale.c_str());
  }
  ::closedir(folder);
}

}  // namespace

int RegisterPartialFile(const std::string& path) { return RegisterTemporary(path); }
void ForgetPartialFile(int slot) { ReleaseTemporary(slot); }
void RemoveStaleTemporaryFiles(const std::string& target) { RemoveStaleTemporaries(target); }

void RemoveTemporaryFilesForSignal() {
  for (TemporarySlot& slot : temporary_slots) {
    if (slot.state.load() == 2) ::unlink(slot.path);
  }
}

absl::StatusOr<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(
    const std::string& path) {
  std::unique_ptr<AtomicFileWriter> writer(new AtomicFileWriter());
  writer->path_ = path;
  int fd = -1;
  if (const int named = NamedDescriptor(path); named >= 0) {
    // A descriptor of this process: write to a copy of it, at its offset.
    const int flags = ::fcntl(named, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": cannot write: ", flags < 0 ? std::strerror(errno) : "open for reading only"));
    }
    fd = ::fcntl(named, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
    }
  } else if (struct stat st;
             ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    // A character device or FIFO: opened as it is, never created, truncated
    // or renamed over (a FIFO's open waits for its reader).
    if (S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": is a ", S_ISBLK(st.st_mode) ? "block device" : "socket",
                       "; hogmf writes regular files, pipes, FIFOs and character devices only"));
    }
    do {
      fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot open for writing: ", std::strerror(errno)));
    }
  } else {
    RemoveStaleTemporaries(path);
    std::random_device entropy;
    writer->temp_path_ = absl::StrCat(path, ".tmp.", ::getpid(), ".", entropy() % 1000000);
    writer->slot_ = RegisterTemporary(writer->temp_path_);
    fd = ::open(writer->temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": cannot create output file: ", std::strerror(errno)));
    }
  }
  writer->file_ = ::fdopen(fd, "wb");
  if (writer->file_ == nullptr) {
    ::close(fd);
    if (!writer->streaming()) ::unlink(writer->temp_path_.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot open output stream"));
  }
  std::setvbuf(writer->file_, nullptr, _IOFBF, 1 << 20);
  return writer;
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_ != nullptr) {
    // Bytes still buffered are dropped, not sent: a stream keeps only what
    // was written before it failed or was abandoned.
    __fpurge(file_);
    std::fclose(file_);
  }
  if (!committed_ && !streaming()) ::unlink(temp_path_.c_str());
  ReleaseTemporary(slot_);
}

void AtomicFileWriter::Write(const void* data, size_t size) {
  offset_ += size;
  if (error_ != 0 || size == 0) return;
  errno = 0;
  if (std::fwrite(data, 1, size, file_) != size) error_ = errno != 0 ? errno : EIO;
}

absl::Status AtomicFileWriter::status() const {
  if (error_ == 0) return absl::OkStatus();
  return absl::InternalError(WriteError(path_, error_));
}

absl::Status AtomicFileWriter::Commit() {
  if (committed_) return absl::FailedPreconditionError(absl::StrCat(path_, ": already committed"));
  int err = error_;
  errno = 0;
  if (err == 0 && std::fflush(file_) != 0) err = errno != 0 ? errno : EIO;
  // A device or pipe has nothing to sync (and some refuse fsync).
  if (err == 0 && !streaming() && ::fsync(::fileno(file_)) != 0) err = errno;
  if (err != 0) __fpurge(file_);
  if (std::fclose(file_) != 0 && err == 0) err = errno;
  file_ = nullptr;
  if (err != 0) return absl::InternalError(WriteError(path_, err));
  if (!streaming() && ::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat(path_, ": cannot rename into place: ", std::strerror(errno)));
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace hogmf::internal
