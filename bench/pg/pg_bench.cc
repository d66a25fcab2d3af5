// dandori_pg_bench: no-op tasks through the PostgreSQL store with N workers.
//
//   dandori_pg_bench URL [--tasks N] [--workers W] [--batch B] [--latency-tasks L]
//
// Throughput: N ready tasks are queued (not timed), then W worker threads, each with its
// own PgStore, drain them the way `dandori worker` does: claim up to B due tasks in one
// statement (FOR UPDATE SKIP LOCKED, fencing token, lease, task.started events), run
// the no-op, and commit all their results (fenced Finish + task.succeeded events) in
// one pipelined transaction. tasks/s = N / drain time.
// Latency at light load: one idle worker waits on LISTEN/NOTIFY; L tasks are queued one
// at a time, 10 ms apart; enqueue-to-start = claim returned - just before the commit.
// --e2e: the whole shared-mode path instead: a job of N no-op stages is submitted and
// driven by an engine (JobDrivers: scheduler, fenced Start/Finish commits, events) whose
// attempts go through the dispatch queue to W executor slots (DispatchWorker), exactly
// as `dandori serve` + `dandori worker` run it. tasks/s = N / (submit -> job succeeded).
// Latency: L one-task jobs submitted 50 ms apart; submit -> the operator starts.
// Prints one JSON line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_store.h"
#include "server/dispatch.h"
#include "server/job_drivers.h"

using namespace dandori;
using namespace dandori::engine;
using namespace dandori::server;

namespace {

double NowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void Die(const Status& st) {
  std::fprintf(stderr, "pg_bench: %s\n", st.ToString().c_str());
  std::exit(1);
}

std::unique_ptr<PgStore> Open(const std::string& url) {
  auto s = OpenPgStore(url);
  if (!s.ok()) Die(s.status());
  return std::move(*s);
}

// Claims up to `batch` tasks and commits their no-op results; returns how many.
// `on_start` sees the claimed keys once their claim is committed (the task "starts").
int ClaimAndFinish(PgStore& s, const std::string& owner, int batch,
                   const std::function<void(const std::vector<Claim>&)>& on_start) {
  auto c = s.ClaimTasks(0, owner, WallMs(), 60'000, batch);
  if (!c.ok()) Die(c.status());
  if (c->empty()) return 0;
  if (on_start) on_start(*c);
  Batch done;
  int64_t now = WallMs();
  for (auto& cl : *c) {
    TaskRow f;
    f.key = cl.row.key;
    f.fence = cl.row.fence;
    f.state = TaskState::kSucceeded;
    f.updated_ms = now;
    done.Finish(cl.job, f);
    done.AddEvent({0, cl.job, now, owner, "task.succeeded", cl.row.key, cl.row.attempts, ""});
  }
  std::vector<bool> acc;
  Status st = s.Commit(done, &acc);
  if (!st.ok()) Die(st);
  return static_cast<int>(c->size());
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p / 100 * v.size()))];
}

v1::Table CompileFlow(const std::string& text) {
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  int f = sm.Add("bench.flow", text);
  auto out = compiler::CompileSource(f, sm, diags);
  if (!out.table) Die(Status::Internal("bench workflow does not compile"));
  return *out.table;
}

int64_t SubmitFlow(Store& store, const v1::Table& table, const OperatorRegistry& reg,
                   std::map<std::string, std::string> params) {
  auto program = LoadTable(table, &reg);
  if (!program.ok()) Die(program.status());
  auto bound = BindParams(**program, params);
  if (!bound.ok()) Die(bound.status());
  bool created = false;
  // Scratch dirs (one per attempt, made by the engine) go to tmpfs when there is one:
  // this bench measures the database path, not the filesystem's mkdir.
  std::string workdir = std::filesystem::exists("/dev/shm") ? "/dev/shm/dandori-bench" : "/tmp";
  auto job = SubmitJob(store, table, *bound, "", workdir, *SystemClock(), &created);
  if (!job.ok()) Die(job.status());
  return job->id;
}

