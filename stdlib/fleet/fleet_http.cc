#include "stdlib/fleet/fleet_http.h"

#include <fmt/format.h>
#include <httplib.h>

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
  std::string origin, path;
  if (!SplitUrl(r.url, &origin, &path)) {
    return Status::Permanent(fmt::format("bad URL '{}' (want http://host:port/path)", r.url));
  }
  httplib::Client client(origin);
  if (!client.is_valid()) return Status::Permanent("cannot use URL " + r.url);
  auto seconds = r.timeout_ms / 1000;
  auto micros = (r.timeout_ms % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  client.set_write_timeout(seconds, micros);
  client.set_keep_alive(false);
  httplib::Headers headers(r.headers.begin(), r.headers.end());
  httplib::Result res{nullptr, httplib::Error::Unknown};
  const char* type = r.content_type.c_str();
  if (r.method == "GET") {
    res = client.Get(path.c_str(), headers);
  } else if (r.method == "POST") {
    res = client.Post(path.c_str(), headers, r.body, type);
  } else if (r.method == "PUT") {
    res = client.Put(path.c_str(), headers, r.body, type);
  } else if (r.method == "DELETE") {
    res = client.Delete(path.c_str(), headers, r.body, type);
  } else {
    return Status::Permanent("unsupported HTTP method " + r.method);
  }
  std::string what = fmt::format("{} {}", r.method, r.url);
  if (!res) {
    auto err = res.error();
    if (err == httplib::Error::Read || err == httplib::Error::Write ||
        err == httplib::Error::ConnectionTimeout) {
      return Status::Transient(fmt::format("{}: no answer within {} ms ({})", what, r.timeout_ms,
                                           httplib::to_string(err)));
    }
    return Status::Transient(fmt::format("{}: {}", what, httplib::to_string(err)));
  }
  HttpReply reply{res->status, res->body};
  if (reply.status >= 200 && reply.status < 300) return reply;
  std::string body = reply.body.substr(0, 300);
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  std::string msg = fmt::format("{}: HTTP {}: {}", what, reply.status, body);
  if (reply.status >= 500 || reply.status == 429 || reply.status == 408) {
    return Status::Transient(msg);
  }
  return Status::Permanent(msg);
}

}  // namespace dandori::fleet
