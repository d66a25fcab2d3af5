// RunServe / RunWorker: see serve.h.
#include "server/serve.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "engine/job_runner.h"
#include "engine/pg/pg_store.h"
#include "server/alerts.h"
#include "server/dispatch.h"
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
  auto migrated = OpenPgStore(o.url, {.migrate = true});
  if (!migrated.ok()) {
    Log(o, "dandori serve: " + migrated.status().message());
    return 2;
  }
  migrated->reset();

  DispatchWorker executor(ExecutorOptions(o, name));
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
  jo.job_lease_ms = o.job_lease_ms;
  if (o.dispatch_trivial) jo.trivial_ops = {};
  std::string alert_url = o.alert_url;
  jo.on_job_end = [alert_url, &o](int64_t job, RunOutcome outcome, const std::string& error) {
    if (outcome != RunOutcome::kFailed || alert_url.empty()) return;
    // Off the driver thread: a slow webhook must not hold a job slot.
    std::thread([alert_url, job, error, &o] {
      Status st = PostAlert(alert_url, "dandori: job " + std::to_string(job) + " failed: " + error);
      if (!st.ok())
        Log(o, "dandori serve: alert for job " + std::to_string(job) + ": " + st.message());
    }).detach();
  };
  JobDrivers drivers(jo);
  if (auto st = drivers.Start(); !st.ok()) {
    Log(o, "dandori serve: " + st.message());
    return 2;
  }
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
  drivers.Stop();
  executor.Stop(o.stop_grace_ms);
  return 0;
}

int RunWorker(const ServeOptions& o) {
  BlockStopSignals();
  std::string name = o.name.empty() ? LocalOwner() : o.name;
  auto check = OpenPgStore(o.url, {.migrate = false});
  if (!check.ok()) {
    Log(o, "dandori worker: " + check.status().message());
    return 2;
  }
  check->reset();
  DispatchWorker executor(ExecutorOptions(o, name));
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
