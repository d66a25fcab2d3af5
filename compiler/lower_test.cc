#include "compiler/lower.h"

#include <catch2/catch.hpp>

#include "compiler/compile.h"
#include "compiler/report.h"
#include "proto/table_verify.h"
#include "proto/table_version.h"

namespace dandori::compiler {
namespace {

v1::Table CompileOk(const std::string& text) {
  SourceManager sm;
  Diagnostics diags;
  CompileOutput out = CompileSource(sm.Add("t.flow", text), sm, diags);
  INFO(RenderReport(diags, sm, ReportFormat::kText));
  REQUIRE(out.table.has_value());
  return *out.table;
}

int Find(const v1::Table& t, const std::string& name, v1::StateKind kind) {
  for (const v1::State& s : t.states()) {
    if (s.name() == name && s.kind() == kind) return s.index();
  }
  FAIL("no state " << name);
  return -1;
}

bool HasOp(const v1::Code& c, v1::Op op, int a) {
  for (const v1::Instr& in : c.code()) {
    if (in.op() == op && in.a() == a) return true;
  }
  return false;
}

TEST_CASE("sequence and after become deps and ok transitions") {
  v1::Table t = CompileOk(R"(workflow w(n: int = 2) {
  stage a = noop(value: n)
  stage b = noop(value: 1) after a
  stage c = noop(value: 2) after a
  stage d = noop(value: b.value + c.value) after b, c
})");
  // Nothing here needs format 3, so an engine that reads only format 2 still runs it.
  CHECK(t.format_version() == v1::kOldestTableFormatVersion);
  CHECK(t.workflow() == "w");
  int a = Find(t, "a", v1::TASK), b = Find(t, "b", v1::TASK), c = Find(t, "c", v1::TASK),
      d = Find(t, "d", v1::TASK);
  CHECK(t.states(a).deps_size() == 0);
  CHECK(t.states(b).deps(0) == a);
  CHECK(t.states(c).deps(0) == a);
  CHECK(t.states(d).deps_size() == 2);
  CHECK(t.states(a).next().ok_size() == 2);
  CHECK(t.states(d).next().ok(0) == t.succeed());
  CHECK(t.states(t.succeed()).deps(0) == d);
  CHECK(t.states(a).next().failed() == t.fail());
  CHECK(HasOp(t.states(a).args(), v1::OP_PARAM, 0));
  CHECK(HasOp(t.states(d).args(), v1::OP_STAGE, b));
  CHECK(HasOp(t.states(d).args(), v1::OP_STAGE, c));
  CHECK(t.states(d).args().code(t.states(d).args().code_size() - 1).op() == v1::OP_RECORD);
  CHECK(t.params(0).name() == "n");
  CHECK_FALSE(t.params(0).required());
  CHECK(v1::VerifyTable(t).empty());
}

TEST_CASE("loops lower to BLOCK_BEGIN / body / BLOCK_END with OP_VAR and OP_STAGE_ALL") {
  v1::Table t = CompileOk(R"(workflow w(items: list<int>) {
  defaults { retry 2 backoff 1s..8s; timeout 5m }
  foreach x in items parallel 3 {
    stage sq = noop(value: x * x) { timeout 1m }
  }
  stage total = noop(value: len(sq[*]))
  on failure {
    stage alert = notify.webhook("http://h/x", "failed: ${error.message}")
  }
})");
  int begin = Find(t, "foreach x", v1::BLOCK_BEGIN), end = Find(t, "foreach x", v1::BLOCK_END);
  int sq = Find(t, "sq", v1::TASK), total = Find(t, "total", v1::TASK);
  const v1::Block& b = t.states(begin).block();
  CHECK(b.kind() == v1::FOREACH);
  CHECK(b.parallel() == 3);
  CHECK(t.states(begin + 1).parent() == begin);
  CHECK(t.states(end - 1).parent() == begin);
  CHECK(b.end() == end);
  CHECK(t.states(end).block().begin() == begin);
  CHECK(t.states(sq).parent() == begin);
  CHECK(t.states(sq).next().failed() == end);
  CHECK(HasOp(t.states(sq).args(), v1::OP_VAR, begin));
  CHECK(HasOp(t.states(total).args(), v1::OP_STAGE_ALL, sq));
  CHECK(t.states(total).deps(0) == end);
  // defaults merged with the stage policy: the stage's timeout wins.
  CHECK(t.states(sq).policy().retries() == 2);
  CHECK(t.states(sq).policy().backoff_max_ms() == 8000);
  CHECK(t.states(sq).policy().timeout_ms() == 60000);
  CHECK(t.states(total).policy().timeout_ms() == 300000);
  // failures at the top level go to the handler, which ends in FAIL.
  CHECK(t.on_failure() >= 0);
  CHECK(t.states(total).next().failed() == t.on_failure());
  int alert = Find(t, "alert", v1::TASK);
  CHECK(t.states(alert).parent() == t.on_failure());
  CHECK(HasOp(t.states(alert).args(), v1::OP_ERROR, 0));
  CHECK(v1::VerifyTable(t).empty());
}

