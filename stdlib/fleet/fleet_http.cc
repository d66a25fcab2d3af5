#include "stdlib/fleet/fleet_http.h"

#include <cctype>

#include <fmt/format.h>

#include "stdlib/core/http_client.h"

namespace dandori::fleet {

bool SplitUrl(const std::string& url, std::string* origin, std::string* path) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  std::string s = url.substr(0, scheme);
  if (s != "http" && s != "https") return false;
  auto slash = url.find('/', scheme + 3);
  if (slash == scheme + 3) return false;  // no host
  *origin = url.substr(0, slash);
  *path = slash == std::string::npos ? "/" : url.substr(slash);
  return true;
}

std::string UrlHost(const std::string& url) {
  std::string origin, path;
  if (!SplitUrl(url, &origin, &path)) return "";
  std::string host = origin.substr(origin.find("://") + 3);
  if (!host.empty() && host[0] == '[') return host.substr(1, host.find(']') - 1);  // IPv6
  return host.substr(0, host.find(':'));
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

namespace {

dandori::HttpRequest CoreRequest(const HttpRequest& r) {
  dandori::HttpRequest out;
  out.method = r.method;
  out.url = r.url;
  out.body = r.body;
  out.headers = r.headers;
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
    out.headers["Content-Type"] = r.content_type;
  }
  if (!r.if_match.empty()) out.headers["If-Match"] = "\"" + r.if_match + "\"";
  out.timeout_ms = r.timeout_ms;
  out.cancel = r.cancel;
  return out;
}

HttpReply Reply(dandori::HttpResponse&& resp) {
  HttpReply out{resp.status, std::move(resp.body), ""};
  auto etag = resp.headers.find("etag");
  if (etag != resp.headers.end()) {
    std::string v = etag->second;
    if (v.rfind("W/", 0) == 0) v = v.substr(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    out.etag = v;
  }
  return out;
}

}  // namespace

Result<HttpReply> HttpExchange(const HttpRequest& r) {
  auto resp = dandori::HttpSend(CoreRequest(r));
  if (!resp.ok()) return resp.status();
  return Reply(std::move(*resp));
}

Result<HttpReply> HttpCall(const HttpRequest& r) {
  dandori::HttpRequest req = CoreRequest(r);
  auto resp = dandori::HttpSend(req);
  if (!resp.ok()) return resp.status();
  DANDORI_RETURN_IF_ERROR(dandori::ClassifyHttpStatus(req, *resp));
  return Reply(std::move(*resp));
}

bool IsHttpStatus(const Status& s, int code) {
  return !s.ok() && s.message().find(fmt::format(": HTTP {}", code)) != std::string::npos;
}

}  // namespace dandori::fleet
