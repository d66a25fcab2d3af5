// The job commands' conventions end to end on a SQLite store (docs/cli.md): approve of
// an unknown gate and approve / cancel of an ended job exit 2 with a clear message,
// cancel of a job no engine runs ends it, `status --json` and `events --json` print one
// parseable JSON object per line, `events --follow` ends when the job ends, and
// `submit --wait` waits for the job's end. (The same through `dandori serve`:
// cli_pg_test.cc.)
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/subprocess.h"
#include "tests/cli/cli_runner.h"

namespace {

namespace fs = std::filesystem;

using dandori::testing::CliRun;
using dandori::testing::DandoriBinary;
using dandori::testing::ReadFile;
using dandori::testing::RunDandori;

using dandori::testing::TempDir;

const char* kGated =
    "workflow gated() {\n"
    "  stage a = sleep(duration: 300ms)\n"
    "  approve go \"ship it?\"\n"
    "  stage b = noop(value: 1) after go\n"
    "}\n";

// A dandori command run on its own thread (its own output files).
struct Background {
  dandori::SubprocessOptions o;
  std::thread thread;
  int code = -1;
  Background(std::vector<std::string> args, const fs::path& dir, const std::string& name) {
    o.argv = {DandoriBinary()};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.cwd = dir.string();
    o.stdout_path = (dir / (name + ".out")).string();
    o.stderr_path = (dir / (name + ".err")).string();
    o.timeout_ms = 60000;
    thread = std::thread([this] {
      auto r = dandori::RunSubprocess(o);
      if (r.ok()) code = r->exit_code;
    });
  }
  void Join() { thread.join(); }
  std::string Out() const { return ReadFile(o.stdout_path); }
};

// Each line of `text` parses as one JSON object (python3's json module).
bool JsonLines(const fs::path& dir, const std::string& text) {
  std::ofstream(dir / "lines.json") << text;
  dandori::SubprocessOptions o;
  o.argv = {"python3", "-c",
            "import json, sys\n"
            "lines = open(sys.argv[1]).read().splitlines()\n"
            "assert lines\n"
            "for l in lines: assert isinstance(json.loads(l), dict)\n",
            (dir / "lines.json").string()};
  o.timeout_ms = 30000;
  auto r = dandori::RunSubprocess(o);
  return r.ok() && r->exit_code == 0;
}

}  // namespace

TEST_CASE("approve and cancel name their mistakes and exit 2") {
  TempDir dir("dandori-cli-jobs-verbs");
  dir.Write("gated.flow", kGated);
  REQUIRE(RunDandori({"submit", "gated.flow"}, dir.path).code == 0);
  CliRun unknown = RunDandori({"approve", "1", "og"}, dir.path);
  CHECK(unknown.code == 2);
  CHECK(unknown.out == "dandori approve: job 1 has no gate 'og' (gates: go)\n");
  CHECK(RunDandori({"approve", "7", "go"}, dir.path).code == 2);  // no such job
  // Approved before it is reached: the gate passes when the job gets there.
  CliRun ok = RunDandori({"approve", "1", "go"}, dir.path);
  CHECK(ok.code == 0);
  CHECK(ok.out == "approved gate go of job 1\n");
  CliRun resumed = RunDandori({"resume", "1"}, dir.path);
  INFO(resumed.out);
  CHECK(resumed.code == 0);
  CliRun again = RunDandori({"approve", "1", "go"}, dir.path);
  CHECK(again.code == 2);
  CHECK(again.out == "dandori approve: job 1 has already ended (succeeded); nothing to approve\n");
  CliRun cancel = RunDandori({"cancel", "1"}, dir.path);
  CHECK(cancel.code == 2);
  CHECK(cancel.out == "dandori cancel: job 1 has already ended (succeeded); nothing to cancel\n");
  CHECK(RunDandori({"retry", "1"}, dir.path).code == 2);
  CHECK(RunDandori({"resume", "1"}, dir.path).code == 2);

  // Nobody runs job 2: cancel ends it here; retry makes it runnable again.
  REQUIRE(RunDandori({"submit", "gated.flow"}, dir.path).code == 0);
  CliRun orphan = RunDandori({"cancel", "2"}, dir.path);
  CHECK(orphan.code == 0);
  CHECK(orphan.out == "job 2 cancelled (no engine was running it)\n");
  CHECK(RunDandori({"status", "2"}, dir.path).out.find("job 2  gated  cancelled\n") == 0);
}

TEST_CASE("status --json and events --json print one JSON object per line") {
  TempDir dir("dandori-cli-jobs-json");
  dir.Write("gated.flow", kGated);
  REQUIRE(RunDandori({"submit", "gated.flow"}, dir.path).code == 0);
  REQUIRE(RunDandori({"approve", "1", "go"}, dir.path).code == 0);
  REQUIRE(RunDandori({"resume", "1"}, dir.path).code == 0);
  CliRun status = RunDandori({"status", "1", "--json"}, dir.path);
  INFO(status.out);
  CHECK(status.code == 0);
  CHECK(JsonLines(dir.path, status.out));
  CHECK(status.out.find("\"state\":\"succeeded\"") != std::string::npos);
  CHECK(status.out.find("\"stage\":\"a\"") != std::string::npos);
  CliRun list = RunDandori({"status", "--json"}, dir.path);
  CHECK(JsonLines(dir.path, list.out));
  CliRun events = RunDandori({"events", "1", "--json"}, dir.path);
  INFO(events.out);
  CHECK(events.code == 0);
  CHECK(JsonLines(dir.path, events.out));
  CHECK(events.out.find("\"task\":\"s0\"") != std::string::npos);  // the internal key
  CHECK(events.out.find("\"what\":\"job.succeeded\"") != std::string::npos);
  // Text times carry milliseconds: "2026-12-02 14:42:54.123  job.created".
  CliRun text = RunDandori({"events", "1"}, dir.path);
  REQUIRE(text.out.size() > 25);
  CHECK(text.out[19] == '.');
  CHECK(text.out.substr(23, 2) == "  ");
}

TEST_CASE("events --follow prints until the job ends; submit --wait waits for it") {
  TempDir dir("dandori-cli-jobs-follow");
  dir.Write("gated.flow", kGated);
  REQUIRE(RunDandori({"submit", "gated.flow"}, dir.path).code == 0);
  Background follow({"events", "1", "--follow"}, dir.path, "follow");
  Background wait({"submit", "gated.flow", "--job-key", "k"}, dir.path, "first");
  wait.Join();
  REQUIRE(wait.code == 0);  // job 2, queued
  Background waiter({"submit", "gated.flow", "--job-key", "k", "--wait"}, dir.path, "wait");
  REQUIRE(RunDandori({"approve", "1", "go"}, dir.path).code == 0);
  REQUIRE(RunDandori({"resume", "1"}, dir.path).code == 0);
  follow.Join();
  CHECK(follow.code == 0);
  std::string out = follow.Out();
  INFO(out);
  CHECK(out.find("job.created") != std::string::npos);
  CHECK(out.find("gate.approved") != std::string::npos);
  CHECK(out.rfind("job.succeeded") != std::string::npos);
  CHECK(out.find("job.succeeded") > out.find("task.succeeded"));
  // Job 2 ends cancelled: --wait exits with the job's code (1).
  REQUIRE(RunDandori({"cancel", "2"}, dir.path).code == 0);
  waiter.Join();
  CHECK(waiter.code == 1);
  CHECK(waiter.Out() == "already submitted: job 2\njob 2 cancelled\n");
}
