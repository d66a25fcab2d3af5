// The API's request handlers (routes in proto/dandori/v1/api.proto).
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "server/http_api_impl.h"
#include "server/metrics.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)

using namespace api_detail;  // NOLINT: the handlers' small vocabulary

namespace {

// Parses a JSON body into `m` (an empty body is an empty message).
Status ParseBody(const httplib::Request& req, pb::Message* m) {
  if (req.body.empty()) return Status::Ok();
  pb::util::JsonParseOptions o;
  o.ignore_unknown_fields = false;
  auto st = pb::util::JsonStringToMessage(req.body, m, o);
  if (!st.ok()) return Status::Invalid("malformed JSON body: " + std::string(st.message()));
  return Status::Ok();
}

int QueryInt(const httplib::Request& req, const char* name, int dflt, int lo, int hi, Status* bad) {
  if (!req.has_param(name)) return dflt;
  std::string v = req.get_param_value(name);
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
    return [this, fn](const httplib::Request& req, httplib::Response& res) {
      std::string auth = req.get_header_value("Authorization");
      const std::string prefix = "Bearer ";
      std::string given = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : "";
      if (!TokensEqual(given, opt.token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        return SendError(res, 401, "unauthenticated", "a valid bearer token is required");
      }
      (this->*fn)(req, res);
    };
  };
  // 200 {"status": "ok"} while the database answers; 503 with the reason while it does
  // not (load balancers and orchestrators stop sending work here meanwhile).
  server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    auto lease = Borrow();
    Status st = lease.ok() ? (*lease)->store->Ping() : lease.status();
    if (st.ok()) {
      res.set_content("{\"status\": \"ok\"}\n", "application/json");
      return;
    }
    res.status = 503;
    nlohmann::json body = {{"status", "unavailable"}, {"reason", "database: " + st.message()}};
    res.set_content(body.dump() + "\n", "application/json");
  });
  server.Post("/v1/jobs", guard(&Impl::Submit));
  server.Get("/v1/jobs", guard(&Impl::List));
  server.Get(R"(/v1/jobs/([^/]+))", guard(&Impl::Get));
  server.Get(R"(/v1/jobs/([^/]+)/events)", guard(&Impl::Events));
  server.Post(R"(/v1/jobs/([^/]+)/(approve|cancel|resume|retry))", guard(&Impl::Action));
  server.Get("/metrics", guard(&Impl::Metrics));
  // Everything else, and every error httplib produces itself (413, 400 for a broken
  // request line), gets a JSON body.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    int st = res.status;
    std::string code = st == 404 ? "not_found" : st == 413 ? "payload_too_large" : "bad_request";
    SendError(res, st, code,
              st == 404   ? "no such route"
              : st == 413 ? "request body too large"
                          : "malformed request (HTTP " + std::to_string(st) + ")");
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SendError(res, 500, "internal", what);
      });
}

