#include "compiler/parse.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/fmt.h"

namespace dandori::compiler {
namespace {

std::string SourceDir() {
  const char* d = std::getenv("DANDORI_SOURCE_DIR");
  return d ? d : ".";
}

struct Parsed {
  SourceManager sm;
  Diagnostics diags;
  std::unique_ptr<File> file;
  std::string Errors() const {
    std::string out;
    for (const Diagnostic& d : diags.Sorted()) {
      out += std::to_string(d.loc.line) + ":" + std::to_string(d.loc.col) + ": " + d.code + " " +
             d.message + "\n";
    }
    return out;
  }
};

std::unique_ptr<Parsed> Parse(std::string text) {
  auto p = std::make_unique<Parsed>();
  int f = p->sm.Add("test.flow", std::move(text));
  p->file = ParseFile(p->sm, f, p->diags);
  return p;
}

std::string Expr1(const std::string& text, std::string* errors = nullptr) {
  SourceManager sm;
  Diagnostics diags;
  int f = sm.Add("e", text);
  ExprPtr e = ParseExpression(sm, f, diags);
  if (errors) {
    for (const Diagnostic& d : diags.Sorted()) *errors += d.code + " " + d.message + "\n";
  } else {
    REQUIRE_FALSE(diags.has_errors());
  }
  return FormatExpr(*e);
}

TEST_CASE("parses every statement kind with its parts") {
  auto p = Parse(R"(import "lib/ladders.flow"
const base = 10s
workflow w(a: int, l: list<rendition> = renditions_web, r: {x: int, y?: string}) {
  defaults { retry 3 backoff 5s..2m jitter on [transient, timeout]; timeout 1h }
  stage s = media.probe(a, target: 10s) after x, y when a > 1 { heartbeat 1m; pool encoders }
  foreach c in s.chunks parallel 4 { stage e = noop(c) } { timeout 2h }
  fanout z in zones parallel all tolerate 10% { stage f = noop(z) }
  rolling v in z.servers batch 5% tolerate 1 { stage g = noop(v) }
  group up { stage h = noop() } { retry 2 }
  approve go "ship ${a}?" after up
  on failure { stage alert = notify.webhook(env.ALERT_URL, "failed: ${error}") }
  on success { stage ok = noop() }
} { timeout 3h; tolerate 2% })");
  INFO(p->Errors());
  REQUIRE_FALSE(p->diags.has_errors());
  const File& f = *p->file;
  REQUIRE(f.imports.size() == 1);
  CHECK(f.imports[0].path == "lib/ladders.flow");
  REQUIRE(f.consts.size() == 1);
  CHECK(f.consts[0].value->kind == ExprKind::kDuration);
  CHECK(f.consts[0].value->int_value == 10000);
  REQUIRE(f.workflow);
  const Workflow& w = *f.workflow;
  CHECK(w.name == "w");
  REQUIRE(w.params.size() == 3);
  CHECK(w.params[1].type_text == "list<rendition>");
  CHECK(w.params[1].default_value->kind == ExprKind::kName);
  CHECK(w.params[2].type_text == "{x: int, y?: string}");
  REQUIRE(w.defaults);
  REQUIRE(w.defaults->items.size() == 2);
  const PolicyItem& retry = w.defaults->items[0];
  CHECK(retry.kind == PolicyItem::Kind::kRetry);
  CHECK(retry.value->int_value == 3);
  CHECK(retry.backoff_min->int_value == 5000);
  CHECK(retry.backoff_max->int_value == 120000);
  CHECK(retry.jitter);
  REQUIRE(retry.on.size() == 2);
  CHECK(retry.on[1].name == "timeout");
  REQUIRE(w.body.size() == 6);
  const Stmt& s = *w.body[0];
  CHECK(s.kind == StmtKind::kStage);
  CHECK(s.op == "media.probe");
  REQUIRE(s.args.size() == 2);
  CHECK(s.args[0].name.empty());
  CHECK(s.args[1].name == "target");
  REQUIRE(s.after.size() == 2);
  CHECK(s.when->text == ">");
  REQUIRE(s.policy);
  CHECK(s.policy->items[1].kind == PolicyItem::Kind::kPool);
  CHECK(s.policy->items[1].pool == "encoders");
  const Stmt& fe = *w.body[1];
  CHECK(fe.kind == StmtKind::kForeach);
  CHECK(fe.var == "c");
  CHECK(fe.parallel->int_value == 4);
  CHECK(fe.body.size() == 1);
  CHECK(fe.policy->items[0].kind == PolicyItem::Kind::kTimeout);
  const Stmt& fo = *w.body[2];
  CHECK(fo.kind == StmtKind::kFanout);
  CHECK(fo.parallel_all);
  CHECK(fo.tolerate->kind == ExprKind::kPercent);
  CHECK(fo.tolerate->float_value == 10.0);
  const Stmt& ro = *w.body[3];
  CHECK(ro.kind == StmtKind::kRolling);
  CHECK(ro.batch->float_value == 5.0);
  CHECK(ro.tolerate->int_value == 1);
  CHECK(w.body[4]->kind == StmtKind::kGroup);
  CHECK(w.body[4]->name == "up");
  CHECK(w.body[4]->policy->items[0].value->int_value == 2);
  const Stmt& ap = *w.body[5];
  CHECK(ap.kind == StmtKind::kApprove);
  CHECK(ap.name == "go");
  CHECK(ap.message->kind == ExprKind::kInterp);
  CHECK(ap.after[0].name == "up");
  REQUIRE(w.handlers.size() == 2);
  CHECK(w.handlers[0].on_failure);
  CHECK_FALSE(w.handlers[1].on_failure);
  CHECK(w.handlers[0].body[0]->args[0].value->kind == ExprKind::kEnv);
  CHECK(w.handlers[0].body[0]->args[0].value->text == "ALERT_URL");
  REQUIRE(w.policy);
  CHECK(w.policy->items.size() == 2);
}

TEST_CASE("records locations of statements, names and expressions") {
  auto p = Parse("workflow w(src: path) {\n  stage probe = media.probe(src, x: 1 + 2)\n}\n");
  REQUIRE_FALSE(p->diags.has_errors());
  const Workflow& w = *p->file->workflow;
  CHECK(w.loc == Loc{0, 1, 1});
  CHECK(w.name_loc == Loc{0, 1, 10});
  CHECK(w.params[0].loc == Loc{0, 1, 12});
  CHECK(w.params[0].type_loc == Loc{0, 1, 17});
  const Stmt& s = *w.body[0];
  CHECK(s.loc == Loc{0, 2, 3});
  CHECK(s.name_loc == Loc{0, 2, 9});
  CHECK(s.op_loc == Loc{0, 2, 17});
  CHECK(s.args_open == Loc{0, 2, 28});
  CHECK(s.args[0].value->loc == Loc{0, 2, 29});
  CHECK(s.args[1].name_loc == Loc{0, 2, 34});
  CHECK(s.args[1].value->loc == Loc{0, 2, 39});  // the operator
  CHECK(s.args[1].value->items[1]->loc == Loc{0, 2, 41});
  CHECK(w.body_end == Loc{0, 3, 1});
}

TEST_CASE("interpolations are parsed as expressions with their own locations") {
  auto p = Parse("workflow w() {\n  stage a = noop(\"x ${len(items) + 1} y ${b.c}\")\n}");
  REQUIRE_FALSE(p->diags.has_errors());
  const Expr& e = *p->file->workflow->body[0]->args[0].value;
  REQUIRE(e.kind == ExprKind::kInterp);
  REQUIRE(e.items.size() == 4);
  CHECK(e.items[0]->text == "x ");
  CHECK(e.items[1]->kind == ExprKind::kBinary);
  CHECK(e.items[1]->items[0]->kind == ExprKind::kCall);
  CHECK(e.items[1]->items[0]->loc == Loc{0, 2, 23});
  CHECK(e.items[2]->text == " y ");
  CHECK(e.items[3]->kind == ExprKind::kField);
  CHECK(e.items[3]->loc == Loc{0, 2, 45});
}

TEST_CASE("literals are decoded") {
  auto p = Parse(
      "const a = [10s, 2m, 1h30m, 250ms, 128k, 50GB, 5%, 0.5%, 1.5, 42, true, null, "
      "\"a\\n\\\"b\"]");
  REQUIRE_FALSE(p->diags.has_errors());
  const auto& items = p->file->consts[0].value->items;
  CHECK(items[0]->int_value == 10000);
  CHECK(items[1]->int_value == 120000);
  CHECK(items[2]->int_value == 5400000);
  CHECK(items[3]->int_value == 250);
  CHECK(items[4]->kind == ExprKind::kSize);
  CHECK(items[4]->int_value == 128000);
  CHECK(items[5]->int_value == 50LL << 30);
  CHECK(items[6]->float_value == 5.0);
  CHECK(items[7]->float_value == 0.5);
  CHECK(items[8]->float_value == 1.5);
  CHECK(items[9]->int_value == 42);
  CHECK(items[10]->bool_value);
  CHECK(items[11]->kind == ExprKind::kNull);
  CHECK(items[12]->text == "a\n\"b");
}

TEST_CASE("expression precedence and forms") {
  CHECK(Expr1("1 + 2 * 3") == "1 + 2 * 3");
  SourceManager sm;
  Diagnostics d;
  ExprPtr e = ParseExpression(sm, sm.Add("e", "a or b and not c == d + 1"), d);
  REQUIRE(e->text == "or");
  CHECK(e->items[1]->text == "and");
  CHECK(e->items[1]->items[1]->text == "not");
  CHECK(e->items[1]->items[1]->items[0]->text == "==");
  CHECK(Expr1("x in [1, 2]") == "x in [1, 2]");
  CHECK(Expr1("encode[*]") == "encode[*]");
  CHECK(Expr1("a.b[0].c") == "a.b[0].c");
  CHECK(Expr1("-(1 - 2)") == "-(1 - 2)");
  CHECK(Expr1("{height: 720, crf: 23, \"odd key\": 1}") ==
        "{height: 720, crf: 23, \"odd key\": 1}");
  CHECK(Expr1("basename(p) + \"/hls\"") == "basename(p) + \"/hls\"");
  CHECK(Expr1("\"${title}/hls\"") == "\"${title}/hls\"");
  CHECK(Expr1("\"cost: $5 \\${not}\"") == "\"cost: $5 \\${not}\"");
  CHECK(Expr1("env.HOME") == "env.HOME");
  CHECK(Expr1("{timeout: 1s, all: 2}") == "{timeout: 1s, all: 2}");
  // '%' right after a number is a percentage literal; the remainder needs a space there.
  CHECK(Expr1("10 % 3") == "10 % 3");
  CHECK(Expr1("n%3") == "n % 3");
  CHECK(Expr1("10%") == "10%");
  std::string errors;
  Expr1("10%3", &errors);
  CHECK(errors == "E001 unexpected '3'; expected end of file\n");
}

TEST_CASE("every word, reserved words included, is a field name and a record key") {
  CHECK(Expr1("error.stage") == "error.stage");
  CHECK(Expr1("a.in.not.null.true.workflow") == "a.in.not.null.true.workflow");
  CHECK(Expr1("{stage: 1, in: 2, null: 3, on: 4}") == "{stage: 1, in: 2, null: 3, on: 4}");
  CHECK(Expr1("{\"stage\": 1}") == "{stage: 1}");
  CHECK(Expr1("env.stage") == "env.stage");
  CHECK(Expr1("\"failed at ${error.stage}\"") == "\"failed at ${error.stage}\"");
  SourceManager sm;
  Diagnostics d;
  ExprPtr e = ParseExpression(sm, sm.Add("e", "error.stage == \"probe\" and x in y"), d);
  REQUIRE_FALSE(d.has_errors());
  REQUIRE(e->text == "and");
  REQUIRE(e->items[0]->items[0]->kind == ExprKind::kField);
  CHECK(e->items[0]->items[0]->text == "stage");
  CHECK(e->items[0]->items[0]->items[0]->text == "error");
  CHECK(e->items[1]->text == "in");
  // A reserved word is still not a value by itself.
  std::string errors;
  Expr1("stage", &errors);
  CHECK(errors == "E001 unexpected 'stage'; expected an expression\n");

  // In a workflow: a handler's `error.stage`, and a stage that follows a field access.
  auto p = Parse(R"(workflow w() {
  stage a = noop(x.stage) when y.in
  stage b = noop({stage: a.on})
  on failure { stage alert = notify.webhook("u", "failed in ${error.stage}") when error.stage != "a" }
})");
  INFO(p->Errors());
  REQUIRE_FALSE(p->diags.has_errors());
  REQUIRE(p->file->workflow);
  CHECK(p->file->workflow->body.size() == 2);
  CHECK(p->file->workflow->handlers.size() == 1);
}

TEST_CASE("comments are recorded with own_line") {
  auto p = Parse("// head\nconst a = 1  // trailing\n/* block\n   two */ const b = 2\n");
  REQUIRE_FALSE(p->diags.has_errors());
  const auto& c = p->file->comments;
  REQUIRE(c.size() == 3);
  CHECK(c[0].text == "// head");
  CHECK(c[0].own_line);
  CHECK(c[1].text == "// trailing");
  CHECK_FALSE(c[1].own_line);
  CHECK(c[1].loc == Loc{0, 2, 14});
  CHECK(c[2].own_line);
}

std::vector<std::filesystem::path> FlowFiles(const std::vector<std::string>& dirs) {
  std::vector<std::filesystem::path> out;
  for (const std::string& d : dirs) {
    std::filesystem::path root = std::filesystem::path(SourceDir()) / d;
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.is_regular_file() && e.path().extension() == ".flow") out.push_back(e.path());
    }
  }
  return out;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("every workflow and example parses without errors") {
  auto files = FlowFiles({"workflows", "examples"});
  REQUIRE(files.size() >= 7);
  for (const auto& path : files) {
    auto p = Parse(ReadFile(path));
    INFO(path.string() << "\n" << p->Errors());
    CHECK_FALSE(p->diags.has_errors());
  }
}

