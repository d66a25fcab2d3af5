#include "stdlib/storage/place.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "stdlib/storage/fs_atomic.h"

namespace dandori {
namespace fs = std::filesystem;

namespace {

// "69.7 GiB", "512 B": sizes in messages, readable rather than exact.
std::string HumanBytes(int64_t bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, kUnits[u]);
}

}  // namespace

Result<RootChoice> ChooseRoot(const std::vector<std::string>& candidates, int64_t min_free,
                              int64_t need) {
  RootChoice best;
  for (const std::string& root : candidates) {
    struct stat sb;
    if (::stat(root.c_str(), &sb) != 0) {
      best.skipped.push_back(fmt::format("{}: {}", root, std::strerror(errno)));
      continue;
    }
    if (!S_ISDIR(sb.st_mode)) {
      best.skipped.push_back(fmt::format("{}: not a directory", root));
      continue;
    }
    struct statvfs vfs;
    if (::statvfs(root.c_str(), &vfs) != 0) {
      best.skipped.push_back(fmt::format("{}: statvfs: {}", root, std::strerror(errno)));
      continue;
    }
    int64_t free = static_cast<int64_t>(vfs.f_bavail) * static_cast<int64_t>(vfs.f_frsize);
    if (free < min_free + need) {
      best.skipped.push_back(fmt::format("{}: {} free, needs {} (min_free) + {} (the title)", root,
                                         HumanBytes(free), HumanBytes(min_free), HumanBytes(need)));
      continue;
    }
    if (best.root.empty() || free > best.free) {
      if (!best.root.empty()) {
        best.skipped.push_back(fmt::format("{}: less free space than another root", best.root));
      }
      best.root = root;
      best.free = free;
    } else {
      best.skipped.push_back(fmt::format("{}: less free space than another root", root));
    }
  }
  if (best.root.empty()) {
    std::string why;
    for (const std::string& s : best.skipped) why += (why.empty() ? "" : "; ") + s;
    if (candidates.empty()) why = "no candidates given";
    return Status::Permanent(fmt::format("no storage root can take the title: {}", why));
  }
  return best;
}

namespace {

bool SameDevice(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev;
}

}  // namespace

Result<Value> RunPlace(OperatorContext& ctx) {
  const std::string src = ResolvePath(ctx.workdir, ctx.args.Get("dir").as_string());
  std::vector<std::string> roots;
  for (const Value& v : ctx.args.Get("candidates").list()) {
    roots.push_back(ResolvePath(ctx.workdir, v.as_string()));
  }
  const Value min_free_v = ctx.args.Get("min_free");
  const int64_t min_free = min_free_v.is_null() ? 0 : min_free_v.size_bytes();
  std::error_code ec;
  if (!fs::exists(src, ec)) return Status::Permanent(fmt::format("nothing to place: {}", src));
  std::string name = ctx.args.Get("name").is_null() ? "" : ctx.args.Get("name").as_string();
  if (name.empty()) name = fs::path(src).lexically_normal().filename().string();
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::Permanent(fmt::format("bad title name '{}'", name));
  }
  const int64_t bytes = TreeBytes(src);
  auto choice = ChooseRoot(roots, min_free, bytes);
  if (!choice.ok()) return choice.status();
  const std::string final_path = (fs::path(choice->root) / name).string();
  const std::string tmp =
      (fs::path(choice->root) / fmt::format(".{}.dandori-tmp-{}-{}", name, ::getpid(), ctx.attempt))
          .string();
  RemoveTreeQuietly(tmp);
  if (ctx.cancelled()) return Status::Cancelled("place cancelled");
  if (SameDevice(src, choice->root)) {
    if (::rename(src.c_str(), tmp.c_str()) != 0) return ErrnoStatus(errno, "rename", tmp);
  } else {
    auto copied = CopyTree(src, tmp);
    if (!copied.ok()) {
      RemoveTreeQuietly(tmp);
      return copied.status();
    }
  }
  Status st =
      fs::is_directory(tmp, ec) ? PublishDir(tmp, final_path) : PublishFile(tmp, final_path);
  if (!st.ok()) {
    RemoveTreeQuietly(tmp);
    return st;
  }
  RemoveTreeQuietly(src);  // a copy across filesystems leaves the source behind
  ctx.Progress(bytes, bytes, "bytes");
  return Value::MakeRecord({{"path", Value::String(final_path)},
                            {"root", Value::String(choice->root)},
                            {"bytes", Value::SizeBytes(bytes)}});
}

}  // namespace dandori
