// `dandori graph`: draws a compiled Table as Graphviz DOT or a Mermaid flowchart:
// every state, blocks (foreach / fanout / rolling / group / handlers) as clusters or
// subgraphs, ok transitions as solid edges and failure transitions as dashed ones.
// The edges are exactly the Table's transitions, which the engine executes
// (tests/engine/graph_engine_test compares them with the loaded Program).
#pragma once

#include <string>
#include <vector>

#include "dandori/v1/table.pb.h"

namespace dandori::compiler {

struct GraphEdge {
  int from = 0, to = 0;
  std::string kind;  // "ok", "failed" or "timed_out"
  bool operator==(const GraphEdge&) const = default;
};
std::vector<GraphEdge> GraphEdges(const v1::Table& table);

// The node and cluster texts both renderings (and the web view's JSON graph) use:
// "drain\nfleet.drain", "approve go"; "rolling server in zone.servers batch 5% ...".
std::string StateLabel(const v1::State& s);
std::string BlockTitle(const v1::State& s);

std::string RenderDot(const v1::Table& table);
std::string RenderMermaid(const v1::Table& table);

}  // namespace dandori::compiler
