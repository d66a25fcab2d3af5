// The protocol calls that put a server back and that let a client wait on the server
// instead of polling it: POST {admin}/undrain, GET {admin}/status?wait=MS&until=...
// (a long poll), GET {registry}/servers/{id}, plus the per-kind request counters the
// report gives (so a benchmark can say how many requests a deploy cost).
//
// A long poll sleeps until the next event that can change its server (one of its
// cameras' scheduled moves, or its restart finishing), or a request that changed a
// server (changed_), whichever is first, then re-checks; it never spins.
#include <algorithm>
#include <chrono>

#include "examples/camfleet/fleet_model.h"

namespace camfleet {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxWaitMs = 30000;  // real ms; a longer wait is cut to this

Reply Json(int status, const json& j) { return Reply{status, j.dump(), "application/json"}; }

}  // namespace

json Fleet::StatusJson(const Server& s) const {
  return {{"state", StateName(s.state)}, {"cameras", s.cameras.size()},
          {"version", s.version},        {"previous_version", s.previous_version},
          {"registered", s.registered},  {"healthy", s.state != ServerState::kStopped && !s.broken},
          {"revision", s.revision}};
}

void Fleet::CountRequest(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[kind];
}

Reply Fleet::Undrain(const std::string& id, Precondition expect) {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  Server* s = Find(id);
  if (!s) return Json(404, {{"error", "no such server: " + id}});
  if (faults_.unreachable.count(id)) return Rejected(s);
  if (auto stale = Stale(s, expect, s->revision)) return *stale;
  if (s->state == ServerState::kStopped) return Json(409, {{"error", "server is stopped"}});
  MarkAction(now_ms_, false);
  if (s->state == ServerState::kDraining || s->state == ServerState::kDrained) {
    ++s->actions.undrains;
    ++s->revision;
    s->state = ServerState::kServing;
    for (int cam : s->cameras) {
      ++cameras_[cam].gen;  // the cameras still here stay: their moves are called off
      cameras_[cam].next_move_at = -1;
    }
    UpdateZoneCapacity(s->zone, now_ms_);
    changed_.notify_all();
  }
  Reply r = Json(200, StatusJson(*s));
  r.etag = s->revision;
  return r;
}

int64_t Fleet::NextEventFor(const Server& s) const {
  int64_t next = s.restart_done_at;
  for (int cam : s.cameras) {
    int64_t at = cameras_[cam].next_move_at;
    if (at >= 0 && (next < 0 || at < next)) next = at;
  }
  return next;
}

Reply Fleet::StatusWait(const std::string& id, int64_t wait_ms, const std::string& until,
                        const std::string& version) {
  if (until != "drained" && until != "serving") {
    return Json(400, {{"error", "until must be drained or serving, not '" + until + "'"}});
  }
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(std::clamp<int64_t>(wait_ms, 0, kMaxWaitMs));
  std::unique_lock<std::mutex> lock(mu_);
  ++requests_["long_poll"];
  while (true) {
    AdvanceLocked(clock_.NowMs());
    Server* s = Find(id);
    if (!s) return Json(404, {{"error", "no such server: " + id}});
    if (faults_.unreachable.count(id)) return Rejected(s);
    bool done = until == "drained" ? s->state != ServerState::kDraining
                                   : s->state == ServerState::kServing &&
                                         (version.empty() || s->version == version);
    auto now = std::chrono::steady_clock::now();
    if (done || now >= deadline) {
      Reply r = Json(200, StatusJson(*s));
      r.etag = s->revision;
      return r;
    }
    auto wake = deadline;
    int64_t next = NextEventFor(*s);
    if (next >= 0) {
      double real_ms = std::max<double>(0, (next - now_ms_) / clock_.scale()) + 1;
      wake = std::min(wake, now + std::chrono::microseconds(static_cast<int64_t>(real_ms * 1000)));
    }
    changed_.wait_until(lock, wake);
  }
}

Reply Fleet::Registered(const std::string& zone, const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Server* s = Find(id);
  if (!s || zone_names_[s->zone] != zone) {
    return Json(404, {{"error", "no server " + id + " in zone " + zone}});
  }
  Reply r =
      s->registered
          ? Json(200, {{"server", id}, {"registered", true}, {"revision", s->registry_revision}})
          : Json(404, {{"error", id + " is not registered"},
                       {"registered", false},
                       {"revision", s->registry_revision}});
  r.etag = s->registry_revision;
  return r;
}

}  // namespace camfleet
