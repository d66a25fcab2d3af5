// The language features of `dandori lsp`, each answering one request on one open
// document from the compiler's own results (lsp/document.h, lsp/index.h) and the
// operator signature registry (stdlib/signatures.h). Each returns the LSP result
// object (JSON null when there is nothing to answer).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "lsp/document.h"
#include "lsp/text.h"
#include "stdlib/signatures.h"

namespace dandori::lsp {

// hover.cc
nlohmann::json Hover(const Document& doc, Position at, Encoding enc);
// "fleet.drain(server: server, stall: duration = 10m, ...) -> {remaining: int, ...}"
std::string SignatureText(const OperatorSignature& sig);

// completion.cc
nlohmann::json Completion(const Document& doc, Position at, Encoding enc);

// navigate.cc
nlohmann::json Definition(const Document& doc, Position at, Encoding enc);
nlohmann::json References(const Document& doc, Position at, bool with_declaration, Encoding enc);
// A WorkspaceEdit renaming the stage, group, gate, parameter, const or loop variable
// under the cursor; `error` says why not when the result is null.
nlohmann::json Rename(const Document& doc, Position at, const std::string& new_name, Encoding enc,
                      std::string* error);
nlohmann::json PrepareRename(const Document& doc, Position at, Encoding enc);
nlohmann::json DocumentSymbols(const Document& doc, Encoding enc);
// `dandori fmt`'s output as one edit; `error` set (and null returned) on syntax errors.
nlohmann::json Formatting(const Document& doc, Encoding enc, std::string* error);

}  // namespace dandori::lsp
