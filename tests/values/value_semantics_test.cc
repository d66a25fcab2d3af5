// The operators of the language, one table: every expression is folded by the
// compiler (compiler/consteval.h), evaluated by the interpreter (its operands as
// constants, the operator as bytecode), and checked by the checker; all three must
// agree with the expected value (docs/language.md, "Operators on values").
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "base/value_ops.h"
#include "compiler/check.h"
#include "compiler/consteval.h"
#include "compiler/parse.h"
#include "dandori/v1/table.pb.h"
#include "engine/interpreter.h"

namespace dandori {
namespace {

// What an expression of constants does.
enum class Outcome {
  kValue,    // folds, and evaluates at run time, to `want` (a Describe() text)
  kRuntime,  // well typed, but the operation fails (`want`: the start of the message):
             // not folded; the interpreter reports it when the expression runs
  kType,     // the checker rejects it (E030); the interpreter refuses it too
};

struct Case {
  const char* expr;
  Outcome outcome;
  const char* want;
};

constexpr Outcome V = Outcome::kValue, R = Outcome::kRuntime, T = Outcome::kType;

const Case kCases[] = {
    // int and float
    {"7 / 2", V, "int 3"},
    {"-7 / 2", V, "int -3"},
    {"-7 % 2", V, "int -1"},
    {"7 % 0", R, "division by zero: int 7 % int 0"},
    {"7 / 0", R, "division by zero"},
    {"9223372036854775807 + 1", R, "integer overflow: cannot add"},
    {"1 + 2.5", V, "float 3.5"},
    {"7.5 % 2", V, "float 1.5"},
    {"1.5 % 0", R, "division by zero"},
    {"3 * 0.5", V, "float 1.5"},
    // durations
    {"1m + 30s", V, "duration 1m30s"},
    {"1m - 90s", V, "duration -30s"},
    {"1500ms * 4", V, "duration 6s"},
    {"2 * 1m", V, "duration 2m"},
    {"1s * 1.5", V, "duration 1s500ms"},
    {"1s / 3", V, "duration 333ms"},
    {"1s / 4.0", V, "duration 250ms"},
    {"90s / 30s", V, "float 3"},
    {"1s / 0s", R, "division by zero"},
    {"7s % 2s", V, "duration 1s"},
    {"7s % 0s", R, "division by zero"},
    {"5s % 2", T, "cannot take the remainder of duration 5s and int 2"},
    {"1s + 1", T, "cannot add duration 1s and int 1"},
    {"1s * 1s", T, "cannot multiply duration 1s and duration 1s"},
    {"-5s", V, "duration -5s"},
    // sizes
    {"1GB / 512MB", V, "float 2"},
    {"10MB % 3MB", V, "size 1MB"},
    {"2 * 8M", V, "size 16M"},
    {"1GB - 1MB", V, "size 1023MB"},
    {"-1GB", V, "size -1GB"},
    {"1GB + 1s", T, "cannot add size 1GB and duration 1s"},
    // percentages
    {"50% + 5%", V, "percent 55%"},
    {"10% * 2", V, "percent 20%"},
    {"2 * 10%", V, "percent 20%"},
    {"50% / 2", V, "percent 25%"},
    {"50% / 25%", V, "float 2"},
    {"-5%", V, "percent -5%"},
    {"10% * 10%", T, "cannot multiply percent 10% and percent 10%"},
    {"10% + 1", T, "cannot add percent 10% and int 1"},
    {"10% % 3%", T, "cannot take the remainder of percent 10% and percent 3%"},
    // strings and lists
    {"\"a\" + \"b\"", V, "string \"ab\""},
    {"\"a\" - \"b\"", T, "cannot subtract string \"a\" and string \"b\""},
    {"\"a\" * 2", T, "cannot multiply string \"a\" and int 2"},
    {"[1] + [2]", V, "list [1, 2]"},
    {"[1] - [1]", T, "cannot subtract list [1] and list [1]"},
    {"-\"a\"", T, "cannot negate string \"a\""},
    // comparisons
    {"1 < 1.5", V, "bool true"},
    {"1 == 1.0", V, "bool true"},
    {"2s > 1500ms", V, "bool true"},
    {"1s == 1000ms", V, "bool true"},
    {"1k < 1KB", V, "bool true"},
    {"5% >= 5%", V, "bool true"},
    {"\"a\" < \"b\"", V, "bool true"},
    {"false < true", V, "bool true"},
    {"[1, 2] == [1, 2]", V, "bool true"},
    {"1 == \"1\"", V, "bool false"},
    {"1s == 1000", V, "bool false"},
    {"1s < 1", T, "cannot compare duration 1s with int 1"},
    {"1k < 1s", T, "cannot compare size 1k with duration 1s"},
    // membership, indexing, fields
    {"2 in [1, 2]", V, "bool true"},
    {"\"b\" in \"abc\"", V, "bool true"},
    {"\"k\" in {k: 1}", V, "bool true"},
    {"1 in \"abc\"", R, "cannot test whether int 1 is in string \"abc\""},
    {"2 in 3", T, "cannot test whether int 2 is in int 3"},
    {"[1, 2, 3][-1]", V, "int 3"},
    {"\"abc\"[1]", V, "string \"b\""},
    {"[1][5]", R, "index 5 out of range for a list of 1"},
    {"{a: 1}.a", V, "int 1"},
    {"{a: 1}[\"a\"]", V, "int 1"},
};

class NoScope : public engine::EvalScope {
 public:
  Result<Value> Param(int) override { return Status::Internal("no scope"); }
  Result<Value> Var(int) override { return Status::Internal("no scope"); }
  Result<Value> Stage(int) override { return Status::Internal("no scope"); }
  Result<Value> StageAll(int) override { return Status::Internal("no scope"); }
  Result<Value> Env(std::string_view) override { return Status::Internal("no scope"); }
  Result<Value> Error() override { return Status::Internal("no scope"); }
};

int OpOf(const compiler::Expr& e) {
  using compiler::ExprKind;
  if (e.kind == ExprKind::kUnary) return e.text == "not" ? v1::OP_NOT : v1::OP_NEG;
  if (e.kind == ExprKind::kIndex) return v1::OP_INDEX;
  if (e.kind == ExprKind::kField) return v1::OP_FIELD;
  static const std::pair<const char*, v1::Op> kOps[] = {
      {"+", v1::OP_ADD}, {"-", v1::OP_SUB}, {"*", v1::OP_MUL}, {"/", v1::OP_DIV},
      {"%", v1::OP_MOD}, {"==", v1::OP_EQ}, {"!=", v1::OP_NE}, {"<", v1::OP_LT},
      {"<=", v1::OP_LE}, {">", v1::OP_GT},  {">=", v1::OP_GE}, {"in", v1::OP_IN}};
  for (const auto& [text, op] : kOps) {
    if (e.kind == ExprKind::kBinary && e.text == text) return op;
  }
  return 0;
}

// Runs the top operator of `e` in the interpreter, its operands folded to constants.
Result<Value> Interpret(const compiler::Expr& e) {
  engine::FlatCode code;
  std::vector<Value> consts;
  auto push_const = [&](Value v) {
    consts.push_back(std::move(v));
    return static_cast<int32_t>(consts.size() - 1);
  };
  for (const compiler::ExprPtr& operand : e.items) {
    auto v = compiler::Fold(*operand, nullptr);
    REQUIRE(v);
    code.code.push_back({v1::OP_CONST, push_const(*v), 0});
  }
  int op = OpOf(e);
  REQUIRE(op != 0);
  int a = op == v1::OP_FIELD ? push_const(Value::String(e.text)) : 0;
  code.code.push_back({op, a, 0});
  NoScope scope;
  return engine::Evaluate(code, consts, scope);
}

// The E030 messages of the checker for `const c = <expr>`.
std::vector<std::string> TypeErrors(const std::string& expr) {
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  int f = sm.Add("t.flow", "const c = " + expr + "\nworkflow w() {}\n");
  auto file = compiler::ParseFile(sm, f, diags);
  REQUIRE(file);
  REQUIRE(!diags.has_errors());
  compiler::Check(*file, {}, sm, diags);
  std::vector<std::string> out;
  for (const compiler::Diagnostic& d : diags.all()) {
    if (d.code == "E030") out.push_back(d.message);
  }
  return out;
}

TEST_CASE("operators: the constant folder, the interpreter and the checker agree", "[values]") {
  for (const Case& c : kCases) {
    INFO(c.expr);
    compiler::SourceManager sm;
    compiler::Diagnostics diags;
    compiler::ExprPtr e = compiler::ParseExpression(sm, sm.Add("e.flow", c.expr), diags);
    REQUIRE(!diags.has_errors());
    REQUIRE(e);
    std::optional<Value> folded = compiler::Fold(*e, nullptr);
    Result<Value> run = Interpret(*e);
    std::vector<std::string> type_errors = TypeErrors(c.expr);
    switch (c.outcome) {
      case Outcome::kValue:
        REQUIRE(folded);
        CHECK(Describe(*folded) == c.want);
        REQUIRE(run.ok());
        CHECK(Describe(*run) == c.want);
        CHECK(*folded == *run);
        CHECK(folded->kind() == run->kind());
        CHECK(type_errors.empty());
        break;
      case Outcome::kRuntime:
      case Outcome::kType:
        CHECK_FALSE(folded);
        REQUIRE_FALSE(run.ok());
        CHECK(run.status().code() == Code::kInvalidArgument);
        CHECK(run.status().message().rfind(c.want, 0) == 0);
        CHECK(type_errors.size() == (c.outcome == Outcome::kType ? 1u : 0u));
        break;
    }
  }
}

}  // namespace
}  // namespace dandori
