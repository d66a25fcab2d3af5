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
// Prints one JSON line.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_store.h"

using namespace dandori;
using namespace dandori::engine;

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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: dandori_pg_bench URL [--tasks N] [--workers W] [--batch B] "
                 "[--latency-tasks L]\n");
    return 2;
  }
  std::string url = argv[1];
  int tasks = 20000, workers = 4, batch = 64, latency_tasks = 200;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    int v = std::atoi(argv[i + 1]);
    if (a == "--tasks") tasks = v;
    if (a == "--workers") workers = v;
    if (a == "--batch") batch = v;
    if (a == "--latency-tasks") latency_tasks = v;
  }
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
