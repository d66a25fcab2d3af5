// The API's request handlers (routes in proto/dandori/v1/api.proto).
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "engine/job_control.h"
#include "proto/table_file.h"
#include "server/http_api_impl.h"
#include "server/metrics.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)

using namespace api_detail;  // NOLINT: the handlers' small vocabulary

namespace {

// Parses a JSON body into `m` (an empty body is an empty message).
Status ParseBody(const http::Request& req, pb::Message* m) {
  if (req.body.empty()) return Status::Ok();
  pb::util::JsonParseOptions o;
  o.ignore_unknown_fields = false;
  auto st = pb::util::JsonStringToMessage(req.body, m, o);
  if (!st.ok()) return Status::Invalid("malformed JSON body: " + std::string(st.message()));
  return Status::Ok();
}

int QueryInt(const http::Request& req, const char* name, int dflt, int lo, int hi, Status* bad) {
  if (!req.HasParam(name)) return dflt;
  std::string v = req.Param(name);
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
    *bad = Status::Invalid(std::string(name) + " must be an integer");
    return dflt;
  }
  int n = std::stoi(v);
  if (n < lo || n > hi) {
    *bad = Status::Invalid(std::string(name) + " must be in " + std::to_string(lo) + ".." +
                           std::to_string(hi));
  }
  return n;
}

int StateNumber(const std::string& s) {
  for (int i = 0; i <= 3; ++i) {
    if (JobStateName(static_cast<JobState>(i)) == s) return i;
  }
  return -2;
}

}  // namespace

void ApiServer::Impl::Routes() {
  auto guard = [this](auto fn) {
    return [this, fn](const http::Request& req, http::Response& res) {
      std::string auth = req.Header("Authorization");
      const std::string prefix = "Bearer ";
      std::string given = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : "";
      if (!TokensEqual(given, opt.token)) {
        res.SetHeader("WWW-Authenticate", "Bearer");
        return SendError(res, 401, "unauthenticated", "a valid bearer token is required");
      }
      (this->*fn)(req, res);
    };
  };
  // 200 {"status": "ok"} while the database answers; 503 with the reason while it does
  // not (load balancers and orchestrators stop sending work here meanwhile). It pings
  // the database, so it runs on a handler thread like the other routes.
  server->Route("GET", "/healthz", [this](const http::Request&, http::Response& res) {
    auto lease = Borrow();
    Status st = !lease.ok()      ? lease.status()
                : (*lease)->pg() ? (*lease)->pg()->Ping()
                                 : (*lease)->store->ListJobs(1).status();
    if (st.ok()) {
      res.SetContent("{\"status\": \"ok\"}\n", "application/json");
      return;
    }
    res.status = 503;
    nlohmann::json body = {{"status", "unavailable"}, {"reason", "database: " + st.message()}};
    res.SetContent(body.dump() + "\n", "application/json");
  });
  server->Route("POST", "/v1/jobs", guard(&Impl::Submit));
  server->Route("GET", "/v1/jobs", guard(&Impl::List));
  server->Route("GET", R"(/v1/jobs/([^/]+))", guard(&Impl::Get));
  server->Route("GET", R"(/v1/jobs/([^/]+)/events)", guard(&Impl::Events));
  server->Route("POST", R"(/v1/jobs/([^/]+)/(approve|cancel|resume|retry))", guard(&Impl::Action));
  server->Route("GET", R"(/v1/jobs/([^/]+)/graph)", guard(&Impl::Graph));
  server->Route("GET", R"(/v1/jobs/([^/]+)/tasks)", guard(&Impl::Tasks));
  server->Route("GET", R"(/v1/jobs/([^/]+)/table)", guard(&Impl::Table));
  server->Route("GET", R"(/v1/jobs/([^/]+)/logs)", guard(&Impl::Logs));
  server->Route("GET", "/metrics", guard(&Impl::Metrics));
  ViewRoutes();  // the web view's static pages: public, no data
  // Unknown routes, framing errors and handler exceptions get JSON bodies from the
  // server itself (server/http/server.h).
}

