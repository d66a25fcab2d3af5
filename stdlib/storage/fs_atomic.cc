#include "stdlib/storage/fs_atomic.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace dandori {
namespace fs = std::filesystem;

Status ErrnoStatus(int err, const std::string& what, const std::string& path) {
  std::string msg = fmt::format("{} {}: {}", what, path, std::strerror(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return Status::Permanent(fmt::format("no space left on device: {} {}", what, path));
    case EROFS:
    case EACCES:
    case EPERM:
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case EEXIST:
    case ENOTEMPTY:
    case EXDEV:
    case ENAMETOOLONG:
      return Status::Permanent(msg);
    default:
      return Status::Transient(msg);  // EIO, EAGAIN, EINTR, ENOMEM, ...
  }
}

std::string ResolvePath(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/' || base.empty()) return path;
  return (fs::path(base) / path).string();
}

Status FsyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open", path);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some filesystems refuse fsync on directories (EINVAL); that is not an error here.
  if (rc != 0 && err != EINVAL) return ErrnoStatus(err, "fsync", path);
  return Status::Ok();
}

Status FsyncTree(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      DANDORI_RETURN_IF_ERROR(FsyncPath(it->path().string()));
    }
    if (ec) return ErrnoStatus(ec.value(), "list", path);
  }
  return FsyncPath(path);
}

static std::string Parent(const std::string& path) {
  std::string p = fs::path(path).parent_path().string();
  return p.empty() ? "." : p;
}

Status PublishFile(const std::string& tmp, const std::string& final_path) {
  DANDORI_RETURN_IF_ERROR(FsyncPath(tmp));
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    return ErrnoStatus(errno, "rename", final_path);
  }
  return FsyncPath(Parent(final_path));
}

Status PublishDir(const std::string& tmp_dir, const std::string& final_dir) {
  DANDORI_RETURN_IF_ERROR(FsyncTree(tmp_dir));
  std::error_code ec;
  if (fs::exists(final_dir, ec)) {
    if (::renameat2(AT_FDCWD, tmp_dir.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_EXCHANGE) != 0) {
      return ErrnoStatus(errno, "rename", final_dir);
    }
    RemoveTreeQuietly(tmp_dir);  // now holds the old contents
  } else if (::rename(tmp_dir.c_str(), final_dir.c_str()) != 0) {
    return ErrnoStatus(errno, "rename", final_dir);
  }
  return FsyncPath(Parent(final_dir));
}

Result<int64_t> CopyFileBytes(const std::string& src, const std::string& dst, bool create) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return ErrnoStatus(errno, "open", src);
  int flags = O_WRONLY | O_CLOEXEC | (create ? (O_CREAT | O_EXCL) : 0);
  int out = ::open(dst.c_str(), flags, 0644);
  if (out < 0) {
    int err = errno;
    ::close(in);
    return ErrnoStatus(err, "create", dst);
  }
  std::string buf(1 << 20, '\0');
  int64_t total = 0;
  Status st;
  while (st.ok()) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = ErrnoStatus(errno, "read", src);
      break;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n && st.ok();) {
      ssize_t w = ::write(out, buf.data() + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) st = ErrnoStatus(errno, "write", dst);
      if (w > 0) off += w;
    }
    total += n;
  }
  if (st.ok() && ::fsync(out) != 0 && errno != EINVAL) st = ErrnoStatus(errno, "fsync", dst);
  if (::close(out) != 0 && st.ok()) st = ErrnoStatus(errno, "close", dst);
  ::close(in);
  if (!st.ok()) return st;
  return total;
}

Result<int64_t> CopyTree(const std::string& src, const std::string& dst) {
  struct stat sb;
  if (::lstat(src.c_str(), &sb) != 0) return ErrnoStatus(errno, "stat", src);
  if (S_ISREG(sb.st_mode)) return CopyFileBytes(src, dst, true);
  if (!S_ISDIR(sb.st_mode)) return Status::Permanent(fmt::format("not a file or folder: {}", src));
  if (::mkdir(dst.c_str(), 0755) != 0) return ErrnoStatus(errno, "mkdir", dst);
  int64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(src, ec)) {
    auto r = CopyTree(entry.path().string(), (fs::path(dst) / entry.path().filename()).string());
    if (!r.ok()) return r.status();
    total += *r;
  }
  if (ec) return ErrnoStatus(ec.value(), "list", src);
  DANDORI_RETURN_IF_ERROR(FsyncPath(dst));
  return total;
}

int64_t TreeBytes(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return static_cast<int64_t>(fs::file_size(path, ec));
  int64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += static_cast<int64_t>(it->file_size(ec));
  }
  return total;
}

void RemoveTreeQuietly(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

}  // namespace dandori
