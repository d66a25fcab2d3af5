// Private to the API server: the request context shared by http_api.cc (set-up) and
// http_api_routes.cc (the handlers). Includes cpp-httplib: never include it elsewhere.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <cmath>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "dandori/v1/api.pb.h"
#include "engine/pg/pg_store.h"
#include "proto/value_codec.h"
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

inline void SendJson(httplib::Response& res, int status, const pb::Message& m) {
  std::string out;
  pb::util::JsonPrintOptions o;
  o.always_print_primitive_fields = true;
  (void)pb::util::MessageToJsonString(m, &out, o);
  res.status = status;
  res.set_content(out + "\n", "application/json");
}

inline void SendError(httplib::Response& res, int status, const std::string& code,
                      const std::string& message) {
  v1::ErrorResponse e;
  e.mutable_error()->set_http_status(status);
  e.mutable_error()->set_code(code);
  e.mutable_error()->set_message(message);
  SendJson(res, status, e);
}

inline void SendStatus(httplib::Response& res, const Status& st) {
  std::string code(CodeName(st.code()));
  for (char& ch : code) ch = ch == ' ' ? '_' : ch;
  SendError(res, HttpStatusFor(st.code()), code, st.message());
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

}  // namespace api_detail

struct ApiServer::Impl {
  ApiOptions opt;
  httplib::Server server;
  std::thread thread;
  std::mutex mu;
  std::vector<std::unique_ptr<PgStore>> idle;  // guarded by mu

  // Borrows a store for one request.
  struct Lease {
    Impl* impl;
    std::unique_ptr<PgStore> store;
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
    if (!l->store) {
      auto s = OpenPgStore(opt.url, {.migrate = false});
      if (!s.ok()) return s.status();
      l->store = std::move(*s);
    }
    return l;
  }

  Result<v1::Job> JobMessage(PgStore& store, const JobInfo& j) {
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
    auto counts = store.CountTasks(j.id);
    if (!counts.ok()) return counts.status();
    for (const auto& c : *counts) {
      (*m.mutable_task_counts())[std::string(TaskStateName(static_cast<TaskState>(c.state)))] +=
          c.count;
      m.set_task_total(m.task_total() + c.count);
    }
    auto alerts = store.ListAlerts(j.id);
    if (!alerts.ok()) return alerts.status();
    for (const auto& a : *alerts) {
      v1::Alert* m_alert = m.add_alerts();
      m_alert->set_state(a.state == 0 ? "pending" : a.state == 1 ? "delivered" : "failed");
      m_alert->set_attempts(a.attempts);
      m_alert->set_error(a.error);
      m_alert->set_next_try_ms(a.state == 0 ? a.not_before_ms : 0);
      m_alert->set_created_ms(a.created_ms);
    }
    auto events = store.ListEvents(j.id, 0, 100000);
    if (events.ok()) {
      std::map<std::string, bool> gates;
      for (const auto& e : *events) {
        if (e.what == "gate.waiting") gates[e.task] = true;
        if (e.what == "gate.passed" || e.what == "gate.approved") gates[e.task] = false;
      }
      for (const auto& [g, waiting] : gates) {
        if (waiting && j.state == JobState::kRunning) m.add_pending_gates(g);
      }
    }
    return m;
  }

  void Routes();
  void Submit(const httplib::Request& req, httplib::Response& res);
  void List(const httplib::Request& req, httplib::Response& res);
  void Get(const httplib::Request& req, httplib::Response& res);
  void Events(const httplib::Request& req, httplib::Response& res);
  void Action(const httplib::Request& req, httplib::Response& res);
  void Metrics(const httplib::Request& req, httplib::Response& res);
};

}  // namespace dandori::server
