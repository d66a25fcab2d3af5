// RunServe / RunWorker: see serve.h.
#include "server/serve.h"
#include "server/retention.h"

#include <signal.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "base/clock.h"
#include "engine/job_runner.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_pool.h"
#include "engine/pg/pg_schema.h"
#include "engine/pg/pg_store.h"
#include "server/alerts.h"
#include "server/dispatch.h"
#include "server/global_pools.h"
#include "server/http_api.h"
#include "server/job_drivers.h"

namespace dandori::server {

using engine::LocalOwner;
using engine::OpenPgStore;
using engine::RunOutcome;
namespace {

void Log(const ServeOptions& o, const std::string& line) {
  if (o.log) {
    o.log(line);
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

// Waits up to ms for SIGTERM or SIGINT (blocked by BlockStopSignals); returns it, or 0.
int StopSignalWithin(int64_t ms) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1'000'000)};
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// Start order does not matter: waits (one log line per reason, a check every
// schema_poll_ms) while the database is unreachable or, for a worker, while its schema
// is older than this dandori's (serve has not migrated it yet). Returns 0 to go on, the
// stop signal if one came meanwhile, or -1 after logging an error no wait can cure (a
// newer schema).
int WaitForDatabase(const ServeOptions& o, const std::string& who, bool migrate) {
  std::string said;
  auto say = [&](const std::string& line) {
    if (line != said) Log(o, who + ": " + line);
    said = line;
  };
  while (true) {
    auto conn = pg::Conn::Open(o.url);
    if (!conn.ok()) {
      say("waiting for the database (" + conn.status().message() + ")");
    } else if (migrate) {
      return 0;  // Migrate() runs under an advisory lock: concurrent serves are fine
    } else {
      auto v = pg::SchemaVersion(**conn);
      if (!v.ok()) {
        say("waiting for the database (" + v.status().message() + ")");
      } else if (*v > pg::kPgSchemaVersion) {
        Log(o, who + ": " + pg::RequireCurrentSchema(**conn).message());
        return -1;
      } else if (*v < pg::kPgSchemaVersion) {
        say("waiting for the schema (the database has version " + std::to_string(*v) +
            ", this dandori needs " + std::to_string(pg::kPgSchemaVersion) +
            "); start `dandori serve` to create or migrate it");
      } else {
        if (!said.empty()) Log(o, who + ": the schema is ready");
        return 0;
      }
    }
    if (int sig = StopSignalWithin(o.schema_poll_ms)) return sig;
  }
}

// The shared pool: what --db-connections leaves after the LISTEN connections (and the
// alert sender's two); an error when nothing is left.
Result<std::shared_ptr<pg::ConnPool>> PoolFor(const ServeOptions& o, bool serve) {
  int total = o.db_connections > 0 ? o.db_connections : (serve ? 8 : 2);
  int dedicated = serve ? 1 + (o.slots > 0 ? 1 : 0) + (o.alert_url.empty() ? 0 : 2) : 1;
  if (total <= dedicated) {
    return Status::Invalid("--db-connections " + std::to_string(total) +
                           " is too few: this process holds " + std::to_string(dedicated) +
                           " for LISTEN" + (o.alert_url.empty() ? "" : " and alerts") +
                           " and needs at least one more");
  }
  return std::make_shared<pg::ConnPool>(o.url, total - dedicated);
}

DispatchWorkerOptions ExecutorOptions(const ServeOptions& o, const std::string& name) {
  DispatchWorkerOptions w;
  w.url = o.url;
  w.name = name;
  w.op_patterns = o.ops;
  w.slots = o.slots;
  w.lease_ms = o.attempt_lease_ms;
  w.registry = o.registry;
  return w;
}

}  // namespace

// Waits for SIGTERM or SIGINT (blocked by BlockStopSignals).
int WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

Result<std::pair<std::string, int>> SplitListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) {
    return Status::Invalid("--listen must be HOST:PORT: " + listen);
  }
  std::string port = listen.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) {
    return Status::Invalid("--listen port must be a number: " + listen);
  }
  int p = std::stoi(port);
  if (p > 65535) return Status::Invalid("--listen port out of range: " + listen);
  return std::make_pair(listen.substr(0, colon), p);
}

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int RunServe(const ServeOptions& o) {
  BlockStopSignals();
  std::string name = o.name.empty() ? LocalOwner() : o.name;
  if (int w = WaitForDatabase(o, "dandori serve", true); w != 0) return w < 0 ? 2 : 0;
  auto migrated = OpenPgStore(o.url, {.migrate = true});
  if (!migrated.ok()) {
    Log(o, "dandori serve: " + migrated.status().message());
    return 2;
  }
  migrated->reset();
  if (!o.pools.empty()) {
    auto conn = pg::Conn::Open(o.url);
    Status st = conn.ok() ? SetGlobalPools(**conn, o.pools, SystemClock()->NowMs()) : conn.status();
    if (!st.ok()) {
      Log(o, "dandori serve: --pool: " + st.message());
      return 2;
    }
  }
  auto pool = PoolFor(o, true);
  if (!pool.ok()) {
    Log(o, "dandori serve: " + pool.status().message());
    return 2;
  }

  DispatchWorkerOptions wo = ExecutorOptions(o, name);
  wo.pool = *pool;
  DispatchWorker executor(wo);
  if (o.slots > 0) {
    if (auto st = executor.Start(); !st.ok()) {
      Log(o, "dandori serve: " + st.message());
      return 2;
    }
  }
  JobDriversOptions jo;
  jo.url = o.url;
  jo.owner = name;
  jo.registry = o.registry;
  jo.max_jobs = o.max_jobs;
  jo.pool = *pool;
  jo.threads = std::clamp((*pool)->size() - 1, 1, 8);
  jo.job_lease_ms = o.job_lease_ms;
  jo.scratch_root = o.scratch_root;
  if (o.max_interruptions > 0) jo.max_interruptions = o.max_interruptions;
  if (o.dispatch_trivial) jo.trivial_ops = {};
  jo.log = [&o](const std::string& line) { Log(o, "dandori serve: " + line); };
  // Failed jobs' alerts wait in the store's outbox; this serve delivers due ones.
  std::unique_ptr<AlertSender> alerts;
  if (!o.alert_url.empty()) {
    AlertSenderOptions ao;
    ao.url = o.url;
    ao.alert_url = o.alert_url;
    ao.name = name;
    ao.log = [&o](const std::string& line) { Log(o, "dandori serve: " + line); };
    alerts = std::make_unique<AlertSender>(ao);
    alerts->Start();
  }
  JobDrivers drivers(jo);
  if (auto st = drivers.Start(); !st.ok()) {
    Log(o, "dandori serve: " + st.message());
    return 2;
  }
  RetentionOptions ro;
  ro.pool = *pool;
  ro.retain_ms = o.retain_ms;
  ro.every_ms = std::clamp<int64_t>(o.retain_ms / 10, 1000, 60'000);
  ro.log = [&o](const std::string& line) { Log(o, "dandori serve: " + line); };
  Retention retention(ro);
  retention.Start();
  std::unique_ptr<ApiServer> api;
  if (!o.listen.empty()) {
    auto hp = SplitListen(o.listen);
    if (!hp.ok()) {
      Log(o, "dandori serve: " + hp.status().message());
      return 2;
    }
    ApiOptions ao;
    ao.url = o.url;
    ao.host = hp->first;
    ao.port = hp->second;
    ao.token = o.token;
    ao.registry = o.registry;
    ao.compile = o.compile;
    ao.local_stats = o.slots > 0 ? &executor.stats() : nullptr;
    ao.pool = *pool;
    api = std::make_unique<ApiServer>(ao);
    if (auto st = api->Start(); !st.ok()) {
      Log(o, "dandori serve: " + st.message());
      return 2;
    }
    Log(o, "dandori serve: " + name + " listening on http://" + hp->first + ":" +
               std::to_string(api->port()));
  } else {
    Log(o, "dandori serve: " + name + " running (no HTTP API)");
  }
  int sig = WaitForStopSignal();
  Log(o, "dandori serve: signal " + std::to_string(sig) + ", stopping");
  if (api) api->Stop();
  retention.Stop();
  drivers.Stop();
  if (alerts) alerts->Stop();
  executor.Stop(o.stop_grace_ms);
  return 0;
}

int RunWorker(const ServeOptions& o) {
  BlockStopSignals();
  std::string name = o.name.empty() ? LocalOwner() : o.name;
  if (int w = WaitForDatabase(o, "dandori worker", false); w != 0) return w < 0 ? 2 : 0;
  auto check = OpenPgStore(o.url, {.migrate = false});
  if (!check.ok()) {
    Log(o, "dandori worker: " + check.status().message());
    return 2;
  }
  check->reset();
  auto pool = PoolFor(o, false);
  if (!pool.ok()) {
    Log(o, "dandori worker: " + pool.status().message());
    return 2;
  }
  DispatchWorkerOptions wo = ExecutorOptions(o, name);
  wo.pool = *pool;
  DispatchWorker executor(wo);
  if (auto st = executor.Start(); !st.ok()) {
    Log(o, "dandori worker: " + st.message());
    return 2;
  }
  Log(o, "dandori worker: " + name + " running " + std::to_string(o.slots) + " slots");
  int sig = WaitForStopSignal();
  Log(o, "dandori worker: signal " + std::to_string(sig) + ", stopping");
  executor.Stop(o.stop_grace_ms);
  return 0;
}

}  // namespace dandori::server
