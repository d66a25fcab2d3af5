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

Result<HttpReply> HttpCall(const HttpRequest& r) {
  std::map<std::string, std::string> headers = r.headers;
  if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
    headers["Content-Type"] = r.content_type;
  }
  auto reply =
      dandori::HttpCall(r.method, r.url, r.body, std::move(headers), r.timeout_ms, r.cancel);
  if (!reply.ok()) return reply.status();
  return HttpReply{reply->status, std::move(reply->body)};
}

}  // namespace dandori::fleet
