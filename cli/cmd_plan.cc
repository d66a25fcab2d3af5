// `dandori plan FILE --param k=v ... [--json]`: the dry run. Expands every fan-out whose
// list is known before running (running only side-effect-free operators such as
// fleet.inventory), prints the tree of stages and waves with counts and a predicted
// duration. Touches no store and starts no operator with effects.
#include <CLI/CLI.hpp>

#include "cli/run_support.h"
#include "engine/plan.h"

namespace dandori::cli {
namespace {

struct PlanArgs {
  std::string file;
  std::vector<std::string> params;
  bool json = false;
};

int RunPlan(const PlanArgs& a) {
  auto table = LoadWorkflow(a.file);
  if (!table.ok()) return Fail("plan", table.status());
  auto program = engine::LoadTable(*table, nullptr);
  if (!program.ok()) return Fail("plan", program.status());
  auto given = ParseParams(a.params);
  if (!given.ok()) return Fail("plan", given.status());
  auto params = engine::BindParams(**program, *given);
  if (!params.ok()) return Fail("plan", params.status());
  OperatorRegistry registry;
  RegisterOperators(&registry);
  auto plan =
      engine::MakePlan(**program, *params, &registry, std::filesystem::current_path().string());
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
                   sub->add_option("-p,--param", a->params, "NAME=VALUE (repeatable)");
                   sub->add_flag("--json", a->json, "print the plan as JSON");
                   return [a] { return RunPlan(*a); };
                 },
                 25});

}  // namespace dandori::cli
