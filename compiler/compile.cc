#include "compiler/compile.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "compiler/check.h"
#include "compiler/lower.h"
#include "compiler/parse.h"
#include "proto/table_verify.h"

namespace dandori::compiler {
namespace fs = std::filesystem;
namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::Invalid(fmt::format("{}: is a directory", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("{}: cannot open file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::path(path), ec);
  return ec ? path : p.string();
}

// Loads the import graph of one main file, depth first, detecting cycles.
class Loader {
 public:
  Loader(SourceManager& sm, Diagnostics& d) : sm_(sm), d_(d) {}

  void LoadImports(File& f, std::vector<std::string>& chain) {
    std::string dir = fs::path(sm_.path(f.file)).parent_path().string();
    for (const Import& imp : f.imports) {
      std::string target = (fs::path(dir) / imp.path).lexically_normal().string();
      std::string canon = Canonical(target);
      auto on_chain = std::find(chain.begin(), chain.end(), canon);
      if (on_chain != chain.end()) {
        std::string names;
        for (auto it = on_chain; it != chain.end(); ++it)
          names += fs::path(*it).filename().string() + " -> ";
        names += fs::path(canon).filename().string();
        d_.Error(imp.loc, "E061", fmt::format("import cycle: {}", names));
        continue;
      }
      if (std::find(done_.begin(), done_.end(), canon) != done_.end()) continue;
      auto text = ReadFile(target);
      if (!text.ok()) {
        d_.Error(imp.loc, "E060",
                 fmt::format("cannot import '{}': no such file ({})", imp.path, target));
        continue;
      }
      // A file seen before in this run keeps its index, so that its diagnostics are
      // reported once even when several checked files import it.
      int id = sm_.Find(target);
      if (id < 0) id = sm_.Add(target, std::move(*text));
      std::unique_ptr<File> parsed = ParseFile(sm_, id, d_);
      if (!parsed) continue;
      done_.push_back(canon);
      if (parsed->workflow) {
        d_.Error(
            imp.loc, "E062",
            fmt::format("'{}' declares workflow '{}'; an imported file may only declare consts",
                        imp.path, parsed->workflow->name));
      }
      chain.push_back(canon);
      LoadImports(*parsed, chain);
      chain.pop_back();
      files_.push_back(std::move(parsed));
    }
  }

  std::vector<File*> Files() {
    std::vector<File*> out;
    for (auto& f : files_) out.push_back(f.get());
    return out;
  }

 private:
  SourceManager& sm_;
  Diagnostics& d_;
  std::vector<std::string> done_;
  std::vector<std::unique_ptr<File>> files_;
};

}  // namespace

CompileOutput CompileSource(int file, SourceManager& sm, Diagnostics& diags) {
  CompileOutput out;
  std::unique_ptr<File> main = ParseFile(sm, file, diags);
  if (!main) return out;
  out.has_workflow = main->workflow.has_value();
  Loader loader(sm, diags);
  std::vector<std::string> chain{Canonical(sm.path(file))};
  loader.LoadImports(*main, chain);
  // Syntax errors leave a partial AST: checking it would mostly repeat them.
  if (diags.has_errors()) return out;
  std::unique_ptr<Program> program = Check(*main, loader.Files(), sm, diags);
  if (diags.has_errors() || !program->workflow) return out;
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

Result<CompileOutput> CompileFile(const std::string& path, SourceManager& sm, Diagnostics& diags) {
  auto text = ReadFile(path);
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
