#include "stdlib/core/exec_op.h"

#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "base/capped_log.h"
#include "base/clock.h"
#include "base/subprocess.h"
#include "base/utf8.h"

namespace dandori {
namespace {

constexpr size_t kStdoutTail = 4096;
constexpr size_t kStderrTail = 2000;
constexpr auto kHeartbeatEvery = std::chrono::seconds(1);

bool IsDir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string Resolve(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty()) return path;
  return dir + "/" + path;
}

// Calls ctx.Heartbeat() every second until destroyed.
class HeartbeatThread {
 public:
  explicit HeartbeatThread(const OperatorContext& ctx)
      : thread_([this, &ctx] {
          std::unique_lock<std::mutex> lock(mu_);
          while (!cv_.wait_for(lock, kHeartbeatEvery, [this] { return done_; })) {
            ctx.Heartbeat();
          }
        }) {}
  ~HeartbeatThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::thread thread_;
};

Result<SubprocessOptions> BuildOptions(const OperatorContext& ctx) {
  SubprocessOptions o;
  for (const Value& a : ctx.args.Get("argv").list()) {
    if (a.kind() != Value::Kind::kString) {
      return Status::Permanent(
          fmt::format("exec: argv items must be strings, got {}", a.ToString()));
    }
    o.argv.push_back(a.as_string());
  }
  if (o.argv.empty() || o.argv[0].empty()) return Status::Permanent("exec: argv is empty");
  Value env = ctx.args.Get("env");
  if (!env.is_null() && env.kind() != Value::Kind::kRecord) {
    return Status::Permanent(fmt::format("exec: env must be a record, got {}", env.ToString()));
  }
  for (const auto& [k, v] : env.record()) o.env_extra[k] = v.ToString();
  Value cwd = ctx.args.Get("cwd");
  o.cwd = cwd.kind() == Value::Kind::kString ? Resolve(ctx.workdir, cwd.as_string()) : ctx.workdir;
  if (!o.cwd.empty() && !IsDir(o.cwd)) {
    return Status::Permanent(fmt::format("exec: working directory '{}' does not exist", o.cwd));
  }
  const std::string base =
      fmt::format("{}/exec.{}", ctx.scratch_dir.empty() ? "." : ctx.Scratch(), ctx.attempt);
  o.stdout_path = base + ".stdout";
  o.stderr_path = base + ".stderr";
  // A rescued attempt with the same number starts its logs afresh.
  std::remove(o.stdout_path.c_str());
  std::remove(o.stderr_path.c_str());
  o.cancel = ctx.cancel;
  if (ctx.deadline_ms > 0) o.timeout_ms = std::max<int64_t>(1, ctx.deadline_ms - MonotonicMs());
  return o;
}

bool Listed(const Value& codes, int code) {
  for (const Value& c : codes.list()) {
    if (c.kind() == Value::Kind::kInt && c.as_int() == code) return true;
  }
  return false;
}

std::string Tail(const std::string& path, size_t n) {
  std::string t = TailOfFile(path, n);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  return t;
}

}  // namespace

Result<Value> RunExec(OperatorContext& ctx) {
  auto opts = BuildOptions(ctx);
  if (!opts.ok()) return opts.status();
  const std::string& prog = opts->argv[0];
  Result<SubprocessResult> run = Status::Internal("not run");
  {
    HeartbeatThread beat(ctx);
    run = RunSubprocess(*opts);
  }
  // The program's output is the attempt's log (`dandori logs`), whatever its outcome;
  // one byte past the cap tells the log that earlier output was dropped.
  for (const std::string* path : {&opts->stdout_path, &opts->stderr_path}) {
    std::string text = TailOfFile(*path, kLogCapBytes + 1);
    if (!text.empty()) ctx.Log(path == &opts->stdout_path ? "stdout" : "stderr", text);
  }
  if (!run.ok()) {
    if (run.status().code() == Code::kNotFound) {
      return Status::Permanent(fmt::format("exec: program '{}' not found", prog));
    }
    return Status::Permanent(fmt::format("exec: {}", run.status().message()));
  }
  const SubprocessResult& r = *run;
  auto with_stderr = [&](std::string msg) {
    std::string tail = ValidUtf8(Tail(opts->stderr_path, kStderrTail));  // errors are text
    return tail.empty() ? msg : msg + "; stderr: " + tail;
  };
  if (r.cancelled) return Status::Cancelled(fmt::format("exec: '{}' cancelled", prog));
  if (r.timed_out) return Status::Timeout(fmt::format("exec: '{}' timed out", prog));
  if (r.term_signal != 0) {
    return Status::Transient(
        with_stderr(fmt::format("exec: '{}' killed by signal {}", prog, r.term_signal)));
  }
  if (r.exit_code != 0) {
    std::string msg = fmt::format("exec: '{}' exited with code {}", prog, r.exit_code);
    if (Listed(ctx.args.Get("transient_codes"), r.exit_code)) {
      return Status::Transient(with_stderr(msg));
    }
    return Status::Permanent(with_stderr(msg));
  }
  return Value::MakeRecord({{"exit_code", Value::Int(r.exit_code)},
                            {"stdout", Value::String(TailOfFile(opts->stdout_path, kStdoutTail))},
                            {"stdout_path", Value::String(opts->stdout_path)},
                            {"stderr_path", Value::String(opts->stderr_path)}});
}

}  // namespace dandori
