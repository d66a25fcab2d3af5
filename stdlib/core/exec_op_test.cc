#include "stdlib/core/exec_op.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <climits>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/clock.h"
#include "stdlib/core/op_test_util.h"

namespace dandori {
namespace {

using testing::BoundContext;
using testing::MakeScratchDir;

Value Argv(std::initializer_list<const char*> args) {
  Value::List items;
  for (const char* a : args) items.push_back(Value::String(a));
  return Value::MakeList(std::move(items));
}

OperatorContext ExecContext(Value::Record args) {
  OperatorContext ctx = BoundContext("exec", std::move(args));
  ctx.scratch_dir = MakeScratchDir();
  return ctx;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("exec runs an argv and keeps its output per attempt", "[core][exec]") {
  auto ctx = ExecContext({{"argv", Argv({"printf", "%s|%s", "hello world", "$HOME;`x`"})}});
  ctx.attempt = 2;
  auto r = RunExec(ctx);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->Get("exit_code") == Value::Int(0));
  // Arguments arrive verbatim: no shell expands $HOME or backquotes.
  CHECK(r->Get("stdout") == Value::String("hello world|$HOME;`x`"));
  CHECK(r->Get("stdout_path") == Value::String(ctx.scratch_dir + "/exec.2.stdout"));
  CHECK(r->Get("stderr_path") == Value::String(ctx.scratch_dir + "/exec.2.stderr"));
  CHECK(ReadFile(ctx.scratch_dir + "/exec.2.stdout") == "hello world|$HOME;`x`");
}

TEST_CASE("exec keeps only the tail of a long stdout in the output", "[core][exec]") {
  auto ctx = ExecContext({{"argv", Argv({"sh", "-c", "head -c 100000 /dev/zero | tr '\\0' a"})}});
  auto r = RunExec(ctx);
  REQUIRE(r.ok());
  CHECK(r->Get("stdout").as_string().size() == 4096);
  CHECK(ReadFile(r->Get("stdout_path").as_string()).size() == 100000);
}

TEST_CASE("exec maps exit codes to error classes", "[core][exec]") {
  SECTION("other codes are permanent, with the stderr tail") {
    auto ctx =
        ExecContext({{"argv", Argv({"sh", "-c", "echo first >&2; echo disk full >&2; exit 3"})}});
    auto r = RunExec(ctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kPermanent);
    CHECK(r.status().message() == "exec: 'sh' exited with code 3; stderr: first\ndisk full");
  }
  SECTION("75 (EX_TEMPFAIL) is transient by default") {
    auto ctx = ExecContext({{"argv", Argv({"sh", "-c", "exit 75"})}});
    CHECK(RunExec(ctx).status().code() == Code::kTransient);
  }
  SECTION("transient_codes is honoured") {
    Value codes = Value::MakeList({Value::Int(4), Value::Int(5)});
    auto ctx = ExecContext({{"argv", Argv({"sh", "-c", "exit 5"})}, {"transient_codes", codes}});
    CHECK(RunExec(ctx).status().code() == Code::kTransient);
    auto other = ExecContext({{"argv", Argv({"sh", "-c", "exit 75"})}, {"transient_codes", codes}});
    CHECK(RunExec(other).status().code() == Code::kPermanent);
  }
  SECTION("killed by a signal is transient") {
    auto ctx = ExecContext({{"argv", Argv({"sh", "-c", "kill -9 $$"})}});
    auto r = RunExec(ctx);
    CHECK(r.status().code() == Code::kTransient);
    CHECK(r.status().message() == "exec: 'sh' killed by signal 9");
  }
  SECTION("a missing program is permanent") {
    auto ctx = ExecContext({{"argv", Argv({"dandori-no-such-program", "x"})}});
    auto r = RunExec(ctx);
    CHECK(r.status().code() == Code::kPermanent);
    CHECK(r.status().message() == "exec: program 'dandori-no-such-program' not found");
  }
  SECTION("an empty argv is permanent") {
    auto ctx = ExecContext({{"argv", Value::MakeList({})}});
    CHECK(RunExec(ctx).status().message() == "exec: argv is empty");
  }
}

TEST_CASE("exec passes env and cwd", "[core][exec]") {
  SECTION("env adds variables") {
    Value env = Value::MakeRecord({{"GREETING", Value::String("hi there")}, {"N", Value::Int(3)}});
    auto ctx = ExecContext(
        {{"argv", Argv({"sh", "-c", "printf '%s/%s' \"$GREETING\" \"$N\""})}, {"env", env}});
    auto r = RunExec(ctx);
    REQUIRE(r.ok());
    CHECK(r->Get("stdout") == Value::String("hi there/3"));
  }
  SECTION("cwd, absolute or relative to the workdir") {
    std::string dir = MakeScratchDir();
    REQUIRE(mkdir((dir + "/sub").c_str(), 0755) == 0);
    char real[PATH_MAX];
    REQUIRE(realpath(dir.c_str(), real) != nullptr);
    auto abs = ExecContext({{"argv", Argv({"pwd"})}, {"cwd", Value::String(dir)}});
    CHECK(RunExec(abs)->Get("stdout") == Value::String(std::string(real) + "\n"));
    auto rel = ExecContext({{"argv", Argv({"pwd"})}, {"cwd", Value::String("sub")}});
    rel.workdir = dir;
    CHECK(RunExec(rel)->Get("stdout") == Value::String(std::string(real) + "/sub\n"));
    auto none = ExecContext({{"argv", Argv({"pwd"})}});
    none.workdir = dir;
    CHECK(RunExec(none)->Get("stdout") == Value::String(std::string(real) + "\n"));
  }
  SECTION("a missing cwd is permanent") {
    auto ctx = ExecContext({{"argv", Argv({"pwd"})}, {"cwd", Value::String("/nonexistent/dir")}});
    auto r = RunExec(ctx);
    CHECK(r.status().code() == Code::kPermanent);
    CHECK(r.status().message() == "exec: working directory '/nonexistent/dir' does not exist");
  }
}

TEST_CASE("exec stops the child when cancelled", "[core][exec]") {
  auto ctx = ExecContext({{"argv", Argv({"sleep", "30"})}});
  CancelToken cancel;
  ctx.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.Cancel();
  });
  int64_t start = MonotonicMs();
  auto r = RunExec(ctx);
  canceller.join();
  CHECK(r.status().code() == Code::kCancelled);
  CHECK(MonotonicMs() - start < 5000);
}

TEST_CASE("exec times out at the attempt deadline", "[core][exec]") {
  auto ctx = ExecContext({{"argv", Argv({"sleep", "30"})}});
  ctx.deadline_ms = MonotonicMs() + 150;
  int64_t start = MonotonicMs();
  auto r = RunExec(ctx);
  CHECK(r.status().code() == Code::kTimeout);
  CHECK(MonotonicMs() - start < 5000);
}

TEST_CASE("exec beats the heart while the child runs", "[core][exec]") {
  auto ctx = ExecContext({{"argv", Argv({"sleep", "1.3"})}});
  std::atomic<int> beats{0};
  ctx.heartbeat = [&] { ++beats; };
  REQUIRE(RunExec(ctx).ok());
  CHECK(beats.load() >= 1);
}

}  // namespace
}  // namespace dandori
