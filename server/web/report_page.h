// `dandori report`'s page: one self-contained HTML file (no network, no other file)
// holding the web view's CSS, its rendering modules (server/web/assets/, bundled in
// dependency order) and the job's data as inline JSON, so a finished job's timeline,
// branches, retries, slowest tasks and failures can be mailed or archived as one file.
#pragma once

#include <string>

namespace dandori::server::web {

// `data_json`: {"job": Job, "graph": JobGraph, "tasks": [TaskSummary], "events": [Event]}
// in the API's JSON (proto/dandori/v1/api.proto).
std::string ReportHtml(const std::string& title, const std::string& data_json);

// The modules the report bundles, dependency first.
inline constexpr const char* kReportModules[] = {
    "format.js", "dom.js", "graph.js", "branches.js", "timeline.js", "sections.js", "report.js"};

}  // namespace dandori::server::web
