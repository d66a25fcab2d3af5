#include "examples/camfleet/fleet_model.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "examples/camfleet/camera_motion.h"

namespace camfleet {
namespace {

using json = nlohmann::json;

Reply Json(int status, const json& j) { return Reply{status, j.dump(), "application/json"}; }
Reply Error(int status, const std::string& message) {
  return Json(status, json{{"error", message}});
}

}  // namespace

const char* StateName(ServerState s) {
  switch (s) {
    case ServerState::kServing:
      return "serving";
    case ServerState::kDraining:
      return "draining";
    case ServerState::kDrained:
      return "drained";
    case ServerState::kStopped:
      return "stopped";
  }
  return "?";
}

Fleet::Fleet(const Config& config, const Faults& faults)
    : config_(config), clock_(config.time_scale), faults_(faults) {
  int capacity = config.EffectiveCapacity();
  for (int z = 0; z < config.zones; ++z) {
    zone_names_.push_back(fmt::format("z{:02}", z + 1));
    zones_.emplace_back();
    for (int s = 0; s < config.servers_per_zone; ++s) {
      Server server;
      server.id = fmt::format("z{:02}-s{:03}", z + 1, s + 1);
      server.zone = z;
      server.capacity = capacity;
      by_id_[server.id] = static_cast<int>(servers_.size());
      zones_[z].push_back(static_cast<int>(servers_.size()));
      servers_.push_back(std::move(server));
    }
  }
  for (size_t s = 0; s < servers_.size(); ++s) {
    for (int c = 0; c < config.cameras_per_server; ++c) {
      Camera cam;
      cam.zone = servers_[s].zone;
      cameras_.push_back(cam);
      Attach(static_cast<int>(cameras_.size()) - 1, static_cast<int>(s));
    }
  }
  zone_min_fraction_.assign(config.zones, 1.0);
  zone_min_at_ms_.assign(config.zones, 0);
  ApplyStuck();
}

Reply Fleet::Rejected(Server* s) {
  ++s->actions.rejected;
  return Error(502, "server unreachable (simulated)");
}

std::optional<Reply> Fleet::Stale(Server* s, Precondition expect, int64_t current) {
  if (expect < 0 || expect == current) return std::nullopt;
  ++s->actions.stale;
  Reply r = Error(412, fmt::format("stale request for {}: it names revision {}, the server is "
                                   "at {} (changed since the sender looked); nothing done",
                                   s->id, expect, current));
  r.etag = current;
  return r;
}

void Fleet::DeliverLate(std::unique_lock<std::mutex>& lock, Server* s) {
  if (!faults_.late_deregister.erase(s->id)) return;
  const int registers = s->actions.registers;
  changed_.wait_for(lock, std::chrono::seconds(60),
                    [&] { return s->actions.registers > registers; });
  AdvanceLocked(clock_.NowMs());
}

Server* Fleet::Find(const std::string& id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &servers_[it->second];
}

bool Fleet::Accepting(const Server& s) const {
  return s.registered && s.state == ServerState::kServing && !s.broken;
}

void Fleet::ApplyStuck() {
  for (const auto& [id, n] : faults_.stuck) {
    Server* s = Find(id);
    if (!s) continue;
    int marked = 0;
    for (int cam : s->cameras) {
      if (marked >= n) break;
      cameras_[cam].stuck = true;
      ++marked;
    }
  }
}

void Fleet::Attach(int camera, int server) {
  Camera& cam = cameras_[camera];
  Server& s = servers_[server];
  cam.server = server;
  cam.pos = static_cast<int>(s.cameras.size());
  s.cameras.push_back(camera);
}

void Fleet::Detach(int camera) {
  Camera& cam = cameras_[camera];
  Server& s = servers_[cam.server];
  int last = s.cameras.back();
  s.cameras[cam.pos] = last;
  cameras_[last].pos = cam.pos;
  s.cameras.pop_back();
  cam.server = -1;
  cam.pos = -1;
}

void Fleet::ScheduleMove(int camera, int64_t at) {
  Camera& cam = cameras_[camera];
  ++cam.gen;
  cam.next_move_at = at;
  events_.push(Event{at, 0, camera, cam.gen});
}

void Fleet::Unsafe(const std::string& kind, const Server& s, int cameras, int64_t at) {
  unsafe_.push_back(UnsafeAction{kind, s.id, at, cameras});
}

void Fleet::MarkAction(int64_t at, bool finishing) {
  if (first_action_ms_ < 0) first_action_ms_ = at;
  if (finishing) last_action_ms_ = at;
}

void Fleet::UpdateZoneCapacity(int zone, int64_t at) {
  int64_t total = 0, serving = 0;
  for (int s : zones_[zone]) {
    total += servers_[s].capacity;
    if (Accepting(servers_[s])) serving += servers_[s].capacity;
  }
  double fraction = total ? static_cast<double>(serving) / total : 1.0;
  if (fraction < zone_min_fraction_[zone]) {
    zone_min_fraction_[zone] = fraction;
    zone_min_at_ms_[zone] = at;
  }
}

void Fleet::AdvanceLocked(int64_t now) {
  while (!events_.empty() && events_.top().at <= now) {
    Event e = events_.top();
    events_.pop();
    disconnected_camera_ms_ += static_cast<double>(disconnected_) * (e.at - now_ms_);
    now_ms_ = std::max(now_ms_, e.at);
    if (e.kind == 0) {
      if (cameras_[e.index].gen == e.gen) MoveCamera(e.index, e.at);
    } else {
      FinishRestart(e.index, e.at);
    }
  }
  if (now > now_ms_) {
    disconnected_camera_ms_ += static_cast<double>(disconnected_) * (now - now_ms_);
    now_ms_ = now;
  }
}

void Fleet::MoveCamera(int camera, int64_t at) {
  Camera& cam = cameras_[camera];
  cam.next_move_at = -1;
  if (cam.stuck && cam.server >= 0) return;  // never moves
  int from = cam.server;
  int target = -1, best_room = 0;
  for (int s : zones_[cam.zone]) {
    const Server& srv = servers_[s];
    int room = srv.capacity - static_cast<int>(srv.cameras.size());
    if (s != from && Accepting(srv) && room > best_room) {
      target = s;
      best_room = room;
    }
  }
  if (target < 0) {
    ScheduleMove(camera, at + static_cast<int64_t>(config_.retry_s * 1000));
    return;
  }
  if (from >= 0) {
    Detach(camera);
  } else {
    --disconnected_;
  }
  Attach(camera, target);
  ++moves_;
  if (from >= 0 && servers_[from].state == ServerState::kDraining &&
      servers_[from].cameras.empty()) {
    servers_[from].state = ServerState::kDrained;
    if (servers_[from].timeline.drained < 0) servers_[from].timeline.drained = at;
  }
}

void Fleet::FinishRestart(int server, int64_t at) {
  Server& s = servers_[server];
  if (s.state != ServerState::kStopped) return;
  s.state = ServerState::kServing;
  ++s.revision;
  if (s.pending_version != s.version) s.previous_version = s.version;
  s.version = s.pending_version;
  s.restart_done_at = -1;
  auto once = faults_.broken_restarts.find(s.id);
  bool broken_once = once != faults_.broken_restarts.end() && s.broken_restarts < once->second;
  if (broken_once) ++s.broken_restarts;
  s.broken = faults_.broken.count(s.id) > 0 || broken_once;
  ++s.restarts_done;
  if (s.timeline.up < 0) s.timeline.up = at;
  UpdateZoneCapacity(s.zone, at);
}

void Fleet::Tick() {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
}

bool Fleet::Unreachable(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return faults_.unreachable.count(id) > 0;
}

Reply Fleet::Drain(const std::string& id, Precondition expect) {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  Server* s = Find(id);
  if (!s) return Error(404, "no such server: " + id);
  if (faults_.unreachable.count(id)) return Rejected(s);
  if (auto stale = Stale(s, expect, s->revision)) return *stale;
  if (s->state == ServerState::kStopped) return Error(409, "server is stopped");
  ++s->actions.drain_requests;
  MarkAction(now_ms_, false);
  if (s->state == ServerState::kServing) {
    if (s->registered) Unsafe("drain_registered", *s, static_cast<int>(s->cameras.size()), now_ms_);
    s->state = ServerState::kDraining;
    ++s->revision;
    ++s->actions.drains;
    int64_t longest = 0;
    for (int cam : s->cameras) {
      if (cameras_[cam].stuck) continue;
      int64_t d = DrawMoveDelayMs(config_, cam, cameras_[cam].draws++);
      longest = std::max(longest, d);
      ScheduleMove(cam, now_ms_ + d);
    }
    if (s->drain_need_ms < 0) s->drain_need_ms = longest;
    if (s->timeline.drain < 0) s->timeline.drain = now_ms_;
    if (s->cameras.empty()) {
      s->state = ServerState::kDrained;
      if (s->timeline.drained < 0) s->timeline.drained = now_ms_;
    }
    UpdateZoneCapacity(s->zone, now_ms_);
  }
  Reply r = Json(200, StatusJson(*s));
  r.etag = s->revision;
  return r;
}

Reply Fleet::Status(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  Server* s = Find(id);
  if (!s) return Error(404, "no such server: " + id);
  if (faults_.unreachable.count(id)) return Rejected(s);
  Reply r = Json(200, StatusJson(*s));
  r.etag = s->revision;
  return r;
}

Reply Fleet::Restart(const std::string& id, const std::string& version, Precondition expect) {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  Server* s = Find(id);
  if (!s) return Error(404, "no such server: " + id);
  if (faults_.unreachable.count(id)) return Rejected(s);
  if (version.empty()) return Error(400, "restart needs a version");
  if (auto stale = Stale(s, expect, s->revision)) return *stale;
  ++s->actions.restarts;
  MarkAction(now_ms_, false);
  s->pending_version = version;
  if (s->state != ServerState::kStopped) {
    int attached = static_cast<int>(s->cameras.size());
    if (attached > 0) {
      Unsafe("restart_with_cameras", *s, attached, now_ms_);
      while (!s->cameras.empty()) {
        int cam = s->cameras.back();
        Detach(cam);
        ++disconnected_;
        ++dropped_;
        ScheduleMove(cam, now_ms_ + DrawMoveDelayMs(config_, cam, cameras_[cam].draws++));
      }
    }
    if (s->registered) Unsafe("restart_registered", *s, attached, now_ms_);
    s->state = ServerState::kStopped;
    ++s->revision;
    int index = static_cast<int>(s - servers_.data());
    int64_t d = DrawRestartMs(config_, index, s->restarts_done);
    if (s->restart_need_ms < 0) s->restart_need_ms = d;
    if (s->timeline.restart < 0) s->timeline.restart = now_ms_;
    s->restart_done_at = now_ms_ + d;
    events_.push(Event{now_ms_ + d, 1, index, 0});
    UpdateZoneCapacity(s->zone, now_ms_);
  }
  changed_.notify_all();
  Reply r = Json(202, {{"state", "stopped"}, {"version", version}});
  r.etag = s->revision;
  return r;
}

Reply Fleet::Upload(const std::string& id, const std::string& claimed, const std::string& sha256,
                    int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  Server* s = Find(id);
  if (!s) return Error(404, "no such server: " + id);
  if (faults_.unreachable.count(id)) return Rejected(s);
  if (!claimed.empty() && claimed != sha256) {
    return Error(422, "sha256 mismatch: got " + sha256 + ", expected " + claimed);
  }
  ++s->actions.uploads;
  if (s->timeline.upload < 0) s->timeline.upload = clock_.NowMs();
  s->artifact_sha256 = sha256;
  s->artifact_bytes = bytes;
  return Json(201, {{"sha256", sha256}, {"bytes", bytes}, {"path", "/opt/camera-server/" + id}});
}

Reply Fleet::Artifact(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  Server* s = Find(id);
  if (!s) return Error(404, "no such server: " + id);
  if (faults_.unreachable.count(id)) return Rejected(s);
  if (s->artifact_sha256.empty()) return Error(404, "no artifact on " + id);
  return Json(200, {{"sha256", s->artifact_sha256}, {"bytes", s->artifact_bytes}});
}

Reply Fleet::SetRegistered(const std::string& zone, const std::string& id, bool on,
                           Precondition expect) {
  std::unique_lock<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  Server* s = Find(id);
  if (!s || zone_names_[s->zone] != zone) return Error(404, "no server " + id + " in zone " + zone);
  if (!on) DeliverLate(lock, s);
  if (auto stale = Stale(s, expect, s->registry_revision)) return *stale;
  if (auto f = faults_.register_fails.find(id);
      on && f != faults_.register_fails.end() && f->second > 0) {
    --f->second;  // the registry refuses it; nothing changes
    return Error(503, "registry refused to register " + id + " (fault register_fails)");
  }
  MarkAction(now_ms_, on);
  if (on && s->timeline.deregister >= 0 && s->timeline.registered < 0) {
    s->timeline.registered = now_ms_;
  }
  if (!on && s->timeline.deregister < 0) s->timeline.deregister = now_ms_;
  if (on) {
    ++s->actions.registers;
    if (!s->registered && (s->state != ServerState::kServing || s->broken)) {
      Unsafe("register_unhealthy", *s, 0, now_ms_);
    }
  } else {
    ++s->actions.deregisters;
  }
  if (s->registered != on) ++s->registry_revision;
  s->registered = on;
  UpdateZoneCapacity(s->zone, now_ms_);
  changed_.notify_all();
  Reply r = Json(200, {{"server", id}, {"registered", on}, {"revision", s->registry_revision}});
  r.etag = s->registry_revision;
  return r;
}

Reply Fleet::SetFaults(const nlohmann::json& j) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string error = faults_.AddFromJson(j);
  if (!error.empty()) return Error(400, error);
  for (const auto& [id, n] : faults_.stuck) {
    if (!Find(id)) return Error(404, "no such server: " + id);
  }
  ApplyStuck();
  return Json(200, faults_.ToJson());
}

Reply Fleet::Alert(const std::string& body) {
  std::lock_guard<std::mutex> lock(mu_);
  auto j = nlohmann::json::parse(body, nullptr, false);
  std::string text =
      !j.is_discarded() && j.is_object() && j.contains("text") && j["text"].is_string()
          ? j["text"].get<std::string>()
          : body;
  if (alerts_.size() < 1000) alerts_.push_back(text.substr(0, 2000));
  return Json(200, {{"ok", true}});
}

int Fleet::SlowCopyMs(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = faults_.slow_copy_ms.find(id);
  return it == faults_.slow_copy_ms.end() ? 0 : it->second;
}

}  // namespace camfleet
