// `--store postgres://...` and `--server URL` on the job commands, end to end: the real
// dandori binary against a throwaway PostgreSQL server and a real `dandori serve`.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/cancel.h"
#include "base/subprocess.h"
#include "tests/cli/cli_runner.h"
#include "tests/pgharness/temp_postgres.h"

namespace {

namespace fs = std::filesystem;
using dandori::testing::TempPostgres;

using dandori::testing::CliRun;
using dandori::testing::DandoriBinary;

std::string Read(const fs::path& p) { return dandori::testing::ReadFile(p); }
CliRun Dandori(const std::vector<std::string>& args, const fs::path& dir) {
  return dandori::testing::RunDandori(args, dir);
}

const char* kFlow = R"(workflow hello(n: int = 3) {
  foreach i in range(n) parallel 2 {
    stage s = noop(value: i)
  }
  approve go "go?"
  stage done = noop(value: 1) after go
}
)";

// Polls `status JOB` until its output contains `text` (10 s at most).
bool WaitStatus(const std::vector<std::string>& args, const fs::path& dir,
                const std::string& text) {
  for (int i = 0; i < 100; ++i) {
    if (Dandori(args, dir).out.find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

TEST_CASE("job commands work on a postgres:// store and through --server") {
  dandori::testing::TempPostgresOptions pg_options;
  pg_options.fsync = false;
  auto pg = TempPostgres::Start(pg_options);
  REQUIRE(pg.ok());
  const std::string url = (*pg)->Url();
  fs::path dir = fs::temp_directory_path() / ("dandori-clipg-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "hello.flow") << kFlow;

  // --store URL: run waits at the gate; approve from another command lets it finish.
  dandori::CancelToken stop_run;
  std::thread runner([&] {
    dandori::SubprocessOptions o;
    o.argv = {DandoriBinary(), "run", "hello.flow", "--store", url};
    o.cwd = dir.string();
    o.timeout_ms = 60000;
    o.cancel = &stop_run;
    auto r = dandori::RunSubprocess(o);
    CHECK(r.ok());
    CHECK(r->exit_code == 0);
  });
  CHECK(WaitStatus({"status", "1", "--store", url}, dir, "waiting for approval: go"));
  CliRun listed = Dandori({"status", "--store", url}, dir);
  CHECK(listed.code == 0);
  CHECK(listed.out.find("hello") != std::string::npos);
  CHECK(Dandori({"approve", "1", "go", "--store", url}, dir).code == 0);
  runner.join();
  CliRun events = Dandori({"events", "1", "--store", url}, dir);
  CHECK(events.out.find("job.succeeded") != std::string::npos);
  CHECK(Dandori({"status", "7", "--store", url}, dir).code == 2);

  // --server URL: a real `dandori serve` drives the jobs.
  auto port = dandori::testing::FreeLoopbackPort();
  REQUIRE(port.ok());
  std::ofstream(dir / "token") << "a-test-token-0123456789\n";
  const std::string server = "http://127.0.0.1:" + std::to_string(*port);
  dandori::CancelToken stop_serve;
  std::thread serve([&] {
    dandori::SubprocessOptions o;
    o.argv = {DandoriBinary(), "serve",
              "--store",       url,
              "--listen",      "127.0.0.1:" + std::to_string(*port),
              "--token-file",  "token",
              "--scratch",     (dir / "shared-scratch").string()};
    o.cwd = dir.string();
    o.stderr_path = (dir / "serve.log").string();
    o.cancel = &stop_serve;
    (void)dandori::RunSubprocess(o);
  });
  REQUIRE(Dandori({"compile", "hello.flow", "-o", "hello.flowc"}, dir).code == 0);
  CliRun submit;
  for (int i = 0; i < 100; ++i) {  // until serve listens
    submit = Dandori({"submit", "hello.flowc", "--server", server, "--token-file", "token"}, dir);
    if (submit.out.find("cannot reach") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(submit.out + Read(dir / "serve.log"));
  CHECK(submit.out == "submitted job 2\n");
  const std::vector<std::string> auth = {"--server", server, "--token-file", "token"};
  auto with = [&](std::vector<std::string> a) {
    a.insert(a.end(), auth.begin(), auth.end());
    return a;
  };
  CHECK(WaitStatus(with({"status", "2"}), dir, "waiting for approval: go"));
  CHECK(Dandori(with({"status"}), dir).out.find("hello") != std::string::npos);
  CliRun unknown = Dandori(with({"approve", "2", "og"}), dir);
  CHECK(unknown.code == 2);
  CHECK(unknown.out.find("job 2 has no gate 'og' (gates: go)") != std::string::npos);
  CliRun json_status = Dandori(with({"status", "2", "--json"}), dir);
  CHECK(json_status.out.find("\"waiting_gates\":[{\"gate\":\"go\",\"message\":\"go?\"") !=
        std::string::npos);
  CliRun approve = Dandori(with({"approve", "2", "go"}), dir);
  INFO(approve.out);
  CHECK(approve.code == 0);
  CHECK(WaitStatus(with({"status", "2"}), dir, "hello  succeeded"));
  CHECK(Dandori(with({"events", "2"}), dir).out.find("job.succeeded") != std::string::npos);
  CHECK(Dandori(with({"retry", "2"}), dir).code == 2);          // only failed/cancelled jobs
  CHECK(Dandori(with({"approve", "2", "go"}), dir).code == 2);  // ended
  CHECK(Dandori(with({"events", "2", "--json", "--follow"}), dir).out.find("job.succeeded") !=
        std::string::npos);
  // submit --wait exits with the job's code.
  std::ofstream(dir / "ok.flow") << "workflow ok() {\n  stage a = noop(value: 1)\n}\n";
  std::ofstream(dir / "bad.flow") << "workflow bad() {\n  stage a = fail(message: \"no\")\n}\n";
  CliRun waited = Dandori(with({"submit", "ok.flow", "--wait"}), dir);
  INFO(waited.out + Read(dir / "serve.log"));
  CHECK(waited.code == 0);
  CHECK(waited.out == "submitted job 3\njob 3 succeeded\n");
  CliRun failed = Dandori(with({"submit", "bad.flow", "--wait"}), dir);
  INFO(failed.out);
  CHECK(failed.code == 1);
  CHECK(failed.out.find("job 4 failed: ") != std::string::npos);

  // A .flow with imports: submit sends the import closure, the server resolves imports
  // only among those files (client/lib/n.flow does not exist relative to serve's folder).
  fs::create_directories(dir / "client" / "lib");
  std::ofstream(dir / "client" / "imp.flow")
      << "import \"lib/n.flow\"\n\nworkflow imp() {\n  stage a = noop(value: n)\n}\n";
  std::ofstream(dir / "client" / "lib" / "n.flow") << "const n = 7\n";
  CliRun imp = Dandori({"submit", "imp.flow", "--server", server, "--token-file", "../token"},
                       dir / "client");
  INFO(imp.out + Read(dir / "serve.log"));
  CHECK(imp.out == "submitted job 5\n");
  CHECK(WaitStatus(with({"status", "5"}), dir, "imp  succeeded"));
  // Logs and names through the API: the serve's attempt kept its subprocess's output.
  std::ofstream(dir / "say.flow") << "workflow say() {\n  foreach w in [\"a\", \"b\"] {\n"
                                     "    stage echo = exec([\"echo\", \"said ${w}\"])\n  }\n}\n";
  CliRun said = Dandori(with({"submit", "say.flow", "--wait"}), dir);
  INFO(said.out + Read(dir / "serve.log"));
  CHECK(said.code == 0);
  // --scratch: the attempts' scratch folders are under it (job 6, task s1/0, attempt 1).
  CHECK(fs::is_directory(dir / "shared-scratch" / "6" / "s1_0" / "1"));
  CHECK(!fs::exists(dir / ".dandori" / "scratch"));
  CHECK(Dandori(with({"logs", "6", "echo[w=b]"}), dir).out ==
        "== echo[w=b] (s1/1) attempt 1, stdout ==\nsaid b\n");
  CHECK(Dandori(with({"logs", "6", "echo", "--json"}), dir).out.find("\"text\":\"said a\\n\"") !=
        std::string::npos);
  // --follow through the API reads with a cursor (sinceMs) and ends with the job.
  CliRun followed = Dandori(with({"logs", "6", "--follow"}), dir);
  CHECK(followed.code == 0);
  CHECK(followed.out.find("said a\n") != std::string::npos);
  CHECK(followed.out.find("said b\n") != std::string::npos);
  CliRun no_task = Dandori(with({"logs", "6", "echo[w=c]"}), dir);
  CHECK(no_task.code == 2);
  CHECK(no_task.out.find("job 6 has no task echo[w=c]") != std::string::npos);
  CHECK(Dandori(with({"events", "6"}), dir).out.find("task.succeeded   echo[w=a]") !=
        std::string::npos);
  // The same logs on the store itself.
  CHECK(Dandori({"logs", "6", "echo[w=a]", "--store", url}, dir).out ==
        "== echo[w=a] (s1/0) attempt 1, stdout ==\nsaid a\n");

  // plan --server: the history read through the API (jobs, events, tasks, tables) gives
  // the same figures and prediction as plan --store on the server's store.
  CliRun plan_api = Dandori(with({"plan", "hello.flow", "--json"}), dir);
  CliRun plan_store = Dandori({"plan", "hello.flow", "--json", "--store", url}, dir);
  INFO(plan_api.out + plan_store.out);
  CHECK(plan_api.code == 0);
  CHECK(plan_api.out.find("\"history: 4 jobs, 10 attempts\"") != std::string::npos);
  CHECK(plan_api.out == plan_store.out);
  CHECK(Dandori({"plan", "hello.flow", "--server", server}, dir).code == 2);  // no token

  CliRun no_token = Dandori({"status", "2", "--server", server}, dir);
  CHECK(no_token.code == 2);
  CHECK(no_token.out.find("no API token") != std::string::npos);
  CliRun wrong = Dandori({"status", "2", "--server", server, "--token-file", "hello.flow"}, dir);
  CHECK(wrong.code == 2);
  CHECK(Dandori({"status", "2", "--server", server, "--store", url}, dir).code != 0);
  stop_serve.Cancel();
  serve.join();
  fs::remove_all(dir);
}
