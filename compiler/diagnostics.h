// Diagnostics: located errors and warnings, collected (never thrown) by every compiler
// phase and printed sorted by location. Codes are stable and documented in
// docs/diagnostics.md: E0xx errors, W0xx warnings. Rendering to text / JSON / GitHub /
// SARIF lives in compiler/report.h.
#pragma once

#include <string>
#include <vector>

#include "compiler/source.h"

namespace dandori::compiler {

enum class Severity { kError, kWarning };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string code;     // "E012"
  std::string message;  // one line, human words
  Loc loc;
  std::vector<std::string> notes;  // extra lines ("note: the cycle is a -> b -> a")
};

class Diagnostics {
 public:
  // A hard cap so pathological input cannot produce unbounded output.
  static constexpr size_t kMaxDiagnostics = 500;

  void Error(Loc loc, std::string code, std::string message, std::vector<std::string> notes = {});
  void Warning(Loc loc, std::string code, std::string message, std::vector<std::string> notes = {});

  bool has_errors() const { return errors_ > 0; }
  int error_count() const { return errors_; }
  int warning_count() const { return warnings_; }
  bool truncated() const { return truncated_; }
  // Sorted by (file, line, col), duplicates removed.
  std::vector<Diagnostic> Sorted() const;
  const std::vector<Diagnostic>& all() const { return list_; }

 private:
  void Add(Diagnostic d);
  std::vector<Diagnostic> list_;
  int errors_ = 0;
  int warnings_ = 0;
  bool truncated_ = false;
};

}  // namespace dandori::compiler
