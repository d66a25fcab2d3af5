// Verification of a lowered Table, independent of how it was produced: every index
// in range, dependencies within one block, bytecode well formed, every state able to
// reach a terminal state, the transition graph free of cycles (the only repetition is
// a retry, bounded by its policy). A failure is a compiler bug: E9xx diagnostics.
#pragma once

#include <string>
#include <vector>

#include "dandori/v1/table.pb.h"

namespace dandori::compiler {

// Problems found, as human sentences; empty when the table is sound.
std::vector<std::string> VerifyTable(const v1::Table& table);

}  // namespace dandori::compiler
