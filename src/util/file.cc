// MappedFile and AtomicFileWriter over POSIX calls.
#include "util/file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hogmf::internal {

namespace {

// Reads `fd` (a pipe, FIFO or device) to its end into *out, refusing more
// than half of the physical memory.
absl::Status ReadStream(int fd, const std::string& path, std::string* out) {
  const uint64_t limit = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                         static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) / 2;
  constexpr size_t kBlock = size_t{1} << 20;
  size_t used = 0;
  for (;;) {
    if (out->size() < used + kBlock) out->resize(used + kBlock);
    const ssize_t got = ::read(fd, out->data() + used, kBlock);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      out->clear();
      return absl::InternalError(absl::StrCat(path, ": cannot read: ", std::strerror(err)));
    }
    if (got == 0) break;
    used += static_cast<size_t>(got);
    if (used > limit) {
      out->clear();
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": the stream holds more than ", limit,
                       " bytes, half of this machine's memory; write it to a file first"));
    }
  }
  out->resize(used);
  out->shrink_to_fit();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const MappedFile>> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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
    absl::Status read = ReadStream(fd, path, &file->owned_);
    ::close(fd);
    if (!read.ok()) return read;
    file->data_ = file->owned_.data();
    file->size_ = file->owned_.size();
    return std::shared_ptr<const MappedFile>(std::move(file));
  }
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void* addr = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat(path, ": cannot map: ", std::strerror(err)));
    }
    ::madvise(addr, file->size_, MADV_SEQUENTIAL);
    file->data_ = static_cast<const char*>(addr);
    file->mapped_ = true;
  }
  ::close(fd);
  return std::shared_ptr<const MappedFile>(std::move(file));
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

void MappedFile::Discard(const char* begin, const char* end) const {
  if (mapped_ && begin < end) DiscardFilePages(begin, end);
}

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(const_cast<char*>(data_), size_);
}

absl::StatusOr<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(
    const std::string& path) {
  std::unique_ptr<AtomicFileWriter> writer(new AtomicFileWriter());
  writer->path_ = path;
  std::random_device entropy;
  writer->temp_path_ = absl::StrCat(path, ".tmp.", ::getpid(), ".", entropy() % 1000000);
  const int fd = ::open(writer->temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot create output file: ", std::strerror(errno)));
  }
  writer->file_ = ::fdopen(fd, "wb");
  if (writer->file_ == nullptr) {
    ::close(fd);
    ::unlink(writer->temp_path_.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot open output stream"));
  }
  std::setvbuf(writer->file_, nullptr, _IOFBF, 1 << 20);
  return writer;
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

void AtomicFileWriter::Write(const void* data, size_t size) {
  if (failed_ || size == 0) return;
  if (std::fwrite(data, 1, size, file_) != size) failed_ = true;
  offset_ += size;
}

absl::Status AtomicFileWriter::Commit() {
  if (committed_) return absl::FailedPreconditionError(absl::StrCat(path_, ": already committed"));
  bool ok = !failed_ && std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  const int err = errno;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (!ok) {
    return absl::InternalError(absl::StrCat(path_, ": write failed: ", std::strerror(err)));
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat(path_, ": cannot rename into place: ", std::strerror(errno)));
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace hogmf::internal
