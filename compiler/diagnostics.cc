#include "compiler/diagnostics.h"

#include <algorithm>
#include <tuple>

namespace dandori::compiler {

void Diagnostics::Error(Loc loc, std::string code, std::string message,
                        std::vector<std::string> notes) {
  Add({Severity::kError, std::move(code), std::move(message), loc, std::move(notes)});
}

void Diagnostics::Warning(Loc loc, std::string code, std::string message,
                          std::vector<std::string> notes) {
  Add({Severity::kWarning, std::move(code), std::move(message), loc, std::move(notes)});
}

void Diagnostics::Add(Diagnostic d) {
  if (d.severity == Severity::kError) {
    ++errors_;
  } else {
    ++warnings_;
  }
  if (list_.size() >= kMaxDiagnostics) {
    truncated_ = true;
    return;
  }
  list_.push_back(std::move(d));
}

std::vector<Diagnostic> Diagnostics::Sorted() const {
  std::vector<Diagnostic> out = list_;
  auto key = [](const Diagnostic& d) {
    return std::tie(d.loc.file, d.loc.line, d.loc.col, d.code, d.message);
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end(),
                        [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b); }),
            out.end());
  return out;
}

}  // namespace dandori::compiler
