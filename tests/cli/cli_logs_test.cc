// Task names and logs end to end on a SQLite store (docs/cli.md "Logs"): every attempt's
// subprocess output is kept and `dandori logs` finds it by task key, label or stage
// name; events and status name tasks by their labels ("greet[n=ann]"); --json keeps
// the key beside the label; an unknown task exits 2 and says how to name one. (The
// same through `dandori serve`: cli_pg_test.cc.)
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "base/subprocess.h"

#include "tests/cli/cli_runner.h"

namespace {

using dandori::testing::CliRun;
using dandori::testing::DandoriBinary;
using dandori::testing::ReadFile;
using dandori::testing::RunDandori;
using dandori::testing::TempDir;
using json = nlohmann::json;

// Two greetings; then a task whose every attempt writes a line and a byte that is not
// UTF-8 to stderr and exits 3 (transient here), tried 3 times (retry 2).
const char* kFlow =
    "workflow logged(names: list<string> = [\"ann\", \"bob\"]) {\n"
    "  foreach n in names {\n"
    "    stage greet = exec([\"echo\", \"hi ${n}\"])\n"
    "  }\n"
    "  stage bad = exec(argv: [\"sh\", \"-c\", \"echo try; printf 'oops\\\\377\\\\n' >&2; exit "
    "3\"],\n"
    "                   transient_codes: [3]) { retry 2 backoff 10ms..20ms }\n"
    "}\n";

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));  // throws if not JSON
  return out;
}

}  // namespace

TEST_CASE(
    "logs finds every attempt's output by key, label or stage; events and status show labels") {
  TempDir dir("dandori-cli-logs");
  dir.Write("logged.flow", kFlow);
  CliRun run = RunDandori({"run", "logged.flow"}, dir.path);
  REQUIRE(run.code == 1);  // bad fails after its 3 attempts

  CliRun by_label = RunDandori({"logs", "1", "greet[n=bob]"}, dir.path);
  CHECK(by_label.code == 0);
  CHECK(by_label.out == "== greet[n=bob] (s1/1) attempt 1, stdout ==\nhi bob\n");

  CliRun by_stage = RunDandori({"logs", "1", "greet"}, dir.path);
  CHECK(by_stage.code == 0);
  CHECK(by_stage.out.find("hi ann\n") != std::string::npos);
  CHECK(by_stage.out.find("hi bob\n") != std::string::npos);

  // The 3 attempts of `bad`, each with its stdout and its stderr (the bad byte as U+FFFD).
  CliRun bad = RunDandori({"logs", "1", "bad", "--json"}, dir.path);
  REQUIRE(bad.code == 0);
  std::vector<json> lines = JsonLines(bad.out);
  REQUIRE(lines.size() == 6);
  CHECK(lines[0]["attempt"] == 1);
  CHECK(lines[0]["stream"] == "stderr");
  CHECK(lines[0]["text"] == "oops\xEF\xBF\xBD\n");
  CHECK(lines[1]["stream"] == "stdout");
  CHECK(lines[1]["text"] == "try\n");
  CHECK(lines[3]["attempt"] == 2);
  CHECK(lines[5]["attempt"] == 3);
  CHECK(lines[5]["label"] == "bad");
  std::string key = lines[0]["task"];
  CliRun second = RunDandori({"logs", "1", key, "--attempt", "2"}, dir.path);
  CHECK(second.out.find("attempt 1") == std::string::npos);
  CHECK(second.out.find("== bad (" + key + ") attempt 2, stderr ==") != std::string::npos);

  CliRun unknown = RunDandori({"logs", "1", "greet[n=eve]"}, dir.path);
  CHECK(unknown.code == 2);
  CHECK(unknown.out.find("job 1 has no task greet[n=eve]") != std::string::npos);
  CHECK(RunDandori({"logs", "9"}, dir.path).code == 2);

  CliRun events = RunDandori({"events", "1"}, dir.path);
  CHECK(events.out.find("task.succeeded   greet[n=ann]") != std::string::npos);
  CliRun events_json = RunDandori({"events", "1", "--json"}, dir.path);
  bool keyed = false;
  for (const json& e : JsonLines(events_json.out)) {
    if (e["label"] == "greet[n=ann]" && e["task"] == "s1/0") keyed = true;
  }
  CHECK(keyed);
  CliRun status = RunDandori({"status", "1"}, dir.path);
  CHECK(
      status.out.find(
          "failed bad (attempt 3): logged.flow:5:9: stage bad (exec): transient: exec: 'sh' exited "
          "with code 3; stderr: oops\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("logs --follow prints each attempt's log as it ends and exits when the job ends") {
  TempDir dir("dandori-cli-logs-follow");
  dir.Write("slow.flow",
            "workflow slow() {\n"
            "  stage first = exec([\"echo\", \"one\"])\n"
            "  stage nap = sleep(duration: 700ms)\n"
            "  stage last = exec([\"echo\", \"two\"])\n"
            "}\n");
  REQUIRE(RunDandori({"submit", "slow.flow"}, dir.path).code == 0);  // nobody drives it yet
  dandori::SubprocessOptions o;
  o.argv = {DandoriBinary(), "logs", "1", "--follow"};
  o.cwd = dir.path.string();
  o.stdout_path = (dir.path / "follow.out").string();
  o.stderr_path = (dir.path / "follow.err").string();
  o.timeout_ms = 60000;
  int code = -1;
  std::thread follow([&] {
    auto r = dandori::RunSubprocess(o);
    if (r.ok()) code = r->exit_code;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // following, nothing yet
  CHECK(RunDandori({"resume", "1"}, dir.path).code == 0);
  follow.join();
  CHECK(code == 0);
  CHECK(ReadFile(dir.path / "follow.out") ==
        "== first (s0) attempt 1, stdout ==\none\n== last (s2) attempt 1, stdout ==\ntwo\n");
}
