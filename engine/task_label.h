// Task labels: the names people read in status, events, logs, the live display, the API
// and the web view. A task's label is its stage and the loop variables in scope, outer
// first: "encode[r=720p, c=12]", "drain[zone=z03, server=z03-s040]"; a top-level stage is
// its name. The task key ("s12/3/7") stays the stable id (--json shows both).
#pragma once

#include <string>
#include <string_view>

#include "base/value.h"

namespace dandori::engine {

// How one loop item reads in a label: a string or number as itself; a record by its
// `name` or `id` field; anything else by its position ("#3").
std::string ItemLabel(const Value& item, int index);

// Appends "var=item" to a comma-separated scope label.
void AppendLoopLabel(std::string_view var, const Value& item, int index, std::string* scope);

// "stage[scope]", or the stage alone for an empty scope.
std::string TaskLabel(std::string_view stage, std::string_view scope);

// The label to show for a task: its label, or its key when it has none (a store written
// before labels were kept).
inline const std::string& ShownName(const std::string& label, const std::string& key) {
  return label.empty() ? key : label;
}

}  // namespace dandori::engine
