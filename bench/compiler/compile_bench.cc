// Compiler benchmark: generates .flow files of N stages (chains with `after` skips,
// nested foreach blocks, references to early and recent stages, policies) and runs
// parse + check + lower + verify on each, every size in its own child process so the
// peak memory (getrusage ru_maxrss) is that size's alone.
//
//   compile_bench [N...]        default: 10000 100000
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "compiler/check.h"
#include "compiler/lower.h"
#include "compiler/parse.h"
#include "proto/table_verify.h"

namespace {

std::string Generate(int n) {
  std::string out = "// generated: " + std::to_string(n) + " stages\n";
  out += "const width = 4\n\nworkflow big(source: path, items: list<int> = [1, 2, 3]) {\n";
  out += "  defaults { retry 2 backoff 1s..30s jitter; timeout 10m }\n";
  out += "  stage s0 = media.probe(source)\n";
  int i = 1;
  while (i < n) {
    if (i % 100 == 50 && i + 3 < n) {
      // A loop of three stages; the next stage collects one of them with [*].
      out += "  foreach x in items parallel width {\n";
      out += "    stage s" + std::to_string(i) + " = noop(value: x * 2)\n";
      out += "    stage s" + std::to_string(i + 1) + " = noop(value: s" + std::to_string(i) +
             ".value)\n";
      out += "    stage s" + std::to_string(i + 2) + " = sleep(1s) when x > 1\n";
      out += "  }\n";
      out += "  stage s" + std::to_string(i + 3) + " = noop(value: len(s" + std::to_string(i + 1) +
             "[*]))\n";
      i += 4;
      continue;
    }
    std::string prev = "s" + std::to_string(i - 1);
    std::string line = "  stage s" + std::to_string(i) + " = ";
    if (i % 10 == 3 && i >= 3) {
      // Skip one: depend on the one before the previous stage.
      std::string skip = "s" + std::to_string(i - 2);
      line += "noop(value: {a: s0.duration, b: \"${" + skip + "}\"}) after " + skip;
    } else if (i % 7 == 0) {
      line += "exec([\"echo\", \"stage " + std::to_string(i) + "\", str(s0.frames)]) { retry 3 }";
    } else {
      line += "noop(value: " + prev + ")";
    }
    out += line + "\n";
    ++i;
  }
  out +=
      "  on failure {\n    stage alert = notify.webhook(\"http://hooks.example/x\", "
      "\"${error.message}\")\n  }\n}\n";
  return out;
}

struct Figures {
  double seconds = 0;  // parse + check + lower + verify
  double parse = 0, check = 0, lower = 0, verify = 0;
  long peak_kb = 0;
  long parse_peak_kb = 0;  // peak after parsing (the rest is check + lower + verify)
  int states = 0;
  int errors = 0;
  size_t bytes = 0;
};

double Since(std::chrono::steady_clock::time_point* t) {
  auto now = std::chrono::steady_clock::now();
  double s = std::chrono::duration<double>(now - *t).count();
  *t = now;
  return s;
}

// The phases of CompileSource, timed one by one (the generated file has no imports).
Figures Measure(int n) {
  using namespace dandori::compiler;
  Figures f;
  std::string text = Generate(n);
  f.bytes = text.size();
  SourceManager sm;
  Diagnostics diags;
  int file = sm.Add("generated.flow", std::move(text));
  auto t = std::chrono::steady_clock::now();
  std::unique_ptr<File> ast = ParseFile(sm, file, diags);
  f.parse = Since(&t);
  {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    f.parse_peak_kb = ru.ru_maxrss;
  }
  if (ast && !diags.has_errors()) {
    std::unique_ptr<Program> program = Check(*ast, {}, sm, diags);
    f.check = Since(&t);
    if (!diags.has_errors() && program->workflow) {
      dandori::v1::Table table = Lower(*program, sm);
      f.lower = Since(&t);
      program.reset();  // as CompileSource does before verifying
      ast.reset();
      f.errors += static_cast<int>(dandori::v1::VerifyTable(table).size());
      f.verify = Since(&t);
      f.states = table.states_size();
    }
  }
  f.seconds = f.parse + f.check + f.lower + f.verify;
  f.errors += diags.error_count();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  f.peak_kb = ru.ru_maxrss;
  if (diags.error_count() > 0 && !diags.all().empty()) {
    std::fprintf(stderr, "n=%d: %d errors, first: %d:%d %s\n", n, f.errors, diags.all()[0].loc.line,
                 diags.all()[0].loc.col, diags.all()[0].message.c_str());
  }
  return f;
}

// Runs Measure(n) in a child process and reads its figures back through a pipe.
bool MeasureInChild(int n, Figures* out) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    close(fds[0]);
    Figures f = Measure(n);
    ssize_t w = write(fds[1], &f, sizeof f);
    _exit(w == sizeof f ? 0 : 1);
  }
  close(fds[1]);
  ssize_t r = read(fds[0], out, sizeof *out);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return r == sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {10000, 100000};
  std::printf("%8s %9s %8s %8s %8s %8s %8s %8s %8s %6s\n", "stages", "bytes", "states", "total_s",
              "parse_s", "check_s", "lower_s", "verify_s", "peak_MB", "errors");
  std::printf("(peak_MB: the whole compile; parse_MB: the peak when parsing ended)\n");
  std::vector<Figures> results;
  for (int n : sizes) {
    Figures f;
    if (!MeasureInChild(n, &f)) {
      std::fprintf(stderr, "compile_bench: the run for %d stages failed\n", n);
      return 1;
    }
    results.push_back(f);
    std::printf("%8d %9zu %8d %8.3f %8.3f %8.3f %8.3f %8.3f %8.1f %6d  parse_MB %.1f\n", n, f.bytes,
                f.states, f.seconds, f.parse, f.check, f.lower, f.verify, f.peak_kb / 1024.0,
                f.errors, f.parse_peak_kb / 1024.0);
  }
  if (results.size() >= 2 && results[0].seconds > 0) {
    std::printf("time ratio %d/%d: %.2f (stage ratio %.0f)\n", sizes.back(), sizes.front(),
                results.back().seconds / results.front().seconds,
                static_cast<double>(sizes.back()) / sizes.front());
  }
  for (const Figures& f : results) {
    if (f.errors > 0) return 1;
  }
  return 0;
}
