// `dandori submit FILE [--wait]`: queue a job without running it here, either on a store
// (a postgres:// URL that `dandori serve` processes drive, or a SQLite file for a later
// `dandori resume`) or through a server's HTTP API (--server, cli/api_client.h). With
// --wait it then waits for the job to end and exits with its code (0 succeeded, 1
// failed or cancelled).
#include <CLI/CLI.hpp>

#include "cli/api_client.h"
#include "cli/driver.h"
#include "cli/job_view.h"
#include "engine/job_control.h"

namespace dandori::cli {
namespace {

struct SubmitArgs {
  std::string file;
  ParamArgs params;
  std::string key;
  std::string store;
  bool wait = false;
  ApiTarget target;
};

int Submit(const SubmitArgs& a) {
  if (!a.target.server.empty()) {
    auto params = GatherParams(a.params);
    if (!params.ok()) return Fail("submit", params.status());
    return RemoteSubmit(a.target, a.file, *params, a.key, a.wait);
  }
  OperatorRegistry reg;
  RegisterOperators(&reg);
  auto job = PrepareJob(a.file, a.params, &reg);
  if (!job.ok()) return Fail("submit", job.status());
  auto store = OpenStoreArg(a.store, true);
  if (!store.ok()) return Fail("submit", store.status());
  auto sub = SubmitPrepared(**store, *job, a.key);
  if (!sub.ok()) return Fail("submit", sub.status());
  std::printf("%s job %lld\n", sub->created ? "submitted" : "already submitted:",
              static_cast<long long>(sub->job.id));
  std::fflush(stdout);
  if (!a.wait) return kExitOk;
  auto end = engine::WaitForEnd(**store, sub->job.id);
  if (!end.ok()) return Fail("submit", end.status());
  auto st = engine::Describe(**store, *end);
  return PrintEnd(*end, st.ok() ? &st->failed : nullptr);
}

}  // namespace

DANDORI_COMMAND({"submit", "Queue a job on a store or a server without running it here",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<SubmitArgs>();
                   sub->add_option("file", a->file, "FILE.flow or FILE.flowc")->required();
                   AddParamOptions(sub, &a->params);
                   sub->add_option("--job-key", a->key, "idempotency key");
                   sub->add_flag(
                       "--wait", a->wait,
                       "wait for the job to end; exit 0 succeeded, 1 failed or cancelled");
                   sub->add_option("--store", a->store,
                                   "postgres:// URL or store file (default .dandori/state.db)");
                   sub->add_option("--server", a->target.server,
                                   "submit through `dandori serve`'s API (http://HOST:PORT)");
                   sub->add_option("--token-file", a->target.token_file,
                                   "the API token (default $DANDORI_TOKEN)");
                   return [a] { return Submit(*a); };
                 },
                 35});

}  // namespace dandori::cli
