#include "bench/fleet/timeline.h"

#include <algorithm>
#include <map>
#include <queue>
#include <vector>

#include <fmt/format.h>

namespace fleetbench {
namespace {

using json = nlohmann::json;

struct Row {
  double upload, deregister, drain, drained, restart, up, registered;  // real s
  double need_drain, need_restart;                                     // real s
};

// The gaps, in the order a server goes through them (real s per server).
struct Gaps {
  std::vector<double> handoff, ship, to_drain, drain_extra, to_restart, restart_extra, to_register,
      overhead;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double P90(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * 9 / 10)];
}
double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / v.size();
}

// List scheduling of `p` (inventory order) over `slots`: each item starts when a slot
// frees; the makespan.
double ListSchedule(const std::vector<double>& p, int slots) {
  std::priority_queue<double, std::vector<double>, std::greater<double>> free_at;
  for (int i = 0; i < slots; ++i) free_at.push(0);
  double end = 0;
  for (double d : p) {
    double t = free_at.top();
    free_at.pop();
    free_at.push(t + d);
    end = std::max(end, t + d);
  }
  return end;
}

}  // namespace

Breakdown Analyze(const json& report, double scale, int slots) {
  Breakdown b;
  if (!report.contains("per_server") || slots <= 0) return b;
  std::map<std::string, std::vector<Row>> zones;  // per_server is keyed z01-s001: in order
  for (const auto& [id, s] : report["per_server"].items()) {
    const json& t = s.value("timeline_s", json::object());
    bool complete = true;
    for (const char* k :
         {"upload", "deregister", "drain", "drained", "restart", "up", "registered"}) {
      complete = complete && t.contains(k);
    }
    if (!complete) continue;
    auto at = [&](const char* k) { return t[k].get<double>() / scale; };
    zones[id.substr(0, id.find('-'))].push_back(
        Row{at("upload"), at("deregister"), at("drain"), at("drained"), at("restart"), at("up"),
            at("registered"), s.value("drain_need_s", 0.0) / scale,
            s.value("restart_need_s", 0.0) / scale});
  }
  Gaps g;
  double first = 1e300, last = 0;
  for (const auto& [zone, rows] : zones) {
    std::vector<double> p, uploads, registers;
    for (const Row& r : rows) {
      p.push_back(r.need_drain + r.need_restart);
      uploads.push_back(r.upload);
      registers.push_back(r.registered);
      g.ship.push_back(r.deregister - r.upload);
      g.to_drain.push_back(r.drain - r.deregister);
      g.drain_extra.push_back(r.drained - r.drain - r.need_drain);
      g.to_restart.push_back(r.restart - r.drained);
      g.restart_extra.push_back(r.up - r.restart - r.need_restart);
      g.to_register.push_back(r.registered - r.up);
      g.overhead.push_back((r.registered - r.upload) - (r.need_drain + r.need_restart));
      first = std::min(first, r.upload);
      last = std::max(last, r.registered);
    }
    b.ideal_s = std::max(b.ideal_s, ListSchedule(p, slots));
    // The i-th server to start (i >= slots) took the slot the (i - slots)-th to finish freed.
    std::sort(uploads.begin(), uploads.end());
    std::sort(registers.begin(), registers.end());
    for (size_t i = slots; i < uploads.size(); ++i) {
      g.handoff.push_back(uploads[i] - registers[i - slots]);
    }
    b.servers += static_cast<int>(rows.size());
  }
  if (b.servers == 0) return b;
  b.observed_s = last - first;
  b.overhead_s = Mean(g.overhead);
  std::string& o = b.text;
  o += fmt::format("  where the time goes ({} servers, real ms per server: median / p90 / mean)\n",
                   b.servers);
  auto line = [&](const char* what, const std::vector<double>& v) {
    o += fmt::format("    {:<44} {:8.1f} {:8.1f} {:8.1f}\n", what, Median(v) * 1000, P90(v) * 1000,
                     Mean(v) * 1000);
  };
  line("slot hand-off: a register to the next upload", g.handoff);
  line("upload to deregister (ship)", g.ship);
  line("deregister to drain request", g.to_drain);
  line("drain beyond its slowest camera", g.drain_extra);
  line("drained to restart request (drain's watch)", g.to_restart);
  line("restart beyond its drawn duration", g.restart_extra);
  line("up to registered (health checks + register)", g.to_register);
  line("slot held beyond drain + restart needs", g.overhead);
  o += fmt::format(
      "  first upload to last register {:.2f} s; the same servers in inventory order, {} per "
      "zone, zero overhead: {:.2f} s\n",
      b.observed_s, slots, b.ideal_s);
  return b;
}

}  // namespace fleetbench
