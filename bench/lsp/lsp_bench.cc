// Language-server benchmark: how long `dandori lsp` takes to re-check a file after an
// edit, measured from the client's side (didChange sent -> publishDiagnostics for that
// version received), through the real binary over pipes. Files of 1,000 and 100 stages
// (chains, `after`, loops with [*], policies, interpolation) get one-line edits that
// alternate between a clean change and a typo (an unknown operator), interleaved across
// the two sizes so that both see the same machine. Prints the median and p90 of each,
// the 1,000-stage median against the 50 ms target, and the 1,000/100 ratio.
//
//   lsp_bench [DANDORI_BINARY] [EDITS]    default: build/cli/dandori 60
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Generate(int n) {
  std::string out = "// generated: " + std::to_string(n) + " stages\n";
  out += "const width = 4\n\nworkflow big(source: path, items: list<int> = [1, 2, 3]) {\n";
  out += "  defaults { retry 2 backoff 1s..30s jitter; timeout 10m }\n";
  out += "  stage s0 = media.probe(source)\n";
  int i = 1;
  while (i < n) {
    std::string k = std::to_string(i);
    if (i % 100 == 50 && i + 3 < n) {
      out += "  foreach x in items parallel width {\n";
      out += "    stage s" + k + " = noop(value: x * 2)\n";
      out += "    stage s" + std::to_string(i + 1) + " = noop(value: s" + k + ".value)\n";
      out += "    stage s" + std::to_string(i + 2) + " = sleep(1s) when x > 1\n";
      out += "  }\n";
      out += "  stage s" + std::to_string(i + 3) + " = noop(value: len(s" + std::to_string(i + 1) +
             "[*]))\n";
      i += 4;
      continue;
    }
    std::string prev = i == 1 ? "s0.duration" : "s" + std::to_string(i - 1) + ".value";
    if (i % 10 == 3) {
      std::string skip = "s" + std::to_string(i - 2);
      out += "  stage s" + k + " = noop(value: {a: s0.duration, b: \"${" + skip + "}\"}) after " +
             skip + "\n";
    } else if (i % 10 == 7) {
      out += "  stage s" + k + " = noop(value: " + prev + ") { retry 3; timeout 5m }\n";
    } else {
      out += "  stage s" + k + " = noop(value: " + prev + ")\n";
    }
    ++i;
  }
  return out + "}\n";
}

// The line of stage `name` (0-based) and the column where its operator starts.
std::pair<int, int> StageLine(const std::string& text, const std::string& name) {
  size_t at = text.find("\n  stage " + name + " = ");
  if (at == std::string::npos) throw std::runtime_error("no stage " + name);
  int line = static_cast<int>(std::count(text.begin(), text.begin() + at + 1, '\n'));
  return {line, static_cast<int>(8 + name.size() + 3)};
}

