// The server in-process: protocol rules (initialize first, unknown methods, bad JSON,
// bad parameters) and each feature on small documents, with exact positions.
#include <catch2/catch.hpp>
#include <vector>

#include "lsp/server.h"

namespace dandori::lsp {
namespace {

using nlohmann::json;

struct Harness {
  std::vector<json> sent;
  Server server{[this](const json& m) { sent.push_back(m); }};
  int id = 0;
  std::string uri = "file:///tmp/dandori_lsp_test/w.flow";

  json Call(const std::string& method, json params) {
    sent.clear();
    server.Handle(
        json{{"jsonrpc", "2.0"}, {"id", ++id}, {"method", method}, {"params", params}}.dump());
    REQUIRE(!sent.empty());
    return sent.back();
  }
  void Notify(const std::string& method, json params) {
    sent.clear();
    server.Handle(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump());
  }
  json Open(const std::string& text, bool utf8 = false) {
    json caps =
        utf8 ? json{{"general", {{"positionEncodings", {"utf-16", "utf-8"}}}}} : json::object();
    Call("initialize", {{"capabilities", caps}});
    Notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"version", 1}, {"text", text}}}});
    REQUIRE(sent.size() == 1);
    return sent[0]["params"]["diagnostics"];
  }
  json At(const std::string& method, int line, int character, json extra = json::object()) {
    extra["textDocument"] = {{"uri", uri}};
    extra["position"] = {{"line", line}, {"character", character}};
    return Call(method, extra)["result"];
  }
};

json Pos(int line, int character) { return {{"line", line}, {"character", character}}; }

const char* kFlow =
    "const retries = 2\n"
    "workflow w(name: string, n: int = 3) {\n"
    "  stage a = noop(value: name)\n"
    "  foreach item in [1, 2, n] {\n"
    "    stage b = noop(value: item + retries)\n"
    "  }\n"
    "  stage c = noop(value: \"${a.value} done\") after a\n"
    "}\n";

TEST_CASE("protocol: initialize first, unknown methods, bad messages, exit codes") {
  Harness h;
  json r = h.Call("textDocument/hover", json::object());
  CHECK(r["error"]["code"] == -32002);
  h.server.Handle("{not json");
  CHECK(h.sent.back()["error"]["code"] == -32700);
  CHECK(h.sent.back()["id"].is_null());
  h.Call("initialize", json::object());
  CHECK(h.Call("textDocument/nothing", json::object())["error"]["code"] == -32601);
  CHECK(h.Call("textDocument/hover", {{"textDocument", 7}})["error"]["code"] == -32602);
  CHECK(h.Call("textDocument/hover", {{"textDocument", {{"uri", "file:///none.flow"}}}})["result"]
            .is_null());
  h.Notify("exit", nullptr);
  CHECK(h.server.exited());
  CHECK(h.server.exit_code() == 1);  // exit without shutdown
}

TEST_CASE("diagnostics: range over the token, code, related location") {
  Harness h;
  json d = h.Open(
      "workflow w() {\n"
      "  foreach x in [1] {\n"
      "    stage a = noop(value: x)\n"
      "}\n");
  REQUIRE(d.size() == 1);
  CHECK(d[0]["code"] == "E001");
  std::string message = d[0]["message"];
  INFO(message);
  // The foreach is the block left open: the last '}' lines up with the workflow's line.
  CHECK(message.find("the foreach block opened at 2:20") != std::string::npos);
  CHECK(d[0]["range"]["start"] == Pos(1, 19));
  REQUIRE(d[0].contains("relatedInformation"));
  CHECK(d[0]["relatedInformation"][0]["location"]["range"]["start"] == Pos(1, 19));
  CHECK(d[0]["relatedInformation"][0]["message"] == "the foreach block opened here");
  CHECK(d[0]["relatedInformation"][1]["location"]["range"]["start"] == Pos(3, 0));
  CHECK(d[0]["relatedInformation"][1]["message"] == "the closing brace here");

  Harness u;
  d = u.Open("workflow w() {\n  stage a = nop()\n}\n");
  REQUIRE(d.size() == 1);
  CHECK(d[0]["code"] == "E010");
  CHECK(d[0]["range"]["start"] == Pos(1, 12));
  CHECK(d[0]["range"]["end"] == Pos(1, 15));
}

TEST_CASE("positions in UTF-8 when the client offers it, UTF-16 otherwise") {
  std::string text = "workflow w() {\n  stage a = noop(value: \"\xc3\xa9\xc3\xa9\" + y)\n}\n";
  Harness h16, h8;
  json d16 = h16.Open(text), d8 = h8.Open(text, true);
  REQUIRE(d16.size() == 1);
  REQUIRE(d8.size() == 1);
  CHECK(d16[0]["range"]["start"] == Pos(1, 31));
  CHECK(d8[0]["range"]["start"] == Pos(1, 33));
}

