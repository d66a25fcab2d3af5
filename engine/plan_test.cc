// The dry run: a rolling block inside a fan-out is planned per branch (per zone: its
// items, waves and batch), not summed across branches, and the prediction is the
// makespan with branches side by side.
#include <catch2/catch.hpp>

#include "engine/loader.h"
#include "engine/plan.h"
#include "engine/table_builder.h"

namespace dandori::engine {
namespace {

Value Zone(const std::string& name, int servers) {
  Value::List list;
  for (int i = 0; i < servers; ++i) list.push_back(Value::String(name + "-" + std::to_string(i)));
  return Value::MakeRecord({{"name", Value::String(name)}, {"servers", Value::MakeList(list)}});
}

// fanout zone in [a: 8 servers, b: 8, c: 3] { rolling server in zone.servers batch 25% {..} }
Result<PlanNode> FleetPlan(int c_servers) {
  TableBuilder b("deploy");
  Value zones = Value::MakeList({Zone("a", 8), Zone("b", 8), Zone("c", c_servers)});
  int fan = b.Begin(v1::FANOUT, "fanout zone", b.Const(zones));
  b.state(fan).mutable_block()->set_var("zone");
  int roll = b.Begin(v1::ROLLING, "rolling server", b.Field(b.Var(fan), "servers"), fan);
  b.state(roll).mutable_block()->set_var("server");
  b.state(roll).mutable_block()->set_batch_percent(25);
  b.Task("step", "sleep", b.Record({{"duration", b.Const(Value::DurationMs(60'000))}}), roll);
  b.End(roll);
  b.End(fan);
  auto program = LoadTable(b.Build(), nullptr);
  REQUIRE(program.ok());
  return MakePlan(**program, Value::MakeRecord({}), nullptr, ".");
}

const PlanNode& Rolling(const PlanNode& plan) {
  REQUIRE(plan.children.size() == 1);
  REQUIRE(plan.children[0].children.size() == 1);
  return plan.children[0].children[0];
}

TEST_CASE("plan: waves per branch of a fan-out, makespan with branches in parallel") {
  auto plan = FleetPlan(3);
  REQUIRE(plan.ok());
  const PlanNode& r = Rolling(*plan);
  CHECK(r.scope == "zone");
  REQUIRE(r.branches.size() == 3);
  CHECK(r.branches[0].label == "a");
  CHECK(r.branches[0].items == 8);
  CHECK(r.branches[0].batch == 2);  // 25% of 8
  CHECK(r.branches[0].waves == 4);
  CHECK(r.branches[0].duration_ms == 4 * 60'000);
  CHECK(r.branches[2].label == "c");
  CHECK(r.branches[2].items == 3);
  CHECK(r.branches[2].batch == 1);  // 25% of 3, rounded up
  CHECK(r.branches[2].waves == 3);
  CHECK(r.items == 19);
  CHECK(r.tasks == 19);
  // The zones run side by side: the slowest zone's 4 waves, not 4 + 4 + 3.
  CHECK(plan->duration_ms == 4 * 60'000);
  std::string text = PlanText(*plan);
  INFO(text);
  CHECK(text.find("per zone: 3-8 items in 3-4 waves of 1-2 (3 zones, 19 items)") !=
        std::string::npos);
  CHECK(text.find("| zone a: 8 items in 4 waves of 2, ~4m") != std::string::npos);
  CHECK(text.find("| zone c: 3 items in 3 waves of 1, ~3m") != std::string::npos);
  CHECK(text.find("all branches at once") != std::string::npos);
  std::string json = PlanValue(*plan).ToJson();
  INFO(json);
  CHECK(json.find(
            R"({"batch":2,"branch":"b","items":8,"lower_bound_ms":240000,"predicted_ms":240000,)"
            R"("predicted_p90_ms":240000,"waves":4})") != std::string::npos);
}

TEST_CASE("plan: equal branches are summarized on one line") {
  auto plan = FleetPlan(8);
  REQUIRE(plan.ok());
  std::string text = PlanText(*plan);
  INFO(text);
  CHECK(text.find("per zone: 8 items in 4 waves of 2 (3 zones, 24 items)") != std::string::npos);
  CHECK(text.find("| zone") == std::string::npos);
  CHECK(plan->duration_ms == 4 * 60'000);
}

}  // namespace
}  // namespace dandori::engine
