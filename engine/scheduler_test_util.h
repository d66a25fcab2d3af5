// Test harness for scheduler tests: a FakeClock, a SimRunner answering attempts from a
// script, a real SQLite store in a temporary folder, and helpers to run a Table.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "engine/fake_clock.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/sim_runner.h"
#include "engine/sqlite_store.h"
#include "engine/table_builder.h"
#include "proto/value_codec.h"

namespace dandori::engine::testing {

inline std::string TempPath(const std::string& name) {
  static int n = 0;
  auto dir = std::filesystem::temp_directory_path() /
             ("dandori-sched-" + std::to_string(getpid()) + "-" + std::to_string(n++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

inline void RegisterDummies(OperatorRegistry* r) {
  for (const char* name : {"noop", "fail", "sleep", "exec", "notify.webhook"}) {
    r->Register(name, MakeOperator([](OperatorContext&) -> Result<Value> {
                  return Status::Internal("simulated operators never run");
                }));
  }
}

struct Harness {
  FakeClock clock;
  std::string path = TempPath("state.db");
  std::unique_ptr<Store> store;
  OperatorRegistry registry;
  SimRunner::Script script = [](const Launch&) { return SimOutcome{}; };
  SimRunner runner{&clock, [this](const Launch& l) { return script(l); }};
  PoolSet pools{{{"core", 256}, {"encoders", 2}}, 64};
  SchedulerOptions options;
  int64_t job = 0;
  int64_t t0 = clock.NowMs();
  std::unique_ptr<Scheduler> sched;

  Harness() {
    auto s = OpenSqliteStore(path, {.create = true, .busy_timeout_ms = 1000, .durable = false});
    REQUIRE(s.ok());
    store = std::move(*s);
    RegisterDummies(&registry);
    options.owner = "test-engine";
    options.seed = 42;
    options.return_when_blocked = true;
    options.signal_poll_ms = 3'600'000;  // tests poll explicitly by running again
    options.scratch_root = TempPath("scratch");
  }

  // Submits `table` (params bound from `given`) and runs it until it ends or blocks.
  Result<RunOutcome> Start(const v1::Table& table, std::map<std::string, std::string> given = {},
                           const std::string& key = "") {
    auto prog = LoadTable(table, &registry);
    if (!prog.ok()) return prog.status();
    auto params = BindParams(**prog, given);
    if (!params.ok()) return params.status();
    bool created = false;
    auto info = SubmitJob(*store, table, *params, key, "/tmp", clock, &created);
    if (!info.ok()) return info.status();
    job = info->id;
    sched = std::make_unique<Scheduler>(*prog, store.get(), &runner, &clock, &pools, job, *params,
                                        options);
    DANDORI_RETURN_IF_ERROR(sched->Load());
    return sched->Run();
  }
  // Submits `table` with the task rows a dead engine left behind, then resumes it as a
  // new engine would (Load, then Run).
  Result<RunOutcome> Resume(const v1::Table& table, std::vector<TaskRow> left) {
    auto prog = LoadTable(table, &registry);
    if (!prog.ok()) return prog.status();
    bool created = false;
    auto info = SubmitJob(*store, table, Value::MakeRecord({}), "", "/tmp", clock, &created);
    if (!info.ok()) return info.status();
    job = info->id;
    Batch pre;
    for (TaskRow& row : left) pre.Put(job, std::move(row));
    DANDORI_RETURN_IF_ERROR(store->Commit(pre, nullptr));
    sched = std::make_unique<Scheduler>(*prog, store.get(), &runner, &clock, &pools, job,
                                        Value::MakeRecord({}), options);
    DANDORI_RETURN_IF_ERROR(sched->Load());
    return sched->Run();
  }
  Result<RunOutcome> Continue() {
    return sched->Run();  // re-reads the signals (approvals) first
  }

  TaskRow Task(const std::string& key) {
    auto t = store->GetTask(job, key);
    REQUIRE(t.ok());
    return *t;
  }
  Value Output(const std::string& key) {
    auto v = DecodeValue(Task(key).output);
    REQUIRE(v.ok());
    return *v;
  }
  int Count(const std::string& what) {
    auto ev = store->ListEvents(job, 0, 1'000'000);
    int n = 0;
    for (auto& e : *ev) n += e.what == what;
    return n;
  }
  // Offsets from t0 of the launches whose task key starts with `prefix`.
  std::vector<int64_t> Starts(const std::string& prefix) {
    std::vector<int64_t> out;
    for (int64_t at : runner.StartsOf(prefix)) out.push_back(at - t0);
    return out;
  }
};

// An outcome that fails with `code` (message "boom").
inline SimOutcome Fails(Code code, int64_t duration_ms = 0) {
  SimOutcome o;
  o.result = Status(code, "boom");
  o.duration_ms = duration_ms;
  return o;
}
inline SimOutcome Ok(Value v = Value::MakeRecord({}), int64_t duration_ms = 0) {
  SimOutcome o;
  o.result = std::move(v);
  o.duration_ms = duration_ms;
  return o;
}

}  // namespace dandori::engine::testing
