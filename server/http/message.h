// The request and response a handler of the event-driven HTTP server (server/http/server.h)
// sees: plain values, already framed and checked (method, decoded path and query, headers,
// the whole body), so handlers never touch the wire or the HTTP library.
#pragma once

#include <atomic>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dandori::server::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // decoded; a repeated name keeps the first
  std::map<std::string, std::string> headers;  // names lower-cased; repeats joined by ", "
  std::string body;
  std::vector<std::string> matches;  // [0] the path, [1..] the route pattern's groups
  // Set when the server is stopping: a long handler should give up early.
  const std::atomic<bool>* cancelled = nullptr;

  // The header's value ("" when absent); `name` in any case.
  std::string Header(const std::string& name) const;
  bool HasParam(const std::string& name) const { return query.count(name) != 0; }
  std::string Param(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? "" : it->second;
  }
  bool Cancelled() const { return cancelled && cancelled->load(); }
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers;

  void SetContent(std::string b, std::string type) {
    body = std::move(b);
    content_type = std::move(type);
  }
  void SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace dandori::server::http