// Broken inputs and the exact first message they produce.
TEST_CASE("syntax errors are reported in human words") {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"workflow w() {\n  stage a = noop(x, y\n  stage b = noop()\n}",
       "2:22: E001 expected ')' to close the argument list opened at 2:17\n"},
      {"workflow w() {\n  stage a = noop(\n}",
       "2:18: E001 expected ')' to close the argument list opened at 2:17\n"},
      {"workflow w() { stage a = noop(1 < 2 < 3) }",
       "1:37: E001 comparisons cannot be chained; write 'a < b and b < c'\n"},
      {"workflow w() {\n  foo a = noop()\n}",
       "2:3: E001 unexpected 'foo'; expected a stage, foreach, fanout, rolling, group or "
       "approve\n"},
      {"workflow w() { stage a = noop(\"abc) }",
       "1:31: E001 unterminated string: '\"' has no closing quote on its line\n"},
      {"workflow w() { stage a = noop(x y) }",
       "1:33: E001 unexpected 'y'; expected ')' to close the argument list opened at 1:30\n"},
      {"workflow w() { stage a = noop() { foo 3 } }",
       "1:35: E001 unexpected 'foo'; expected a policy (retry, timeout, heartbeat, tolerate or "
       "pool)\n"},
      {"workflow w() { stage a = noop({a: 1, b: 2) }",
       "1:42: E001 unexpected ')'; expected ',' or '}' to close the record opened at 1:31\n"},
      {"workflow w( { }",
       "1:13: E001 unexpected '{'; expected ')' to close the parameter list opened at 1:11\n"},
      {"workflow w() { # }", "1:16: E001 unexpected character '#'\n"},
      {"/* abc", "1:1: E001 unterminated comment: '/*' has no matching '*/'\n"},
      {"stage", "1:1: E001 unexpected 'stage'; expected 'import', 'const' or 'workflow'\n"},
      {"workflow w() {\n  stage a = noop(x)",
       "1:14: E001 expected '}' to close the workflow's block opened at 1:14\n"},
      {"workflow w() {\n  foreach x in y {\n    stage a = noop(x)\n  stage b = noop()\n}\n",
       "2:18: E001 expected '}' to close the foreach block opened at 2:18; the closing brace at "
       "5:1 is indented like line 1, so it closes the workflow's block\n"},
      {"workflow w() {\n  group g {\n    foreach x in y {\n      stage a = noop(x)\n  }\n}\n",
       "3:20: E001 expected '}' to close the foreach block opened at 3:20; the closing brace at "
       "5:3 is indented like line 2, so it closes the group block\n"},
      // A '}' that lines up with the workflow but is followed by statements is sloppy
      // indentation, not the workflow's end: counting decides.
      {"workflow w() {\n  foreach x in y {\n    stage a = noop(x)\n}\n  stage b = noop()\n",
       "1:14: E001 expected '}' to close the workflow's block opened at 1:14\n"},
      // No '}' lines up: the innermost block left open by counting.
      {"workflow w() { foreach x in y { stage a = noop(x) }",
       "1:14: E001 expected '}' to close the workflow's block opened at 1:14\n"},
      {"workflow w() {\n  foreach x in y {\n    stage a = noop(x)\n",
       "2:18: E001 expected '}' to close the foreach block opened at 2:18\n"},
      {"workflow w() {\n  stage foreach = noop()\n}",
       "2:9: E001 'foreach' is a reserved word and cannot name a stage; choose another name\n"},
      {"workflow w() {\n  foreach in in y {}\n}",
       "2:11: E001 'in' is a reserved word and cannot name a loop variable; choose another name\n"},
      {"workflow w() {\n  stage caf\xc3\xa9 = noop()\n}",
       "2:9: E001 'caf\xc3\xa9' is not a valid name: names are ASCII letters, digits and '_' "
       "('\xc3\xa9' is not one); other text belongs in a string\n"},
      {"workflow w() {\n  stage \xc3\xa9t\xc3\xa9 = noop()\n}",
       "2:9: E001 '\xc3\xa9t\xc3\xa9' is not a valid name: names are ASCII letters, digits and "
       "'_' ('\xc3\xa9' is not one); other text belongs in a string\n"},
      {"workflow w() { stage a = noop(value: \xe2\x80\x9cx\xe2\x80\x9d) }",
       "1:38: E001 unexpected typographic quote '\xe2\x80\x9c'; strings are written with '\"'\n"},
      {"workflow w() { stage a = noop(value: \xc2\xa7 x) }",
       "1:38: E001 unexpected character '\xc2\xa7'\n"},
      {"workflow w() {\n  stage a = noop()\n} \xef\xbb\xbf",
       "3:3: E001 unexpected UTF-8 byte-order mark (U+FEFF); it is allowed only at the start of "
       "the file\n"},
      {"workflow w() {\n  stage a = noop()\n  /* stage b = noop()\n}",
       "3:3: E001 unterminated comment: '/*' has no matching '*/'\n"},
      {"workflow w() { stage a = noop(1 +) }",
       "1:34: E001 unexpected ')'; expected an expression\n"},
      {"workflow w() { stage a = noop(\"${ (1+ }\") }",
       "1:39: E001 unexpected end of '${...}'; expected an expression\n"},
      {"workflow w() { stage a = noop(10x) }",
       "1:31: E004 invalid literal '10x': write a duration like 250ms, 10s, 2m or 1h30m, or a "
       "size like 128k, 8M, 512KB or 50GB\n"},
      {"workflow w() { stage a = noop(\"\\q\") }",
       "1:32: E005 unknown escape '\\q' in string (known: \\n \\t \\r \\\\ \\\" \\$)\n"},
      {"workflow w() { stage a = noop(\"${}\") }", "1:32: E005 empty interpolation '${}'\n"},
      {"workflow w() { stage a = noop(a.b[*]) }",
       "1:34: E001 '[*]' follows a stage name: 'encode[*]' is every result of the stage "
       "'encode' inside a loop\n"},
      {"workflow w() { foreach x in y { on failure {} } }",
       "1:33: E006 'on failure' belongs at the top level of the workflow, not inside a block\n"},
      {"workflow w() {}\nworkflow v() {}",
       "2:1: E006 a file holds one workflow; 'w' is declared at 1:1\n"},
      {"const a = x.1", "1:13: E001 unexpected '1'; expected a name\n"},
      {"const a = {1: 2}", "1:12: E001 unexpected '1'; expected a name, '}' or a string\n"},
      {"const a = {stage 1}", "1:18: E001 unexpected '1'; expected ':'\n"},
      {"const a = 99999999999999999999",
       "1:11: E004 integer '99999999999999999999' is too large\n"},
  };
  for (const Case& c : cases) {
    auto p = Parse(c.text);
    INFO(c.text);
    std::string got = p->Errors();
    CHECK(got.substr(0, got.find('\n') + 1) == c.want);
  }
}

