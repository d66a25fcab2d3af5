// Private to the API server: the request context shared by http_api.cc (set-up) and
// http_api_routes.cc (the handlers), over the event-driven server (server/http/server.h).
#pragma once

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"
#include "dandori/v1/api.pb.h"
#include "engine/job_control.h"
#include "engine/pg/pg_store.h"
#include "proto/value_codec.h"
#include "server/http/server.h"
#include "server/http_api.h"

namespace dandori::server {

namespace pb = google::protobuf;
using engine::JobInfo;
using engine::JobState;
using engine::OpenPgStore;
using engine::PgStore;
using engine::TaskState;

namespace api_detail {

inline int HttpStatusFor(Code c) {
  switch (c) {
    case Code::kInvalidArgument:
    case Code::kPermanent:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition:
      return 409;
    case Code::kUnavailable:
    case Code::kTransient:
      return 503;
    default:
      return 500;
  }
}

inline void SendJson(http::Response& res, int status, const pb::Message& m) {
  std::string out;
  pb::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  (void)pb::util::MessageToJsonString(m, &out, o);
  res.status = status;
  res.SetContent(out + "\n", "application/json");
}

inline void SendError(http::Response& res, int status, const std::string& code,
                      const std::string& message) {
  v1::ErrorResponse e;
  e.mutable_error()->set_http_status(status);
  e.mutable_error()->set_code(code);
  e.mutable_error()->set_message(message);
  SendJson(res, status, e);
}

// A 5xx never carries the store's error text (it is logged instead): the client learns
// only that the server failed, or that the store is unavailable for now.
inline void SendStatus(http::Response& res, const Status& st) {
  std::string code(CodeName(st.code()));
  for (char& ch : code) ch = ch == ' ' ? '_' : ch;
  int status = HttpStatusFor(st.code());
  if (status < 500) return SendError(res, status, code, st.message());
  std::fprintf(stderr, "serve: api: %s\n", st.ToString().c_str());
  SendError(res, status, status == 503 ? "unavailable" : "internal",
            status == 503 ? "the store is unavailable; retry later"
                          : "internal error (details are in the server's log)");
}

// Parses a job id path segment.
inline Result<int64_t> JobId(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) {
    return Status::Invalid("job id must be a positive integer: " + s);
  }
  return std::stoll(s);
}

// A protobuf Value as the text BindParams takes (strings as is, the rest as JSON).
inline std::string ParamText(const pb::Value& v) {
  switch (v.kind_case()) {
    case pb::Value::kStringValue:
      return v.string_value();
    case pb::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case pb::Value::kNumberValue: {
      double d = v.number_value();
      if (std::floor(d) == d && std::fabs(d) < 9e15) return std::to_string(static_cast<int64_t>(d));
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", d);
      return buf;
    }
    default: {
      std::string out;
      (void)pb::util::MessageToJsonString(v, &out);
      return out;
    }
  }
}

// v1::Job of a job's status (job_control.h GetStatus / Describe).
inline v1::Job JobOf(const engine::JobStatus& s) {
  const JobInfo& j = s.job;
  v1::Job m;
  m.set_id(std::to_string(j.id));
  m.set_workflow(j.workflow);
  m.set_state(std::string(JobStateName(j.state)));
  m.set_idempotency_key(j.key);
  m.set_error(j.error);
  m.set_created_ms(j.created_ms);
  m.set_updated_ms(j.updated_ms);
  m.set_owner(j.owner);
  auto params = DecodeValue(j.params);
  if (params.ok()) (void)pb::util::JsonStringToMessage(params->ToJson(), m.mutable_params());
  auto state_name = [](int i) { return std::string(TaskStateName(static_cast<TaskState>(i))); };
  for (int i = 0; i < engine::kTaskStates; ++i) {
    if (s.totals[i] > 0) (*m.mutable_task_counts())[state_name(i)] = s.totals[i];
  }
  m.set_task_total(s.total);
  for (const auto& c : s.stages) {
    v1::StageCounts* sc = m.add_stages();
    sc->set_stage(c.stage);
    for (int i = 0; i < engine::kTaskStates; ++i) {
      if (c.by_state[i] > 0) (*sc->mutable_task_counts())[state_name(i)] = c.by_state[i];
    }
  }
  for (size_t i = 0; i < s.failed.size() && i < 100; ++i) {
    const engine::TaskRow& t = s.failed[i];
    v1::FailedTask* f = m.add_failed_tasks();
    f->set_task(t.key);
    f->set_stage(t.stage);
    f->set_attempts(t.attempts);
    f->set_error(t.error);
    f->set_error_class(std::string(CodeName(t.error_class)));
    f->set_label(t.label);
  }
  for (const auto& g : s.waiting) {
    m.add_pending_gates(g.task);
    v1::WaitingGate* w = m.add_waiting_gates();
    w->set_gate(g.gate);
    w->set_task(g.task);
    w->set_message(g.message);
  }
  for (const auto& a : s.alerts) {
    v1::Alert* al = m.add_alerts();
    al->set_state(a.state);
    al->set_attempts(a.attempts);
    al->set_error(a.error);
    al->set_next_try_ms(a.next_try_ms);
    al->set_created_ms(a.created_ms);
  }
  return m;
}

// Jobs filtered by state (-1: any) and workflow (empty: any), id < before (0: no
// bound), newest first: PostgreSQL pages in SQL; the embedded store filters its list.
Result<std::vector<JobInfo>> ListJobsPage(engine::Store& store, int state,
                                          const std::string& workflow, int64_t before, int limit);

// v1::Event of a stored event (the events route, `dandori report`).
inline v1::Event EventOf(const engine::Event& e) {
  v1::Event m;
  m.set_seq(e.seq);
  m.set_job_id(std::to_string(e.job));
  m.set_at_ms(e.at_ms);
  m.set_who(e.who);
  m.set_what(e.what);
  m.set_task(e.task);
  m.set_attempt(e.attempt);
  m.set_detail(e.detail);
  return m;
}

}  // namespace api_detail

