// The CLI's conventions end to end (docs/cli.md): one exit code for a .flow with errors
// from every command, "did you mean" for an unknown command, --param given twice,
// --params-file, --store in a missing folder, the operator reference and the shell
// completion scripts (run in a real bash).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "base/subprocess.h"
#include "tests/cli/cli_runner.h"

namespace {

namespace fs = std::filesystem;

using dandori::testing::CliRun;
using dandori::testing::RunDandori;

using dandori::testing::TempDir;

const char* kEcho =
    "workflow echo(word: string, n: int = 1) {\n"
    "  stage say = noop(value: \"${word} x${n}\")\n"
    "}\n";

TEST_CASE("a .flow with errors exits 2 from every command and writes nothing") {
  TempDir dir("dandori-cli-conv-errors");
  dir.Write("bad.flow", "workflow bad() {\n  stage a = no_such_op()\n}\n");
  for (std::vector<std::string> cmd :
       std::vector<std::vector<std::string>>{{"check", "bad.flow"},
                                             {"compile", "bad.flow"},
                                             {"graph", "bad.flow"},
                                             {"run", "bad.flow"},
                                             {"plan", "bad.flow"},
                                             {"submit", "bad.flow"}}) {
    CliRun r = RunDandori(cmd, dir.path);
    INFO(cmd[0] << ": " << r.out);
    CHECK(r.code == 2);
    CHECK(r.out.find("bad.flow:2:13: error[E010]") != std::string::npos);
  }
  CHECK(!fs::exists(dir.path / "bad.flowc"));
  CHECK(!fs::exists(dir.path / ".dandori"));
}

TEST_CASE("an unknown command names the closest one") {
  TempDir dir("dandori-cli-conv-unknown");
  CliRun r = RunDandori({"chek", "x.flow"}, dir.path);
  CHECK(r.code == 2);
  CHECK(r.out ==
        "dandori: unknown command 'chek' (did you mean check?)\n"
        "Run 'dandori --help' for the commands.\n");
  CliRun far = RunDandori({"zzzzzz"}, dir.path);
  CHECK(far.code == 2);
  CHECK(far.out.find("dandori: unknown command 'zzzzzz'\n") == 0);
}

TEST_CASE("--param twice is an error; --params-file gives the rest") {
  TempDir dir("dandori-cli-conv-params");
  dir.Write("echo.flow", kEcho);
  CliRun twice = RunDandori({"run", "echo.flow", "-p", "word=a", "--param", "word=b"}, dir.path);
  CHECK(twice.code == 2);
  CHECK(twice.out == "dandori run: --param word given twice (pass each parameter once)\n");
  CHECK(!fs::exists(dir.path / ".dandori"));

  dir.Write("p.yaml", "word: hello\nn: 3\n");
  CliRun plan = RunDandori({"plan", "echo.flow", "--params-file", "p.yaml"}, dir.path);
  INFO(plan.out);
  CHECK(plan.code == 0);
  dir.Write("p.json", "{\"word\": \"hi\", \"n\": \"three\"}");
  CliRun bad = RunDandori({"run", "echo.flow", "--params-file", "p.json"}, dir.path);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("parameter n (int)") != std::string::npos);
  CliRun fixed = RunDandori({"run", "echo.flow", "--params-file", "p.json", "-p", "n=2"}, dir.path);
  INFO(fixed.out);
  CHECK(fixed.code == 0);
  CHECK(fixed.out.find("job 1 succeeded") != std::string::npos);
}

TEST_CASE("--store in a missing folder is an error, not a silent mkdir") {
  TempDir dir("dandori-cli-conv-store");
  dir.Write("echo.flow", kEcho);
  CliRun r = RunDandori({"run", "echo.flow", "-p", "word=a", "--store", "no/such/x.db"}, dir.path);
  CHECK(r.code == 2);
  CHECK(r.out == "dandori run: --store no/such/x.db: no folder no/such (create it first)\n");
  CHECK(!fs::exists(dir.path / "no"));
  CliRun status = RunDandori({"status", "--store", "no/such/x.db"}, dir.path);
  CHECK(status.code == 2);
  CHECK(!fs::exists(dir.path / "no"));
  fs::create_directories(dir.path / "no/such");
  CHECK(
      RunDandori({"run", "echo.flow", "-p", "word=a", "--store", "no/such/x.db"}, dir.path).code ==
      0);
}

