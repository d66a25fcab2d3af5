// The one place that turns a Table's structure into its transitions. Producers of
// Tables (the compiler's lowering, engine/table_builder for tests) write each state's
// kind, parent, block descriptor and `deps` as its predecessors in the same body (a
// nested block is named by its END); LinkTransitions then writes every `next` (ok,
// failed, timed_out) and rewrites `deps` as the join lists, in exactly the shape
// table_verify checks and the engine executes (table.proto "Transitions").
#pragma once

#include "dandori/v1/table.pb.h"

namespace dandori::v1 {

// Requires: succeed, fail, on_failure, on_success set; every block's begin/end set.
void LinkTransitions(Table* table);

}  // namespace dandori::v1
