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
// Reads through a HistorySource: a Store (SQLite and PostgreSQL alike) or `dandori
// serve`'s API (`plan --server`, cli/plan_server.h). Reads at most max_jobs jobs and
// kMaxEvents events per job.
#pragma once

#include <string>
#include <vector>

#include "engine/plan_model.h"
#include "engine/store.h"

namespace dandori::engine {

// Where past runs are read from; only reads.
class HistorySource {
 public:
  virtual ~HistorySource() = default;
  // Most recent first; id and state are used (table may be left empty: see Table).
  virtual Result<std::vector<JobInfo>> ListJobs(int limit) = 0;
  virtual Result<std::string> Table(const JobInfo& job) = 0;  // the compiled Table's bytes
  // Events after `after_seq`, in order; an empty page ends the job's events.
  virtual Result<std::vector<Event>> ListEvents(int64_t job, int64_t after_seq, int limit) = 0;
  virtual Result<std::vector<TaskRow>> LoadTasks(int64_t job) = 0;  // key and state are used
};

Result<PlanFigures> HistoryFigures(HistorySource& source, int max_jobs);
Result<PlanFigures> HistoryFigures(Store& store, int max_jobs);

}  // namespace dandori::engine
