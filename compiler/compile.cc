#include "compiler/compile.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "compiler/analyze.h"
#include "compiler/check.h"
#include "compiler/lower.h"
#include "compiler/parse.h"
#include "compiler/report.h"
#include "dandori/v1/api.pb.h"
#include "proto/table_verify.h"

namespace dandori::compiler {
namespace fs = std::filesystem;

CompileOutput CompileSource(int file, SourceManager& sm, Diagnostics& diags) {
  CompileOutput out;
  Analysis analysis = Analyze(file, sm, diags);
  if (!analysis.main) return out;
  out.has_workflow = analysis.main->workflow.has_value();
  std::unique_ptr<Program>& program = analysis.program;
  std::unique_ptr<File>& main = analysis.main;
  if (diags.has_errors() || !program || !program->workflow) return out;
  v1::Table table = Lower(*program, sm);
  // The AST and the checker's Program are no longer needed: free them before the
  // verifier builds its graph, to keep the peak memory of large files down.
  Loc where = main->workflow->loc;
  program.reset();
  main.reset();
  std::vector<std::string> problems = v1::VerifyTable(table);
  if (!problems.empty()) {
    diags.Error(where, "E900",
                fmt::format("internal error: the compiled table is unsound: {}", problems[0]),
                {"this is a bug in dandori's compiler; please report it with this file"});
    return out;
  }
  out.table = std::move(table);
  return out;
}

CompileOutput CompileBundle(const std::vector<SourceFile>& files, SourceManager& sm,
                            Diagnostics& diags) {
  if (files.empty()) return {};
  for (const SourceFile& f : files) {
    if (sm.Find(f.path) < 0) sm.Add(f.path, f.text);
  }
  sm.Seal();
  return CompileSource(0, sm, diags);
}

Result<v1::Table> CompileSubmitted(const v1::FlowSource& source) {
  std::vector<SourceFile> files = {{source.path(), source.text()}};
  for (const v1::FlowFile& f : source.imports()) files.push_back({f.path(), f.text()});
  SourceManager sm;
  Diagnostics diags;
  CompileOutput out = CompileBundle(files, sm, diags);
  if (diags.has_errors()) return Status::Invalid(RenderReport(diags, sm, ReportFormat::kText));
  if (!out.table) {
    return Status::Invalid(source.path() + " declares no workflow (a library of consts)");
  }
  return *out.table;
}

Result<std::vector<SourceFile>> BundleOf(const std::string& path) {
  SourceManager sm;
  Diagnostics diags;
  auto text = ReadSourceFile(path);
  if (!text.ok()) return text.status();
  int id = sm.Add(path, std::move(*text));
  Analyze(id, sm, diags);  // loads the import closure into sm
  std::vector<SourceFile> out;
  for (int i = 0; i < sm.size(); ++i) out.push_back({sm.path(i), sm.text(i)});
  return out;
}

Result<CompileOutput> CompileFile(const std::string& path, SourceManager& sm, Diagnostics& diags) {
  auto text = ReadSourceFile(path);
  if (!text.ok()) return text.status();
  int id = sm.Find(path);
  if (id < 0) id = sm.Add(path, std::move(*text));
  return CompileSource(id, sm, diags);
}

Status CheckPaths(const std::vector<std::string>& paths, SourceManager& sm, Diagnostics& diags,
                  int* files) {
  std::vector<std::string> todo;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".flow") {
          found.push_back(it->path().string());
        }
      }
      if (ec) return Status::Invalid(fmt::format("{}: {}", p, ec.message()));
      std::sort(found.begin(), found.end());
      todo.insert(todo.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      todo.push_back(p);
    } else {
      return Status::NotFound(fmt::format("{}: no such file or directory", p));
    }
  }
  for (const std::string& p : todo) {
    auto r = CompileFile(p, sm, diags);
    if (!r.ok()) return r.status();
  }
  if (files) *files = static_cast<int>(todo.size());
  return Status::Ok();
}

}  // namespace dandori::compiler
