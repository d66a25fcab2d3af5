#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/subprocess.h"
#include "stdlib/storage/fs_atomic.h"
#include "stdlib/storage/place.h"

namespace fs = std::filesystem;
using namespace dandori;

namespace {

std::string TempDir(const std::string& tag) {
  std::string t = (fs::temp_directory_path() / ("dandori-place-" + tag + "-XXXXXX")).string();
  REQUIRE(::mkdtemp(t.data()) != nullptr);
  return t;
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Value PlaceArgs(const std::string& dir, std::vector<std::string> roots, int64_t min_free,
                const std::string& name = "") {
  Value::List l;
  for (auto& r : roots) l.push_back(Value::String(r));
  return Value::MakeRecord({{"dir", Value::String(dir)},
                            {"candidates", Value::MakeList(l)},
                            {"min_free", Value::SizeBytes(min_free)},
                            {"name", name.empty() ? Value() : Value::String(name)}});
}

// A title folder with two files.
std::string MakeTitle(const std::string& base, const std::string& text) {
  std::string dir = base + "/title";
  fs::create_directories(dir + "/v0");
  Write(dir + "/master.m3u8", text);
  Write(dir + "/v0/index.m3u8", "#EXTM3U\n");
  return dir;
}

bool HasTempLeftovers(const std::string& root) {
  for (auto& e : fs::directory_iterator(root)) {
    if (e.path().filename().string().find("dandori-tmp") != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("place skips a missing root and moves the folder atomically") {
  std::string base = TempDir("move");
  std::string root = base + "/vod1";
  fs::create_directories(root);
  std::string title = MakeTitle(base, "M1");
  OperatorContext ctx;
  ctx.args = PlaceArgs(title, {base + "/does-not-exist", root}, 1024, "show-1");
  auto r = RunPlace(ctx);
  REQUIRE(r.ok());
  CHECK(r->Get("root").as_string() == root);
  CHECK(r->Get("path").as_string() == root + "/show-1");
  CHECK(r->Get("bytes").size_bytes() == 10);
  CHECK(Read(root + "/show-1/master.m3u8") == "M1");
  CHECK(!fs::exists(title));
  CHECK(!HasTempLeftovers(root));

  // A retried attempt replaces the earlier copy in one step.
  std::string title2 = MakeTitle(base, "M2");
  ctx.args = PlaceArgs(title2, {root}, 0, "show-1");
  REQUIRE(RunPlace(ctx).ok());
  CHECK(Read(root + "/show-1/master.m3u8") == "M2");
  CHECK(!HasTempLeftovers(root));
  fs::remove_all(base);
}

TEST_CASE("place copies across filesystems when the root is elsewhere") {
  if (!fs::is_directory("/dev/shm")) return;
  std::string base = TempDir("copy");
  std::string shm = "/dev/shm/dandori-place-test-" + std::to_string(::getpid());
  fs::create_directories(shm);
  std::string title = MakeTitle(base, "COPY");
  OperatorContext ctx;
  ctx.args = PlaceArgs(title, {shm}, 0);
  auto r = RunPlace(ctx);
  REQUIRE(r.ok());
  CHECK(Read(shm + "/title/master.m3u8") == "COPY");
  CHECK(!fs::exists(title));
  fs::remove_all(base);
  fs::remove_all(shm);
}

TEST_CASE("place fails permanently naming every refused root") {
  std::string base = TempDir("none");
  std::string title = MakeTitle(base, "X");
  std::string file_root = base + "/a-file";
  Write(file_root, "x");
  OperatorContext ctx;
  // Existing root, but a floor no disk has.
  ctx.args = PlaceArgs(title, {base + "/missing", file_root, base}, int64_t{1} << 60);
  auto r = RunPlace(ctx);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Code::kPermanent);
  const std::string& m = r.status().message();
  CHECK(m.find(base + "/missing: No such file or directory") != std::string::npos);
  CHECK(m.find(file_root + ": not a directory") != std::string::npos);
  CHECK(m.find(base + ": ") != std::string::npos);
  CHECK(m.find("min_free") != std::string::npos);
  CHECK(fs::exists(title + "/master.m3u8"));  // nothing moved
  fs::remove_all(base);
}

TEST_CASE("ChooseRoot prefers the root with the most free space") {
  std::string base = TempDir("choose");
  // Both on one filesystem: equal free space, the first wins; a floor between the two
  // free sizes cannot be made here, so the tie rule is what is checked.
  fs::create_directories(base + "/a");
  fs::create_directories(base + "/b");
  auto c = ChooseRoot({base + "/a", base + "/b"}, 0, 1);
  REQUIRE(c.ok());
  CHECK(c->root == base + "/a");
  if (fs::is_directory("/dev/shm")) {
    // Whichever of / and /dev/shm has more space must win.
    auto c2 = ChooseRoot({base, "/dev/shm"}, 0, 1);
    REQUIRE(c2.ok());
    auto c3 = ChooseRoot({"/dev/shm", base}, 0, 1);
    REQUIRE(c3.ok());
    CHECK(c2->root == c3->root);
  }
  fs::remove_all(base);
}

TEST_CASE("a write that hits ENOSPC is classified as no space left") {
  std::string base = TempDir("enospc");
  Write(base + "/f", std::string(4096, 'x'));
  if (fs::exists("/dev/full")) {
    auto r = CopyFileBytes(base + "/f", "/dev/full", false);
    REQUIRE(!r.ok());
    CHECK(r.status().code() == Code::kPermanent);
    CHECK(r.status().message().find("no space left on device: write /dev/full") !=
          std::string::npos);
  }
  CHECK(ErrnoStatus(ENOSPC, "write", "x").code() == Code::kPermanent);
  CHECK(ErrnoStatus(EIO, "write", "x").code() == Code::kTransient);
  fs::remove_all(base);
}

TEST_CASE("place onto a really full filesystem leaves nothing behind") {
  // Needs a tiny tmpfs; only possible as root with mount rights (skipped otherwise).
  std::string base = TempDir("tmpfs");
  std::string mnt = base + "/mnt";
  fs::create_directories(mnt);
  SubprocessOptions o;
  o.argv = {"mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt};
  auto m = RunSubprocess(o);
  if (!m.ok() || m->exit_code != 0) {
    WARN("tmpfs mount not permitted here; the real-ENOSPC case is skipped");
    fs::remove_all(base);
    return;
  }
  std::string title = base + "/big";
  fs::create_directories(title);
  Write(title + "/seg.m4s", std::string(200 * 1024, 'x'));
  // The floor check passes only because min_free is 0 and the size check is skipped by
  // lying about nothing: copy the file straight to see the write fail.
  auto r = CopyTree(title, mnt + "/big");
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Code::kPermanent);
  CHECK(r.status().message().find("no space left on device") != std::string::npos);
  // And the operator refuses the root up front (free < size).
  OperatorContext ctx;
  ctx.args = PlaceArgs(title, {mnt}, 0);
  auto p = RunPlace(ctx);
  REQUIRE(!p.ok());
  CHECK(p.status().code() == Code::kPermanent);
  CHECK(!HasTempLeftovers(mnt));
  SubprocessOptions u;
  u.argv = {"umount", mnt};
  (void)RunSubprocess(u);
  fs::remove_all(base);
}
