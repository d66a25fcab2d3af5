// What the fleet tells the outside: per-server Prometheus metrics, a live summary, the
// final report (dropped cameras, disconnected camera-seconds, each zone's lowest serving
// capacity, unsafe actions, makespan lower bound) and the inventory file for dandori.
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "examples/camfleet/fleet_model.h"

namespace camfleet {

using json = nlohmann::json;

Reply Fleet::Metrics(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  Server* s = Find(id);
  if (!s) return Reply{404, "no such server\n", "text/plain"};
  if (faults_.unreachable.count(id)) {
    ++s->actions.rejected;
    return Reply{502, "server unreachable (simulated)\n", "text/plain"};
  }
  if (s->state == ServerState::kStopped)
    return Reply{503, "process down (restarting)\n", "text/plain"};
  ++s->scrapes;
  int up = s->broken ? 0 : 1;
  if (faults_.flapping.count(id)) up = s->scrapes % 2;
  std::string labels = fmt::format("server=\"{}\",zone=\"{}\"", s->id, zone_names_[s->zone]);
  std::string out;
  auto gauge = [&](const char* name, const char* help, const std::string& lab, int64_t v) {
    out +=
        fmt::format("# HELP {} {}\n# TYPE {} gauge\n{}{{{}}} {}\n", name, help, name, name, lab, v);
  };
  gauge("camera_server_up", "1 when the camera server process is up and healthy.", labels, up);
  gauge("camera_server_ready", "1 when serving and healthy: it takes cameras once registered.",
        labels, s->state == ServerState::kServing && !s->broken && up);
  gauge("cameras_connected", "Cameras streaming into this server.", labels,
        static_cast<int64_t>(s->cameras.size()));
  gauge("camera_server_capacity", "Cameras this server can take.", labels, s->capacity);
  gauge("camera_server_draining", "1 while draining or drained.", labels,
        s->state == ServerState::kDraining || s->state == ServerState::kDrained);
  gauge("camera_server_registered", "1 when in the assignment registry.", labels, s->registered);
  gauge("camera_server_version", "Running version (label).",
        labels + fmt::format(",version=\"{}\"", s->version), 1);
  out += fmt::format(
      "# HELP camera_server_restarts_total Restarts.\n# TYPE camera_server_restarts_total "
      "counter\ncamera_server_restarts_total{{{}}} {}\n",
      labels, s->restarts_done);
  return Reply{200, out, "text/plain; version=0.0.4"};
}

json Fleet::Summary() {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  json zones = json::array();
  for (size_t z = 0; z < zones_.size(); ++z) {
    std::map<std::string, int> states;
    int64_t cams = 0;
    for (int s : zones_[z]) {
      ++states[StateName(servers_[s].state)];
      cams += static_cast<int64_t>(servers_[s].cameras.size());
    }
    zones.push_back({{"name", zone_names_[z]}, {"states", states}, {"cameras_connected", cams}});
  }
  return {{"sim_seconds", now_ms_ / 1000.0},
          {"zones", zones},
          {"dropped", dropped_},
          {"disconnected_now", disconnected_}};
}

json Fleet::Report() {
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(clock_.NowMs());
  const double scale = config_.time_scale;
  json report;
  report["sim_seconds"] = now_ms_ / 1000.0;
  report["time_scale"] = scale;
  report["zones"] = config_.zones;
  report["servers"] = servers_.size();
  report["cameras"] = cameras_.size();
  report["cameras_dropped"] = dropped_;
  report["cameras_disconnected_now"] = disconnected_;
  report["disconnected_camera_seconds"] = std::round(disconnected_camera_ms_ / 1000.0);
  report["camera_moves"] = moves_;

  std::map<std::string, int> unsafe_kinds;
  json unsafe_list = json::array();
  for (const UnsafeAction& u : unsafe_) {
    ++unsafe_kinds[u.kind];
    if (unsafe_list.size() < 100) {
      unsafe_list.push_back({{"kind", u.kind},
                             {"server", u.server},
                             {"at_s", u.at_ms / 1000.0},
                             {"cameras", u.cameras}});
    }
  }
  report["unsafe_actions"] = unsafe_.size();
  report["unsafe_by_kind"] = unsafe_kinds;
  report["unsafe_first"] = unsafe_list;
  report["alerts"] = alerts_;

  // Capacity floor and the makespan lower bound, per zone.
  int per_zone = config_.servers_per_zone;
  int floor_out = per_zone - static_cast<int>(std::ceil(per_zone * config_.floor_percent / 100.0));
  int batch = config_.batch > 0 ? config_.batch : std::max(1, floor_out);
  bool any_below = false;
  double bound_ms = 0, wave_bound_ms = 0;
  int in_bound = 0;
  json zones = json::array();
  for (size_t z = 0; z < zones_.size(); ++z) {
    double sum = 0, longest = 0, waves = 0, wave_max = 0;
    for (size_t i = 0; i < zones_[z].size(); ++i) {
      const Server& srv = servers_[zones_[z][i]];
      if (srv.drain_need_ms >= 0 && srv.restart_need_ms >= 0) {
        double p = static_cast<double>(srv.drain_need_ms + srv.restart_need_ms);
        sum += p;
        longest = std::max(longest, p);
        wave_max = std::max(wave_max, p);
        ++in_bound;
      }
      if ((i + 1) % batch == 0 || i + 1 == zones_[z].size()) {
        waves += wave_max;
        wave_max = 0;
      }
    }
    double zone_bound = std::max(longest, sum / batch);
    bound_ms = std::max(bound_ms, zone_bound);
    wave_bound_ms = std::max(wave_bound_ms, waves);
    double lowest = zone_min_fraction_[z] * 100.0;
    bool below = lowest + 1e-9 < config_.floor_percent;
    any_below = any_below || below;
    zones.push_back({{"name", zone_names_[z]},
                     {"lowest_serving_percent", std::round(lowest * 100) / 100},
                     {"lowest_at_s", zone_min_at_ms_[z] / 1000.0},
                     {"below_floor", below},
                     {"lower_bound_s", zone_bound / 1000.0}});
  }
  double lowest_all = 100.0;
  for (size_t z = 0; z < zones_.size(); ++z)
    lowest_all = std::min(lowest_all, zone_min_fraction_[z] * 100.0);
  report["lowest_serving_percent"] = std::round(lowest_all * 100) / 100;  // over all zones
  report["capacity_floor_percent"] = config_.floor_percent;
  report["below_floor"] = any_below;
  report["zone_detail"] = zones;

  double observed = first_action_ms_ >= 0 && last_action_ms_ >= first_action_ms_
                        ? static_cast<double>(last_action_ms_ - first_action_ms_)
                        : 0.0;
  report["makespan"] = {{"lower_bound_s", bound_ms / 1000.0},
                        {"lower_bound_real_s", bound_ms / 1000.0 / scale},
                        {"wave_lower_bound_s", wave_bound_ms / 1000.0},
                        {"wave_lower_bound_real_s", wave_bound_ms / 1000.0 / scale},
                        {"observed_s", observed / 1000.0},
                        {"observed_real_s", observed / 1000.0 / scale},
                        {"batch", batch},
                        {"servers_in_bound", in_bound}};

  std::map<std::string, int> versions;
  json per_server = json::object();
  int max_drains = 0, max_restarts = 0, max_registers = 0, max_deregisters = 0, stale = 0;
  for (const Server& s : servers_) {
    ++versions[s.version];
    max_drains = std::max(max_drains, s.actions.drain_requests);
    max_restarts = std::max(max_restarts, s.actions.restarts);
    max_registers = std::max(max_registers, s.actions.registers);
    max_deregisters = std::max(max_deregisters, s.actions.deregisters);
    stale += s.actions.stale;
    per_server[s.id] = {{"state", StateName(s.state)},
                        {"version", s.version},
                        {"registered", s.registered},
                        {"broken", s.broken},
                        {"cameras", s.cameras.size()},
                        {"drain_requests", s.actions.drain_requests},
                        {"drains", s.actions.drains},
                        {"restarts", s.actions.restarts},
                        {"undrains", s.actions.undrains},
                        {"previous_version", s.previous_version},
                        {"registers", s.actions.registers},
                        {"deregisters", s.actions.deregisters},
                        {"uploads", s.actions.uploads},
                        {"rejected", s.actions.rejected},
                        {"stale", s.actions.stale},
                        {"drain_need_s", s.drain_need_ms / 1000.0},
                        {"restart_need_s", s.restart_need_ms / 1000.0}};
    const Timeline& t = s.timeline;
    json tl = json::object();
    for (auto [name, at] : {std::pair<const char*, int64_t>{"upload", t.upload},
                            {"deregister", t.deregister},
                            {"drain", t.drain},
                            {"drained", t.drained},
                            {"restart", t.restart},
                            {"up", t.up},
                            {"registered", t.registered}}) {
      if (at >= 0) tl[name] = at / 1000.0;
    }
    per_server[s.id]["timeline_s"] = tl;  // simulated seconds since the simulator started
  }
  report["versions"] = versions;
  report["max_drain_requests_per_server"] = max_drains;
  report["max_restarts_per_server"] = max_restarts;
  report["max_registers_per_server"] = max_registers;
  report["max_deregisters_per_server"] = max_deregisters;
  report["stale_requests"] = stale;  // answered 412 (a late or duplicate request refused)
  report["per_server"] = per_server;
  // Protocol requests by kind ("GET status", "POST drain", ...); "long_poll" counts the
  // status requests among them that waited (?wait=), so it is not added to the total.
  int64_t total_requests = 0;
  for (const auto& [kind, n] : requests_) {
    if (kind != "long_poll") total_requests += n;
  }
  report["requests"] = requests_;
  report["requests_total"] = total_requests;
  return report;
}

json Fleet::Inventory(const std::string& base) {
  std::lock_guard<std::mutex> lock(mu_);
  json zones = json::array();
  for (size_t z = 0; z < zones_.size(); ++z) {
    json servers = json::array();
    for (int s : zones_[z]) {
      const std::string& id = servers_[s].id;
      servers.push_back({{"id", id},
                         {"zone", zone_names_[z]},
                         {"admin", fmt::format("{}/s/{}/admin", base, id)},
                         {"metrics", fmt::format("{}/s/{}/metrics", base, id)},
                         {"registry", fmt::format("{}/z/{}/registry", base, zone_names_[z])}});
    }
    zones.push_back({{"name", zone_names_[z]}, {"servers", servers}});
  }
  return {{"zones", zones}};
}

}  // namespace camfleet
