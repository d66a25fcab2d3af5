// The dry run: a rolling block inside a fan-out is planned per branch (per zone: its
// items, waves and batch), not summed across branches, and the prediction is the
// makespan with branches side by side.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "engine/loader.h"
#include "engine/plan.h"
#include "engine/plan_history.h"
#include "engine/sqlite_store.h"
#include "engine/table_builder.h"
#include "proto/value_codec.h"

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

namespace dandori::engine {
namespace {

// rolling server in [8 items] (window 2 | batch 2) { stage x = noop() }
Result<PlanNode> RollingPlan(bool window, const PlanFigures* figures,
                             std::string* table = nullptr) {
  TableBuilder b("roll");
  Value::List items;
  for (int i = 0; i < 8; ++i) items.push_back(Value::Int(i));
  int roll = b.Begin(v1::ROLLING, "rolling server", b.Const(Value::MakeList(items)));
  b.state(roll).mutable_block()->set_var("server");
  if (window) {
    b.state(roll).mutable_block()->set_window(2);
  } else {
    b.state(roll).mutable_block()->set_batch(2);
  }
  b.Task("x", "noop", b.Record({}), roll);
  b.End(roll);
  v1::Table t = b.Build();
  if (table) *table = t.SerializeAsString();
  auto program = LoadTable(t, nullptr);
  REQUIRE(program.ok());
  PlanOptions o;
  o.figures = figures;
  return MakePlan(**program, Value::MakeRecord({}), nullptr, ".", o);
}

// noop takes 10 s, or 50 s one time in four.
PlanFigures Skewed() {
  PlanFigures f;
  DurationModel m;
  m.samples_ms = {10'000, 10'000, 10'000, 50'000};
  m.source = "test";
  f.ops["noop"] = m;
  return f;
}

TEST_CASE("plan: a sliding window and waves of the same width predict differently") {
  PlanFigures f = Skewed();
  auto window = RollingPlan(true, &f);
  auto waves = RollingPlan(false, &f);
  REQUIRE(window.ok());
  REQUIRE(waves.ok());
  INFO(PlanText(*window) << PlanText(*waves));
  // Waves wait for their slowest item; a window hands the slot over at once.
  CHECK(window->duration_ms < waves->duration_ms);
  CHECK(window->p90_ms <= waves->p90_ms);
  CHECK(window->duration_ms >= 4 * 10'000);  // 8 items on 2 slots, 10 s at least each
  // Fixed durations: no difference (4 rounds of 10 s either way).
  PlanFigures fixed;
  fixed.ops["noop"] = DurationModel::Fixed(10'000, "test");
  CHECK(RollingPlan(true, &fixed)->duration_ms == 40'000);
  CHECK(RollingPlan(false, &fixed)->duration_ms == 40'000);
}

TEST_CASE("plan: figures from a store's history replace the operators' estimates") {
  std::string table;
  auto guess = RollingPlan(true, nullptr, &table);
  REQUIRE(guess.ok());
  CHECK(guess->children[0].children[0].source == "estimate");
  auto dir =
      std::filesystem::temp_directory_path() / ("dandori-plan-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = OpenSqliteStore((dir / "state.db").string());
  REQUIRE(store.ok());
  JobSpec spec;
  spec.workflow = "roll";
  spec.table = table;
  spec.params = EncodeValue(Value::MakeRecord({}));
  bool created = false;
  auto job = (*store)->CreateJob(spec, 1, &created);
  REQUIRE(job.ok());
  Batch batch;
  for (int i = 0; i < 8; ++i) {  // item i took 30 s (+1 s for the last two)
    std::string key = "s1/" + std::to_string(i);
    TaskRow row;
    row.key = key;
    row.stage = "x";
    row.state = TaskState::kSucceeded;
    batch.Put(job->id, row);
    int64_t at = 1000 + i * 100'000;
    batch.AddEvent({0, job->id, at, "test", "task.started", key, 1, ""});
    batch.AddEvent(
        {0, job->id, at + (i < 6 ? 30'000 : 31'000), "test", "task.succeeded", key, 1, ""});
  }
  batch.SetJobState(job->id, JobState::kSucceeded, 2'000'000);
  std::vector<bool> accepted;
  REQUIRE((*store)->Commit(batch, &accepted).ok());
  auto history = HistoryFigures(**store, 10);
  REQUIRE(history.ok());
  REQUIRE(history->ops.count("noop") == 1);
  const DurationModel& m = history->ops.at("noop");
  CHECK(m.samples_ms.size() == 8);
  CHECK(m.median() == 30'000);
  CHECK(m.p90() == 31'000);
  CHECK(m.source == "history: 1 jobs, 8 attempts");
  auto plan = RollingPlan(true, &*history);
  REQUIRE(plan.ok());
  CHECK(plan->children[0].children[0].source == "history: 1 jobs, 8 attempts");
  // 8 items on 2 slots: 4 rounds of 30-31 s, not of the 0 s estimate.
  CHECK(plan->duration_ms >= 120'000);
  CHECK(plan->duration_ms <= 124'000);
  CHECK(guess->duration_ms < plan->duration_ms);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dandori::engine
