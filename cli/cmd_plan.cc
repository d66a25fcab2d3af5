// `dandori plan FILE --param k=v ... [--params-file F] [--json]`: the dry run. Expands
// every fan-out whose list is known before running (running only side-effect-free
// operators such as fleet.inventory), prints the tree of stages and waves with counts
// and a predicted duration. Touches no store and starts no operator with effects.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/driver.h"
#include "engine/plan.h"

namespace dandori::cli {
namespace {

struct PlanArgs {
  std::string file;
  ParamArgs params;
  bool json = false;
};

int RunPlan(const PlanArgs& a) {
  auto job = PrepareJob(a.file, a.params, nullptr);
  if (!job.ok()) return Fail("plan", job.status());
  OperatorRegistry registry;
  RegisterOperators(&registry);
  auto plan = engine::MakePlan(*job->program, job->params, &registry,
                               std::filesystem::current_path().string());
  if (!plan.ok()) return Fail("plan", plan.status());
  if (a.json) {
    std::printf("%s\n", engine::PlanValue(*plan).ToJson(2).c_str());
  } else {
    std::printf("%s", engine::PlanText(*plan).c_str());
  }
  return kExitOk;
}

}  // namespace

DANDORI_COMMAND({"plan", "Dry run: expand fan-outs, show stages, waves, counts and duration",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<PlanArgs>();
                   sub->add_option("file", a->file, "FILE.flow or FILE.flowc")->required();
                   AddParamOptions(sub, &a->params);
                   sub->add_flag("--json", a->json, "print the plan as JSON");
                   return [a] { return RunPlan(*a); };
                 },
                 25});

}  // namespace dandori::cli
