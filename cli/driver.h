// The CLI's one pipeline, in the order a workflow flows through it:
//
//   .flow ──CompileWorkflow──► Table ──PrepareJob──► Program + bound params
//   .flowc ──ReadTableFile──┘                            │
//                                 OpenStoreArg + SubmitPrepared ──► a job on a store
//
// check, compile, graph, run, plan, submit and serve all go through these functions,
// so a .flow with errors is reported (diagnostics on stderr) and refused the same way
// by every command, and one rule turns a Status into the exit code (docs/cli.md):
//   0  done;  1  the work ran and failed (or was cancelled);
//   2  bad input: a .flow with errors, a bad --param, a missing file or store, bad usage.
// Nothing is written to a store when the exit code is 2.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/command.h"
#include "cli/params.h"
#include "compiler/report.h"
#include "dandori/v1/table.pb.h"
#include "engine/job_control.h"
#include "engine/program.h"
#include "engine/store.h"

namespace dandori::cli {

inline const char* kDefaultStore = ".dandori/state.db";

// The exit code for an error Status: kExitBadInput for the caller's mistakes
// (invalid, not found, corrupt, unavailable, precondition, exists), kExitFailed else.
int ExitCodeFor(const Status& st);
// Prints "dandori CMD: message" on stderr; returns ExitCodeFor(st).
int Fail(const std::string& cmd, const Status& st);

// Compiles a .flow file. Diagnostics (errors and warnings) go to stderr as text; a file
// with errors, or one that declares no workflow, is kInvalidArgument.
Result<v1::Table> CompileWorkflow(const std::string& path);
// A .flowc is read as a Table; anything else is compiled with CompileWorkflow.
Result<v1::Table> LoadWorkflow(const std::string& path);
bool IsCompiledTable(const std::string& path);

// A workflow ready to submit: its Table, the loaded Program (operators resolved
// against `registry` when given) and the bound parameter record.
struct PreparedJob {
  v1::Table table;
  std::shared_ptr<const engine::Program> program;
  Value params;
};
Result<PreparedJob> PrepareJob(const std::string& path, const ParamArgs& params,
                               const OperatorRegistry* registry);

// --store: empty means kDefaultStore; a postgres:// URL or a SQLite file. create=false:
// a missing SQLite file is kNotFound ("no jobs here yet") and PostgreSQL is not
// migrated. A SQLite path given explicitly must be in an existing folder.
Result<std::unique_ptr<engine::Store>> OpenStoreArg(const std::string& store, bool create);

// Submits through engine/job_control.h (the one submit), workdir = the current folder.
using Submitted = engine::Submitted;
Result<Submitted> SubmitPrepared(engine::Store& store, const PreparedJob& job,
                                 const std::string& key);

// Every operator family this binary links, registered in `r`.
void RegisterOperators(OperatorRegistry* r);

Result<int64_t> ParseJobId(const std::string& text);

}  // namespace dandori::cli
