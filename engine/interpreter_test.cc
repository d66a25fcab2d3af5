#include "engine/interpreter.h"

#include <catch2/catch.hpp>

#include <limits>
#include <map>

#include "dandori/v1/table.pb.h"
#include "proto/value_codec.h"

namespace dandori::engine {
namespace {

using namespace dandori::v1;  // OP_* and BUILTIN_*
using ::dandori::Code;
using ::dandori::Value;

// Answers scope loads from fixed values; records what was asked.
class FakeScope : public EvalScope {
 public:
  std::vector<Value> params;
  std::map<int, Value> vars, stages, stage_all;
  std::map<std::string, Value, std::less<>> env;
  Value error;
  std::vector<std::string> asked;

  Result<Value> Param(int i) override {
    asked.push_back("param" + std::to_string(i));
    if (i < 0 || i >= static_cast<int>(params.size())) return Status::Internal("no such param");
    return params[i];
  }
  Result<Value> Var(int b) override { return Lookup(vars, b, "var"); }
  Result<Value> Stage(int s) override { return Lookup(stages, s, "stage"); }
  Result<Value> StageAll(int s) override { return Lookup(stage_all, s, "stage_all"); }
  Result<Value> Env(std::string_view name) override {
    asked.push_back("env " + std::string(name));
    auto it = env.find(name);
    return it == env.end() ? Value::Null() : it->second;
  }
  Result<Value> Error() override {
    asked.push_back("error");
    return error;
  }

 private:
  Result<Value> Lookup(const std::map<int, Value>& m, int k, const std::string& what) {
    asked.push_back(what + std::to_string(k));
    auto it = m.find(k);
    if (it == m.end()) return Status::FailedPrecondition(what + " not available");
    return it->second;
  }
};

// A tiny assembler for tests.
struct Prog {
  std::vector<Value> consts;
  FlatCode code;

