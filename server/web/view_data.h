// The web view's data, shared by the API's read routes (server/http_api_view.cc) and
// `dandori report` (cli/cmd_report.cc), so both show the same graph and tasks: the
// job's workflow graph (compiler/graph.h, from its Table) with each state's tasks per
// task state, and the task list, as the API's messages (proto/dandori/v1/api.proto).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "dandori/v1/api.pb.h"
#include "engine/store.h"

namespace dandori::server::web {

// The graph of `table_bytes` (a serialized Table) with `tasks` counted per state (a
// task key "s12/3/7" belongs to state 12). kCorrupt when the bytes are no Table.
Result<v1::JobGraph> JobGraphOf(const std::string& table_bytes,
                                const std::vector<engine::TaskRow>& tasks);

v1::TaskSummary TaskSummaryOf(const engine::TaskRow& row);

// A message as the API's JSON (lowerCamelCase, every field printed).
std::string ApiJson(const google::protobuf::Message& m);

}  // namespace dandori::server::web