TEST_CASE("arguments fill defaults from the signature and accept bare choices") {
  v1::Table t = CompileOk(R"(workflow w(source: path) {
  stage a = media.encode_audio(source, codec: opus)
})");
  const v1::State& s = t.states(Find(t, "a", v1::TASK));
  const v1::Instr& rec = s.args().code(s.args().code_size() - 1);
  REQUIRE(rec.op() == v1::OP_RECORD);
  REQUIRE(rec.a() == 3);  // src, codec, bitrate (default 128k)
  CHECK(t.consts(rec.b()).string_value() == "src");
  CHECK(t.consts(rec.b() + 1).string_value() == "codec");
  CHECK(t.consts(rec.b() + 2).string_value() == "bitrate");
  bool has_opus = false;
  for (const v1::Value& v : t.consts()) has_opus = has_opus || v.string_value() == "opus";
  CHECK(has_opus);
  CHECK(s.output_type() == "track");
}

TEST_CASE("constant expressions fold; and/or compile to jumps") {
  v1::Table t = CompileOk(R"(const base = 10s
workflow w(flag: bool, other: bool) {
  stage a = sleep(base * 3)
  stage b = noop(value: 1) when flag and other
})");
  const v1::State& a = t.states(Find(t, "a", v1::TASK));
  CHECK(a.args().code_size() == 2);  // CONST 30s, RECORD
  CHECK(t.consts(a.args().code(0).a()).duration_ms() == 30000);
  const v1::Code& when = t.states(Find(t, "b", v1::TASK)).when();
  REQUIRE(when.code_size() == 5);
  CHECK(when.code(1).op() == v1::OP_DUP);
  CHECK(when.code(2).op() == v1::OP_JUMP_IF_FALSE);
  CHECK(when.code(2).a() == 5);
  CHECK(when.source() == "flag and other");
}

TEST_CASE("rolling, fanout, group and gate descriptors") {
  v1::Table t = CompileOk(R"(workflow w(inventory: path) {
  stage inv = fleet.inventory(inventory)
  fanout zone in inv.zones parallel all tolerate 1 {
    rolling server in zone.servers batch 10% tolerate 2 {
      group g {
        stage up = fleet.restart(server, version: "2")
      } { retry 2; timeout 30m }
    }
  }
  approve go "continue?"
})");
  const v1::Block& f = t.states(Find(t, "fanout zone", v1::BLOCK_BEGIN)).block();
  CHECK(f.kind() == v1::FANOUT);
  CHECK(f.parallel() == 0);
  CHECK(f.has_tolerate());
  CHECK(f.tolerate() == 1);
  const v1::Block& r = t.states(Find(t, "rolling server", v1::BLOCK_BEGIN)).block();
  CHECK(r.kind() == v1::ROLLING);
  CHECK(r.batch_percent() == 10.0);
  CHECK(r.tolerate() == 2);
  const v1::State& g = t.states(Find(t, "g", v1::BLOCK_BEGIN));
  CHECK(g.block().kind() == v1::GROUP);
  CHECK(g.policy().retries() == 2);
  CHECK(g.policy().timeout_ms() == 1800000);
  const v1::State& gate = t.states(Find(t, "go", v1::GATE));
  CHECK(gate.message().code_size() == 1);
  CHECK(v1::VerifyTable(t).empty());
}