  int K(Value v) {
    consts.push_back(std::move(v));
    return static_cast<int>(consts.size()) - 1;
  }
  Prog& I(Op op, int a = 0, int b = 0) {
    code.code.push_back({op, a, b});
    return *this;
  }
  Prog& C(Value v) { return I(OP_CONST, K(std::move(v))); }
  int pc() const { return static_cast<int>(code.code.size()); }
  Result<Value> Run(EvalScope& s) const { return Evaluate(code, consts, s); }
  Result<Value> Run() const {
    FakeScope s;
    return Run(s);
  }
};

Value S(const char* s) { return Value::String(s); }
Value I(int64_t i) { return Value::Int(i); }

Value Ok(const Result<Value>& r) {
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::string Err(const Result<Value>& r) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  return r.status().message();
}

Result<Value> Binary(Op op, Value l, Value r) {
  Prog p;
  p.C(std::move(l)).C(std::move(r)).I(op);
  return p.Run();
}

TEST_CASE("constants and scope loads", "[interp]") {
  FakeScope s;
  s.params = {S("in.mp4"), I(7)};
  s.vars[3] = I(42);
  s.stages[5] = Value::MakeRecord({{"chunks", Value::MakeList({I(1), I(2)})}});
  s.stage_all[6] = Value::MakeList({I(9)});
  s.env["HOME"] = S("/root");
  s.error = Value::MakeRecord({{"message", S("boom")}});

  Prog p;
  p.I(OP_PARAM, 1).I(OP_VAR, 3).I(OP_STAGE, 5).I(OP_FIELD, p.K(S("chunks")));
  p.I(OP_STAGE_ALL, 6).I(OP_ENV, p.K(S("HOME"))).I(OP_ENV, p.K(S("UNSET"))).I(OP_ERROR);
  p.I(OP_LIST, 7);
  Value v = Ok(p.Run(s));
  CHECK(v.ToString() == "[7, 42, [1, 2], [9], \"/root\", null, {message: \"boom\"}]");
  REQUIRE(v.list().size() == 7);
  CHECK(v.list()[0] == I(7));
  CHECK(v.list()[1] == I(42));
  CHECK(v.list()[2].list().size() == 2);
  CHECK(v.list()[3] == Value::MakeList({I(9)}));
  CHECK(v.list()[4] == S("/root"));
  CHECK(v.list()[5].is_null());
  CHECK(v.list()[6].Get("message") == S("boom"));
  CHECK(s.asked == std::vector<std::string>{"param1", "var3", "stage5", "stage_all6", "env HOME",
                                            "env UNSET", "error"});
}

TEST_CASE("scope errors pass through unchanged", "[interp]") {
  FakeScope s;
  Prog p;
  p.I(OP_STAGE, 99);
  auto r = p.Run(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kFailedPrecondition);
  CHECK(r.status().message() == "stage not available");
}

TEST_CASE("Flatten and ConstPool read the proto", "[interp]") {
  v1::Table t;
  ValueToProto(I(2), t.add_consts());
  ValueToProto(I(40), t.add_consts());
  v1::Code* c = t.add_states()->mutable_args();
  c->set_source("2 + 40");
  auto* i1 = c->add_code();
  i1->set_op(OP_CONST);
  i1->set_a(0);
  auto* i2 = c->add_code();
  i2->set_op(OP_CONST);
  i2->set_a(1);
  c->add_code()->set_op(OP_ADD);
  FlatCode f = Flatten(*c);
  CHECK(f.source == "2 + 40");
  REQUIRE(f.code.size() == 3);
  CHECK(f.code[1].op == OP_CONST);
  CHECK(f.code[1].a == 1);
  std::vector<Value> consts = ConstPool(t);
  FakeScope s;
  CHECK(Ok(Evaluate(f, consts, s)) == I(42));
  CHECK(Flatten(v1::Code()).empty());
  CHECK(Err(Evaluate(Flatten(v1::Code()), consts, s)).find("empty") != std::string::npos);
}

TEST_CASE("int arithmetic", "[interp]") {
  CHECK(Ok(Binary(OP_ADD, I(2), I(3))) == I(5));
  CHECK(Ok(Binary(OP_SUB, I(2), I(3))) == I(-1));
  CHECK(Ok(Binary(OP_MUL, I(4), I(3))) == I(12));
  CHECK(Ok(Binary(OP_DIV, I(7), I(2))) == I(3));
  CHECK(Ok(Binary(OP_DIV, I(-7), I(2))) == I(-3));
  CHECK(Ok(Binary(OP_MOD, I(7), I(3))) == I(1));
  CHECK(Ok(Binary(OP_ADD, I(1), Value::Float(0.5))).kind() == Value::Kind::kFloat);
  CHECK(Ok(Binary(OP_ADD, I(1), Value::Float(0.5))).as_float() == 1.5);
  CHECK(Ok(Binary(OP_DIV, Value::Float(1), Value::Float(4))).as_float() == 0.25);
  Prog neg;
  neg.C(I(5)).I(OP_NEG);
  CHECK(Ok(neg.Run()) == I(-5));
}

TEST_CASE("int overflow and division by zero are errors", "[interp]") {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  CHECK(Err(Binary(OP_ADD, I(max), I(1))).find("integer overflow") == 0);
  CHECK(Err(Binary(OP_SUB, I(min), I(1))).find("integer overflow") == 0);
  CHECK(Err(Binary(OP_MUL, I(max / 2 + 1), I(2))).find("integer overflow") == 0);
  CHECK(Err(Binary(OP_DIV, I(min), I(-1))).find("integer overflow") == 0);
  CHECK(Err(Binary(OP_DIV, I(1), I(0))) == "division by zero: int 1 / int 0");
  CHECK(Err(Binary(OP_MOD, I(1), I(0))).find("division by zero") == 0);
  CHECK(Err(Binary(OP_DIV, Value::Float(1), Value::Float(0))).find("division by zero") == 0);
  Prog neg;
  neg.C(I(min)).I(OP_NEG);
  CHECK(Err(neg.Run()).find("integer overflow") == 0);
}

TEST_CASE("unit arithmetic", "[interp]") {
  auto d = Value::DurationMs;
  auto sz = Value::SizeBytes;
  CHECK(Ok(Binary(OP_ADD, d(1000), d(500))) == d(1500));
  CHECK(Ok(Binary(OP_SUB, d(1000), d(500))) == d(500));
  CHECK(Ok(Binary(OP_MUL, d(1000), I(3))) == d(3000));
  CHECK(Ok(Binary(OP_MUL, I(3), d(1000))) == d(3000));
  CHECK(Ok(Binary(OP_MUL, d(1000), Value::Float(1.5))) == d(1500));
  CHECK(Ok(Binary(OP_DIV, d(3000), I(2))) == d(1500));
  CHECK(Ok(Binary(OP_DIV, d(3000), d(1000))).as_float() == 3.0);
  CHECK(Ok(Binary(OP_MUL, sz(1024), I(4))) == sz(4096));
  CHECK(Ok(Binary(OP_DIV, sz(4096), sz(1024))).as_float() == 4.0);
  CHECK(Ok(Binary(OP_ADD, sz(1), sz(2))) == sz(3));
  CHECK(Ok(Binary(OP_ADD, Value::Percent(1), Value::Percent(2))) == Value::Percent(3));
  CHECK(Err(Binary(OP_ADD, d(1000), I(1))) == "cannot add duration 1s and int 1");
  CHECK(Err(Binary(OP_MUL, d(1000), d(1000))).find("cannot multiply") == 0);
  CHECK(Err(Binary(OP_ADD, d(1), sz(1))).find("cannot add") == 0);
  CHECK(Err(Binary(OP_DIV, d(1000), d(0))).find("division by zero") == 0);
  CHECK(
      Err(Binary(OP_MUL, d(std::numeric_limits<int64_t>::max()), I(2))).find("integer overflow") ==
      0);
}

TEST_CASE("string and list addition, type errors", "[interp]") {
  CHECK(Ok(Binary(OP_ADD, S("ab"), S("cd"))) == S("abcd"));
  CHECK(Ok(Binary(OP_ADD, Value::MakeList({I(1)}), Value::MakeList({I(2)}))) ==
        Value::MakeList({I(1), I(2)}));
  CHECK(Err(Binary(OP_ADD, S("a"), I(1))) == "cannot add string \"a\" and int 1");
  CHECK(Err(Binary(OP_SUB, S("a"), S("b"))).find("cannot subtract") == 0);
  CHECK(Err(Binary(OP_ADD, Value::Bool(true), I(1))).find("cannot add bool true") == 0);
  Prog neg;
  neg.C(S("x")).I(OP_NEG);
  CHECK(Err(neg.Run()) == "cannot negate string \"x\"");
}

TEST_CASE("comparisons", "[interp]") {
  CHECK(Ok(Binary(OP_LT, I(1), I(2))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_LE, I(2), I(2))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_GT, I(1), I(2))) == Value::Bool(false));
  CHECK(Ok(Binary(OP_GE, Value::Float(2.5), I(2))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_LT, S("abc"), S("abd"))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_GT, Value::DurationMs(60000), Value::DurationMs(1000))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_LT, Value::SizeBytes(1), Value::SizeBytes(2))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_LT, Value::Percent(1), Value::Percent(2))) == Value::Bool(true));
  CHECK(Err(Binary(OP_LT, S("a"), I(1))) == "cannot compare string \"a\" with int 1");
  CHECK(Err(Binary(OP_LT, Value::DurationMs(1), I(1))).find("cannot compare") == 0);
  CHECK(Err(Binary(OP_LT, Value::MakeList({}), Value::MakeList({}))).find("cannot compare") == 0);
}