void ApiServer::Impl::Submit(const http::Request& req, http::Response& res) {
  if (!opt.accept_submit) {
    return SendError(res, 405, "method_not_allowed",
                     "this server runs no jobs (dandori ui); submit with dandori run or serve");
  }
  v1::SubmitJobRequest in;
  if (auto st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
  v1::Table table;
  switch (in.workflow_case()) {
    case v1::SubmitJobRequest::kTable:
      table = in.table();
      break;
    case v1::SubmitJobRequest::kTableBytes:
      if (!v1::ParseTableQuietly(in.table_bytes(), &table)) {
        return SendError(res, 400, "invalid_argument", "tableBytes is not a serialized Table");
      }
      break;
    case v1::SubmitJobRequest::kSource: {
      if (!opt.compile) {
        return SendError(res, 400, "invalid_argument", "this server cannot compile .flow source");
      }
      v1::FlowSource source = in.source();
      if (source.path().empty()) source.set_path("submitted.flow");
      auto t = opt.compile(source);
      if (!t.ok()) return SendStatus(res, t.status());
      table = *t;
      break;
    }
    default:
      return SendError(res, 400, "invalid_argument",
                       "one of table, tableBytes or source is required");
  }
  SubmitRequest request{std::move(table), {}, in.idempotency_key(), "."};
  for (const auto& [k, v] : in.params().fields()) request.params[k] = ParamText(v);
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  Store& store = *(*lease)->store;
  auto job = engine::Submit(store, request, opt.registry, *SystemClock());
  if (!job.ok()) return SendStatus(res, job.status());
  v1::SubmitJobResponse out;
  auto m = JobMessage(store, job->job);
  if (!m.ok()) return SendStatus(res, m.status());
  *out.mutable_job() = *m;
  out.set_created(job->created);
  SendJson(res, job->created ? 201 : 200, out);
}

void ApiServer::Impl::List(const http::Request& req, http::Response& res) {
  Status bad;
  int page = QueryInt(req, "pageSize", 50, 1, 500, &bad);
  if (!bad.ok()) return SendStatus(res, bad);
  int state = -1;
  if (req.HasParam("state")) {
    state = StateNumber(req.Param("state"));
    if (state < -1) return SendError(res, 400, "invalid_argument", "unknown job state");
  }
  int64_t before = 0;
  if (req.HasParam("pageToken") && !req.Param("pageToken").empty()) {
    auto id = JobId(req.Param("pageToken"));
    if (!id.ok()) return SendError(res, 400, "invalid_argument", "malformed pageToken");
    before = *id;
  }
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  Store& store = *(*lease)->store;
  auto jobs = ListJobsPage(store, state, req.Param("workflow"), before, page);
  if (!jobs.ok()) return SendStatus(res, jobs.status());
  v1::ListJobsResponse out;
  for (const auto& j : *jobs) {
    auto m = JobMessage(store, j);
    if (!m.ok()) return SendStatus(res, m.status());
    *out.add_jobs() = *m;
  }
  if (static_cast<int>(jobs->size()) == page) {
    out.set_next_page_token(std::to_string(jobs->back().id));
  }
  SendJson(res, 200, out);
}

void ApiServer::Impl::Get(const http::Request& req, http::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  auto st = GetStatus(*(*lease)->store, *id);
  if (!st.ok()) return SendStatus(res, st.status());
  auto m = JobMessage(*(*lease)->store, *st);
  if (!m.ok()) return SendStatus(res, m.status());
  SendJson(res, 200, *m);
}

void ApiServer::Impl::Events(const http::Request& req, http::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  Status bad;
  int limit = QueryInt(req, "limit", 200, 1, 1000, &bad);
  int64_t after = 0;
  if (req.HasParam("afterSeq")) {
    auto a = JobId(req.Param("afterSeq"));
    if (!a.ok()) bad = Status::Invalid("afterSeq must be an integer");
    after = a.ok() ? *a : 0;
  }
  if (!bad.ok()) return SendStatus(res, bad);
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  Store& store = *(*lease)->store;
  auto events = ListJobEvents(store, *id, after, limit);
  if (!events.ok()) return SendStatus(res, events.status());
  v1::ListEventsResponse out;
  out.set_next_after_seq(after);
  for (const auto& e : *events) {
    *out.add_events() = EventOf(e);
    out.set_next_after_seq(e.seq);
  }
  SendJson(res, 200, out);
}

// The job verbs: the rules are engine/job_control.h's (unknown gate 400, a verb the
// job's state refuses 409, unknown job 404); the answer is the job afterwards.
void ApiServer::Impl::Action(const http::Request& req, http::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  std::string action = req.matches[2];
  std::string who = "api";
  std::string gate;
  if (action == "approve") {
    v1::ApproveRequest in;
    if (auto st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
    if (in.gate().empty()) return SendError(res, 400, "invalid_argument", "gate is required");
    gate = in.gate();
    if (!in.who().empty()) who = in.who();
  } else if (action == "cancel") {
    v1::CancelJobRequest in;
    if (auto st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
    if (!in.who().empty()) who = in.who();
  } else {
    v1::JobActionRequest in;
    if (auto st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
    if (!in.who().empty()) who = in.who();
  }
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  Store& store = *(*lease)->store;
  Clock& clock = *SystemClock();
  Status st;
  if (action == "approve") {
    st = Approve(store, *id, gate, who, clock).status();
  } else if (action == "cancel") {
    st = Cancel(store, *id, who, clock).status();
  } else if (action == "retry") {
    st = Retry(store, *id, who, clock, opt.registry).status();
  } else {  // resume: wakes the engines; one whose job lease lapsed is replaced at once
    st = RequestResume(store, *id, who, clock).status();
  }
  if (!st.ok()) return SendStatus(res, st);
  auto fresh = GetStatus(store, *id);
  if (!fresh.ok()) return SendStatus(res, fresh.status());
  auto m = JobMessage(store, *fresh);
  if (!m.ok()) return SendStatus(res, m.status());
  SendJson(res, 200, *m);
}

// A task's (or every task's) attempt logs; `task` is a key or a label (FindTask).
void ApiServer::Impl::Logs(const http::Request& req, http::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  Status bad;
  int attempt = QueryInt(req, "attempt", 0, 0, 1 << 20, &bad);
  int64_t since = 0;  // a follower's cursor: logs stored at or after it
  if (req.HasParam("sinceMs")) {
    auto s = JobId(req.Param("sinceMs"));
    if (!s.ok()) bad = Status::Invalid("sinceMs must be a whole number of milliseconds");
    since = s.ok() ? *s : 0;
  }
  if (!bad.ok()) return SendStatus(res, bad);
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  auto logs = ReadLogs(*(*lease)->store, *id, req.Param("task"), attempt, since);
  if (!logs.ok()) return SendStatus(res, logs.status());
  v1::ListLogsResponse out;
  for (const TaskLog& l : *logs) {
    v1::TaskLog* m = out.add_logs();
    m->set_task(l.chunk.task);
    m->set_label(l.label);
    m->set_attempt(l.chunk.attempt);
    m->set_stream(l.chunk.stream);
    m->set_text(l.chunk.text);
    m->set_truncated(l.chunk.truncated);
    m->set_at_ms(l.chunk.at_ms);
  }
  SendJson(res, 200, out);
}

void ApiServer::Impl::Metrics(const http::Request&, http::Response& res) {
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  PgStore* pg = (*lease)->pg();
  if (!pg) return SendError(res, 404, "not_found", "/metrics needs the PostgreSQL store");
  auto text = RenderMetrics(*pg, opt.local_stats);
  if (!text.ok()) return SendStatus(res, text.status());
  res.SetContent(*text, "text/plain; version=0.0.4");
}

}  // namespace dandori::server
