// The compiler driver: loads a .flow file and its imports (relative to the importing
// file), parses, checks, lowers to the Table and verifies it. Also checks whole
// folders for `dandori check`. All problems go to Diagnostics; only an unreadable
// path given by the user is a Status error (a usage error, exit 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "compiler/diagnostics.h"
#include "compiler/source.h"
#include "dandori/v1/table.pb.h"

namespace dandori::v1 {
class FlowSource;  // dandori/v1/api.pb.h
}  // namespace dandori::v1

namespace dandori::compiler {

struct CompileOutput {
  // The verified Table; set when the file declares a workflow and has no errors.
  std::optional<v1::Table> table;
  bool has_workflow = false;
};

// Compiles the file at `path`. Returns an error Status only when `path` cannot be read.
Result<CompileOutput> CompileFile(const std::string& path, SourceManager& sm, Diagnostics& diags);

// Same, for text already registered in `sm` as file `file` (tests, benchmarks).
CompileOutput CompileSource(int file, SourceManager& sm, Diagnostics& diags);

// One file of a submitted bundle: `path` as the submitter's compiler named it (imports
// resolve against it exactly as on disk), `text` its source.
struct SourceFile {
  std::string path;
  std::string text;
};

// Compiles files[0] with its imports taken only from `files` (a bundle sent over the
// API): `sm` is sealed, nothing is read from disk. `sm` must be empty.
CompileOutput CompileBundle(const std::vector<SourceFile>& files, SourceManager& sm,
                            Diagnostics& diags);

// The source of a submission to `dandori serve` (v1::FlowSource: the main file and its
// import closure) compiled with CompileBundle. Errors: kInvalidArgument whose message
// is the rendered diagnostics, which quote only files of the submission.
Result<v1::Table> CompileSubmitted(const v1::FlowSource& source);

// The bundle of `path`'s import closure, as CompileFile loads it, for sending to a
// server; the error names a file that cannot be read (diagnostics are not reported).
Result<std::vector<SourceFile>> BundleOf(const std::string& path);

// Checks files and folders (recursively, every *.flow, in sorted order); a library
// file without a workflow checks on its own. Returns an error Status naming the
// first path that does not exist or cannot be read; `files` counts the files checked.
Status CheckPaths(const std::vector<std::string>& paths, SourceManager& sm, Diagnostics& diags,
                  int* files = nullptr);

}  // namespace dandori::compiler
