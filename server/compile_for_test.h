// Test helpers for the server tests: compile .flow text to a Table and submit it to a
// store, each step REQUIREd to succeed.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "server/dispatch.h"
#include "server/job_drivers.h"

namespace dandori::server::testing {

inline v1::Table CompileFlow(const std::string& text) {
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  int f = sm.Add("t.flow", text);
  auto out = compiler::CompileSource(f, sm, diags);
  REQUIRE(out.table.has_value());
  return *out.table;
}

// Submits `table` (no parameters given; defaults apply) as a new job; returns its id.
inline int64_t SubmitTable(engine::Store& store, const v1::Table& table,
                           const OperatorRegistry* registry) {
  auto program = engine::LoadTable(table, registry);
  REQUIRE(program.ok());
  auto params = engine::BindParams(**program, {});
  REQUIRE(params.ok());
  bool created = false;
  auto job = engine::SubmitJob(store, table, *params, "", "/tmp", *SystemClock(), &created);
  REQUIRE(job.ok());
  return job->id;
}

// Submits `text` (no parameters given; defaults apply) as a new job; returns its id.
inline int64_t SubmitFlow(engine::Store& store, const std::string& text,
                          const OperatorRegistry* registry) {
  return SubmitTable(store, CompileFlow(text), registry);
}

// Polls the job until it leaves kRunning or `seconds` pass; returns its state then.
inline engine::JobState WaitForEnd(engine::Store& store, int64_t job, int seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    auto j = store.GetJob(job);
    REQUIRE(j.ok());
    if (j->state != engine::JobState::kRunning) return j->state;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return engine::JobState::kRunning;
}

// Starts `n` engines ("engine-0", ...) on `url` that send every attempt through the
// dispatch queue (no inline operators).
inline std::vector<std::unique_ptr<JobDrivers>> StartEngines(const std::string& url,
                                                             const OperatorRegistry* registry,
                                                             int n) {
  std::vector<std::unique_ptr<JobDrivers>> engines;
  for (int e = 0; e < n; ++e) {
    JobDriversOptions o;
    o.url = url;
    o.owner = "engine-" + std::to_string(e);
    o.registry = registry;
    o.trivial_ops = {};
    o.poll_ms = 100;
    engines.push_back(std::make_unique<JobDrivers>(o));
    REQUIRE(engines.back()->Start().ok());
  }
  return engines;
}

// Starts `n` workers ("worker-0", ...) on `url` with `slots` slots each.
inline std::vector<std::unique_ptr<DispatchWorker>> StartWorkers(const std::string& url,
                                                                 const OperatorRegistry* registry,
                                                                 int n, int slots) {
  std::vector<std::unique_ptr<DispatchWorker>> workers;
  for (int w = 0; w < n; ++w) {
    DispatchWorkerOptions o;
    o.url = url;
    o.name = "worker-" + std::to_string(w);
    o.registry = registry;
    o.slots = slots;
    workers.push_back(std::make_unique<DispatchWorker>(o));
    REQUIRE(workers.back()->Start().ok());
  }
  return workers;
}

}  // namespace dandori::server::testing
