// `dandori graph`: draws a compiled Table as Graphviz DOT or a Mermaid flowchart:
// every state, blocks (foreach / fanout / rolling / group / handlers) as clusters or
// subgraphs, ok transitions as solid edges and failure transitions as dashed ones.
#pragma once

#include <string>

#include "dandori/v1/table.pb.h"

namespace dandori::compiler {

std::string RenderDot(const v1::Table& table);
std::string RenderMermaid(const v1::Table& table);

}  // namespace dandori::compiler
