#include "compiler/graph.h"

#include <fmt/format.h>

#include <vector>

namespace dandori::compiler {

std::string BlockTitle(const v1::State& s) {
  const v1::Block& b = s.block();
  std::string kind;
  switch (b.kind()) {
    case v1::FOREACH:
      kind = "foreach";
      break;
    case v1::FANOUT:
      kind = "fanout";
      break;
    case v1::ROLLING:
      kind = "rolling";
      break;
    case v1::GROUP:
      return "group " + s.name();
    case v1::ON_FAILURE:
      return "on failure";
    case v1::ON_SUCCESS:
      return "on success";
    default:
      return s.name();
  }
  std::string t = fmt::format("{} {} in {}", kind, b.var(), b.items().source());
  if (b.kind() == v1::ROLLING && (b.window() > 0 || b.window_percent() > 0)) {
    t += b.window_percent() > 0 ? fmt::format(" window {}%", b.window_percent())
                                : fmt::format(" window {}", b.window());
  } else if (b.kind() == v1::ROLLING) {
    t += b.batch_percent() > 0 ? fmt::format(" batch {}%", b.batch_percent())
                               : fmt::format(" batch {}", b.batch());
  } else {
    t += b.parallel() > 0 ? fmt::format(" parallel {}", b.parallel()) : " parallel all";
  }
  if (b.has_keep()) {
    t += b.keep_percent() > 0 ? fmt::format(" keep {}% serving", b.keep_percent())
                              : fmt::format(" keep {} serving", b.keep());
  }
  if (b.has_tolerate()) {
    t += b.tolerate_percent() > 0 ? fmt::format(" tolerate {}%", b.tolerate_percent())
                                  : fmt::format(" tolerate {}", b.tolerate());
  }
  return t;
}

std::string StateLabel(const v1::State& s) {
  switch (s.kind()) {
    case v1::TASK:
      return s.name() + "\n" + s.op();
    case v1::GATE:
      return "approve " + s.name();
    case v1::BLOCK_BEGIN:
      return "begin";
    case v1::BLOCK_END:
      return "end";
    case v1::SUCCEED:
      return "succeed";
    case v1::FAIL:
      return "fail";
    default:
      return s.name();
  }
}

namespace {

std::string DotEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string MermaidEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "#quot;";
    else if (c == '\n')
      out += "<br/>";
    else if (c == '<')
      out += "#lt;";
    else if (c == '>')
      out += "#gt;";
    else
      out += c;
  }
  return out;
}

// Calls fn(state, depth) for the states directly in the block whose BEGIN is `parent`
// (-1: top level), recursing into nested blocks between open / close calls.
template <typename Open, typename Node, typename Close>
void Walk(const v1::Table& t, int parent, int depth, Open open, Node node, Close close) {
  for (const v1::State& s : t.states()) {
    if (s.parent() != parent) continue;
    if (s.kind() == v1::BLOCK_BEGIN) {
      open(s, depth);
      node(s, depth + 1);
      Walk(t, s.index(), depth + 1, open, node, close);
      node(t.states(s.block().end()), depth + 1);
      close(s, depth);
    } else if (s.kind() != v1::BLOCK_END) {
      node(s, depth);
    }
  }
}

}  // namespace

// Exactly the Table's transitions, the ones the engine executes (table.proto
// "Transitions"): ok, failed, and timed_out where it differs from failed.
std::vector<GraphEdge> GraphEdges(const v1::Table& t) {
  std::vector<GraphEdge> out;
  for (const v1::State& s : t.states()) {
    for (int o : s.next().ok()) out.push_back({s.index(), o, "ok"});
    if (s.next().failed() >= 0) out.push_back({s.index(), s.next().failed(), "failed"});
    if (s.next().timed_out() >= 0 && s.next().timed_out() != s.next().failed()) {
      out.push_back({s.index(), s.next().timed_out(), "timed_out"});
    }
  }
  return out;
}

namespace {

std::string DotEdge(const GraphEdge& e) {
  if (e.kind == "ok") return fmt::format("  s{} -> s{};\n", e.from, e.to);
  return fmt::format("  s{} -> s{} [style=dashed, color=red, label=\"{}\"];\n", e.from, e.to,
                     e.kind);
}

std::string MermaidEdge(const GraphEdge& e) {
  if (e.kind == "ok") return fmt::format("  s{} --> s{}\n", e.from, e.to);
  return fmt::format("  s{} -.->|{}| s{}\n", e.from, e.kind, e.to);
}

}  // namespace

std::string RenderDot(const v1::Table& t) {
  std::string out = fmt::format(
      "digraph \"{}\" {{\n  rankdir=TB;\n  node [shape=box, style=rounded, "
      "fontname=\"Helvetica\"];\n",
      DotEscape(t.workflow()));
  auto indent = [](int d) { return std::string(2 * (d + 1), ' '); };
  Walk(
      t, -1, 0,
      [&](const v1::State& s, int d) {
        out += fmt::format("{}subgraph cluster_{} {{\n{}  label=\"{}\"; style=dashed;\n", indent(d),
                           s.index(), indent(d), DotEscape(BlockTitle(s)));
      },
      [&](const v1::State& s, int d) {
        std::string shape = s.kind() == v1::BLOCK_BEGIN || s.kind() == v1::BLOCK_END ? ", shape=cds"
                            : s.kind() == v1::GATE ? ", shape=diamond"
                            : s.kind() == v1::SUCCEED || s.kind() == v1::FAIL
                                ? ", shape=doublecircle"
                                : "";
        out += fmt::format("{}s{} [label=\"{}\"{}];\n", indent(d), s.index(),
                           DotEscape(StateLabel(s)), shape);
      },
      [&](const v1::State&, int d) { out += indent(d) + "}\n"; });
  for (const GraphEdge& e : GraphEdges(t)) out += DotEdge(e);
  return out + "}\n";
}

std::string RenderMermaid(const v1::Table& t) {
  std::string out = "flowchart TD\n";
  auto indent = [](int d) { return std::string(2 * (d + 1), ' '); };
  Walk(
      t, -1, 0,
      [&](const v1::State& s, int d) {
        out += fmt::format("{}subgraph b{}[\"{}\"]\n", indent(d), s.index(),
                           MermaidEscape(BlockTitle(s)));
      },
      [&](const v1::State& s, int d) {
        std::string label = MermaidEscape(StateLabel(s));
        if (s.kind() == v1::GATE) {
          out += fmt::format("{}s{}{{\"{}\"}}\n", indent(d), s.index(), label);
        } else if (s.kind() == v1::SUCCEED || s.kind() == v1::FAIL) {
          out += fmt::format("{}s{}((\"{}\"))\n", indent(d), s.index(), label);
        } else {
          out += fmt::format("{}s{}[\"{}\"]\n", indent(d), s.index(), label);
        }
      },
      [&](const v1::State&, int d) { out += indent(d) + "end\n"; });
  for (const GraphEdge& e : GraphEdges(t)) out += MermaidEdge(e);
  return out;
}

}  // namespace dandori::compiler