class Server {
 public:
  explicit Server(const std::string& binary) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      execl(binary.c_str(), binary.c_str(), "lsp", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  ~Server() {
    close(to_);
    close(from_);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  void Send(const json& m) {
    std::string body = m.dump();
    std::string framed = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (size_t done = 0; done < framed.size();) {
      ssize_t w = write(to_, framed.data() + done, framed.size() - done);
      if (w <= 0) throw std::runtime_error("write to the server failed");
      done += static_cast<size_t>(w);
    }
  }
  void Notify(const std::string& method, json params) {
    Send({{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
  }
  json Next() {
    for (;;) {
      size_t head = buf_.find("\r\n\r\n");
      if (head != std::string::npos) {
        size_t at = buf_.find("Content-Length: ");
        size_t length = std::stoul(buf_.substr(at + 16));
        if (buf_.size() >= head + 4 + length) {
          json m = json::parse(buf_.substr(head + 4, length));
          buf_.erase(0, head + 4 + length);
          return m;
        }
      }
      pollfd p{from_, POLLIN, 0};
      if (poll(&p, 1, 60000) != 1) throw std::runtime_error("the server did not answer in 60 s");
      char chunk[65536];
      ssize_t r = read(from_, chunk, sizeof chunk);
      if (r <= 0) throw std::runtime_error("the server closed its output");
      buf_.append(chunk, static_cast<size_t>(r));
    }
  }
  // The server's CPU time so far (ms), from /proc/PID/schedstat (nanoseconds run).
  double CpuMs() const {
    std::FILE* f = std::fopen(("/proc/" + std::to_string(pid_) + "/schedstat").c_str(), "r");
    if (!f) return 0;
    unsigned long long ns = 0;
    if (std::fscanf(f, "%llu", &ns) != 1) ns = 0;
    std::fclose(f);
    return static_cast<double>(ns) / 1e6;
  }
  // Waits for the diagnostics of `version`; returns how many there were.
  size_t Diagnostics(int version) {
    for (;;) {
      json m = Next();
      if (m.value("method", "") == "textDocument/publishDiagnostics" &&
          m["params"].value("version", -1) == version) {
        return m["params"]["diagnostics"].size();
      }
    }
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buf_;
};

struct Doc {
  Doc(int n, std::string u) : stages(n), uri(std::move(u)), text(Generate(n)) {}
  int stages;
  std::string uri, text;
  int version = 1;
  std::vector<double> clean_ms, error_ms, cpu_ms;
};

// One edit: the operator of a top-level stage near the middle becomes `nop` (an error,
// even k) or goes back to `noop` (odd k); the time until that version's diagnostics
// arrive.
double Edit(Server& s, Doc& d, int k) {
  auto [line, col] = StageLine(d.text, "s" + std::to_string(d.stages / 2 - 30 + (k / 2) % 20));
  bool typo = k % 2 == 0;
  json range = {{"start", {{"line", line}, {"character", col}}},
                {"end", {{"line", line}, {"character", col + (typo ? 4 : 3)}}}};
  ++d.version;
  double cpu0 = s.CpuMs();
  auto t0 = Clock::now();
  s.Notify("textDocument/didChange",
           {{"textDocument", {{"uri", d.uri}, {"version", d.version}}},
            {"contentChanges", {{{"range", range}, {"text", typo ? "nop" : "noop"}}}}});
  size_t n = s.Diagnostics(d.version);
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  d.cpu_ms.push_back(s.CpuMs() - cpu0);
  if (n != (typo ? 1u : 0u)) {
    throw std::runtime_error("version " + std::to_string(d.version) + ": " + std::to_string(n) +
                             " diagnostics");
  }
  // Mirror the edit locally so the next one's position is right.
  size_t start = 0;
  for (int l = 0; l < line; ++l) start = d.text.find('\n', start) + 1;
  d.text.replace(start + static_cast<size_t>(col), typo ? 4 : 3, typo ? "nop" : "noop");
  (typo ? d.error_ms : d.clean_ms).push_back(ms);
  return ms;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary = argc > 1 ? argv[1] : "build/cli/dandori";
  int edits = argc > 2 ? std::atoi(argv[2]) : 60;
  try {
    Server s(binary);
    s.Send({{"jsonrpc", "2.0"},
            {"id", 1},
            {"method", "initialize"},
            {"params", {{"capabilities", json::object()}}}});
    s.Next();
    s.Notify("initialized", json::object());
    std::vector<Doc> docs = {{1000, "file:///tmp/dandori_lsp_bench/big.flow"},
                             {100, "file:///tmp/dandori_lsp_bench/small.flow"}};
    for (Doc& d : docs) {
      auto t0 = Clock::now();
      s.Notify("textDocument/didOpen",
               {{"textDocument",
                 {{"uri", d.uri}, {"languageId", "dandori"}, {"version", 1}, {"text", d.text}}}});
      size_t n = s.Diagnostics(1);
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      std::printf("open %4d stages (%zu bytes): %.1f ms, %zu diagnostics\n", d.stages,
                  d.text.size(), ms, n);
      if (n != 0) throw std::runtime_error("the generated file has diagnostics");
    }
    for (int k = 0; k < 2; ++k) {
      for (Doc& d : docs) Edit(s, d, k);  // warm-up
    }
    for (Doc& d : docs) d.clean_ms.clear(), d.error_ms.clear(), d.cpu_ms.clear();
    for (int k = 2; k < edits + 2; ++k) {
      for (Doc& d : docs) Edit(s, d, k);  // interleaved: big, small, big, small, ...
    }
    for (const Doc& d : docs) {
      std::vector<double> all = d.clean_ms;
      all.insert(all.end(), d.error_ms.begin(), d.error_ms.end());
      std::printf(
          "re-check %4d stages: median %.1f ms, p90 %.1f ms (clean edit %.1f ms, typo %.1f ms; "
          "%zu edits); server CPU per re-check: median %.1f ms\n",
          d.stages, Percentile(all, 0.5), Percentile(all, 0.9), Percentile(d.clean_ms, 0.5),
          Percentile(d.error_ms, 0.5), all.size(), Percentile(d.cpu_ms, 0.5));
    }
    auto median = [](const Doc& d) {
      std::vector<double> all = d.clean_ms;
      all.insert(all.end(), d.error_ms.begin(), d.error_ms.end());
      return Percentile(all, 0.5);
    };
    double big = median(docs[0]), small = median(docs[1]);
    std::printf("1000-stage median / 50 ms target: %.2f (%s)\n", big / 50.0,
                big < 50.0 ? "within" : "MISSED");
    std::printf("1000 / 100 stages ratio (interleaved): %.1f\n", big / small);
    return big < 50.0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lsp_bench: %s\n", e.what());
    return 2;
  }
}
