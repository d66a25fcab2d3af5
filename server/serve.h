// The `dandori serve` and `dandori worker` processes as library calls (the CLI and the
// chaos test's nodes call these).
//
// Start order does not matter: both wait (with a log line) for a database that is not
// up yet, and a worker waits for serve to create or migrate the schema.
//
// RunServe: migrates the database, drives jobs (JobDrivers), runs attempts on local
// slots (a DispatchWorker), serves the HTTP API and /metrics, and posts an alert to
// --alert-url for every job that fails (durably: server/alerts.h). RunWorker: only the
// executor. Both block until SIGTERM or SIGINT, then stop gracefully: claim nothing
// more, let running attempts finish within stop_grace_ms, hand back the rest, and
// return 0.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "dandori/v1/table.pb.h"
#include "stdlib/operator.h"

namespace dandori::v1 {
class FlowSource;  // dandori/v1/api.pb.h
}  // namespace dandori::v1

namespace dandori::server {

struct ServeOptions {
  std::string url;                        // postgres://...
  std::string listen = "127.0.0.1:8480";  // empty: no HTTP API
  std::string token;                      // the API's bearer token
  std::string alert_url;                  // webhook for failed jobs; empty: none
  int slots = 4;                          // local executor slots (0: none, drive only)
  std::vector<std::string> ops;           // local executor's operator patterns
  int max_jobs = 100'000;
  // PostgreSQL connections this process holds at most, whatever the number of jobs
  // (0: 8 for serve, 2 for a worker). serve needs one for LISTEN, one more for the
  // local slots' LISTEN (slots > 0), two for alerts (alert_url), and at least one shared.
  int db_connections = 0;
  int64_t job_lease_ms = 10'000;
  int64_t attempt_lease_ms = 5'000;
  int64_t stop_grace_ms = 10'000;
  int64_t schema_poll_ms = 1000;  // start-up: how often an absent database / schema is checked
  bool dispatch_trivial = false;  // also queue noop (tests); default: run it inline
  std::string name;               // lease owner name; empty: LocalOwner()
  std::string scratch_root;       // attempts' scratch folders (JobDriversOptions)
  int max_interruptions = 0;      // per task (engine/scheduler.h); 0: the scheduler's default
  int64_t retain_ms = 0;          // delete jobs ended longer ago (server/retention.h); 0: keep
  // --pool NAME=N: global capacities written at start (server/global_pools.h); 0 removes.
  std::map<std::string, int> pools;
  const OperatorRegistry* registry = nullptr;
  std::function<Result<v1::Table>(const v1::FlowSource& source)> compile;
  std::function<void(const std::string& line)> log;  // status lines (stderr by default)
};

// Blocks SIGTERM/SIGINT in the calling thread (and so in the threads it starts); call
// first thing in main-like code before any thread exists.
void BlockStopSignals();
// Waits for SIGTERM or SIGINT (blocked by BlockStopSignals); returns which.
int WaitForStopSignal();
// "HOST:PORT" -> {host, port}; kInvalidArgument naming the bad part.
Result<std::pair<std::string, int>> SplitListen(const std::string& listen);

// Returns 0 after a graceful stop; non-zero with a message when start-up fails.
int RunServe(const ServeOptions& options);
int RunWorker(const ServeOptions& options);

}  // namespace dandori::server
