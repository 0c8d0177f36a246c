// Test inputs that are not plain files: gzip-compressed bytes (zlib's deflate
// with the gzip wrapper) and a pipe fed by a writer thread, named by its
// /proc/self/fd path. Tests that use it link ZLIB::ZLIB.
#pragma once

#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace hogmf::testing {

// `text` as one gzip member.
inline std::string Gzip(std::string_view text, int level = 6) {
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  if (::deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(::deflateBound(&z, static_cast<uLong>(text.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = ::deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  ::deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

// A pipe whose read end is path(); a thread writes `content` in pieces of up
// to 64 KiB, then closes the write end. The destructor waits for the writer and closes the read
// end.
class PipeSource {
 public:
  explicit PipeSource(std::string content) : content_(std::move(content)) {
    ::signal(SIGPIPE, SIG_IGN);  // a reader that stops early fails the writer's write
    int fds[2];
    if (::pipe(fds) != 0) return;
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    writer_ = std::thread([this] {
      size_t at = 0;
      while (at < content_.size()) {
        const ssize_t wrote =
            ::write(write_fd_, content_.data() + at, std::min<size_t>(content_.size() - at, 65536));
        if (wrote <= 0) break;
        at += static_cast<size_t>(wrote);
      }
      ::close(write_fd_);
    });
  }
  ~PipeSource() {
    // A reader that stopped early leaves the writer blocked: closing the read
    // end makes its write fail.
    ::close(read_fd_);
    if (writer_.joinable()) writer_.join();
  }
  PipeSource(const PipeSource&) = delete;
  PipeSource& operator=(const PipeSource&) = delete;

  std::string path() const { return "/proc/self/fd/" + std::to_string(read_fd_); }

 private:
  std::string content_;
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::thread writer_;
};

}  // namespace hogmf::testing
