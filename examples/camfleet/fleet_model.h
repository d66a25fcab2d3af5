// The simulated fleet: zones of servers, each carrying cameras, advanced in simulated
// time (sim_config.h). The HTTP layer (http_api.h) turns protocol requests into calls
// here; every call first advances the model to "now".
//
// Rules: cameras move only to registered, serving, healthy servers of their own zone with
// spare capacity, each after a heavy-tailed delay (camera_motion.h); a restart drops the
// cameras still attached; unsafe actions (restart with cameras attached, drain of a
// registered server, ...) are counted for the report (report.cc).
//
// Thread rules: all public methods lock mu_; Fleet is safe to share between threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "examples/camfleet/faults.h"
#include "examples/camfleet/sim_config.h"

namespace camfleet {

enum class ServerState { kServing, kDraining, kDrained, kStopped };
const char* StateName(ServerState s);

// Protocol requests each server received (the resume test checks these).
struct Actions {
  int drain_requests = 0;  // every POST drain
  int drains = 0;          // drains that started (serving -> draining)
  int restarts = 0;
  int undrains = 0;  // drains called off (the server put back in service)
  int registers = 0;
  int deregisters = 0;
  int uploads = 0;
  int rejected = 0;  // requests answered 502 (unreachable fault)
  int stale = 0;     // requests answered 412: their If-Match named an older revision
};

// A precondition a request carries (`If-Match: "N"`): apply only while the revision is
// still N. -1: none (the request applies whatever the revision).
using Precondition = int64_t;

// When a server's first rollout step of each kind happened (simulated ms; -1: not yet),
// for the report's per-server timeline: where a deploy's time goes (bench/fleet).
struct Timeline {
  int64_t upload = -1, deregister = -1, drain = -1, drained = -1, restart = -1, up = -1,
          registered = -1;
};

struct Server {
  std::string id;
  int zone = 0;
  ServerState state = ServerState::kServing;
  bool registered = true;
  bool broken = false;
  std::string version = "1.0";
  std::string previous_version;  // the version before the last restart that changed it
  std::string pending_version;
  int broken_restarts = 0;       // restarts of this server that came up broken
  int64_t restart_done_at = -1;  // simulated ms at which a pending restart finishes
  std::vector<int> cameras;
  int capacity = 0;
  int restarts_done = 0;
  int scrapes = 0;
  std::string artifact_sha256;
  int64_t artifact_bytes = 0;
  Actions actions;
  int64_t drain_need_ms = -1;    // longest move delay drawn at its first drain (lower bound)
  int64_t restart_need_ms = -1;  // duration drawn for its first restart
  Timeline timeline;
  // Revisions (ETag of GET status / GET registry): +1 on every change of the server's
  // state (drain, undrain, restart, restart done) and of its registry entry.
  int64_t revision = 1;
  int64_t registry_revision = 1;
};

struct Camera {
  int zone = 0;
  int server = -1;  // -1: disconnected
  int pos = -1;     // index in its server's camera list
  bool stuck = false;
  int draws = 0;              // move delays drawn so far
  int64_t next_move_at = -1;  // simulated ms of its scheduled move (-1: none)
  uint32_t gen = 0;           // invalidates scheduled moves
};

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  int64_t etag = -1;  // the revision the answer names (ETag header); -1: none
};

struct UnsafeAction {
  std::string kind;
  std::string server;
  int64_t at_ms;
  int cameras;
};

class Fleet {
 public:
  Fleet(const Config& config, const Faults& faults);

