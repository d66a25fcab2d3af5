// `dandori plan FILE --param k=v ... [--figures F] [--store S | --server URL] [--json]`:
// the dry run. Expands every fan-out whose list is known before running (running only
// side-effect-free operators such as fleet.inventory), prints the tree of stages and
// waves with counts and a predicted makespan (median, p90, lower bound; per branch),
// simulated from each operator's figure: past runs' history first (--store, or --server
// URL through serve's API with the token; read only), then declared figures (--figures,
// cli/plan_figures.h), then the operators' estimates. Writes to no store and starts no
// operator with effects.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/api_client.h"
#include "cli/driver.h"
#include "cli/plan_figures.h"
#include "cli/plan_server.h"
#include "engine/plan.h"
#include "engine/plan_history.h"

namespace dandori::cli {
namespace {

struct PlanArgs {
  std::string file;
  ParamArgs params;
  bool json = false;
  std::string figures;
  std::string store;
  ApiTarget server;
  int history_jobs = 10;
  int draws = 200;
};

int RunPlan(const PlanArgs& a) {
  auto job = PrepareJob(a.file, a.params, nullptr);
  if (!job.ok()) return Fail("plan", job.status());
  engine::PlanFigures figures;
  if (!a.store.empty()) {
    auto store = OpenStoreArg(a.store, /*create=*/false);
    if (!store.ok()) return Fail("plan", store.status());
    auto history = engine::HistoryFigures(**store, a.history_jobs);
    if (!history.ok()) return Fail("plan", history.status());
    figures = std::move(*history);
  } else if (!a.server.server.empty()) {
    auto source = ApiHistory(a.server);
    auto history = engine::HistoryFigures(*source, a.history_jobs);
    if (!history.ok()) return Fail("plan", history.status());
    figures = std::move(*history);
  }
  if (!a.figures.empty()) {
    auto declared = LoadPlanFigures(a.figures);
    if (!declared.ok()) return Fail("plan", declared.status());
    figures.Fill(*declared);  // history first: measured beats declared
  }
  OperatorRegistry registry;
  RegisterOperators(&registry);
  engine::PlanOptions options;
  options.figures = &figures;
  options.draws = a.draws;
  auto plan = engine::MakePlan(*job->program, job->params, &registry,
                               std::filesystem::current_path().string(), options);
  if (!plan.ok()) return Fail("plan", plan.status());
  if (a.json) {
    std::printf("%s\n", engine::PlanValue(*plan).ToJson(2).c_str());
  } else {
    std::printf("%s", engine::PlanText(*plan).c_str());
  }
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND(
    {"plan", "Dry run: expand fan-outs, show stages, waves, counts and duration",
     [](CLI::App* sub) -> CommandMain {
       auto a = std::make_shared<PlanArgs>();
       sub->add_option("file", a->file, "FILE.flow or FILE.flowc")->required();
       AddParamOptions(sub, &a->params);
       sub->add_flag("--json", a->json, "print the plan as JSON");
       sub->add_option("--figures", a->figures,
                       "operator duration figures (YAML/JSON; docs/cli.md)")
           ->check(CLI::ExistingFile);
       auto* store = sub->add_option("--store", a->store,
                                     "read past runs' durations from this store (SQLite file "
                                     "or postgres:// URL); read only");
       sub->add_option("--server", a->server.server,
                       "read past runs' durations through `dandori serve`'s API "
                       "(http://HOST:PORT); read only")
           ->excludes(store);
       sub->add_option("--token-file", a->server.token_file,
                       "the API token for --server (default $DANDORI_TOKEN)");
       sub->add_option("--history-jobs", a->history_jobs,
                       "ended jobs to read from --store / --server (10)")
           ->check(CLI::Range(1, 1000));
       sub->add_option("--draws", a->draws, "simulated runs (200)")->check(CLI::Range(1, 100000));
       return [a] { return RunPlan(*a); };
     },
     25});

}  // namespace dandori::cli
