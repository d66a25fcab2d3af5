// HTTP for the fleet operators: a thin layer over stdlib/core/http_client.h (one call
// with a timeout, failures classified as DESIGN §6 asks: connection refused / timed out,
// 5xx, 429: transient; other 4xx: permanent) plus the URL helpers the operators need.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/cancel.h"
#include "base/status.h"

namespace dandori::fleet {

struct HttpReply {
  int status = 0;
  std::string body;
  std::string etag;  // the revision the peer names (ETag, quotes stripped); "" when none
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http://host:port/path?query
  std::string body;
  std::string content_type = "application/json";
  std::map<std::string, std::string> headers;
  int64_t timeout_ms = 10000;
  CancelToken* cancel = nullptr;  // a cancelled call ends with kCancelled
  // A precondition: sent as `If-Match: "REV"` when not empty, so that the peer applies
  // the request only while the revision it read is still current (conditional.h).
  std::string if_match = "";
};

// A 2xx reply, or a classified error: kTransient (unreachable, timed out, 5xx, 429),
// kPermanent (other 4xx, a malformed URL). The message names the method, URL and status.
Result<HttpReply> HttpCall(const HttpRequest& request);
// The same, but every HTTP status is a reply (only transport failures are errors).
Result<HttpReply> HttpExchange(const HttpRequest& request);
// Whether `s` is the error HttpCall gives for HTTP status `code`.
bool IsHttpStatus(const Status& s, int code);

// Splits "http://host:port/base/path" into "http://host:port" and "/base/path"; false
// when it is not an http(s) URL.
bool SplitUrl(const std::string& url, std::string* origin, std::string* path);
// "host" of an http URL ("" when none).
std::string UrlHost(const std::string& url);
// Percent-encodes a query parameter value.
std::string UrlEncode(const std::string& s);

}  // namespace dandori::fleet
