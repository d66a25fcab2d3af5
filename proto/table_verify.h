// Verification of a Table, independent of how it was produced: every index in range,
// the transitions in the shape the engine executes (table.proto "Transitions": ok into a
// body's entries, successors or exit; failures to the block's END, the failure handler
// or FAIL; the join lists the exact inverse of ok), bytecode well formed, every state
// able to reach a terminal state, the transition graph free of cycles (the only
// repetition is a retry, bounded by its policy). The compiler runs it on what it
// lowered (a problem is a compiler bug: E9xx); the engine's loader runs it on every
// table it loads (a problem is a corrupt or hand-made .flowc).
#pragma once

#include <string>
#include <vector>

#include "dandori/v1/table.pb.h"

namespace dandori::v1 {

// Problems found, as human sentences (at most 20); empty when the table is sound.
std::vector<std::string> VerifyTable(const Table& table);

}  // namespace dandori::v1