TEST_CASE("rolling window and keep: Block fields and format 3") {
  v1::Table t = CompileOk(R"(const floor = 90%
workflow w(inventory: path) {
  stage inv = fleet.inventory(inventory)
  fanout zone in inv.zones parallel all {
    rolling server in zone.servers window 5% keep floor serving tolerate 1% {
      stage up = fleet.restart(server, version: "2")
    }
    rolling again in zone.servers window 3 keep 2 serving {
      stage up2 = fleet.restart(again, version: "2")
    }
  }
})");
  CHECK(t.format_version() == 3);  // nothing of format 4's: the oldest that says it
  const v1::Block& r = t.states(Find(t, "rolling server", v1::BLOCK_BEGIN)).block();
  CHECK(r.batch() == 0);
  CHECK(r.batch_percent() == 0);
  CHECK(r.window_percent() == 5.0);
  CHECK(r.has_keep());
  CHECK(r.keep_percent() == 90.0);
  CHECK(r.tolerate_percent() == 1.0);
  const v1::Block& c = t.states(Find(t, "rolling again", v1::BLOCK_BEGIN)).block();
  CHECK(c.window() == 3);
  CHECK(c.keep() == 2);
  CHECK(c.has_keep());
  CHECK(v1::VerifyTable(t).empty());
  v1::Table old = t;
  old.set_format_version(2);  // window / keep need format 3
  CHECK_FALSE(v1::VerifyTable(old).empty());
}

TEST_CASE("policies from parameters: bindings, a stage's own item wins, format 4") {
  v1::Table t = CompileOk(R"(workflow w(limit: duration = 30s, n: int = 2) {
  defaults { retry n backoff limit..(limit * 4); timeout limit * 2 }
  stage a = sleep(1s)
  stage b = sleep(1s) { timeout 5m }
} { tolerate n })");
  CHECK(t.format_version() == 4);
  auto fields = [](const v1::Policy& p) {
    std::vector<int> out;
    for (const auto& b : p.bound()) out.push_back(b.field());
    return out;
  };
  const v1::State& a = t.states(Find(t, "a", v1::TASK));
  CHECK(fields(a.policy()) == std::vector<int>{v1::POLICY_RETRIES, v1::POLICY_BACKOFF_MIN,
                                               v1::POLICY_BACKOFF_MAX, v1::POLICY_TIMEOUT});
  CHECK(a.policy().timeout_ms() == 0);  // until the job starts
  CHECK(a.policy().bound(3).value().source() == "limit * 2");
  CHECK(a.policy().bound(3).loc().line() == 2);
  const v1::State& b = t.states(Find(t, "b", v1::TASK));
  CHECK(fields(b.policy()) ==
        std::vector<int>{v1::POLICY_RETRIES, v1::POLICY_BACKOFF_MIN, v1::POLICY_BACKOFF_MAX});
  CHECK(b.policy().timeout_ms() == 300000);
  CHECK(fields(t.policy()) == std::vector<int>{v1::POLICY_TOLERATE});
  CHECK(v1::VerifyTable(t).empty());
  v1::Table old = t;
  old.set_format_version(3);
  CHECK_FALSE(v1::VerifyTable(old).empty());
}

}  // namespace
}  // namespace dandori::compiler
