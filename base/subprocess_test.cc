#include "base/subprocess.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <thread>

namespace dandori {

TEST_CASE("subprocess runs argv and reports the exit code") {
  SubprocessOptions o;
  o.argv = {"sh", "-c", "exit 3"};
  auto r = RunSubprocess(o);
  REQUIRE(r.ok());
  CHECK(r->exit_code == 3);
}

TEST_CASE("subprocess streams stdout lines") {
  SubprocessOptions o;
  o.argv = {"printf", "a\\nb\\nc"};
  std::vector<std::string> lines;
  o.on_stdout_line = [&](const std::string& l) { lines.push_back(l); };
  REQUIRE(RunSubprocess(o).ok());
  CHECK(lines == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("subprocess is stopped by cancel and by timeout") {
  CancelToken cancel;
  SubprocessOptions o;
  o.argv = {"sleep", "30"};
  o.cancel = &cancel;
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cancel.Cancel();
  });
  auto r = RunSubprocess(o);
  t.join();
  REQUIRE(r.ok());
  CHECK(r->cancelled);
  CHECK(r->term_signal != 0);

  SubprocessOptions t2;
  t2.argv = {"sleep", "30"};
  t2.timeout_ms = 50;
  auto r2 = RunSubprocess(t2);
  REQUIRE(r2.ok());
  CHECK(r2->timed_out);
}

TEST_CASE("a missing program is NotFound") {
  SubprocessOptions o;
  o.argv = {"/nonexistent/dandori-nope"};
  auto r = RunSubprocess(o);
  CHECK(r.status().code() == Code::kNotFound);
}

TEST_CASE("subprocess redirects stdout and stderr to files") {
  std::string out = "/tmp/dandori-subprocess-test-" + std::to_string(::getpid()) + ".out";
  std::string err = out + ".err";
  SubprocessOptions o;
  o.argv = {"sh", "-c", "echo to-out; echo to-err >&2"};
  o.stdout_path = out;
  o.stderr_path = err;
  auto r = RunSubprocess(o);
  REQUIRE(r.ok());
  CHECK(TailOfFile(out) == "to-out\n");
  CHECK(TailOfFile(err) == "to-err\n");
  std::remove(out.c_str());
  std::remove(err.c_str());
}

}  // namespace dandori
