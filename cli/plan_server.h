// `dandori plan --server URL`: past runs read through `dandori serve`'s API (the job
// list, each job's events, tasks and compiled Table: GET /v1/jobs, /v1/jobs/N/events,
// /v1/jobs/N/tasks, /v1/jobs/N/table) with the API token, as engine::HistorySource, so
// the figures are the same as `plan --store` on the server's store. Only reads.
#pragma once

#include <memory>

#include "cli/api_client.h"
#include "engine/plan_history.h"

namespace dandori::cli {

std::unique_ptr<engine::HistorySource> ApiHistory(const ApiTarget& target);

}  // namespace dandori::cli
