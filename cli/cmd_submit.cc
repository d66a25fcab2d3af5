// `dandori submit`: queue a job without running it here, either on a store (a
// postgres:// URL that `dandori serve` processes drive, or a SQLite file for a later
// `dandori resume`) or through a server's HTTP API (--server). Also implements the
// API client of cli/api_client.h. Built with the dandori_server library (which brings
// cpp-httplib's compile flags).
#include <httplib.h>
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/read_file.h"
#include "cli/api_client.h"
#include "cli/driver.h"
#include "compiler/compile.h"

namespace dandori::cli {
namespace {

using json = nlohmann::json;

struct Client {
  std::unique_ptr<httplib::Client> http;
  httplib::Headers headers;
};

Result<Client> Connect(const ApiTarget& t) {
  std::string token;
  if (!t.token_file.empty()) {
    std::ifstream in(t.token_file);
    if (!in) return Status::Invalid("cannot read --token-file " + t.token_file);
    std::getline(in, token);
  } else if (const char* env = std::getenv("DANDORI_TOKEN")) {
    token = env;
  }
  if (token.empty()) return Status::Invalid("no API token (--token-file or $DANDORI_TOKEN)");
  if (t.server.rfind("http://", 0) != 0) {
    return Status::Invalid("--server must be an http:// URL: " + t.server);
  }
  Client c;
  c.http = std::make_unique<httplib::Client>(t.server);
  c.http->set_connection_timeout(5, 0);
  c.http->set_read_timeout(60, 0);
  c.headers = {{"Authorization", "Bearer " + token}};
  return c;
}

// Sends a request; returns the JSON body of a 2xx, or prints the server's error.
Result<json> Call(Client& c, const std::string& method, const std::string& path,
                  const std::string& body = "") {
  httplib::Result r = method == "GET" ? c.http->Get(path, c.headers)
                                      : c.http->Post(path, c.headers, body, "application/json");
  if (!r) {
    return Status::Unavailable("cannot reach the server: " + httplib::to_string(r.error()));
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status / 100 != 2) {
    std::string msg =
        !j.is_discarded() && j.contains("error") ? j["error"].value("message", r->body) : r->body;
    return Status(r->status == 404 ? Code::kNotFound : Code::kInvalidArgument,
                  "server answered " + std::to_string(r->status) + ": " + msg);
  }
  if (j.is_discarded()) return Status::Internal("the server sent malformed JSON");
  return j;
}

void PrintJob(const json& j) {
  std::printf("job %s  %s  %s\n", j.value("id", "?").c_str(), j.value("workflow", "").c_str(),
              j.value("state", "").c_str());
  if (j.contains("taskCounts")) {
    for (auto& [state, n] : j["taskCounts"].items()) {
      std::printf("  %-10s %s\n", state.c_str(), n.get<std::string>().c_str());
    }
  }
  if (j.contains("pendingGates")) {
    for (auto& g : j["pendingGates"])
      std::printf("  waiting for approval: %s\n", g.get<std::string>().c_str());
  }
  if (!j.value("error", "").empty())
    std::printf("  error: %s\n", j["error"].get<std::string>().c_str());
}

Result<std::string> ReadFile(const std::string& path) {
  // A .flowc may be larger than a source; the server's body cap (8 MiB) applies anyway.
  auto text = ReadUserFile(path, 64u << 20);
  if (!text.ok()) return Status::Invalid(text.status().message());
  return text;
}

}  // namespace

int RemoteSubmit(const ApiTarget& t, const std::string& file,
                 const std::map<std::string, std::string>& params, const std::string& key) {
  auto c = Connect(t);
  if (!c.ok()) return Fail("submit", c.status());
  auto text = ReadFile(file);
  if (!text.ok()) return Fail("submit", text.status());
  json body;
  bool compiled = IsCompiledTable(file);
  if (compiled) {
    // bytes in protobuf's JSON mapping: base64.
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    const std::string& s = *text;
    for (size_t i = 0; i < s.size(); i += 3) {
      uint32_t n = static_cast<unsigned char>(s[i]) << 16;
      if (i + 1 < s.size()) n |= static_cast<unsigned char>(s[i + 1]) << 8;
      if (i + 2 < s.size()) n |= static_cast<unsigned char>(s[i + 2]);
      out += b64[(n >> 18) & 63];
      out += b64[(n >> 12) & 63];
      out += i + 1 < s.size() ? b64[(n >> 6) & 63] : '=';
      out += i + 2 < s.size() ? b64[n & 63] : '=';
    }
    body["tableBytes"] = out;
  } else {
    // The import closure travels with the source: the server never reads its own disk.
    auto bundle = compiler::BundleOf(file);
    if (!bundle.ok()) return Fail("submit", bundle.status());
    json imports = json::array();
    for (size_t i = 1; i < bundle->size(); ++i) {
      imports.push_back({{"path", (*bundle)[i].path}, {"text", (*bundle)[i].text}});
    }
    body["source"] = {{"path", file}, {"text", *text}, {"imports", imports}};
  }
  json p = json::object();
  for (const auto& [k, v] : params) p[k] = v;  // typed by the server (BindParams)
  body["params"] = p;
  if (!key.empty()) body["idempotencyKey"] = key;
  auto r = Call(*c, "POST", "/v1/jobs", body.dump());
  if (!r.ok()) return Fail("submit", r.status());
  std::printf("%s job %s\n", (*r)["created"].get<bool>() ? "submitted" : "already submitted:",
              (*r)["job"]["id"].get<std::string>().c_str());
  return kExitOk;
}

int RemoteStatus(const ApiTarget& t, const std::string& job) {
  if (!job.empty() && !ParseJobId(job).ok()) return Fail("status", ParseJobId(job).status());
  auto c = Connect(t);
  if (!c.ok()) return Fail("status", c.status());
  if (job.empty()) {
    auto r = Call(*c, "GET", "/v1/jobs?pageSize=50");
    if (!r.ok()) return Fail("status", r.status());
    for (auto& j : (*r)["jobs"]) {
      std::printf("%8s  %-10s  %s\n", j["id"].get<std::string>().c_str(),
                  j["state"].get<std::string>().c_str(), j["workflow"].get<std::string>().c_str());
    }
    return kExitOk;
  }
  auto r = Call(*c, "GET", "/v1/jobs/" + job);
  if (!r.ok()) return Fail("status", r.status());
  PrintJob(*r);
  return (*r)["state"] == "failed" ? kExitFailed : kExitOk;
}

int RemoteEvents(const ApiTarget& t, const std::string& job) {
  if (!ParseJobId(job).ok()) return Fail("events", ParseJobId(job).status());
  auto c = Connect(t);
  if (!c.ok()) return Fail("events", c.status());
  int64_t after = 0;
  while (true) {
    auto r =
        Call(*c, "GET", "/v1/jobs/" + job + "/events?limit=1000&afterSeq=" + std::to_string(after));
    if (!r.ok()) return Fail("events", r.status());
    const json& ev = (*r)["events"];
    for (const json& e : ev) {
      std::printf("%s  %-16s %-12s attempt %d  %s  %s\n", e["atMs"].get<std::string>().c_str(),
                  e["what"].get<std::string>().c_str(), e["task"].get<std::string>().c_str(),
                  e["attempt"].get<int>(), e["who"].get<std::string>().c_str(),
                  e["detail"].get<std::string>().c_str());
    }
    if (ev.size() < 1000) return kExitOk;
    after = std::stoll((*r)["nextAfterSeq"].get<std::string>());
  }
}

int RemoteAction(const ApiTarget& t, const std::string& job, const std::string& action,
                 const std::string& gate) {
  if (!ParseJobId(job).ok()) return Fail(action, ParseJobId(job).status());
  auto c = Connect(t);
  if (!c.ok()) return Fail(action, c.status());
  json body = json::object();
  if (action == "approve") body["gate"] = gate;
  const char* user = std::getenv("USER");
  body["who"] = std::string("cli ") + (user ? user : "?");
  auto r = Call(*c, "POST", "/v1/jobs/" + job + "/" + action, body.dump());
  if (!r.ok()) return Fail(action, r.status());
  PrintJob(*r);
  return kExitOk;
}

namespace {

struct SubmitArgs {
  std::string file;
  ParamArgs params;
  std::string key;
  std::string store;
  ApiTarget target;
};

int Submit(const SubmitArgs& a) {
  if (!a.target.server.empty()) {
    auto params = GatherParams(a.params);
    if (!params.ok()) return Fail("submit", params.status());
    return RemoteSubmit(a.target, a.file, *params, a.key);
  }
  OperatorRegistry reg;
  RegisterOperators(&reg);
  auto job = PrepareJob(a.file, a.params, &reg);
  if (!job.ok()) return Fail("submit", job.status());
  auto store = OpenStoreArg(a.store, true);
  if (!store.ok()) return Fail("submit", store.status());
  auto sub = SubmitPrepared(**store, *job, a.key);
  if (!sub.ok()) return Fail("submit", sub.status());
  std::printf("%s job %lld\n", sub->created ? "submitted" : "already submitted:",
              static_cast<long long>(sub->job.id));
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND({"submit", "Queue a job on a store or a server without running it here",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<SubmitArgs>();
                   sub->add_option("file", a->file, "FILE.flow or FILE.flowc")->required();
                   AddParamOptions(sub, &a->params);
                   sub->add_option("--job-key", a->key, "idempotency key");
                   sub->add_option("--store", a->store,
                                   "postgres:// URL or store file (default .dandori/state.db)");
                   sub->add_option("--server", a->target.server,
                                   "submit through `dandori serve`'s API (http://HOST:PORT)");
                   sub->add_option("--token-file", a->target.token_file,
                                   "the API token (default $DANDORI_TOKEN)");
                   return [a] { return Submit(*a); };
                 },
                 35});

}  // namespace dandori::cli
