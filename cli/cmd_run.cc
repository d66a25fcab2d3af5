// `dandori run FILE.flow|FILE.flowc --param k=v ... [--store PATH] [--job-key KEY]`: submits
// the workflow as a job on the embedded store and runs it here with live progress. The
// same key again returns the same job and resumes it. Exit 0 succeeded, 1 failed or
// cancelled, 2 bad input (nothing is written to the store then).
#include <CLI/CLI.hpp>

#include "cli/run_support.h"

namespace dandori::cli {
namespace {

struct RunArgs {
  std::string file;
  std::vector<std::string> params;
  std::string store;
  std::string key;
};

int RunRun(const RunArgs& a) {
  auto table = LoadWorkflow(a.file);
  if (!table.ok()) return Fail("run", table.status());
  OperatorRegistry registry;
  RegisterOperators(&registry);
  auto program = engine::LoadTable(*table, &registry);
  if (!program.ok()) return Fail("run", program.status());
  auto given = ParseParams(a.params);
  if (!given.ok()) return Fail("run", given.status());
  auto params = engine::BindParams(**program, *given);
  if (!params.ok()) return Fail("run", params.status());
  auto store = OpenStore(a.store, true);
  if (!store.ok()) return Fail("run", store.status());
  bool created = false;
  auto job = engine::SubmitJob(**store, *table, *params, a.key,
                               std::filesystem::current_path().string(), *SystemClock(), &created);
  if (!job.ok()) return Fail("run", job.status());
  if (created) {
    std::printf("job %lld: %s%s\n", static_cast<long long>(job->id), table->workflow().c_str(),
                a.key.empty() ? "" : (" (key " + a.key + ")").c_str());
  } else {
    std::printf("job %lld (key %s) exists: %s; resuming\n", static_cast<long long>(job->id),
                a.key.c_str(), std::string(engine::JobStateName(job->state)).c_str());
    if (job->table != table->SerializeAsString()) {
      std::fprintf(stderr,
                   "dandori run: note: job %lld was submitted from a different table; "
                   "it keeps its own\n",
                   static_cast<long long>(job->id));
    }
  }
  std::fflush(stdout);
  return DriveWithProgress("run", **store, a.store, job->id);
}

}  // namespace

DANDORI_COMMAND({"run", "Run a workflow on the embedded store, with live progress",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<RunArgs>();
                   sub->add_option("file", a->file, "FILE.flow or FILE.flowc")->required();
                   sub->add_option("-p,--param", a->params, "NAME=VALUE (repeatable)");
                   sub->add_option("--store", a->store, "store file (default .dandori/state.db)");
                   sub->add_option(
                       "--job-key", a->key,
                       "idempotency key: the same key returns (and resumes) the same job");
                   return [a] { return RunRun(*a); };
                 },
                 30});

}  // namespace dandori::cli
