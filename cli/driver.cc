// The CLI pipeline: see driver.h.
#include "cli/driver.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "compiler/compile.h"
#include "engine/job_runner.h"
#include "engine/loader.h"
#include "engine/pg/open_store.h"
#include "engine/pg/pg_store.h"
#include "stdlib/core/core_ops.h"
#include "stdlib/fleet/fleet_ops.h"
#include "stdlib/media/media_ops.h"
#include "stdlib/storage/storage_ops.h"

namespace dandori::cli {

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Code::kInvalidArgument:
    case Code::kNotFound:
    case Code::kCorruption:
    case Code::kUnavailable:
    case Code::kFailedPrecondition:
    case Code::kAlreadyExists:
      return kExitBadInput;
    default:
      return kExitFailed;
  }
}

int Fail(const std::string& cmd, const Status& st) {
  std::fprintf(stderr, "dandori %s: %s\n", cmd.c_str(), st.message().c_str());
  return ExitCodeFor(st);
}

namespace {

// The verdict on a compiled file, once its diagnostics are rendered.
Result<v1::Table> Verdict(const std::string& path, const compiler::CompileOutput& out,
                          const compiler::Diagnostics& diags) {
  if (diags.has_errors()) {
    int n = diags.error_count();
    return Status::Invalid(path + " has " + std::to_string(n) + (n == 1 ? " error" : " errors"));
  }
  if (!out.table) return Status::Invalid(path + " declares no workflow (a library of consts)");
  return *out.table;
}

}  // namespace

Result<v1::Table> CompileWorkflow(const std::string& path) {
  compiler::SourceManager sm;
  compiler::Diagnostics diags;
  auto out = compiler::CompileFile(path, sm, diags);
  if (!out.ok()) return Status::NotFound(out.status().message());
  if (diags.has_errors() || diags.warning_count() > 0) {
    std::string report = compiler::RenderReport(diags, sm, compiler::ReportFormat::kText);
    std::fwrite(report.data(), 1, report.size(), stderr);
  }
  return Verdict(path, *out, diags);
}

bool IsCompiledTable(const std::string& path) {
  return std::filesystem::path(path).extension() == ".flowc";
}

Result<v1::Table> LoadWorkflow(const std::string& path) {
  if (IsCompiledTable(path)) return engine::ReadTableFile(path);
  return CompileWorkflow(path);
}

Result<PreparedJob> PrepareJob(const std::string& path, const ParamArgs& params,
                               const OperatorRegistry* registry) {
  auto given = GatherParams(params);  // before compiling: usage errors first
  if (!given.ok()) return given.status();
  auto table = LoadWorkflow(path);
  if (!table.ok()) return table.status();
  auto program = engine::LoadTable(*table, registry);
  if (!program.ok()) return program.status();
  auto bound = engine::BindParams(**program, *given);
  if (!bound.ok()) return bound.status();
  return PreparedJob{std::move(*table), std::move(*program), std::move(*bound)};
}

Result<std::unique_ptr<engine::Store>> OpenStoreArg(const std::string& store, bool create) {
  std::string spec = store.empty() ? kDefaultStore : store;
  if (!engine::IsPostgresUrl(spec)) {
    std::filesystem::path parent = std::filesystem::path(spec).parent_path();
    std::error_code ec;
    if (!store.empty() && !parent.empty() && !std::filesystem::is_directory(parent, ec)) {
      return Status::NotFound("--store " + spec + ": no folder " + parent.string() +
                              " (create it first)");
    }
    if (!create && !std::filesystem::exists(spec, ec)) {
      return Status::NotFound("no store at " + spec +
                              " (run a workflow here first, or pass --store)");
    }
  }
  return engine::OpenStore(spec, {.migrate = create});
}

Result<Submitted> SubmitPrepared(engine::Store& store, const PreparedJob& job,
                                 const std::string& key) {
  return engine::SubmitBound(store, job.table, job.params, key,
                             std::filesystem::current_path().string(), *SystemClock());
}

void RegisterOperators(OperatorRegistry* r) {
  RegisterCoreOperators(r);
  RegisterMediaOperators(r);
  RegisterStorageOperators(r);
  RegisterFleetOperators(r);
}

Result<int64_t> ParseJobId(const std::string& text) {
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v <= 0) return Status::Invalid("bad job id '" + text + "'");
  return static_cast<int64_t>(v);
}

}  // namespace dandori::cli
