// `dandori report`: a job's self-contained HTML report (server/web/report_page.h) from
// any Store, with the same data the web view reads from the API: the Job message, the
// graph with tasks per state, the tasks and every event.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "engine/store.h"

namespace dandori::server {

// The page's HTML; kNotFound for an unknown job. `now_ms` is the generation time shown.
Result<std::string> RenderJobReport(engine::Store& store, int64_t job, int64_t now_ms);

}  // namespace dandori::server
