// fleet.distribute: puts the artifact on a server and verifies its sha256.
//
// Default transport: `PUT {admin}/artifact` with the bytes and an X-Sha256 header; the
// server answers the hash it computed. With an argv (argument `argv`, or the inventory's
// `distribute_argv`; placeholders {src} {dest} {host} {id} {zone}), e.g.
// ["rsync", "{src}", "{host}:/opt/cs/{dest}"], the command copies; {dest} is the
// artifact's file name. After the copy the hash is checked where it can be: a local
// destination file, or `GET {admin}/artifact` when the server offers it.
// Idempotent: when the server already holds the same hash, nothing is copied.
// A missing artifact or a wrong `sha256` argument is permanent; a corrupted copy transient.
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "base/subprocess.h"
#include "stdlib/fleet/fleet_http.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

namespace fs = std::filesystem;

Result<std::string> FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Permanent("cannot read " + path);
  Sha256 md;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    md.Update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  return md.HexDigest();
}

// The hash the server reports for its artifact, "" when it does not say.
std::string RemoteSha(const ServerRef& s) {
  auto r = HttpCall({"GET", s.admin + "/artifact", "", "application/json", {}, 10000});
  if (!r.ok()) return "";
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  return j.is_object() && j.contains("sha256") && j["sha256"].is_string()
             ? j["sha256"].get<std::string>()
             : "";
}

Status CopyWithArgv(OperatorContext& ctx, const std::vector<std::string>& argv) {
  SubprocessOptions opts;
  opts.argv = argv;
  opts.cancel = ctx.cancel;
  opts.stderr_path = ctx.scratch_dir.empty() ? "" : ctx.Scratch() + "/distribute.stderr";
  auto r = RunSubprocess(opts);
  if (!r.ok()) return Status::Permanent("copy command: " + r.status().message());
  if (r->cancelled) return Status::Cancelled("copy cancelled");
  if (r->exit_code == 0) return Status::Ok();
  // scp/rsync failures are mostly network trouble; let the retry policy decide.
  return Status::Transient(
      fmt::format("copy command {} exited {}: {}", argv[0], r->exit_code,
                  opts.stderr_path.empty() ? "" : TailOfFile(opts.stderr_path, 500)));
}

}  // namespace

Result<Value> RunDistribute(OperatorContext& ctx) {
  auto server = ServerArg(ctx.args);
  if (!server.ok()) return server.status();
  const Value* a = ctx.args.Find("artifact");
  if (!a || a->kind() != Value::Kind::kString)
    return Status::Permanent("fleet.distribute needs an artifact");
  fs::path src = a->as_string();
  if (src.is_relative() && !ctx.workdir.empty()) src = fs::path(ctx.workdir) / src;
  std::error_code ec;
  if (!fs::is_regular_file(src, ec))
    return Status::Permanent("artifact not found: " + src.string());
  const int64_t bytes = static_cast<int64_t>(fs::file_size(src, ec));
  auto sha = FileSha256(src.string());
  if (!sha.ok()) return sha.status();
  const Value* want = ctx.args.Find("sha256");
  if (want && want->kind() == Value::Kind::kString && !want->as_string().empty() &&
      want->as_string() != *sha) {
    return Status::Permanent(fmt::format("artifact {} has sha256 {}, expected {}", src.string(),
                                         *sha, want->as_string()));
  }
  std::string dest = "/opt/camera-server/" + src.filename().string();
  auto out = [&](const std::string& path) {
    return Value::MakeRecord({{"path", Value::String(path)},
                              {"sha256", Value::String(*sha)},
                              {"bytes", Value::SizeBytes(bytes)}});
  };

  std::vector<std::string> argv = StringList(ctx.args.Find("argv"));
  if (argv.empty()) argv = server->distribute_argv;
  if (!argv.empty()) {
    std::map<std::string, std::string> vars = {{"src", src.string()},
                                               {"dest", src.filename().string()},
                                               {"host", UrlHost(server->admin)},
                                               {"id", server->id},
                                               {"zone", server->zone}};
    auto sub = SubstituteArgv(argv, vars);
    if (!sub.ok()) return sub.status();
    argv = std::move(*sub);
    DANDORI_RETURN_IF_ERROR(CopyWithArgv(ctx, argv));
    std::string copied = argv.back();
    if (fs::is_regular_file(copied, ec)) {
      auto got = FileSha256(copied);
      if (got.ok() && *got != *sha)
        return Status::Transient("copy to " + copied + " is corrupt (sha256 " + *got + ")");
      return out(copied);
    }
    std::string remote = RemoteSha(*server);
    if (!remote.empty() && remote != *sha) {
      return Status::Transient(fmt::format("{} reports sha256 {} after the copy, expected {}",
                                           server->id, remote, *sha));
    }
    return out(argv.back());
  }

  if (RemoteSha(*server) == *sha) return out(dest);  // already there
  std::ifstream in(src, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (static_cast<int64_t>(data.size()) != bytes)
    return Status::Transient("artifact changed while reading");
  ctx.Heartbeat();
  int64_t timeout = 30000 + bytes / 10000;  // 10 MB/s floor
  auto r = HttpCall({"PUT",
                     server->admin + "/artifact",
                     data,
                     "application/octet-stream",
                     {{"X-Sha256", *sha}},
                     timeout});
  if (!r.ok()) {
    if (r.status().message().find("HTTP 422") != std::string::npos) {
      return Status::Transient("upload corrupted in transit: " + r.status().message());
    }
    return r.status();
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (j.is_object() && j.contains("sha256") && j["sha256"] != *sha) {
    return Status::Transient(
        fmt::format("{} stored sha256 {}, expected {}", server->id, j["sha256"].dump(), *sha));
  }
  if (j.is_object() && j.contains("path") && j["path"].is_string())
    dest = j["path"].get<std::string>();
  ctx.Progress(bytes, bytes, "bytes");
  return out(dest);
}

}  // namespace dandori::fleet