struct ApiServer::Impl {
  ApiOptions opt;
  std::unique_ptr<http::Server> server;
  std::mutex mu;
  std::vector<std::unique_ptr<engine::Store>> idle GUARDED_BY(mu);  // stores between requests

  // Borrows a store for one request.
  struct Lease {
    Impl* impl;
    std::unique_ptr<engine::Store> store;
    // The PostgreSQL store's extras (paging, alerts, ping, metrics); null on SQLite.
    PgStore* pg() const { return dynamic_cast<PgStore*>(store.get()); }
    ~Lease() {
      if (store) {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->idle.push_back(std::move(store));
      }
    }
  };
  Result<std::unique_ptr<Lease>> Borrow() {
    auto l = std::make_unique<Lease>();
    l->impl = this;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!idle.empty()) {
        l->store = std::move(idle.back());
        idle.pop_back();
      }
    }
    if (!l->store && opt.open_store) {
      auto s = opt.open_store();
      if (!s.ok()) return s.status();
      l->store = std::move(*s);
    }
    if (!l->store && opt.pool) l->store = engine::OpenPooledPgStore(opt.pool);
    if (!l->store) {
      auto s = OpenPgStore(opt.url, {.migrate = false});
      if (!s.ok()) return s.status();
      l->store = std::move(*s);
    }
    return l;
  }

  // The job as the API shows it: engine/job_control.h's status, mapped to v1::Job.
  Result<v1::Job> JobMessage(engine::Store& store, const JobInfo& j) {
    auto st = engine::Describe(store, j);
    if (!st.ok()) return st.status();
    return JobMessage(store, *st);
  }

  // The same from a status already read; adds the job's alerts (the outbox, PostgreSQL
  // only).
  Result<v1::Job> JobMessage(engine::Store& store, engine::JobStatus st) {
    Status read = engine::ReadAlerts(store, &st);
    if (!read.ok()) return read;
    return api_detail::JobOf(st);
  }

  void Routes();
  void Submit(const http::Request& req, http::Response& res);
  void List(const http::Request& req, http::Response& res);
  void Get(const http::Request& req, http::Response& res);
  void Events(const http::Request& req, http::Response& res);
  void Action(const http::Request& req, http::Response& res);
  void Metrics(const http::Request& req, http::Response& res);
  // The web view (server/http_api_view.cc): its static pages and its reads.
  void ViewRoutes();
  void Graph(const http::Request& req, http::Response& res);
  void Tasks(const http::Request& req, http::Response& res);
  // The job's compiled Table (application/octet-stream), for `dandori plan --server`.
  void Table(const http::Request& req, http::Response& res);
  void Logs(const http::Request& req, http::Response& res);
};

}  // namespace dandori::server
