// A scripted LSP client speaking JSON-RPC over pipes to the real `dandori lsp` binary,
// on a copy of workflows/camera_server_deploy.flow: an error typed in, hover, completion,
// go-to-definition, formatting, rename and a clean shutdown.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsp/text.h"

namespace dandori::lsp {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string Binary() {
  const char* dir = std::getenv("DANDORI_BINARY_DIR");
  return std::string(dir ? dir : "build") + "/cli/dandori";
}

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The client end: the server's stdin and stdout as pipes.
class Client {
 public:
  explicit Client(const std::vector<std::string>& argv) {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~Client() {
    if (to_ >= 0) close(to_);
    if (from_ >= 0) close(from_);
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void Send(const json& m) {
    std::string body = m.dump();
    std::string framed = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(write(to_, framed.data(), framed.size()) == static_cast<ssize_t>(framed.size()));
  }
  void Notify(const std::string& method, json params) {
    Send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }
  // Sends a request and returns its response; notifications read meanwhile are kept.
  json Call(const std::string& method, json params) {
    int id = ++next_id_;
    Send({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}});
    for (;;) {
      json m = Next();
      if (m.contains("id") && m["id"] == id) return m;
      notes_.push_back(std::move(m));
    }
  }
  // The diagnostics published for document version `version`.
  json Diagnostics(int version) {
    for (;;) {
      for (size_t i = 0; i < notes_.size(); ++i) {
        const json& n = notes_[i];
        if (n.value("method", "") == "textDocument/publishDiagnostics" &&
            n["params"].value("version", -1) == version) {
          json d = n["params"]["diagnostics"];
          notes_.erase(notes_.begin() + static_cast<long>(i));
          return d;
        }
      }
      notes_.push_back(Next());
    }
  }
  int Wait() {
    close(to_);
    to_ = -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  // One framed message; fails the test if none comes within a minute (a hang).
  json Next() {
    std::string header;
    while (header.find("\r\n\r\n") == std::string::npos) header += Byte();
    size_t at = header.find("Content-Length: ");
    REQUIRE(at != std::string::npos);
    size_t length = std::stoul(header.substr(at + 16));
    std::string body;
    while (body.size() < length) body += Byte();
    return json::parse(body);
  }
  char Byte() {
    pollfd p{from_, POLLIN, 0};
    REQUIRE(poll(&p, 1, 60000) == 1);
    char c;
    REQUIRE(read(from_, &c, 1) == 1);
    return c;
  }

  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  bool reaped_ = false;
  int next_id_ = 0;
  std::vector<json> notes_;
};

// The 0-based LSP position (UTF-16; this file is ASCII) of the n-th `needle` in `text`.
json PositionOf(const std::string& text, const std::string& needle, int shift = 0, int nth = 0) {
  size_t at = text.find(needle);
  for (int i = 0; i < nth && at != std::string::npos; ++i) at = text.find(needle, at + 1);
  REQUIRE(at != std::string::npos);
  Position p = LineIndex(text, Encoding::kUtf16).At(at + static_cast<size_t>(shift));
  return ToJson(p);
}

TEST_CASE("a scripted client drives dandori lsp on camera_server_deploy.flow") {
  fs::path dir = fs::temp_directory_path() / ("dandori_lsp_client_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::path file = dir / "camera_server_deploy.flow";
  fs::copy_file("workflows/camera_server_deploy.flow", file);
  std::string text = Read(file);
  std::string uri = UriFromPath(file.string());

  Client c({Binary(), "lsp"});
  json init = c.Call("initialize", {{"processId", getpid()}, {"capabilities", json::object()}});
  REQUIRE(init.contains("result"));
  CHECK(init["result"]["capabilities"]["positionEncoding"] == "utf-16");
  CHECK(init["result"]["capabilities"]["hoverProvider"] == true);
  c.Notify("initialized", json::object());
  c.Notify("textDocument/didOpen",
           {{"textDocument",
             {{"uri", uri}, {"languageId", "dandori"}, {"version", 1}, {"text", text}}}});
  CHECK(c.Diagnostics(1).empty());

  SECTION("an error typed in is reported at its range, with its code") {
    // `fleet.deregister(server)` -> `fleet.deregister(servr)`
    json start = PositionOf(text, "fleet.deregister(server)", 17);
    json end = PositionOf(text, "fleet.deregister(server)", 23);
    c.Notify(
        "textDocument/didChange",
        {{"textDocument", {{"uri", uri}, {"version", 2}}},
         {"contentChanges", {{{"range", {{"start", start}, {"end", end}}}, {"text", "servr"}}}}});
    json d = c.Diagnostics(2);
    REQUIRE(d.size() == 1);
    CHECK(d[0]["code"] == "E020");
    CHECK(d[0]["severity"] == 1);
    CHECK(d[0]["range"]["start"] == start);
    json want_end = start;
    want_end["character"] = start["character"].get<int>() + 5;
    CHECK(d[0]["range"]["end"] == want_end);
    CHECK(d[0]["message"].get<std::string>().find("servr") != std::string::npos);
    CHECK(d[0]["message"].get<std::string>().find("did you mean 'server'") != std::string::npos);
  }

  SECTION("hover on fleet.drain shows its signature") {
    json r = c.Call("textDocument/hover", {{"textDocument", {{"uri", uri}}},
                                           {"position", PositionOf(text, "fleet.drain", 7)}});
    std::string value = r["result"]["contents"]["value"];
    CHECK(value.find("fleet.drain(server: server, stall: duration") != std::string::npos);
    CHECK(value.find("-> {remaining: int, moved: int") != std::string::npos);
    CHECK(r["result"]["range"]["start"] == PositionOf(text, "fleet.drain"));
  }

  SECTION("completion after fleet. lists the fleet operators") {
    json pos = PositionOf(text, "stage back = fleet.register", 19);
    std::string edited = text;
    // Type a new, unfinished line: `stage x = fleet.`
    json line_start = pos;
    line_start["character"] = 0;
    c.Notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 3}}},
                                        {"contentChanges",
                                         {{{"range", {{"start", line_start}, {"end", line_start}}},
                                           {"text", "      stage x = fleet.\n"}}}}});
    CHECK(!c.Diagnostics(3).empty());  // it does not parse yet
    json at = line_start;
    at["character"] = 22;
    json r =
        c.Call("textDocument/completion", {{"textDocument", {{"uri", uri}}}, {"position", at}});
    std::vector<std::string> labels;
    for (const json& item : r["result"]["items"]) labels.push_back(item["label"]);
    std::sort(labels.begin(), labels.end());
    CHECK(labels == std::vector<std::string>{"deregister", "distribute", "drain", "health",
                                             "inventory", "register", "restart", "restore",
                                             "sweep"});
  }

  SECTION("definition on inv in inv.zones jumps to the stage") {
    json r = c.Call("textDocument/definition", {{"textDocument", {{"uri", uri}}},
                                                {"position", PositionOf(text, "inv.zones", 1)}});
    CHECK(r["result"]["uri"] == uri);
    json start = PositionOf(text, "stage inv =", 6);
    CHECK(r["result"]["range"]["start"] == start);
    json refs = c.Call("textDocument/references", {{"textDocument", {{"uri", uri}}},
                                                   {"position", start},
                                                   {"context", {{"includeDeclaration", true}}}});
    CHECK(refs["result"].size() == 2);
  }

  SECTION("definition on a loop variable's use jumps to its loop") {
    json r = c.Call("textDocument/definition",
                    {{"textDocument", {{"uri", uri}}},
                     {"position", PositionOf(text, "fleet.distribute(server", 17)}});
    CHECK(r["result"]["uri"] == uri);
    CHECK(r["result"]["range"]["start"] == PositionOf(text, "rolling server", 8));
    r = c.Call("textDocument/definition", {{"textDocument", {{"uri", uri}}},
                                           {"position", PositionOf(text, "zone.servers", 1)}});
    CHECK(r["result"]["range"]["start"] == PositionOf(text, "fanout zone", 7));
  }

  SECTION("formatting returns dandori fmt's output") {
    std::string messy = text;
    std::string from = "stage out = fleet.deregister(server)";
    messy.replace(messy.find(from), from.size(), "stage   out=fleet.deregister( server )");
    c.Notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 4}}},
                                        {"contentChanges", {{{"text", messy}}}}});
    CHECK(c.Diagnostics(4).empty());
    json r = c.Call("textDocument/formatting",
                    {{"textDocument", {{"uri", uri}}}, {"options", {{"tabSize", 2}}}});
    REQUIRE(r["result"].size() == 1);
    // What the fmt command writes for the same text.
    fs::path copy = dir / "messy.flow";
    std::ofstream(copy, std::ios::binary) << messy;
    std::string cmd_argv[] = {Binary(), "fmt", copy.string()};
    pid_t pid = fork();
    if (pid == 0) {
      execl(cmd_argv[0].c_str(), cmd_argv[0].c_str(), "fmt", cmd_argv[2].c_str(), nullptr);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(r["result"][0]["newText"] == Read(copy));
    CHECK(Read(copy) == text);
  }

  SECTION("rename a parameter everywhere, including inside a string") {
    json r = c.Call("textDocument/rename", {{"textDocument", {{"uri", uri}}},
                                            {"position", PositionOf(text, "version: string")},
                                            {"newName", "release"}});
    json edits = r["result"]["changes"][uri];
    CHECK(edits.size() >= 3);  // the parameter, `version: version`, "deploy ${version}", ...
    for (const json& e : edits) CHECK(e["newText"] == "release");
  }

  json down = c.Call("shutdown", nullptr);
  CHECK(down["result"].is_null());
  c.Notify("exit", nullptr);
  CHECK(c.Wait() == 0);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dandori::lsp
