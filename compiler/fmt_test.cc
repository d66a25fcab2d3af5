#include "compiler/fmt.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/parse.h"

namespace dandori::compiler {
namespace {

// A dump of the AST without locations: equal dumps mean the same tree.
void Dump(const Expr* e, std::string* out) {
  if (!e) {
    *out += "_";
    return;
  }
  *out += "(" + std::to_string(static_cast<int>(e->kind)) + " '" + e->text + "' " +
          std::to_string(e->int_value) + " " + std::to_string(e->float_value) +
          (e->bool_value ? " T" : "") + (e->parenthesized ? " P" : "");
  for (const std::string& k : e->keys) *out += " k:" + k;
  for (const ExprPtr& i : e->items) {
    *out += " ";
    Dump(i.get(), out);
  }
  *out += ")";
}

void Dump(const std::optional<Policy>& p, std::string* out) {
  if (!p) return;
  *out += "{";
  for (const PolicyItem& i : p->items) {
    *out += std::to_string(static_cast<int>(i.kind)) + " ";
    Dump(i.value.get(), out);
    Dump(i.backoff_min.get(), out);
    Dump(i.backoff_max.get(), out);
    *out += (i.jitter ? " J" : "") + i.pool;
    for (const Ident& c : i.on) *out += " " + c.name;
    *out += ";";
  }
  *out += "}";
}

void Dump(const std::vector<StmtPtr>& body, std::string* out) {
  for (const StmtPtr& s : body) {
    *out += "\n[" + std::to_string(static_cast<int>(s->kind)) + " " + s->name + " " + s->op + " " +
            s->var + (s->parallel_all ? " all" : "");
    for (const Arg& a : s->args) {
      *out += " " + a.name + "=";
      Dump(a.value.get(), out);
    }
    for (const Ident& a : s->after) *out += " after:" + a.name;
    for (const Expr* e : {s->when.get(), s->items.get(), s->parallel.get(), s->batch.get(),
                          s->tolerate.get(), s->message.get()}) {
      Dump(e, out);
    }
    Dump(s->policy, out);
    Dump(s->body, out);
    *out += "]";
  }
}

std::string Dump(const File& f) {
  std::string out;
  for (const Import& i : f.imports) out += "import " + i.path + "\n";
  for (const ConstDecl& c : f.consts) {
    out += "const " + c.name + " ";
    Dump(c.value.get(), &out);
    out += "\n";
  }
  if (f.workflow) {
    const Workflow& w = *f.workflow;
    out += "workflow " + w.name;
    for (const Param& p : w.params) {
      out += " " + p.name + ":" + p.type_text + "=";
      Dump(p.default_value.get(), &out);
    }
    Dump(w.defaults, &out);
    Dump(w.policy, &out);
    Dump(w.body, &out);
    for (const Handler& h : w.handlers) {
      out += h.on_failure ? "\nfailure" : "\nsuccess";
      Dump(h.body, &out);
    }
  }
  for (const Comment& c : f.comments) out += "\n" + c.text;
  return out;
}

struct Result {
  std::string text;
  std::string dump;
  std::string errors;
};

Result FormatText(const std::string& text) {
  SourceManager sm;
  Diagnostics diags;
  int id = sm.Add("t.flow", text);
  auto file = ParseFile(sm, id, diags);
  Result r;
  for (const Diagnostic& d : diags.Sorted()) r.errors += d.message + "\n";
  if (diags.has_errors()) return r;
  r.text = FormatFile(*file, sm);
  r.dump = Dump(*file);
  return r;
}

TEST_CASE("fmt produces the canonical layout") {
  Result r = FormatText(R"(// top
import   "lib/ladders.flow"
const   x=[1,2 ,3]
workflow   w( a : int=1,b:list< rendition > ) {
defaults{retry 3 backoff 5s .. 2m jitter;timeout 1h}
  stage s=noop( value : a+1 )after t   when a>1{ retry 3 ; timeout 30m }   // trailing


  foreach c in s.chunks parallel 4 {
      stage e = noop(c)
      // the end of the loop
  }
on failure{stage alert=notify.webhook(env.ALERT_URL,"failed ${ error }")}
}{timeout 3h})");
  INFO(r.errors);
  CHECK(r.text == R"(// top
import "lib/ladders.flow"
const x = [1, 2, 3]
workflow w(a: int = 1, b: list<rendition>) {
  defaults { retry 3 backoff 5s..2m jitter; timeout 1h }
  stage s = noop(value: a + 1) after t when a > 1 { retry 3; timeout 30m }  // trailing

  foreach c in s.chunks parallel 4 {
    stage e = noop(c)
    // the end of the loop
  }
  on failure {
    stage alert = notify.webhook(env.ALERT_URL, "failed ${error}")
  }
} { timeout 3h }
)");
}

TEST_CASE("fmt breaks long lists one item per line and keeps comments inside them") {
  Result r = FormatText(
      "workflow w(a: int, // first\n b: int) { stage s = media.encode(chunk, codec: hevc, "
      "height: 2880, width: 5760, crf: 20, preset: \"slow\", gop: 2s, name: \"vr\") }");
  INFO(r.errors);
  CHECK(r.text == R"(workflow w(
  a: int,  // first
  b: int,
) {
  stage s = media.encode(
    chunk,
    codec: hevc,
    height: 2880,
    width: 5760,
    crf: 20,
    preset: "slow",
    gop: 2s,
    name: "vr",
  )
}
)");
}

TEST_CASE("fmt never merges a comment into a line comment") {
  Result r = FormatText("workflow w() {\n  stage a = noop(x, // c1\n    y /* c2 */)\n}\n");
  INFO(r.errors);
  CHECK(r.text == "workflow w() {\n  stage a = noop(x, y)  // c1\n  /* c2 */\n}\n");
  CHECK(FormatText(r.text).text == r.text);
}

TEST_CASE("fmt keeps parentheses, escapes and literals as written") {
  Result r = FormatText(
      "const a = (1 + 2) * -(3) + 1.50 - 10% + 1h30m + 128k\n"
      "const b = \"tab\\t quote\\\" dollar \\${x} ${ {a: 1}.a }\"\n"
      "const c = {\"odd key\": [], timeout: {}}\n"
      "const d = not a == b and (x in [1]) or encode[*][0].path");
  INFO(r.errors);
  CHECK(r.text ==
        "const a = (1 + 2) * -(3) + 1.5 - 10% + 1h30m + 128k\n"
        "const b = \"tab\\t quote\\\" dollar \\${x} ${{a: 1}.a}\"\n"
        "const c = {\"odd key\": [], timeout: {}}\n"
        "const d = not a == b and (x in [1]) or encode[*][0].path\n");
}

TEST_CASE("fmt keeps reserved words used as fields and record keys") {
  Result r = FormatText(
      "workflow w() {\n  stage a = noop(x.stage)\n"
      "  on failure { stage b = noop(value: {\"stage\": error.stage, in: \"${error.in}\"}) }\n}");
  INFO(r.errors);
  CHECK(r.text ==
        "workflow w() {\n  stage a = noop(x.stage)\n  on failure {\n"
        "    stage b = noop(value: {stage: error.stage, in: \"${error.in}\"})\n  }\n}\n");
  Result again = FormatText(r.text);
  CHECK(again.text == r.text);
  CHECK(again.dump == r.dump);
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("fmt round-trips every .flow in the repository and is idempotent") {
  const char* dir = std::getenv("DANDORI_SOURCE_DIR");
  std::filesystem::path root = dir ? dir : ".";
  int formatted = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(root);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    std::string name = it->path().filename().string();
    if (it->is_directory() && (name.starts_with("build") || name.starts_with("."))) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->path().extension() != ".flow") continue;
    Result first = FormatText(ReadFile(it->path()));
    if (!first.errors.empty()) continue;  // negative test cases
    INFO(it->path().string());
    Result second = FormatText(first.text);
    REQUIRE(second.errors.empty());
    CHECK(second.dump == first.dump);  // same AST, same comments
    CHECK(second.text == first.text);  // idempotent
    ++formatted;
  }
  CHECK(formatted >= 7);
}

}  // namespace
}  // namespace dandori::compiler