TEST_CASE("deep equality", "[interp]") {
  Value a = Value::MakeRecord({{"x", Value::MakeList({I(1), S("s")})}});
  Value b = Value::MakeRecord({{"x", Value::MakeList({I(1), S("s")})}});
  Value c = Value::MakeRecord({{"x", Value::MakeList({I(1), S("t")})}});
  CHECK(Ok(Binary(OP_EQ, a, b)) == Value::Bool(true));
  CHECK(Ok(Binary(OP_EQ, a, c)) == Value::Bool(false));
  CHECK(Ok(Binary(OP_NE, a, c)) == Value::Bool(true));
  CHECK(Ok(Binary(OP_EQ, I(1), Value::Float(1.0))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_EQ, S("1"), I(1))) == Value::Bool(false));
  CHECK(Ok(Binary(OP_EQ, Value::Null(), Value::Null())) == Value::Bool(true));
  CHECK(Ok(Binary(OP_NE, Value::Null(), I(0))) == Value::Bool(true));
}

TEST_CASE("not, to_bool and truthiness", "[interp]") {
  auto truth = [](Value v) {
    Prog p;
    p.C(std::move(v)).I(OP_TO_BOOL);
    return Ok(p.Run()).as_bool();
  };
  CHECK_FALSE(truth(Value::Null()));
  CHECK_FALSE(truth(I(0)));
  CHECK_FALSE(truth(S("")));
  CHECK_FALSE(truth(Value::MakeList({})));
  CHECK_FALSE(truth(Value::DurationMs(0)));
  CHECK(truth(I(3)));
  CHECK(truth(S("x")));
  CHECK(truth(Value::MakeRecord({{"a", I(1)}})));
  Prog p;
  p.C(Value::Bool(true)).I(OP_NOT);
  CHECK(Ok(p.Run()) == Value::Bool(false));
}

