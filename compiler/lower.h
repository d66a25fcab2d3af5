// Lowering: a checked Program -> the Table (proto/dandori/v1/table.proto). Assigns
// state indices (statements in pre-order; a block is BLOCK_BEGIN, its body, then
// BLOCK_END; handlers follow the body; SUCCEED and FAIL come last), fills
// dependencies and transitions, merges `defaults` into each stage's policy, compiles
// arguments (defaults filled from the signature), conditions and loop lists to
// bytecode, and records the source map. The layout is documented in docs/table.md.
#pragma once

#include "compiler/program.h"
#include "compiler/source.h"
#include "dandori/v1/table.pb.h"

namespace dandori::compiler {

// Requires a Program whose check produced no errors.
v1::Table Lower(const Program& program, const SourceManager& sm);

}  // namespace dandori::compiler
