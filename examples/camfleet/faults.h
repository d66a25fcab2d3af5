// Faults the simulator injects on request: from command-line flags at start, or at run
// time through POST /faults (JSON). Server ids name the victims.
//
//   unreachable  admin and metrics answer 502 (as a proxy would for a dead host)
//   stuck        ID:N - N cameras on that server never move (a drain cannot finish)
//   broken       every restart comes up broken: it answers, but camera_server_up is 0
//   broken_restarts ID:N - only the next N restarts of that server come up broken (a
//                restart after them is healthy: what a retried restart group needs)
//   flapping     camera_server_up alternates 1/0 on every scrape
//   slow_copy    ID:MS - an artifact upload to that server takes MS extra real milliseconds
//   register_fails ID:N - the next N registrations (PUT) of that server answer 503; the
//                server stays out of the registry (what a floor must count)
//   late_deregister IDS - the first DELETE of that server's registry entry arrives late:
//                it is held until the server has been registered again, then applied
//                (a request its client gave up on at a timeout, delivered after the
//                retry and the rest of the server's steps succeeded)
#pragma once

#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace camfleet {

struct Faults {
  std::set<std::string> unreachable;
  std::map<std::string, int> stuck;
  std::set<std::string> broken;
  std::map<std::string, int> broken_restarts;
  std::set<std::string> flapping;
  std::map<std::string, int> slow_copy_ms;
  std::map<std::string, int> register_fails;
  std::set<std::string> late_deregister;

  // Merges "a,b,c" (or "a:3,b:5" for the counted kinds) into the named kind.
  // Returns an error message, empty on success.
  std::string AddFromFlag(const std::string& kind, const std::string& list);
  // Merges {"unreachable": [...], "stuck": {"id": n}, "broken": [...], "broken_restarts":
  // {"id": n}, "flapping": [...], "slow_copy": {"id": ms}, "register_fails": {"id": n},
  // "late_deregister": [...], "clear":
  // ["unreachable", ...]}; an error message or "".
  std::string AddFromJson(const nlohmann::json& j);
  nlohmann::json ToJson() const;
};

}  // namespace camfleet