TEST_CASE("and / or compiled to jumps short-circuit", "[interp]") {
  // false and <stage 1>: the right side is never loaded.
  FakeScope s;
  Prog p;
  p.C(Value::Bool(false)).I(OP_DUP).I(OP_JUMP_IF_FALSE, 5).I(OP_POP).I(OP_STAGE, 1);
  CHECK(Ok(p.Run(s)) == Value::Bool(false));
  CHECK(s.asked.empty());
  // true or <stage 1>
  Prog q;
  q.C(Value::Bool(true)).I(OP_DUP).I(OP_JUMP_IF_TRUE, 5).I(OP_POP).I(OP_STAGE, 1);
  CHECK(Ok(q.Run(s)) == Value::Bool(true));
  CHECK(s.asked.empty());
  // if-else with JUMP: cond ? 1 : 2
  Prog r;
  r.C(I(0)).I(OP_JUMP_IF_FALSE, 4).C(I(1)).I(OP_JUMP, 5).C(I(2));
  CHECK(Ok(r.Run()) == I(2));
}

TEST_CASE("fields, indexes and membership", "[interp]") {
  Value rec = Value::MakeRecord({{"height", I(720)}, {"crf", I(23)}});
  Prog p;
  p.C(rec).I(OP_FIELD, p.K(S("height")));
  CHECK(Ok(p.Run()) == I(720));
  Prog bad;
  bad.C(rec).I(OP_FIELD, bad.K(S("heigth")));
  CHECK(Err(bad.Run()) ==
        "no field 'heigth' in record {height: 720, crf: 23} (did you mean 'height'?)");
  Prog null_field;
  null_field.C(Value::Null()).I(OP_FIELD, null_field.K(S("x")));
  CHECK(Err(null_field.Run()) == "cannot read field 'x' of null");

  Value list = Value::MakeList({I(10), I(20), I(30)});
  CHECK(Ok(Binary(OP_INDEX, list, I(1))) == I(20));
  CHECK(Ok(Binary(OP_INDEX, list, I(-1))) == I(30));
  CHECK(Err(Binary(OP_INDEX, list, I(5))) == "index 5 out of range for a list of 3");
  CHECK(Err(Binary(OP_INDEX, list, I(-4))) == "index -4 out of range for a list of 3");
  CHECK(Ok(Binary(OP_INDEX, rec, S("crf"))) == I(23));
  CHECK(Err(Binary(OP_INDEX, list, S("a"))).find("cannot index") == 0);

  CHECK(Ok(Binary(OP_IN, I(20), list)) == Value::Bool(true));
  CHECK(Ok(Binary(OP_IN, I(21), list)) == Value::Bool(false));
  CHECK(Ok(Binary(OP_IN, S("ell"), S("hello"))) == Value::Bool(true));
  CHECK(Ok(Binary(OP_IN, S("crf"), rec)) == Value::Bool(true));
  CHECK(Err(Binary(OP_IN, I(1), I(2))).find("cannot test whether int 1 is in int 2") == 0);
}

