// Test helpers for the server tests: compile .flow text to a Table and submit it to a
// store, each step REQUIREd to succeed.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "base/clock.h"
#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"

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

}  // namespace dandori::server::testing
