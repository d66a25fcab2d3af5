#include "examples/camfleet/http_api.h"

#include <chrono>
#include <thread>

#include <httplib.h>
#include <openssl/evp.h>

namespace camfleet {
namespace {

using json = nlohmann::json;

void Send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  if (r.etag >= 0) res.set_header("ETag", "\"" + std::to_string(r.etag) + "\"");
  res.set_content(r.body, r.content_type.c_str());
}

void SendJson(httplib::Response& res, int status, const json& j) {
  Send(res, Reply{status, j.dump(), "application/json"});
}

// "status", "metrics", "registry", ... : the last path segment that names the call.
std::string RequestKind(const std::string& path) {
  if (path.find("/registry/") != std::string::npos) return "registry";
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The revision of an `If-Match: "N"` header (quotes optional): -1 when there is none,
// -2 when it is not a revision number.
int64_t IfMatch(const httplib::Request& req) {
  if (!req.has_header("If-Match")) return -1;
  std::string v = req.get_header_value("If-Match");
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
    return -2;
  }
  return std::stoll(v);
}

// Runs `call` with the request's precondition, or answers 400 for a malformed one.
template <typename F>
void WithPrecondition(const httplib::Request& req, httplib::Response& res, F call) {
  int64_t expect = IfMatch(req);
  if (expect == -2) {
    return SendJson(res, 400, {{"error", "If-Match must be a revision: \"N\""}});
  }
  Send(res, call(expect));
}

}  // namespace

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

struct HttpFront::Impl {
  Fleet* fleet;
  httplib::Server server;

  void Install() {
    // Long polls hold a thread each: room for every server of a large bench draining.
    server.new_task_queue = [] { return new httplib::ThreadPool(1024); };
    server.set_payload_max_length(512ull << 20);
    server.set_keep_alive_max_count(100000);  // clients reuse their connections
    // A reply's header and body go out in separate writes: without this, Nagle holds the
    // body until the client's delayed ACK (40 ms) on every reused connection.
    server.set_tcp_nodelay(true);
    server.set_pre_routing_handler([this](const auto& req, auto&) {
      fleet->CountRequest(req.method + " " + RequestKind(req.path));
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server.Post(R"(/s/([^/]+)/admin/drain)", [this](const auto& req, auto& res) {
      WithPrecondition(req, res, [&](int64_t e) { return fleet->Drain(req.matches[1], e); });
    });
    server.Post(R"(/s/([^/]+)/admin/undrain)", [this](const auto& req, auto& res) {
      WithPrecondition(req, res, [&](int64_t e) { return fleet->Undrain(req.matches[1], e); });
    });
    server.Get(R"(/s/([^/]+)/admin/status)", [this](const auto& req, auto& res) {
      if (!req.has_param("wait")) return Send(res, fleet->Status(req.matches[1]));
      int64_t wait = 0;
      try {
        wait = std::stoll(req.get_param_value("wait"));
      } catch (const std::exception&) {
        return SendJson(res, 400, {{"error", "wait must be a number of milliseconds"}});
      }
      Send(res, fleet->StatusWait(req.matches[1], wait, req.get_param_value("until"),
                                  req.get_param_value("version")));
    });
    server.Post(R"(/s/([^/]+)/admin/restart)", [this](const auto& req, auto& res) {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded() || !body.is_object() || !body.contains("version") ||
          !body["version"].is_string()) {
        return SendJson(res, 400, {{"error", "body must be {\"version\": \"...\"}"}});
      }
      std::string version = body["version"].template get<std::string>();
      WithPrecondition(req, res,
                       [&](int64_t e) { return fleet->Restart(req.matches[1], version, e); });
    });
    server.Put(R"(/s/([^/]+)/admin/artifact)", [this](const auto& req, auto& res) {
      std::string id = req.matches[1];
      int slow = fleet->SlowCopyMs(id);
      if (slow > 0) std::this_thread::sleep_for(std::chrono::milliseconds(slow));
      Send(res, fleet->Upload(id, req.get_header_value("X-Sha256"), Sha256Hex(req.body),
                              static_cast<int64_t>(req.body.size())));
    });
    server.Get(R"(/s/([^/]+)/admin/artifact)",
               [this](const auto& req, auto& res) { Send(res, fleet->Artifact(req.matches[1])); });
    server.Get(R"(/s/([^/]+)/metrics)",
               [this](const auto& req, auto& res) { Send(res, fleet->Metrics(req.matches[1])); });
    server.Get(R"(/z/([^/]+)/registry/servers/([^/]+))", [this](const auto& req, auto& res) {
      Send(res, fleet->Registered(req.matches[1], req.matches[2]));
    });
    server.Put(R"(/z/([^/]+)/registry/servers/([^/]+))", [this](const auto& req, auto& res) {
      WithPrecondition(req, res, [&](int64_t e) {
        return fleet->SetRegistered(req.matches[1], req.matches[2], true, e);
      });
    });
    server.Delete(R"(/z/([^/]+)/registry/servers/([^/]+))", [this](const auto& req, auto& res) {
      WithPrecondition(req, res, [&](int64_t e) {
        return fleet->SetRegistered(req.matches[1], req.matches[2], false, e);
      });
    });
    server.Get("/report", [this](const auto& req, auto& res) {
      json report = fleet->Report();
      if (req.has_param("brief")) report.erase("per_server");
      int indent = req.has_param("pretty") ? 2 : -1;
      Send(res, Reply{200, report.dump(indent) + "\n", "application/json"});
    });
    server.Post("/alerts",
                [this](const auto& req, auto& res) { Send(res, fleet->Alert(req.body)); });
    server.Get("/summary",
               [this](const auto&, auto& res) { SendJson(res, 200, fleet->Summary()); });
    server.Get("/inventory", [this](const auto& req, auto& res) {
      std::string base = "http://" + req.get_header_value("Host");
      SendJson(res, 200, fleet->Inventory(base));
    });
    server.Post("/faults", [this](const auto& req, auto& res) {
      json body = json::parse(req.body, nullptr, false);
      if (body.is_discarded()) return SendJson(res, 400, {{"error", "body is not JSON"}});
      Send(res, fleet->SetFaults(body));
    });
  }
};

HttpFront::HttpFront(Fleet* fleet) : impl_(std::make_unique<Impl>()) {
  impl_->fleet = fleet;
  impl_->Install();
}

HttpFront::~HttpFront() = default;

int HttpFront::Bind(int port) {
  if (port == 0) return impl_->server.bind_to_any_port("127.0.0.1");
  return impl_->server.bind_to_port("127.0.0.1", port) ? port : -1;
}

void HttpFront::Serve() { impl_->server.listen_after_bind(); }
void HttpFront::Stop() { impl_->server.stop(); }

}  // namespace camfleet
