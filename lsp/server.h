// `dandori lsp`: a Language Server Protocol server for .flow files, over the JSON-RPC
// framing of lsp/transport.h. Single-threaded: each message is handled to the end
// before the next is read; every change re-checks the document with the compiler's
// own front end (lsp/document.h) and publishes its diagnostics.
//
// Requests: initialize, shutdown, textDocument/{hover, completion, definition,
// references, rename, prepareRename, documentSymbol, formatting}. Notifications:
// initialized, exit, textDocument/{didOpen, didChange, didClose, didSave}.
// Documents sync incrementally (ranges) or whole; positions are UTF-16 unless the
// client offers "utf-8" in general.positionEncodings.
#pragma once

#include <functional>
#include <istream>
#include <map>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "lsp/document.h"
#include "lsp/text.h"

namespace dandori::lsp {

class Server {
 public:
  using Sender = std::function<void(const nlohmann::json&)>;
  explicit Server(Sender send) : send_(std::move(send)) {}

  // Handles one message body (a JSON-RPC request, notification or response).
  void Handle(const std::string& body);
  bool exited() const { return exited_; }
  // 0 after shutdown then exit; 1 on exit without shutdown (as LSP specifies).
  int exit_code() const { return shutdown_ ? 0 : 1; }
  const Document* document(const std::string& uri) const;

 private:
  void Dispatch(const std::string& method, const nlohmann::json& params, const nlohmann::json* id);
  nlohmann::json Request(const std::string& method, const nlohmann::json& params,
                         std::string* error, int* code);
  nlohmann::json Initialize(const nlohmann::json& params);
  void Notify(const std::string& method, const nlohmann::json& params);
  void Publish(const Document& doc);
  void Reply(const nlohmann::json& id, nlohmann::json result);
  void Fail(const nlohmann::json& id, int code, const std::string& message);
  Document* Find(const nlohmann::json& params);

  Sender send_;
  std::map<std::string, Document> docs_;
  Encoding enc_ = Encoding::kUtf16;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exited_ = false;
};

// Runs a server on `in` / `out` until `exit` or the end of `in`; returns the exit code.
// Problems with the framing are written to `log` (stderr for `dandori lsp`).
int RunServer(std::istream& in, std::ostream& out, std::ostream& log);

}  // namespace dandori::lsp
