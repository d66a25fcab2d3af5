// crash_engine STORE EFFECT_LOG N: runs (or resumes) the job with key "crash":
// `foreach i in range(N) parallel 16 { stage work = noop(value: i) }` where this
// program's noop appends its task id to EFFECT_LOG (the effect) before returning.
// The crash test kills it with SIGKILL at random moments and starts it again.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "engine/job_runner.h"
#include "engine/sqlite_store.h"
#include "engine/table_builder.h"

using namespace dandori;
using namespace dandori::engine;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_engine STORE EFFECT_LOG N\n");
    return 2;
  }
  std::string log = argv[2];
  int64_t n = std::atoll(argv[3]);
  TableBuilder b("crash");
  int loop = b.Begin(v1::FOREACH, "each", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(n))}));
  b.state(loop).mutable_block()->set_parallel(16);
  // No retry policy: an interruption must never cost an attempt (docs/engine.md).
  b.Task("work", "noop", b.Record({{"value", b.Var(loop)}}), loop);
  b.End(loop);
  v1::Table table = b.Build();

  auto store = OpenSqliteStore(argv[1], {.create = true, .busy_timeout_ms = 5000, .durable = true});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 2;
  }
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  OperatorRegistry registry;
  registry.Register(
      "noop", MakeOperator([fd](OperatorContext& ctx) -> Result<Value> {
        std::string line = ctx.task_id + "\n";
        if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          return Status::Transient("effect log write failed");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        return Value::MakeRecord({{"value", ctx.args.Get("value")}});
      }));
  Clock& clock = *SystemClock();
  bool created = false;
  auto job = SubmitJob(**store, table, Value::MakeRecord({}), "crash", "/tmp", clock, &created);
  if (!job.ok()) {
    std::fprintf(stderr, "%s\n", job.status().ToString().c_str());
    return 2;
  }
  ThreadRunner runner(&clock);
  PoolSet pools;
  SchedulerOptions opt;
  opt.owner = LocalOwner();
  opt.owner_dead = LocalOwnerDead;
  opt.trivial_ops.clear();  // run on worker threads like real operators
  // The test kills this engine up to 20 times, 10-150 ms apart: the tasks rescued first
  // are in flight at every kill, far past the default cap of 5 interruptions meant for a
  // task that kills its own engine (tested in engine/scheduler_test.cc).
  opt.max_interruptions = 1000;
  opt.scratch_root = "/tmp/dandori-crash-scratch";
  auto r = DriveJob(**store, job->id, registry, runner, clock, pools, opt);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return 2;
  }
  if (*r != RunOutcome::kSucceeded) {
    auto j = (*store)->GetJob(job->id);
    std::fprintf(stderr, "crash_engine: job ended %s\n", j.ok() ? j->error.c_str() : "?");
    return 1;
  }
  return 0;
}