TEST_CASE("hover: types of names, argument docs, stage outputs") {
  Harness h;
  REQUIRE(h.Open(kFlow).empty());
  std::string v = h.At("textDocument/hover", 4, 26)["contents"]["value"];  // item
  CHECK(v.find("(loop variable) item: int") != std::string::npos);
  v = h.At("textDocument/hover", 2, 24)["contents"]["value"];  // name
  CHECK(v.find("(parameter) name: string") != std::string::npos);
  v = h.At("textDocument/hover", 2, 18)["contents"]["value"];  // value:
  CHECK(v.find("(argument of noop) value: any") != std::string::npos);
  v = h.At("textDocument/hover", 4, 33)["contents"]["value"];  // retries
  CHECK(v.find("const retries: int") != std::string::npos);
  v = h.At("textDocument/hover", 6, 27)["contents"]["value"];  // a in ${a.value}
  CHECK(v.find("stage a = noop(...)") != std::string::npos);
  CHECK(v.find("- `value: any`") != std::string::npos);
  CHECK(h.At("textDocument/hover", 7, 0).is_null());
}

TEST_CASE("completion: argument names, after, fields, keywords") {
  Harness h;
  REQUIRE(h.Open(kFlow).empty());
  std::vector<std::string> top;
  json top_items = h.At("textDocument/completion", 7, 0)["items"];
  for (const json& i : top_items) top.push_back(i["label"]);
  h.Notify("textDocument/didChange",
           {{"textDocument", {{"uri", h.uri}, {"version", 2}}},
            {"contentChanges",
             {{{"range", {{"start", Pos(7, 0)}, {"end", Pos(7, 0)}}},
               {"text",
                "  stage d = http.request(url: \"x\", \n  stage e = noop() after \n"
                "  stage f = noop(value: a.\n"}}}}});
  auto labels = [&](int line, int character) {
    std::vector<std::string> out;
    json result = h.At("textDocument/completion", line, character);
    for (const json& i : result["items"]) {
      out.push_back(i["label"]);
    }
    return out;
  };
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  auto args = labels(7, 36);
  CHECK(has(args, "method:"));
  CHECK(!has(args, "url:"));  // already given
  CHECK(has(args, "name"));   // names may be values too
  auto after = labels(8, 25);
  CHECK(has(after, "a"));
  CHECK(has(after, "b"));
  CHECK(!has(after, "item"));
  CHECK(labels(9, 26) == std::vector<std::string>{"value"});
  CHECK(has(top, "stage"));
  CHECK(has(top, "fleet.drain"));
  CHECK(has(top, "len"));
}

TEST_CASE("definition, references, rename and its refusals") {
  Harness h;
  REQUIRE(h.Open(kFlow).empty());
  json def = h.At("textDocument/definition", 4, 26);  // item, a loop variable
  CHECK(def["range"]["start"] == Pos(3, 10));
  CHECK(def["range"]["end"] == Pos(3, 14));
  def = h.At("textDocument/definition", 4, 29);  // the end of `item` still counts
  CHECK(def["range"]["start"] == Pos(3, 10));
  def = h.At("textDocument/definition", 3, 11);  // on the definition itself
  CHECK(def["range"]["start"] == Pos(3, 10));
  def = h.At("textDocument/definition", 6, 49);  // after a
  CHECK(def["range"]["start"] == Pos(2, 8));
  json refs = h.At("textDocument/references", 2, 8, {{"context", {{"includeDeclaration", false}}}});
  CHECK(refs.size() == 2);  // `after a` and "${a.value}"
  json edit = h.At("textDocument/rename", 1, 25, {{"newName", "count"}});  // n
  CHECK(edit["changes"][h.uri].size() == 2);
  json bad =
      h.Call("textDocument/rename",
             {{"textDocument", {{"uri", h.uri}}}, {"position", Pos(2, 8)}, {"newName", "stage"}});
  CHECK(bad["error"]["message"] == "'stage' is a reserved word");
  bad = h.Call("textDocument/rename",
               {{"textDocument", {{"uri", h.uri}}}, {"position", Pos(2, 8)}, {"newName", "b"}});
  CHECK(bad["error"]["message"] == "'b' is already a name in this file");
  CHECK(h.At("textDocument/prepareRename", 2, 8)["placeholder"] == "a");
}

TEST_CASE("document symbols nest blocks; formatting is fmt's; syntax errors refuse it") {
  Harness h;
  REQUIRE(h.Open(kFlow).empty());
  json s = h.Call("textDocument/documentSymbol", {{"textDocument", {{"uri", h.uri}}}})["result"];
  REQUIRE(s.size() == 2);
  CHECK(s[0]["name"] == "retries");
  CHECK(s[1]["name"] == "w");
  json kids = s[1]["children"];
  REQUIRE(kids.size() == 5);  // name, n, a, foreach item, c
  CHECK(kids[3]["name"] == "foreach item");
  CHECK(kids[3]["children"][0]["name"] == "b");
  CHECK(kids[3]["range"]["end"] == Pos(5, 3));
  json f = h.Call("textDocument/formatting", {{"textDocument", {{"uri", h.uri}}}})["result"];
  CHECK(f == json::array());  // already formatted
  h.Notify("textDocument/didChange", {{"textDocument", {{"uri", h.uri}, {"version", 2}}},
                                      {"contentChanges", {{{"text", "workflow w( {"}}}}});
  json r = h.Call("textDocument/formatting", {{"textDocument", {{"uri", h.uri}}}});
  CHECK(r["error"]["message"] == "not formatted: the file has syntax errors");
}

}  // namespace
}  // namespace dandori::lsp
