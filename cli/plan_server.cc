#include "cli/plan_server.h"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "engine/job_control.h"

namespace dandori::cli {
namespace {

using json = nlohmann::json;

constexpr int kEventPage = 1000;  // the API's largest page
constexpr int kJobPage = 500;

// int64 fields come as strings in protobuf's JSON mapping.
int64_t I64(const json& j, const char* name) {
  if (!j.is_object() || !j.contains(name)) return 0;
  const json& v = j[name];
  if (v.is_string()) return std::strtoll(v.get<std::string>().c_str(), nullptr, 10);
  return v.is_number() ? v.get<int64_t>() : 0;
}
std::string Str(const json& j, const char* name) {
  return j.is_object() && j.contains(name) && j[name].is_string() ? j[name].get<std::string>() : "";
}

class Api : public engine::HistorySource {
 public:
  explicit Api(ApiTarget t) : t_(std::move(t)) {}

  Result<std::vector<engine::JobInfo>> ListJobs(int limit) override {
    auto j = Get("/v1/jobs?pageSize=" + std::to_string(std::clamp(limit, 1, kJobPage)));
    if (!j.ok()) return j.status();
    std::vector<engine::JobInfo> out;
    if (!(*j)["jobs"].is_array()) return out;
    for (const json& job : (*j)["jobs"]) {
      engine::JobInfo info;
      info.id = std::strtoll(Str(job, "id").c_str(), nullptr, 10);
      info.workflow = Str(job, "workflow");
      std::string state = Str(job, "state");
      info.state = state == "succeeded"   ? engine::JobState::kSucceeded
                   : state == "failed"    ? engine::JobState::kFailed
                   : state == "cancelled" ? engine::JobState::kCancelled
                                          : engine::JobState::kRunning;
      out.push_back(std::move(info));
    }
    return out;
  }

  Result<std::string> Table(const engine::JobInfo& job) override {
    return ApiGet(t_, "/v1/jobs/" + std::to_string(job.id) + "/table");
  }

  Result<std::vector<engine::Event>> ListEvents(int64_t job, int64_t after_seq,
                                                int limit) override {
    auto j =
        Get("/v1/jobs/" + std::to_string(job) + "/events?afterSeq=" + std::to_string(after_seq) +
            "&limit=" + std::to_string(std::clamp(limit, 1, kEventPage)));
    if (!j.ok()) return j.status();
    std::vector<engine::Event> out;
    if (!(*j)["events"].is_array()) return out;
    for (const json& e : (*j)["events"]) {
      engine::Event ev;
      ev.seq = I64(e, "seq");
      ev.job = job;
      ev.at_ms = I64(e, "atMs");
      ev.what = Str(e, "what");
      ev.task = Str(e, "task");
      ev.attempt = static_cast<int>(I64(e, "attempt"));
      out.push_back(std::move(ev));
    }
    return out;
  }

  Result<std::vector<engine::TaskRow>> LoadTasks(int64_t job) override {
    auto j = Get("/v1/jobs/" + std::to_string(job) + "/tasks");
    if (!j.ok()) return j.status();
    std::vector<engine::TaskRow> out;
    if (!(*j)["tasks"].is_array()) return out;
    for (const json& t : (*j)["tasks"]) {
      engine::TaskRow row;
      row.key = Str(t, "key");
      std::string state = Str(t, "state");
      for (int i = 0; i < engine::kTaskStates; ++i) {
        auto s = static_cast<engine::TaskState>(i);
        if (engine::TaskStateName(s) == state) row.state = s;
      }
      out.push_back(std::move(row));
    }
    return out;
  }

 private:
  Result<json> Get(const std::string& path) {
    auto body = ApiGet(t_, path);
    if (!body.ok()) return body.status();
    json j = json::parse(*body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return Status::Internal("the server sent malformed JSON for " + path);
    }
    return j;
  }

  ApiTarget t_;
};

}  // namespace

std::unique_ptr<engine::HistorySource> ApiHistory(const ApiTarget& target) {
  return std::make_unique<Api>(target);
}

}  // namespace dandori::cli
