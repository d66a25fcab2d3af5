// The simulator's HTTP front: the fleet control protocol (DESIGN §6) for every simulated
// server on one loopback port, server ids in the paths:
//
//   POST {base}/s/{id}/admin/drain          -> {"state": ..., "cameras": N}
//   GET  {base}/s/{id}/admin/status         -> {"state", "cameras", "version", ...}
//   POST {base}/s/{id}/admin/restart        body {"version": "..."}   -> 202
//   PUT  {base}/s/{id}/admin/artifact       body: the bytes; X-Sha256: expected hash
//   GET  {base}/s/{id}/admin/artifact       -> {"sha256", "bytes"}
//   GET  {base}/s/{id}/metrics              Prometheus text
//   PUT|DELETE {base}/z/{zone}/registry/servers/{id}
// Control: GET /report[?brief=1][&pretty=1], GET /summary, GET /inventory, POST /faults (faults.h),
// POST /alerts (a Slack-style webhook sink; alerts appear in the report).
//
// Thread rules: requests are served from a pool of threads; the Fleet does the locking.
#pragma once

#include <memory>
#include <string>

#include "examples/camfleet/fleet_model.h"

namespace camfleet {

class HttpFront {
 public:
  explicit HttpFront(Fleet* fleet);
  ~HttpFront();
  // Binds 127.0.0.1:port (0: an ephemeral port); the bound port, or -1.
  int Bind(int port);
  void Serve();  // blocks until Stop()
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SHA-256 of `data`, lowercase hex.
std::string Sha256Hex(const std::string& data);

}  // namespace camfleet
