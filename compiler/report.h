// Rendering of diagnostics for people and tools: text (file:line:col, the source line
// and a caret), JSON, GitHub Actions workflow commands, and SARIF 2.1.0.
#pragma once

#include <string>
#include <string_view>

#include "compiler/diagnostics.h"
#include "compiler/source.h"

namespace dandori::compiler {

enum class ReportFormat { kText, kJson, kGithub, kSarif };

// "text" | "json" | "github" | "sarif"; false when unknown.
bool ParseReportFormat(std::string_view name, ReportFormat* out);

// The whole report, sorted by location. Text ends with a summary line
// ("2 errors, 1 warning").
std::string RenderReport(const Diagnostics& diags, const SourceManager& sm, ReportFormat format);

// One diagnostic in text form (with its source line and caret), no summary.
std::string RenderText(const Diagnostic& d, const SourceManager& sm);

}  // namespace dandori::compiler
