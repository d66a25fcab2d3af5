// Driving a job here, for `run`, `resume` and `retry`: a Scheduler on this process's
// threads with the operators this binary links, live progress on stdout (redrawn on a
// terminal, periodic lines otherwise), and Ctrl-C / SIGTERM as a clean cancel (a second
// Ctrl-C quits at once; the job resumes later). Prints the job's final line.
#pragma once

#include <cstdint>
#include <string>

#include "engine/store.h"

namespace dandori::cli {

// Runs (or resumes) `job` of `store` until it ends. `store_spec` is the --store argument
// (empty: the default store); attempts' scratch folders go under
// engine::ScratchRootFor(store_spec). Returns the exit code: 0 succeeded, 1 failed or
// cancelled, 2 when the store refused.
int DriveWithProgress(const std::string& cmd, engine::Store& store, const std::string& store_spec,
                      int64_t job);

}  // namespace dandori::cli
