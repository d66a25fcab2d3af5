// How the job commands print what engine/job_control.h returns, as text for a person or
// as JSON for a program (--json: one object per line; the fields are documented in
// docs/cli.md and stay stable). Used for a store (--store) and for a server (--server,
// whose answers cli/api_client.cc turns into the same structs), so both print alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/job_control.h"

namespace dandori::cli {

// Local time with milliseconds, "2026-12-02 14:42:54.123".
std::string TimeText(int64_t ms);
// UTC, ISO 8601 with milliseconds, "2026-12-02T14:42:54.123Z" (JSON).
std::string TimeIso(int64_t ms);

// `label`: the event's task's label (engine::TaskLabels), shown instead of its key.
void PrintEvent(const engine::Event& e, bool json, const std::string& label = "");
// `logs`: a header line naming the task, attempt and stream, then the text.
void PrintLog(const engine::TaskLog& l, bool json);
// `status` without a job: a table header (text only), then one line per job.
void PrintJobListHeader(bool json);
void PrintJobLine(const engine::JobInfo& j, bool json);
// `status JOB`.
void PrintStatus(const engine::JobStatus& s, bool json);
// "job N succeeded" / "job N failed: ERROR" / "job N cancelled" (run, --wait), with
// the failed tasks by name when `failed` is given (the first 10); returns the exit code
// of the job: 0 succeeded, 1 failed or cancelled.
int PrintEnd(const engine::JobInfo& j, const std::vector<engine::TaskRow>* failed = nullptr);

// The name a person approves as, "cli $USER".
std::string CliWho();

}  // namespace dandori::cli