  // The calls that change a server take a Precondition: a request whose revision is
  // stale (a late or duplicate request: the server changed since its sender looked)
  // answers 412 and changes nothing.
  Reply Drain(const std::string& id, Precondition expect = -1);
  // Calls a drain off: a draining or drained server serves again (fleet_service.cc).
  Reply Undrain(const std::string& id, Precondition expect = -1);
  Reply Status(const std::string& id);
  // A long poll (fleet_service.cc): waits up to `wait_ms` real milliseconds for
  // `until` ("drained": the server is no longer draining; "serving": serving, on
  // `version` when given) and answers the status then, whether or not it came.
  Reply StatusWait(const std::string& id, int64_t wait_ms, const std::string& until,
                   const std::string& version);
  // GET {registry}/servers/{id}: 200 when registered, 404 when not.
  Reply Registered(const std::string& zone, const std::string& id);
  // Counts one protocol request of `kind` (status, long_poll, metrics, ...) for the report.
  void CountRequest(const std::string& kind);
  Reply Restart(const std::string& id, const std::string& version, Precondition expect = -1);
  // `sha256` is the hash of the received bytes; `claimed` the one the client sent.
  Reply Upload(const std::string& id, const std::string& claimed, const std::string& sha256,
               int64_t bytes);
  Reply Artifact(const std::string& id);
  Reply Metrics(const std::string& id);
  Reply SetRegistered(const std::string& zone, const std::string& id, bool on,
                      Precondition expect = -1);
  Reply SetFaults(const nlohmann::json& faults);
  // Records an alert (e.g. a plan's notify.webhook) for the report.
  Reply Alert(const std::string& body);
  // Extra real milliseconds an upload to `id` takes (slow_copy fault).
  int SlowCopyMs(const std::string& id);
  bool Unreachable(const std::string& id);

  void Tick();  // advance to now (called by a timer thread too)
  // Live counts per zone: servers serving / draining / stopped, cameras connected.
  nlohmann::json Summary();
  nlohmann::json Report();                            // report.cc
  nlohmann::json Inventory(const std::string& base);  // report.cc
  const Config& config() const { return config_; }

 private:
  struct Event {
    int64_t at;
    int kind;  // 0: camera move, 1: restart done
    int index;
    uint32_t gen;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : index > o.index; }
  };

  void AdvanceLocked(int64_t now);
  void MoveCamera(int camera, int64_t at);
  void FinishRestart(int server, int64_t at);
  void Attach(int camera, int server);
  void Detach(int camera);
  void ScheduleMove(int camera, int64_t at);
  void Unsafe(const std::string& kind, const Server& s, int cameras, int64_t at);
  void UpdateZoneCapacity(int zone, int64_t at);
  bool Accepting(const Server& s) const;
  void ApplyStuck();
  void MarkAction(int64_t at, bool finishing);
  Server* Find(const std::string& id);
  Reply Rejected(Server* s);  // counts and answers 502
  // 412 (counted) when `expect` names another revision than `current`; else nullopt.
  std::optional<Reply> Stale(Server* s, Precondition expect, int64_t current);
  // late_deregister fault: holds a DELETE of `s` (lock released) until `s` has been
  // registered again after it, as a request delayed in the network would arrive.
  void DeliverLate(std::unique_lock<std::mutex>& lock, Server* s);
  nlohmann::json StatusJson(const Server& s) const;
  // Simulated ms of the next event that can change `s` (a camera move, its restart).
  int64_t NextEventFor(const Server& s) const;

  const Config config_;
  SimClock clock_;
  std::mutex mu_;
  std::condition_variable changed_;  // a request changed a server (long polls re-check)
  // All below guarded by mu_.
  std::map<std::string, int64_t> requests_;
  Faults faults_;
  std::vector<Server> servers_;
  std::vector<Camera> cameras_;
  std::vector<std::vector<int>> zones_;  // server indices per zone
  std::vector<std::string> zone_names_;
  std::unordered_map<std::string, int> by_id_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  int64_t now_ms_ = 0;
  int64_t disconnected_ = 0;
  double disconnected_camera_ms_ = 0;
  int64_t dropped_ = 0;
  int64_t moves_ = 0;
  std::vector<double> zone_min_fraction_;
  std::vector<int64_t> zone_min_at_ms_;
  std::vector<UnsafeAction> unsafe_;
  std::vector<std::string> alerts_;
  int64_t first_action_ms_ = -1;
  int64_t last_action_ms_ = -1;
};

}  // namespace camfleet
