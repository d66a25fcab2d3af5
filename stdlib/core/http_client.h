// A small blocking HTTP/1.1 client for operators (http.request, notify.webhook, the
// fleet family), with dandori's error classes already applied:
//   connection refused / reset, DNS failure, a timeout  -> kTransient
//   HTTP 5xx, 429 (too many requests), 408              -> kTransient
//   any other status outside the accepted set (4xx...)  -> kPermanent
//   the CancelToken fired                               -> kCancelled
//   a malformed URL, an unsupported scheme               -> kPermanent
// Every call has a total deadline (timeout_ms) that covers connect, send and receive.
// Cancellation and the deadline take effect within about 20 ms, except while a TCP
// connect is pending (bounded by timeout_ms + 1 s).
// cpp-httplib is the transport; its heavy header stays inside http_client.cc.
// Thread-safe. Connections are kept alive and reused per origin (one request at a time
// on each; a failed or cancelled exchange drops its connection), and one process-wide
// watchdog thread enforces every in-flight request's deadline and cancellation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/cancel.h"
#include "base/status.h"

namespace dandori {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased; last value wins
};

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE, PATCH, HEAD
  std::string url;             // http://host[:port]/path?query (https when built with TLS)
  std::string body;
  std::map<std::string, std::string> headers;
  int64_t timeout_ms = 30000;  // total, > 0
  CancelToken* cancel = nullptr;
  size_t max_body_bytes = 16u << 20;  // a larger response is a permanent error
  // How messages name the URL. Empty: the URL without its query string. Webhook URLs
  // carry their secret in the path, so notify.webhook passes only the origin.
  std::string display_url;
};

// Sends the request. Transport failures are classified as above; every HTTP status,
// including 4xx and 5xx, is returned as a response.
Result<HttpResponse> HttpSend(const HttpRequest& request);

// The classification of an HTTP status that is not accepted: Ok for 2xx, otherwise
// kTransient (5xx, 429, 408) or kPermanent, with the method, URL, status and the start
// of the body in the message.
Status ClassifyHttpStatus(const HttpRequest& request, const HttpResponse& response);

// HttpSend + ClassifyHttpStatus: a response only for 2xx.
Result<HttpResponse> HttpCall(std::string_view method, std::string_view url, std::string body,
                              std::map<std::string, std::string> headers, int64_t timeout_ms,
                              CancelToken* cancel);

}  // namespace dandori