TEST_CASE("dandori ops lists the registry") {
  TempDir dir("dandori-cli-conv-ops");
  CliRun all = RunDandori({"ops"}, dir.path);
  CHECK(all.code == 0);
  CHECK(all.out.find("  sleep(duration: duration) -> {slept: duration}\n") != std::string::npos);
  CHECK(all.out.find("media.encode(chunk: chunk, codec?: string = h264,") != std::string::npos);
  CliRun one = RunDandori({"ops", "fleet.drain"}, dir.path);
  CHECK(one.code == 0);
  CHECK(one.out.find("stall") != std::string::npos);
  CHECK(one.out.find("= 10m") != std::string::npos);
  CHECK(one.out.find("raises    transient, timeout, permanent, cancelled") != std::string::npos);
  CliRun typo = RunDandori({"ops", "media.encod"}, dir.path);
  CHECK(typo.code == 2);
  CHECK(typo.out.find("no operator or family 'media.encod'; did you mean 'media.encode'?") !=
        std::string::npos);
}

// Runs the completion function of `dandori completion bash` for the words given and
// returns COMPREPLY, one per line.
std::string BashComplete(const fs::path& dir, const std::string& words, int cword) {
  std::ofstream(dir / "complete.sh")
      << "source <(\"$1\" completion bash)\n"
         "COMP_WORDS=("
      << words << ")\nCOMP_CWORD=" << cword << "\n_dandori\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
  dandori::SubprocessOptions o;
  o.argv = {"bash", (dir / "complete.sh").string(), dandori::testing::DandoriBinary()};
  o.cwd = dir.string();
  fs::remove(dir / "out.txt");
  o.stdout_path = (dir / "out.txt").string();
  o.stderr_path = (dir / "out.txt").string();
  o.timeout_ms = 30000;
  auto r = dandori::RunSubprocess(o);
  REQUIRE(r.ok());
  return dandori::testing::ReadFile(dir / "out.txt");
}

TEST_CASE("shell completion: bash completes commands, options and operators") {
  TempDir dir("dandori-cli-conv-completion");
  CHECK(BashComplete(dir.path, "dandori ch", 1) == "check\n");
  CHECK(BashComplete(dir.path, "dandori run --para", 2) == "--param\n--params-file\n");
  CHECK(BashComplete(dir.path, "dandori ops media.enc", 2) == "media.encode\nmedia.encode_audio\n");
  CliRun zsh = RunDandori({"completion", "zsh"}, dir.path);
  CHECK(zsh.code == 0);
  CHECK(zsh.out.rfind("#compdef dandori\n", 0) == 0);
  CHECK(zsh.out.find("'--params-file[") != std::string::npos);
  CHECK(RunDandori({"completion", "fish"}, dir.path).code == 2);
}

}  // namespace

TEST_CASE("plan --figures: declared durations are used and named; a bad figure is located") {
  TempDir dir("dandori-cli-conv-figures");
  dir.Write("echo.flow", kEcho);
  dir.Write("f.yaml", "time_scale: 10\noperators:\n  noop: {fixed: 30s}\n");
  CliRun plan = RunDandori({"plan", "echo.flow", "-p", "word=a", "--figures", "f.yaml"}, dir.path);
  INFO(plan.out);
  CHECK(plan.code == 0);
  CHECK(plan.out.find("predicted makespan ~3s") != std::string::npos);  // 30 s / 10
  CHECK(plan.out.find("noop  ~3s  (figures f.yaml)") != std::string::npos);
  dir.Write("bad.yaml", "operators:\n  noop: {fixed: 30s, sigma: 2}\n");
  CliRun bad = RunDandori({"plan", "echo.flow", "-p", "word=a", "--figures", "bad.yaml"}, dir.path);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("bad.yaml:2:22: unknown key 'sigma'") != std::string::npos);
}