TEST_CASE("reports every syntax error, at most one per line") {
  auto p = Parse("workflow w() {\n  stage a = (\n  stage b = noop(,)\n  stage c = noop()\n}");
  CHECK(p->diags.error_count() == 2);
  CHECK(p->file->workflow);
}

TEST_CASE("limits give errors, not crashes") {
  SECTION("10,000 nested parentheses") {
    auto p = Parse("const a = " + std::string(10000, '(') + "1" + std::string(10000, ')'));
    CHECK(p->Errors() ==
          "1:211: E003 nesting deeper than 200 levels of brackets, braces or '${'\n");
  }
  SECTION("a record nested 10,000 deep") {
    std::string text = "const a = ";
    for (int i = 0; i < 10000; ++i) text += "{a: ";
    text += "1" + std::string(10000, '}');
    auto p = Parse(text);
    CHECK(p->Errors().find("E003 nesting deeper than 200 levels") != std::string::npos);
  }
  SECTION("interpolations nested 1,000 deep") {
    std::string text = "const a = ";
    for (int i = 0; i < 1000; ++i) text += "\"${";
    text += "1";
    for (int i = 0; i < 1000; ++i) text += "}\"";
    auto p = Parse(text);
    CHECK(p->Errors().find("E003 nesting deeper than 200 levels") != std::string::npos);
  }
  SECTION("long operator chains") {
    std::string sum = "const a = 1";
    for (int i = 0; i < 20000; ++i) sum += " + 1";
    CHECK(Parse(sum)->Errors().find("E003 expression nested deeper than 1000 levels") !=
          std::string::npos);
    std::string nots = "const a = ";
    for (int i = 0; i < 20000; ++i) nots += "not ";
    CHECK(Parse(nots + "x")->Errors().find("E003 expression nested deeper") != std::string::npos);
    std::string fields = "const a = x";
    for (int i = 0; i < 20000; ++i) fields += ".f";
    CHECK(Parse(fields)->Errors().find("E003 expression nested deeper") != std::string::npos);
  }
  SECTION("a 50 MB file") {
    std::string big;
    big.reserve(50u << 20);
    while (big.size() < (50u << 20)) big += "const a = 1\n";
    auto p = Parse(std::move(big));
    CHECK(p->Errors() ==
          "1:1: E003 file is 52428804 bytes; the limit is 10485760 bytes (10 MiB)\n");
  }
  SECTION("binary junk") {
    std::string junk;
    uint32_t x = 12345;
    for (int i = 0; i < 4096; ++i) {
      x = x * 1103515245 + 12345;
      junk += static_cast<char>(x >> 24);
    }
    auto p = Parse(junk);
    CHECK(p->diags.has_errors());
    CHECK(p->diags.all()[0].code == "E002");
  }
  SECTION("invalid UTF-8 and NUL bytes") {
    CHECK(Parse("const a = \"\xff\"")->Errors() ==
          "1:12: E002 invalid UTF-8 (byte 0xff); .flow files are UTF-8 text\n");
    CHECK(Parse(std::string("const a = 1\n\0", 13))->Errors() ==
          "2:1: E002 binary data (a NUL byte); .flow files are UTF-8 text\n");
  }
  SECTION("many syntax errors stop at the cap") {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += "@\n";
    auto p = Parse(text);
    CHECK(p->diags.error_count() == kMaxSyntaxErrors + 1);
  }
  SECTION("UTF-8 text in strings and comments is kept byte for byte") {
    auto p = Parse("// café\nconst a = \"日本 ${x}\"");
    REQUIRE_FALSE(p->diags.has_errors());
    CHECK(p->file->comments[0].text == "// café");
    CHECK(p->file->consts[0].value->items[0]->text == "日本 ");
    CHECK(p->file->consts[0].value->items[1]->loc == Loc{0, 2, 21});
  }
}

}  // namespace
}  // namespace dandori::compiler