TEST_CASE("list, record, concat", "[interp]") {
  Prog p;
  int names = p.K(S("name"));
  p.K(S("height"));
  p.C(S("720p")).C(I(720)).I(OP_RECORD, 2, names);
  Value v = Ok(p.Run());
  CHECK(v.ToString() == "{name: \"720p\", height: 720}");

  Prog l;
  l.C(I(1)).C(I(2)).C(I(3)).I(OP_LIST, 3);
  CHECK(Ok(l.Run()) == Value::MakeList({I(1), I(2), I(3)}));
  Prog empty;
  empty.I(OP_LIST, 0);
  CHECK(Ok(empty.Run()) == Value::MakeList({}));

  Prog c;
  c.C(S("encode ")).C(S("title")).C(S(" took ")).C(Value::DurationMs(90000)).C(S(" at "));
  c.C(Value::SizeBytes(128000)).I(OP_CONCAT, 6);
  CHECK(Ok(c.Run()) == S("encode title took 1m30s at 128k"));
}

TEST_CASE("builtin calls through OP_CALL", "[interp]") {
  Prog p;
  p.C(S("a/b/c.mp4")).I(OP_CALL, BUILTIN_STEM, 1);
  CHECK(Ok(p.Run()) == S("c"));
  Prog q;
  q.C(I(3)).C(I(9)).C(I(4)).I(OP_CALL, BUILTIN_MAX, 3);
  CHECK(Ok(q.Run()) == I(9));
  Prog bad;
  bad.C(I(3)).I(OP_CALL, BUILTIN_LEN, 1);
  CHECK(Err(bad.Run()) == "len() expects a list, string or record, got int 3");
  Prog arity;
  arity.C(I(3)).C(I(3)).I(OP_CALL, BUILTIN_LEN, 2);
  CHECK(Err(arity.Run()) == "len() takes 1 argument, got 2");
  Prog unknown;
  unknown.I(OP_CALL, 999, 0);
  CHECK(Err(unknown.Run()) == "unknown builtin function #999");
}

TEST_CASE("malformed bytecode is an error, never a crash", "[interp]") {
  Prog under;
  under.I(OP_ADD);
  CHECK(Err(under.Run()).find("malformed bytecode at 0 (OP_ADD 0 0): needs 2") == 0);
  Prog bad_const;
  bad_const.I(OP_CONST, 7);
  CHECK(Err(bad_const.Run()).find("constant index out of range") != std::string::npos);
  Prog bad_jump;
  bad_jump.I(OP_JUMP, 100);
  CHECK(Err(bad_jump.Run()).find("jump target out of range") != std::string::npos);
  Prog bad_op;
  bad_op.I(static_cast<Op>(77));
  CHECK(Err(bad_op.Run()).find("unknown opcode") != std::string::npos);
  Prog two;
  two.C(I(1)).C(I(2));
  CHECK(Err(two.Run()).find("left 2 values") != std::string::npos);
  Prog rec;
  rec.C(I(1)).I(OP_RECORD, 1, 5);
  CHECK(Err(rec.Run()).find("field names out of the constant pool") != std::string::npos);
  Prog neg_list;
  neg_list.I(OP_LIST, -1);
  CHECK(Err(neg_list.Run()).find("malformed") == 0);
}

TEST_CASE("budgets: steps, stack and sizes", "[interp]") {
  Prog loop;  // jumps to itself forever
  loop.I(OP_JUMP, 0);
  CHECK(Err(loop.Run()) == "expression ran over the limit of 1000000 steps (a loop?)");

  Prog deep;  // pushes forever
  deep.C(I(1)).I(OP_DUP).I(OP_JUMP, 1);
  CHECK(Err(deep.Run()).find("expression stack over the limit") == 0);

  Prog big;  // s = s + s, 30 times: would be 1 GiB
  big.C(S("0123456789abcdef"));
  for (int i = 0; i < 30; ++i) big.I(OP_DUP).I(OP_ADD);
  CHECK(Err(big.Run()).find("over the size limit") != std::string::npos);

  Prog range;
  range.C(I(2'000'000)).I(OP_CALL, BUILTIN_RANGE, 1);
  CHECK(Err(range.Run()).find("over the limit of 1000000") != std::string::npos);
}

}  // namespace
}  // namespace dandori::engine
