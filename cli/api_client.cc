// The API client of the `--server` command forms: see api_client.h.
#include "cli/api_client.h"

#include <httplib.h>

#include <openssl/evp.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "base/read_file.h"
#include "cli/driver.h"
#include "cli/job_view.h"
#include "compiler/compile.h"
#include "engine/loader.h"

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

// A non-2xx answer as a Status, with the server's message.
Status AnswerError(int status, const json& j, const std::string& body) {
  std::string msg =
      !j.is_discarded() && j.contains("error") ? j["error"].value("message", body) : body;
  Code code = status == 404   ? Code::kNotFound
              : status == 409 ? Code::kFailedPrecondition
                              : Code::kInvalidArgument;
  return Status(code, "server answered " + std::to_string(status) + ": " + msg);
}

// Sends a request; returns the JSON body of a 2xx, or the server's error.
Result<json> Call(Client& c, const std::string& method, const std::string& path,
                  const std::string& body = "") {
  httplib::Result r = method == "GET" ? c.http->Get(path, c.headers)
                                      : c.http->Post(path, c.headers, body, "application/json");
  if (!r) {
    return Status::Unavailable("cannot reach the server: " + httplib::to_string(r.error()));
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status / 100 != 2) return AnswerError(r->status, j, r->body);
  if (j.is_discarded()) return Status::Internal("the server sent malformed JSON");
  return j;
}

// int64 fields come as strings in protobuf's JSON mapping.
int64_t I64(const json& j, const char* name) {
  if (!j.contains(name)) return 0;
  const json& v = j[name];
  if (v.is_string()) return std::strtoll(v.get<std::string>().c_str(), nullptr, 10);
  return v.is_number() ? v.get<int64_t>() : 0;
}
std::string Str(const json& j, const char* name) { return j.value(name, std::string()); }

engine::JobState StateOf(const std::string& name) {
  for (int i = 0; i <= 3; ++i) {
    auto s = static_cast<engine::JobState>(i);
    if (engine::JobStateName(s) == name) return s;
  }
  return engine::JobState::kRunning;
}

void CountsOf(const json& j, int64_t (&by_state)[engine::kTaskStates]) {
  if (!j.is_object()) return;
  for (int i = 0; i < engine::kTaskStates; ++i) {
    by_state[i] =
        I64(j, std::string(engine::TaskStateName(static_cast<engine::TaskState>(i))).c_str());
  }
}

engine::JobInfo JobOf(const json& j) {
  engine::JobInfo info;
  info.id = I64(j, "id");
  info.workflow = Str(j, "workflow");
  info.state = StateOf(Str(j, "state"));
  info.key = Str(j, "idempotencyKey");
  info.error = Str(j, "error");
  info.created_ms = I64(j, "createdMs");
  info.updated_ms = I64(j, "updatedMs");
  info.owner = Str(j, "owner");
  return info;
}

engine::JobStatus StatusOf(const json& j) {
  engine::JobStatus s;
  s.job = JobOf(j);
  if (j.contains("taskCounts")) CountsOf(j["taskCounts"], s.totals);
  s.total = I64(j, "taskTotal");
  for (const json& st : j.value("stages", json::array())) {
    engine::StageCounts c;
    c.stage = Str(st, "stage");
    if (st.contains("taskCounts")) CountsOf(st["taskCounts"], c.by_state);
    s.stages.push_back(std::move(c));
  }
  for (const json& f : j.value("failedTasks", json::array())) {
    engine::TaskRow t;
    t.key = Str(f, "task");
    t.stage = Str(f, "stage");
    t.attempts = f.value("attempts", 0);
    t.error = Str(f, "error");
    t.label = Str(f, "label");
    for (int c = 0; c <= static_cast<int>(Code::kInternal); ++c) {
      if (CodeName(static_cast<Code>(c)) == Str(f, "errorClass"))
        t.error_class = static_cast<Code>(c);
    }
    s.failed.push_back(std::move(t));
  }
  for (const json& g : j.value("waitingGates", json::array())) {
    s.waiting.push_back({Str(g, "gate"), Str(g, "task"), Str(g, "message")});
  }
  for (const json& a : j.value("alerts", json::array())) {
    s.alerts.push_back({Str(a, "state"), a.value("attempts", 0), Str(a, "error"),
                        I64(a, "nextTryMs"), I64(a, "createdMs")});
  }
  return s;
}

