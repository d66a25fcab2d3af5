// The transitions a loaded Program executes, written back in the Table's terms (state
// index -> state index, "ok" / "failed" / "timed_out"). Tools and tests compare this
// with what `dandori graph` draws from the Table (tests/engine/graph_engine_test), so
// the picture and the engine cannot drift apart.
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "engine/program.h"

namespace dandori::engine {

struct ProgramEdge {
  int from = 0, to = 0;
  std::string kind;  // "ok", "failed" or "timed_out"
  bool operator<(const ProgramEdge& o) const {
    return std::tie(from, to, kind) < std::tie(o.from, o.to, o.kind);
  }
  bool operator==(const ProgramEdge&) const = default;
};

std::vector<ProgramEdge> ProgramEdges(const Program& program);

}  // namespace dandori::engine
