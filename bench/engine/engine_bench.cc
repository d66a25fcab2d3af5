// engine_bench: N no-op tasks (`foreach i in range(N) parallel 256 { stage n = noop(i) }`)
// through the real scheduler, the ThreadRunner and the SQLite store with durable
// (synchronous=FULL) group commits. Prints tasks/s, engine CPU µs per task and peak
// memory for 10,000 and 100,000 tasks (and 1,000,000 with --million).
//
//   engine_bench [--million] [--only N] [--dir DIR] [--no-fsync]
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/sqlite_store.h"
#include "engine/table_builder.h"

using namespace dandori;
using namespace dandori::engine;

namespace {

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

v1::Table NoopTable(int64_t n) {
  TableBuilder b("bench");
  int loop = b.Begin(v1::FOREACH, "each", b.Call(v1::BUILTIN_RANGE, {b.Const(Value::Int(n))}));
  b.state(loop).mutable_block()->set_parallel(256);
  b.Task("n", "noop", b.Record({{"value", b.Var(loop)}}), loop);
  b.End(loop);
  return b.Build();
}

bool g_durable = true;

// Average cost of one small write + fdatasync in `dir`: what one durable commit waits for.
double FsyncMs(const std::string& dir) {
  std::string path = dir + "/fsync-probe";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  char buf[4096] = {0};
  int64_t t0 = MonotonicMs();
  const int kRounds = 50;
  for (int i = 0; i < kRounds; ++i) {
    if (pwrite(fd, buf, sizeof buf, 0) < 0) break;
    fdatasync(fd);
  }
  double ms = static_cast<double>(MonotonicMs() - t0) / kRounds;
  close(fd);
  unlink(path.c_str());
  return ms;
}

int RunOne(int64_t n, const std::string& dir) {
  std::string path = dir + "/bench-" + std::to_string(n) + ".db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  auto store =
      OpenSqliteStore(path, {.create = true, .busy_timeout_ms = 5000, .durable = g_durable});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 2;
  }
  OperatorRegistry registry;
  registry.Register("noop", MakeOperator([](OperatorContext& ctx) -> Result<Value> {
                      return Value::MakeRecord({{"value", ctx.args.Get("value")}});
                    }));
  v1::Table table = NoopTable(n);
  Clock& clock = *SystemClock();
  bool created = false;
  auto job = SubmitJob(**store, table, Value::MakeRecord({}), "", dir, clock, &created);
  if (!job.ok()) return 2;
  ThreadRunner runner(&clock);
  PoolSet pools;
  SchedulerOptions opt;
  opt.owner = LocalOwner();
  opt.workdir = dir;
  double cpu0 = CpuSeconds();
  int64_t t0 = MonotonicMs();
  auto r = DriveJob(**store, job->id, registry, runner, clock, pools, opt);
  int64_t ms = std::max<int64_t>(1, MonotonicMs() - t0);
  double cpu = CpuSeconds() - cpu0;
  if (!r.ok() || *r != RunOutcome::kSucceeded) {
    std::fprintf(stderr, "run failed: %s\n", r.ok() ? "job failed" : r.status().ToString().c_str());
    return 1;
  }
  auto tasks = (*store)->LoadTasks(job->id);
  size_t done = 0;
  for (auto& t : *tasks) done += t.state == TaskState::kSucceeded;
  std::printf(
      "%9lld tasks  %7.3f s  %9.0f tasks/s  %6.2f us CPU/task  peak RSS %6.1f MB  (%zu stored)\n",
      static_cast<long long>(n), ms / 1000.0, n * 1000.0 / ms, cpu * 1e6 / n, PeakRssKb() / 1024.0,
      done);
  std::fflush(stdout);
  return done == static_cast<size_t>(n) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {10'000, 100'000};
  std::string dir =
      std::filesystem::temp_directory_path() / ("dandori-bench-" + std::to_string(getpid()));
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--million")) sizes.push_back(1'000'000);
    if (!std::strcmp(argv[i], "--no-fsync")) g_durable = false;
    if (!std::strcmp(argv[i], "--only") && i + 1 < argc) sizes = {std::atoll(argv[++i])};
    if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
  }
  std::filesystem::create_directories(dir);
  std::printf("engine_bench: foreach ... parallel 256 { noop }, SQLite store, %s\n",
              g_durable ? "synchronous=FULL (fsync per group commit)"
                        : "synchronous=NORMAL (no fsync; --no-fsync)");
  std::printf("one write+fdatasync here: %.2f ms\n", FsyncMs(dir));
  int rc = 0;
  for (int64_t n : sizes) rc |= RunOne(n, dir);
  std::filesystem::remove_all(dir);
  return rc;
}