engine::Event EventOf(const json& e) {
  engine::Event ev;
  ev.seq = I64(e, "seq");
  ev.job = I64(e, "jobId");
  ev.at_ms = I64(e, "atMs");
  ev.who = Str(e, "who");
  ev.what = Str(e, "what");
  ev.task = Str(e, "task");
  ev.attempt = e.value("attempt", 0);
  ev.detail = Str(e, "detail");
  return ev;
}

Result<std::string> ReadFile(const std::string& path) {
  // Sources are small; the server's body cap (8 MiB) applies anyway.
  auto text = ReadUserFile(path, 64u << 20);
  if (!text.ok()) return Status::Invalid(text.status().message());
  return text;
}

// bytes in protobuf's JSON mapping: base64.
// Standard Base64 (the JSON mapping of a proto `bytes` field), by OpenSSL.
std::string Base64(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Task key -> label of the job's tasks (GET .../tasks).
std::map<std::string, std::string> LabelsOf(Client& c, const std::string& job) {
  std::map<std::string, std::string> out;
  auto r = Call(c, "GET", "/v1/jobs/" + job + "/tasks");
  if (!r.ok()) return out;
  for (const json& t : (*r)["tasks"]) {
    if (!Str(t, "label").empty()) out[Str(t, "key")] = Str(t, "label");
  }
  return out;
}

void Sleep() { std::this_thread::sleep_for(std::chrono::milliseconds(250)); }

}  // namespace

Result<std::string> ApiGet(const ApiTarget& t, const std::string& path) {
  auto c = Connect(t);
  if (!c.ok()) return c.status();
  httplib::Result r = c->http->Get(path, c->headers);
  if (!r) {
    return Status::Unavailable("cannot reach the server: " + httplib::to_string(r.error()));
  }
  if (r->status / 100 != 2) {
    return AnswerError(r->status, json::parse(r->body, nullptr, false), r->body);
  }
  return r->body;
}

void AddStoreOrServer(CLI::App* sub, std::string* store, ApiTarget* target) {
  auto* s = sub->add_option("--store", *store,
                            "postgres:// URL or store file (default .dandori/state.db)");
  sub->add_option("--server", target->server,
                  "work through `dandori serve`'s API (http://HOST:PORT)")
      ->excludes(s);
  sub->add_option("--token-file", target->token_file, "the API token (default $DANDORI_TOKEN)");
}

