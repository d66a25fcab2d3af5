#include "lsp/server.h"

#include "lsp/features.h"
#include "lsp/transport.h"

namespace dandori::lsp {
namespace {

using nlohmann::json;

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700, kInvalidRequest = -32600, kMethodNotFound = -32601,
              kInvalidParams = -32602, kNotInitialized = -32002, kRequestFailed = -32803;

Position At(const json& params) { return PositionFromJson(params.value("position", json())); }

}  // namespace

const Document* Server::document(const std::string& uri) const {
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : &it->second;
}

Document* Server::Find(const json& params) {
  std::string uri = params.at("textDocument").at("uri").get<std::string>();
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : &it->second;
}

void Server::Reply(const json& id, json result) {
  send_({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void Server::Fail(const json& id, int code, const std::string& message) {
  send_({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

void Server::Publish(const Document& doc) {
  send_({{"jsonrpc", "2.0"},
         {"method", "textDocument/publishDiagnostics"},
         {"params",
          {{"uri", doc.uri},
           {"version", doc.version},
           {"diagnostics", DiagnosticsJson(doc, enc_)}}}});
}

void Server::Handle(const std::string& body) {
  json msg = json::parse(body, nullptr, false);
  if (msg.is_discarded() || !msg.is_object()) {
    Fail(nullptr, kParseError, "the message is not a JSON object");
    return;
  }
  const json* id = msg.contains("id") ? &msg["id"] : nullptr;
  if (!msg.contains("method")) return;  // a response to a request we never send
  if (!msg["method"].is_string()) {
    if (id) Fail(*id, kInvalidRequest, "'method' is not a string");
    return;
  }
  std::string method = msg["method"].get<std::string>();
  json params = msg.value("params", json::object());
  try {
    Dispatch(method, params, id);
  } catch (const json::exception& e) {
    if (id)
      Fail(*id, kInvalidParams, std::string("bad parameters for ") + method + ": " + e.what());
  }
}

void Server::Dispatch(const std::string& method, const json& params, const json* id) {
  if (!id) {
    Notify(method, params);
    return;
  }
  if (method == "initialize") {
    initialized_ = true;
    Reply(*id, Initialize(params));
    return;
  }
  if (!initialized_) return Fail(*id, kNotInitialized, "the first request must be 'initialize'");
  if (shutdown_) return Fail(*id, kInvalidRequest, "the server is shutting down");
  std::string error;
  int code = kRequestFailed;
  json result = Request(method, params, &error, &code);
  if (error.empty()) {
    Reply(*id, std::move(result));
  } else {
    Fail(*id, code, error);
  }
}

json Server::Initialize(const json& params) {
  json encodings = params.value("capabilities", json::object())
                       .value("general", json::object())
                       .value("positionEncodings", json::array());
  enc_ = Encoding::kUtf16;
  for (const json& e : encodings) {
    if (e == "utf-8") enc_ = Encoding::kUtf8;
  }
  return {{"capabilities",
           {{"positionEncoding", enc_ == Encoding::kUtf8 ? "utf-8" : "utf-16"},
            {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", true}}},
            {"hoverProvider", true},
            {"completionProvider", {{"triggerCharacters", {".", "(", ","}}}},
            {"definitionProvider", true},
            {"referencesProvider", true},
            {"renameProvider", {{"prepareProvider", true}}},
            {"documentSymbolProvider", true},
            {"documentFormattingProvider", true}}},
          {"serverInfo", {{"name", "dandori"}, {"version", "0.1.0"}}}};
}

json Server::Request(const std::string& method, const json& params, std::string* error, int* code) {
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  static const char* const kDocMethods[] = {
      "textDocument/hover",          "textDocument/completion", "textDocument/definition",
      "textDocument/references",     "textDocument/rename",     "textDocument/prepareRename",
      "textDocument/documentSymbol", "textDocument/formatting"};
  bool known = false;
  for (const char* m : kDocMethods) known = known || method == m;
  if (!known) {
    *code = kMethodNotFound;
    *error = "unknown method '" + method + "'";
    return nullptr;
  }
  const Document* doc = Find(params);
  if (!doc) return nullptr;  // not open: nothing to say
  if (method == "textDocument/hover") return Hover(*doc, At(params), enc_);
  if (method == "textDocument/completion") return Completion(*doc, At(params), enc_);
  if (method == "textDocument/definition") return Definition(*doc, At(params), enc_);
  if (method == "textDocument/references") {
    bool decl = params.value("context", json::object()).value("includeDeclaration", true);
    return References(*doc, At(params), decl, enc_);
  }
  if (method == "textDocument/prepareRename") return PrepareRename(*doc, At(params), enc_);
  if (method == "textDocument/rename") {
    return Rename(*doc, At(params), params.at("newName").get<std::string>(), enc_, error);
  }
  if (method == "textDocument/documentSymbol") return DocumentSymbols(*doc, enc_);
  return Formatting(*doc, enc_, error);
}

void Server::Notify(const std::string& method, const json& params) {
  if (method == "exit") {
    exited_ = true;
    return;
  }
  if (!initialized_ || shutdown_) return;
  if (method == "textDocument/didOpen") {
    const json& td = params.at("textDocument");
    Document doc;
    doc.uri = td.at("uri").get<std::string>();
    doc.path = PathFromUri(doc.uri);
    doc.text = td.at("text").get<std::string>();
    doc.version = td.value("version", 0);
    doc.Recheck();
    Publish(docs_[doc.uri] = std::move(doc));
  } else if (method == "textDocument/didChange") {
    Document* doc = Find(params);
    if (!doc) return;
    for (const json& change : params.at("contentChanges")) ApplyChange(&doc->text, change, enc_);
    doc->version = params.at("textDocument").value("version", doc->version + 1);
    // The previous versions are freed after the diagnostics went out, not before.
    std::shared_ptr<const Checked> before = doc->current, good = doc->good;
    doc->Recheck();
    Publish(*doc);
  } else if (method == "textDocument/didSave") {
    if (Document* doc = Find(params)) {  // imported files may have changed on disk
      doc->Recheck();
      Publish(*doc);
    }
  } else if (method == "textDocument/didClose") {
    Document* doc = Find(params);
    if (!doc) return;
    send_({{"jsonrpc", "2.0"},
           {"method", "textDocument/publishDiagnostics"},
           {"params", {{"uri", doc->uri}, {"diagnostics", json::array()}}}});
    docs_.erase(doc->uri);
  }
}

int RunServer(std::istream& in, std::ostream& out, std::ostream& log) {
  Transport transport(in, out);
  Server server([&](const json& m) { transport.Write(m); });
  std::string body, error;
  while (!server.exited()) {
    switch (transport.Read(&body, &error)) {
      case ReadStatus::kMessage:
        server.Handle(body);
        break;
      case ReadStatus::kTooLarge:
        log << "dandori lsp: " << error << "\n";
        break;
      case ReadStatus::kEnd:
        return server.exit_code();
      case ReadStatus::kBroken:
        log << "dandori lsp: " << error << "; stopping\n";
        return 1;
    }
  }
  return server.exit_code();
}

}  // namespace dandori::lsp
