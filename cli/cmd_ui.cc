// `dandori ui [--store S] [--listen 127.0.0.1:PORT] [--allow-remote]`: the web view of
// the embedded store's jobs (server/ui.h), and `dandori report JOB -o FILE.html
// [--store S]`: one self-contained HTML file of a job (server/job_report.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>

#include "base/clock.h"
#include "cli/driver.h"
#include "server/job_report.h"
#include "server/ui.h"

namespace dandori::cli {
namespace {

struct UiArgs {
  std::string store;
  std::string listen = "127.0.0.1:8481";
  bool allow_remote = false;
};

int Ui(const UiArgs& a) {
  // Open once first, so a missing store is a clear error before anything listens.
  if (auto s = OpenStoreArg(a.store, false); !s.ok()) return Fail("ui", s.status());
  static OperatorRegistry reg;
  RegisterOperators(&reg);
  server::UiOptions o;
  o.listen = a.listen;
  o.allow_remote = a.allow_remote;
  o.store_name = a.store.empty() ? kDefaultStore : a.store;
  std::string store = a.store;
  o.open_store = [store] { return OpenStoreArg(store, false); };
  o.registry = &reg;
  return server::RunUi(o);
}

struct ReportArgs {
  std::string store;
  std::string job;
  std::string out;
};

int Report(const ReportArgs& a) {
  auto id = ParseJobId(a.job);
  if (!id.ok()) return Fail("report", id.status());
  auto store = OpenStoreArg(a.store, false);
  if (!store.ok()) return Fail("report", store.status());
  auto job = (*store)->GetJob(*id);
  if (!job.ok()) return Fail("report", job.status());
  if (job->state == engine::JobState::kRunning) {
    std::fprintf(stderr, "dandori report: job %lld is still running; reporting it as it is now\n",
                 static_cast<long long>(*id));
  }
  auto html = server::RenderJobReport(**store, *id, SystemClock()->NowMs());
  if (!html.ok()) return Fail("report", html.status());
  std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
  out.write(html->data(), static_cast<std::streamsize>(html->size()));
  out.close();
  if (!out) return Fail("report", Status::Invalid("cannot write " + a.out));
  std::fprintf(stderr, "dandori report: wrote %s (%zu bytes)\n", a.out.c_str(), html->size());
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND({"ui", "Serve the web view of the embedded store's jobs on loopback",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<UiArgs>();
                   sub->add_option("--store", a->store, "SQLite file (default .dandori/state.db)");
                   sub->add_option("--listen", a->listen,
                                   "HOST:PORT (default 127.0.0.1:8481; port 0: any free port)");
                   sub->add_flag("--allow-remote", a->allow_remote,
                                 "allow a --listen address that is not loopback");
                   return [a] { return Ui(*a); };
                 },
                 62});

DANDORI_COMMAND({"report", "Write a self-contained HTML report of a job",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<ReportArgs>();
                   sub->add_option("job", a->job, "job id")->required();
                   sub->add_option("-o,--output", a->out, "FILE.html")->required();
                   sub->add_option("--store", a->store, "SQLite file or postgres:// URL");
                   return [a] { return Report(*a); };
                 },
                 63});

}  // namespace dandori::cli
