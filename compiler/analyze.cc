// The front half of the compiler: parse a file, load its imports, check it. Shared by
// the compile driver and the language server (lsp/), which needs the AST and the
// checker's Program that CompileSource frees.
#include "compiler/analyze.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "base/read_file.h"
#include "compiler/check.h"
#include "compiler/parse.h"

namespace dandori::compiler {
namespace fs = std::filesystem;

Result<std::string> ReadSourceFile(const std::string& path) {
  return ReadUserFile(path, kMaxFileBytes);
}

namespace {

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
      std::string canon = sm_.sealed() ? target : Canonical(target);
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
      // A file seen before in this run keeps its index, so that its diagnostics are
      // reported once even when several checked files import it.
      int id = sm_.Find(target);
      if (sm_.sealed()) {
        // A bundle's imports are its own files; the disk is never consulted, so a
        // diagnostic can neither quote nor reveal a file the sender did not send.
        if (id < 0) {
          d_.Error(imp.loc, "E060",
                   fmt::format("cannot import '{}': {} is not among the files submitted", imp.path,
                               target));
          continue;
        }
      } else if (id < 0) {
        auto text = ReadSourceFile(target);
        if (!text.ok()) {
          if (text.status().code() == Code::kNotFound) {
            d_.Error(imp.loc, "E060",
                     fmt::format("cannot import '{}': no such file ({})", imp.path, target));
          } else {
            d_.Error(imp.loc, "E063",
                     fmt::format("cannot import '{}': {}", imp.path, text.status().message()));
          }
          continue;
        }
        id = sm_.Add(target, std::move(*text));
      }
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

  std::vector<std::unique_ptr<File>> Take() { return std::move(files_); }

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

Analysis Analyze(int file, SourceManager& sm, Diagnostics& diags) {
  Analysis out;
  out.main = ParseFile(sm, file, diags);
  if (!out.main) return out;
  Loader loader(sm, diags);
  std::vector<std::string> chain{sm.sealed() ? sm.path(file) : Canonical(sm.path(file))};
  loader.LoadImports(*out.main, chain);
  std::vector<File*> imports = loader.Files();
  out.imports = loader.Take();
  // Syntax errors leave a partial AST: checking it would mostly repeat them.
  if (diags.has_errors()) return out;
  out.program = Check(*out.main, imports, sm, diags);
  return out;
}

}  // namespace dandori::compiler