void ApiServer::Impl::Submit(const httplib::Request& req, httplib::Response& res) {
  v1::SubmitJobRequest in;
  if (auto st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
  v1::Table table;
  switch (in.workflow_case()) {
    case v1::SubmitJobRequest::kTable:
      table = in.table();
      break;
    case v1::SubmitJobRequest::kTableBytes:
      if (!table.ParseFromString(in.table_bytes())) {
        return SendError(res, 400, "invalid_argument", "tableBytes is not a serialized Table");
      }
      break;
    case v1::SubmitJobRequest::kSource: {
      if (!opt.compile) {
        return SendError(res, 400, "invalid_argument", "this server cannot compile .flow source");
      }
      std::string path = in.source().path().empty() ? "submitted.flow" : in.source().path();
      auto t = opt.compile(path, in.source().text());
      if (!t.ok()) return SendStatus(res, t.status());
      table = *t;
      break;
    }
    default:
      return SendError(res, 400, "invalid_argument",
                       "one of table, tableBytes or source is required");
  }
  auto program = LoadTable(table, opt.registry);
  if (!program.ok()) return SendError(res, 400, "invalid_argument", program.status().message());
  std::map<std::string, std::string> given;
  for (const auto& [k, v] : in.params().fields()) given[k] = ParamText(v);
  auto params = BindParams(**program, given);
  if (!params.ok()) return SendError(res, 400, "invalid_argument", params.status().message());
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  PgStore& store = *(*lease)->store;
  bool created = false;
  auto job = SubmitJob(store, table, *params, in.idempotency_key(), ".", *SystemClock(), &created);
  if (!job.ok()) return SendStatus(res, job.status());
  v1::SubmitJobResponse out;
  auto m = JobMessage(store, *job);
  if (!m.ok()) return SendStatus(res, m.status());
  *out.mutable_job() = *m;
  out.set_created(created);
  SendJson(res, created ? 201 : 200, out);
}

void ApiServer::Impl::List(const httplib::Request& req, httplib::Response& res) {
  Status bad;
  int page = QueryInt(req, "pageSize", 50, 1, 500, &bad);
  if (!bad.ok()) return SendStatus(res, bad);
  int state = -1;
  if (req.has_param("state")) {
    state = StateNumber(req.get_param_value("state"));
    if (state < -1) return SendError(res, 400, "invalid_argument", "unknown job state");
  }
  int64_t before = 0;
  if (req.has_param("pageToken") && !req.get_param_value("pageToken").empty()) {
    auto id = JobId(req.get_param_value("pageToken"));
    if (!id.ok()) return SendError(res, 400, "invalid_argument", "malformed pageToken");
    before = *id;
  }
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  PgStore& store = *(*lease)->store;
  auto jobs = store.ListJobsPage(state, req.get_param_value("workflow"), before, page);
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

void ApiServer::Impl::Get(const httplib::Request& req, httplib::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  auto job = (*lease)->store->GetJob(*id);
  if (!job.ok()) return SendStatus(res, job.status());
  auto m = JobMessage(*(*lease)->store, *job);
  if (!m.ok()) return SendStatus(res, m.status());
  SendJson(res, 200, *m);
}

void ApiServer::Impl::Events(const httplib::Request& req, httplib::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  Status bad;
  int limit = QueryInt(req, "limit", 200, 1, 1000, &bad);
  int64_t after = 0;
  if (req.has_param("afterSeq")) {
    auto a = JobId(req.get_param_value("afterSeq"));
    if (!a.ok()) bad = Status::Invalid("afterSeq must be an integer");
    after = a.ok() ? *a : 0;
  }
  if (!bad.ok()) return SendStatus(res, bad);
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  PgStore& store = *(*lease)->store;
  auto job = store.GetJob(*id);
  if (!job.ok()) return SendStatus(res, job.status());
  auto events = store.ListEvents(*id, after, limit);
  if (!events.ok()) return SendStatus(res, events.status());
  v1::ListEventsResponse out;
  out.set_next_after_seq(after);
  for (const auto& e : *events) {
    v1::Event* m = out.add_events();
    m->set_seq(e.seq);
    m->set_job_id(std::to_string(e.job));
    m->set_at_ms(e.at_ms);
    m->set_who(e.who);
    m->set_what(e.what);
    m->set_task(e.task);
    m->set_attempt(e.attempt);
    m->set_detail(e.detail);
    out.set_next_after_seq(e.seq);
  }
  SendJson(res, 200, out);
}

void ApiServer::Impl::Action(const httplib::Request& req, httplib::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  std::string action = req.matches[2];
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  PgStore& store = *(*lease)->store;
  auto job = store.GetJob(*id);
  if (!job.ok()) return SendStatus(res, job.status());
  int64_t now = SystemClock()->NowMs();
  Status st;
  if (action == "approve") {
    v1::ApproveRequest in;
    if (st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
    if (in.gate().empty()) return SendError(res, 400, "invalid_argument", "gate is required");
    st = store.AddSignal(*id, {"approve", in.gate(), in.who().empty() ? "api" : in.who(), now});
  } else if (action == "cancel") {
    v1::CancelJobRequest in;
    if (st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
    if (job->state != JobState::kRunning) {
      return SendError(res, 409, "failed_precondition", "the job has already ended");
    }
    st = store.AddSignal(*id, {"cancel", "", in.who().empty() ? "api" : in.who(), now});
  } else {
    v1::JobActionRequest in;
    if (st = ParseBody(req, &in); !st.ok()) return SendStatus(res, st);
    std::string who = in.who().empty() ? "api" : in.who();
    if (action == "retry") {
      if (job->state == JobState::kRunning || job->state == JobState::kSucceeded) {
        return SendError(res, 409, "failed_precondition",
                         "only a failed or cancelled job can be retried");
      }
      st = ResetFailedTasks(store, *id, *SystemClock(), who).status();
    } else {  // resume: engines pick up a running job nobody drives; say so if it ended
      if (job->state != JobState::kRunning) {
        return SendError(res, 409, "failed_precondition",
                         "the job has ended; use retry to run its failed tasks again");
      }
      // Wake every engine; one whose job lease has lapsed is replaced at once.
      Batch b;
      b.SetJobState(*id, JobState::kRunning);
      b.AddEvent({0, *id, now, who, "job.resume_requested", "", 0, job->owner});
      st = store.Commit(b, nullptr);
    }
  }
  if (!st.ok()) return SendStatus(res, st);
  auto fresh = store.GetJob(*id);
  if (!fresh.ok()) return SendStatus(res, fresh.status());
  auto m = JobMessage(store, *fresh);
  if (!m.ok()) return SendStatus(res, m.status());
  SendJson(res, 200, *m);
}

void ApiServer::Impl::Metrics(const httplib::Request&, httplib::Response& res) {
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  auto text = RenderMetrics(*(*lease)->store, opt.local_stats);
  if (!text.ok()) return SendStatus(res, text.status());
  res.set_content(*text, "text/plain; version=0.0.4");
}

}  // namespace dandori::server