void WaitJob(PgStore& store, int64_t job) {
  while (true) {
    auto j = store.GetJob(job);
    if (!j.ok()) Die(j.status());
    if (j->state == JobState::kSucceeded) return;
    if (j->state != JobState::kRunning) Die(Status::Internal("bench job failed: " + j->error));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

int EndToEnd(const std::string& url, int tasks, int workers, int latency_tasks) {
  std::mutex mu;
  std::map<std::string, double> started;  // job id -> first operator start (guarded by mu)
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([&](OperatorContext& ctx) -> Result<Value> {
                 double t = NowMs();
                 std::lock_guard<std::mutex> lock(mu);
                 started.emplace(ctx.job_id, t);
                 return Value::MakeRecord({{"value", ctx.args.Get("value")}});
               }));
  auto store = Open(url);
  JobDriversOptions eo;
  eo.url = url;
  eo.owner = "bench-engine";
  eo.registry = &reg;
  if (std::getenv("BENCH_INLINE") == nullptr) eo.trivial_ops = {};
  JobDrivers engine(eo);
  if (auto st = engine.Start(); !st.ok()) Die(st);
  DispatchWorkerOptions wo;
  wo.url = url;
  wo.name = "bench-executor";
  wo.registry = &reg;
  wo.slots = workers;
  DispatchWorker executor(wo);
  if (auto st = executor.Start(); !st.ok()) Die(st);

  v1::Table fan = CompileFlow(
      "workflow fan(n: int) {\n  foreach i in range(n) parallel 1000 {\n"
      "    stage t = noop(value: i)\n  }\n}\n");
  double t0 = NowMs();
  WaitJob(*store, SubmitFlow(*store, fan, reg, {{"n", std::to_string(tasks)}}));
  double seconds = (NowMs() - t0) / 1000;

  v1::Table one = CompileFlow("workflow one() {\n  stage t = noop(value: 1)\n}\n");
  std::vector<double> lat;
  for (int i = 0; i < latency_tasks; ++i) {
    double s = NowMs();
    int64_t job = SubmitFlow(*store, one, reg, {});
    WaitJob(*store, job);
    std::lock_guard<std::mutex> lock(mu);
    auto it = started.find(std::to_string(job));
    if (it != started.end()) lat.push_back(it->second - s);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  executor.Stop(1000);
  engine.Stop();
  std::printf(
      "{\"system\": \"dandori serve+worker\", \"mode\": \"end-to-end\", \"jobs\": %d, "
      "\"concurrency\": %d, \"seconds\": %.3f, \"tasks_per_s\": %.1f, \"p50_ms\": %.2f, "
      "\"p99_ms\": %.2f, \"latency_samples\": %zu}\n",
      tasks, workers, seconds, tasks / seconds, Percentile(lat, 50), Percentile(lat, 99),
      lat.size());
  return 0;
}

// --submit N: N jobs of K `noop` tasks each, submitted as `dandori submit` does (the
// many-jobs figure of run.sh; one process instead of N).
int SubmitMany(const std::string& url, int jobs, int tasks) {
  auto store = Open(url);
  OperatorRegistry reg;
  reg.Register("noop", MakeOperator([](OperatorContext&) -> Result<Value> { return Value(); }));
  v1::Table fan = CompileFlow(
      "workflow many(n: int) {\n  foreach i in range(n) {\n"
      "    stage t = noop(value: i)\n  }\n}\n");
  for (int i = 0; i < jobs; ++i) SubmitFlow(*store, fan, reg, {{"n", std::to_string(tasks)}});
  std::printf("%d\n", jobs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: dandori_pg_bench URL [--tasks N] [--workers W] [--batch B] "
                 "[--latency-tasks L] [--submit JOBS --tasks TASKS_PER_JOB]\n");
    return 2;
  }
  std::string url = argv[1];
  int tasks = 20000, workers = 4, batch = 64, latency_tasks = 200, submit = 0;
  bool e2e = false;
  for (int i = 2; i < argc; ++i) {
    if (std::string(argv[i]) == "--e2e") e2e = true;
  }
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--e2e") {
      --i;
      continue;
    }
    std::string a = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (a == "--tasks") tasks = v;
    if (a == "--workers") workers = v;
    if (a == "--batch") batch = v;
    if (a == "--latency-tasks") latency_tasks = v;
    if (a == "--submit") submit = v;
  }
  if (submit > 0) return SubmitMany(url, submit, tasks);
  if (e2e) return EndToEnd(url, tasks, workers, latency_tasks);
  auto setup = Open(url);
  bool created = false;
  auto job = setup->CreateJob({"bench", "t", "p", "", "/"}, WallMs(), &created);
  if (!job.ok()) Die(job.status());
  for (int base = 0; base < tasks; base += 1000) {
    Batch b;
    for (int i = base; i < std::min(tasks, base + 1000); ++i) {
      TaskRow r;
      r.key = "s0/" + std::to_string(i);
      r.stage = "noop";
      b.Put(job->id, r);
    }
    Status st = setup->Commit(b, nullptr);
    if (!st.ok()) Die(st);
  }

  std::atomic<int> done{0};
  double t0 = NowMs();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      auto s = Open(url);
      std::string owner = "bench-" + std::to_string(w);
      while (done.load() < tasks) {
        int n = ClaimAndFinish(*s, owner, batch, nullptr);
        done += n;
        if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = (NowMs() - t0) / 1000;

  // Light load: an idle worker on LISTEN/NOTIFY, tasks queued one at a time.
  std::mutex mu;
  std::map<std::string, double> enqueued, started;  // guarded by mu
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    auto s = Open(url);
    (void)s->WaitForWork(0);
    auto on_start = [&](const std::vector<Claim>& claims) {
      double t = NowMs();
      std::lock_guard<std::mutex> lock(mu);
      for (auto& c : claims) started[c.row.key] = t;
    };
    while (!stop.load()) {
      int n = ClaimAndFinish(*s, "lat", batch, on_start);
      if (n == 0) {
        auto w = s->WaitForWork(100);
        if (!w.ok()) Die(w.status());
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  for (int i = 0; i < latency_tasks; ++i) {
    Batch b;
    TaskRow r;
    r.key = "lat/" + std::to_string(i);
    r.stage = "noop";
    b.Put(job->id, r);
    {
      std::lock_guard<std::mutex> lock(mu);
      enqueued[r.key] = NowMs();
    }
    Status st = setup->Commit(b, nullptr);
    if (!st.ok()) Die(st);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double wait_until = NowMs() + 5000;
  while (NowMs() < wait_until) {
    std::lock_guard<std::mutex> lock(mu);
    if (started.size() >= enqueued.size()) break;
  }
  stop = true;
  worker.join();
  std::vector<double> lat;
  for (auto& [k, t] : enqueued) {
    auto it = started.find(k);
    if (it != started.end()) lat.push_back(it->second - t);
  }
  std::printf(
      "{\"system\": \"dandori PgStore\", \"mode\": \"batch %d\", \"jobs\": %d, "
      "\"concurrency\": %d, \"seconds\": %.3f, \"tasks_per_s\": %.1f, \"p50_ms\": %.2f, "
      "\"p99_ms\": %.2f, \"latency_samples\": %zu}\n",
      batch, tasks, workers, seconds, tasks / seconds, Percentile(lat, 50), Percentile(lat, 99),
      lat.size());
  return 0;
}
