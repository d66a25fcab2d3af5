// `dandori fmt [--check] PATH...`: rewrites .flow files (files, or folders searched
// recursively for *.flow) in the canonical layout of compiler/fmt.h.
//   without --check: each file that changes is rewritten atomically (temp file in the
//                    same folder, then rename); exit 0.
//   --check:         nothing is written; prints each file that would change; exit 1 if any.
// A file with syntax errors is left untouched and its errors are printed; exit 2 (also
// for a path that does not exist).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/read_file.h"
#include "cli/command.h"
#include "compiler/fmt.h"
#include "compiler/parse.h"

namespace dandori::cli {
namespace {

namespace fs = std::filesystem;

struct FmtArgs {
  std::vector<std::string> paths;
  bool check = false;
};

// The files named by `paths`: files as given, folders searched for *.flow (hidden
// folders skipped), sorted. Returns false (after printing) when a path is missing.
bool Collect(const std::vector<std::string>& paths, std::vector<fs::path>* out) {
  bool ok = true;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      out->push_back(p);
    } else if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(p, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory() && it->path().filename().string().starts_with(".")) {
          it.disable_recursion_pending();
        } else if (it->is_regular_file() && it->path().extension() == ".flow") {
          found.push_back(it->path());
        }
      }
      std::sort(found.begin(), found.end());
      out->insert(out->end(), found.begin(), found.end());
    } else {
      std::fprintf(stderr, "dandori fmt: %s: no such file or folder\n", p.c_str());
      ok = false;
    }
  }
  return ok;
}

// Writes `text` next to `p` and renames it over `p`, keeping p's permissions.
bool WriteAtomically(const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".fmt-" + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
  }
  std::error_code ec;
  fs::permissions(tmp, fs::status(p, ec).permissions(), ec);
  fs::rename(tmp, p, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

int RunFmt(const FmtArgs& args) {
  using namespace dandori::compiler;
  std::vector<fs::path> files;
  bool bad = !Collect(args.paths, &files);
  bool changed = false;
  for (const fs::path& path : files) {
    auto read = ReadUserFile(path.string());
    if (!read.ok()) {
      std::fprintf(stderr, "dandori fmt: %s\n", read.status().message().c_str());
      bad = true;
      continue;
    }
    std::string text = std::move(*read);
    SourceManager sm;
    Diagnostics diags;
    int id = sm.Add(path.string(), text);
    auto file = ParseFile(sm, id, diags);
    if (diags.has_errors()) {
      for (const Diagnostic& d : diags.Sorted()) {
        std::fprintf(stderr, "%s:%d:%d: %s[%s]: %s\n", path.c_str(), d.loc.line, d.loc.col,
                     d.severity == Severity::kError ? "error" : "warning", d.code.c_str(),
                     d.message.c_str());
      }
      std::fprintf(stderr, "dandori fmt: %s: not formatted (syntax errors)\n", path.c_str());
      bad = true;
      continue;
    }
    std::string formatted = FormatFile(*file, sm);
    if (formatted == text) continue;
    changed = true;
    if (args.check) {
      std::printf("%s\n", path.c_str());
    } else if (!WriteAtomically(path, formatted)) {
      std::fprintf(stderr, "dandori fmt: %s: cannot write\n", path.c_str());
      bad = true;
    }
  }
  if (bad) return kExitBadInput;
  return args.check && changed ? kExitFailed : kExitOk;
}

}  // namespace

DANDORI_COMMAND({"fmt", "Rewrite .flow files in the canonical layout (--check: only report)",
                 [](CLI::App* sub) -> CommandMain {
                   auto args = std::make_shared<FmtArgs>();
                   sub->add_option("paths", args->paths, ".flow files or folders")->required();
                   sub->add_flag("--check", args->check,
                                 "print the files that would change; exit 1 if any");
                   return [args] { return RunFmt(*args); };
                 },
                 40});

}  // namespace dandori::cli
