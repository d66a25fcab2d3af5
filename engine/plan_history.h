// PlanHistory: `dandori plan --store`: operator figures from past runs in a store.
//
// Reads the most recent ended jobs (any workflow: the same operators are what matters),
// maps each task key's state to its operator through that job's own Table, and pairs
// every attempt's task.started with its task.succeeded / task.failed: the attempt
// durations, per operator, become a DurationModel ("history: J jobs, N attempts").
// Also measured:
//   * the engine's cost per task: per loop item (the tasks of one server, say), its wall
//     time from first start to last end minus the time its tasks ran, over the tasks that
//     ran (the median over items);
//   * `runs`: of a conditional stage (`when`), the fraction of its loop's items in
//     which it ran (skipped tasks leave no row, so: its rows / its body's items).
// Uses only the Store interface (ListJobs, ListEvents, LoadTasks), so SQLite and
// PostgreSQL alike. Reads at most max_jobs jobs and kMaxEvents events per job.
#pragma once

#include "engine/plan_model.h"
#include "engine/store.h"

namespace dandori::engine {

Result<PlanFigures> HistoryFigures(Store& store, int max_jobs);

}  // namespace dandori::engine
