// `dandori run FILE.flow|FILE.flowc --param k=v ... [--params-file F] [--store PATH]
// [--job-key KEY]`: submits the workflow as a job on the embedded store and runs it here
// with live progress. The same key again returns the same job and resumes it. Exit 0
// succeeded, 1 failed or cancelled, 2 bad input (nothing is written to the store then).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/driver.h"
#include "cli/run_support.h"
#include "engine/store.h"

namespace dandori::cli {
namespace {

struct RunArgs {
  std::string file;
  ParamArgs params;
  std::string store;
  std::string key;
};

int RunRun(const RunArgs& a) {
  OperatorRegistry registry;
  RegisterOperators(&registry);
  auto job = PrepareJob(a.file, a.params, &registry);
  if (!job.ok()) return Fail("run", job.status());
  auto store = OpenStoreArg(a.store, true);
  if (!store.ok()) return Fail("run", store.status());
  auto sub = SubmitPrepared(**store, *job, a.key);
  if (!sub.ok()) return Fail("run", sub.status());
  auto id = static_cast<long long>(sub->job.id);
  if (sub->created) {
    std::printf("job %lld: %s%s\n", id, job->table.workflow().c_str(),
                a.key.empty() ? "" : (" (key " + a.key + ")").c_str());
  } else {
    std::printf("job %lld (key %s) exists: %s; resuming\n", id, a.key.c_str(),
                std::string(engine::JobStateName(sub->job.state)).c_str());
    if (sub->job.table != job->table.SerializeAsString()) {
      std::fprintf(stderr,
                   "dandori run: note: job %lld was submitted from a different table; "
                   "it keeps its own\n",
                   id);
    }
  }
  std::fflush(stdout);
  return DriveWithProgress("run", **store, a.store, sub->job.id);
}

}  // namespace

DANDORI_COMMAND({"run", "Run a workflow on the embedded store, with live progress",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<RunArgs>();
                   sub->add_option("file", a->file, "FILE.flow or FILE.flowc")->required();
                   AddParamOptions(sub, &a->params);
                   sub->add_option("--store", a->store, "store file (default .dandori/state.db)");
                   sub->add_option(
                       "--job-key", a->key,
                       "idempotency key: the same key returns (and resumes) the same job");
                   return [a] { return RunRun(*a); };
                 },
                 30});

}  // namespace dandori::cli
