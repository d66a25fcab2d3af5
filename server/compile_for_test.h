// Test helpers for the server tests: compile .flow text to a Table and submit it to a
// store, each step REQUIREd to succeed.
#pragma once

#include <catch2/catch.hpp>
#include <string>

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

// Submits `text` (no parameters given; defaults apply) as a new job; returns its id.
inline int64_t SubmitFlow(engine::Store& store, const std::string& text,
                          const OperatorRegistry* registry) {
  v1::Table table = CompileFlow(text);
  auto program = engine::LoadTable(table, registry);
  REQUIRE(program.ok());
  auto params = engine::BindParams(**program, {});
  REQUIRE(params.ok());
  bool created = false;
  auto job = engine::SubmitJob(store, table, *params, "", "/tmp", *SystemClock(), &created);
  REQUIRE(job.ok());
  return job->id;
}

}  // namespace dandori::server::testing