int RemoteSubmit(const ApiTarget& t, const std::string& file,
                 const std::map<std::string, std::string>& params, const std::string& key,
                 bool wait) {
  auto c = Connect(t);
  if (!c.ok()) return Fail("submit", c.status());
  json body;
  if (IsCompiledTable(file)) {
    // Checked here (header, checksum, version), sent as the bare Table.
    auto table = engine::ReadTableFile(file);
    if (!table.ok()) return Fail("submit", table.status());
    body["tableBytes"] = Base64(table->SerializeAsString());
  } else {
    auto text = ReadFile(file);
    if (!text.ok()) return Fail("submit", text.status());
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
  std::string id = (*r)["job"]["id"].get<std::string>();
  std::printf("%s job %s\n",
              (*r)["created"].get<bool>() ? "submitted" : "already submitted:", id.c_str());
  std::fflush(stdout);
  if (!wait) return kExitOk;
  while (true) {
    auto j = Call(*c, "GET", "/v1/jobs/" + id);
    if (!j.ok()) return Fail("submit", j.status());
    engine::JobStatus st = StatusOf(*j);
    if (st.job.state != engine::JobState::kRunning) return PrintEnd(st.job, &st.failed);
    Sleep();
  }
}

int RemoteStatus(const ApiTarget& t, const std::string& job, bool json_out) {
  if (!job.empty() && !ParseJobId(job).ok()) return Fail("status", ParseJobId(job).status());
  auto c = Connect(t);
  if (!c.ok()) return Fail("status", c.status());
  if (job.empty()) {
    auto r = Call(*c, "GET", "/v1/jobs?pageSize=50");
    if (!r.ok()) return Fail("status", r.status());
    PrintJobListHeader(json_out);
    for (const json& j : (*r)["jobs"]) PrintJobLine(JobOf(j), json_out);
    return kExitOk;
  }
  auto r = Call(*c, "GET", "/v1/jobs/" + job);
  if (!r.ok()) return Fail("status", r.status());
  PrintStatus(StatusOf(*r), json_out);
  return kExitOk;
}

int RemoteEvents(const ApiTarget& t, const std::string& job, bool json_out, bool follow) {
  if (!ParseJobId(job).ok()) return Fail("events", ParseJobId(job).status());
  auto c = Connect(t);
  if (!c.ok()) return Fail("events", c.status());
  int64_t after = 0;
  std::map<std::string, std::string> labels;
  bool labels_stale = true;
  while (true) {
    // The state first: events committed with (or before) the end are read below.
    auto state = Call(*c, "GET", "/v1/jobs/" + job);
    if (!state.ok()) return Fail("events", state.status());
    bool ended = JobOf(*state).state != engine::JobState::kRunning;
    while (true) {
      auto r = Call(*c, "GET",
                    "/v1/jobs/" + job + "/events?limit=1000&afterSeq=" + std::to_string(after));
      if (!r.ok()) return Fail("events", r.status());
      const json& ev = (*r)["events"];
      for (const json& e : ev) {
        engine::Event event = EventOf(e);
        // Names: read once per poll at most, when an event names a task not known yet.
        if (!event.task.empty() && !labels.count(event.task) && labels_stale) {
          labels = LabelsOf(*c, job);
          labels_stale = false;
        }
        auto it = labels.find(event.task);
        PrintEvent(event, json_out, it == labels.end() ? "" : it->second);
      }
      labels_stale = true;
      after = I64(*r, "nextAfterSeq");
      if (ev.size() < 1000) break;
    }
    if (!follow || ended) return kExitOk;
    Sleep();
  }
}

int RemoteLogs(const ApiTarget& t, const std::string& job, const std::string& task, int attempt,
               bool json_out, bool follow) {
  if (!ParseJobId(job).ok()) return Fail("logs", ParseJobId(job).status());
  auto c = Connect(t);
  if (!c.ok()) return Fail("logs", c.status());
  std::string path = "/v1/jobs/" + job + "/logs?attempt=" + std::to_string(attempt);
  if (!task.empty()) path += "&task=" + httplib::detail::encode_query_param(task);
  engine::LogCursor cursor;
  while (true) {
    auto state = Call(*c, "GET", "/v1/jobs/" + job);
    if (!state.ok()) return Fail("logs", state.status());
    bool ended = JobOf(*state).state != engine::JobState::kRunning;
    auto r = Call(*c, "GET", path + "&sinceMs=" + std::to_string(cursor.since_ms()));
    if (!r.ok()) return Fail("logs", r.status());
    for (const json& l : (*r)["logs"]) {
      engine::TaskLog log;
      log.chunk.task = Str(l, "task");
      log.label = Str(l, "label");
      log.chunk.attempt = l.value("attempt", 0);
      log.chunk.stream = Str(l, "stream");
      log.chunk.text = Str(l, "text");
      log.chunk.truncated = l.value("truncated", false);
      log.chunk.at_ms = I64(l, "atMs");
      if (cursor.Fresh(log.chunk)) PrintLog(log, json_out);
    }
    if (!follow || ended) break;
    Sleep();
  }
  if (!cursor.any() && !json_out) {
    std::fprintf(stderr, "dandori logs: job %s%s has no logs\n", job.c_str(),
                 task.empty() ? "" : (" task " + task).c_str());
  }
  return kExitOk;
}

int RemoteAction(const ApiTarget& t, const std::string& job, const std::string& action,
                 const std::string& gate) {
  if (!ParseJobId(job).ok()) return Fail(action, ParseJobId(job).status());
  auto c = Connect(t);
  if (!c.ok()) return Fail(action, c.status());
  json body = json::object();
  if (action == "approve") body["gate"] = gate;
  body["who"] = CliWho();
  auto r = Call(*c, "POST", "/v1/jobs/" + job + "/" + action, body.dump());
  if (!r.ok()) return Fail(action, r.status());
  engine::JobInfo info = JobOf(*r);
  auto id = static_cast<long long>(info.id);
  if (action == "approve") {
    std::printf("approved gate %s of job %lld\n", gate.c_str(), id);
  } else if (action == "cancel") {
    if (info.state == engine::JobState::kCancelled) {
      std::printf("job %lld cancelled (no engine was running it)\n", id);
    } else {
      std::printf("cancel requested; engine %s stops job %lld\n", info.owner.c_str(), id);
    }
  } else {
    std::printf("job %lld %s requested; the server's engines drive it\n", id, action.c_str());
  }
  return kExitOk;
}

}  // namespace dandori::cli
