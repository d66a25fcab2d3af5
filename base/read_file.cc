// Reads user-named files through one descriptor: open without blocking, fstat the
// descriptor (not the name, so a swapped path cannot slip past), then a bounded read.
#include "base/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace dandori {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Closes the descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> ReadUserFile(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO with no writer must not wait; it is refused below.
  Fd f{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
  if (f.fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(path + ": no such file");
    return Status::Unavailable(fmt::format("{}: cannot open: {}", path, std::strerror(err)));
  }
  struct stat st;
  if (::fstat(f.fd, &st) != 0) {
    return Status::Unavailable(fmt::format("{}: cannot stat: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::Invalid(
        fmt::format("{}: is {}; only regular files are read", path, KindOf(st.st_mode)));
  }
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    return Status::Invalid(fmt::format("{}: file is {} bytes; the limit is {} bytes", path,
                                       static_cast<long long>(st.st_size), max_bytes));
  }
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::Unavailable(fmt::format("{}: read failed: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    // A file that grows while it is read is still held to the cap.
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      return Status::Invalid(
          fmt::format("{}: file is over the limit of {} bytes", path, max_bytes));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace dandori
