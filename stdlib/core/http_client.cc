#include "stdlib/core/http_client.h"

#include "base/value.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace dandori {
namespace {

struct ParsedUrl {
  std::string origin;  // scheme://host[:port]
  std::string target;  // /path?query
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<ParsedUrl> ParseUrl(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Status::Permanent(fmt::format("malformed URL '{}': no scheme", url));
  }
  std::string scheme = Lower(std::string(url.substr(0, sep)));
  if (scheme != "http" && scheme != "https") {
    return Status::Permanent(fmt::format("unsupported URL scheme '{}' in '{}'", scheme, url));
  }
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https") return Status::Permanent("https is not supported by this build");
#endif
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  if (authority.empty()) return Status::Permanent(fmt::format("malformed URL '{}': no host", url));
  if (authority.find('@') != std::string_view::npos) {
    return Status::Permanent("credentials in URLs are not supported; pass an Authorization header");
  }
  std::string target = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (size_t hash = target.find('#'); hash != std::string::npos) target.resize(hash);
  if (target.empty() || target[0] != '/') target.insert(0, "/");
  return ParsedUrl{scheme + "://" + std::string(authority), std::move(target)};
}

std::string DisplayUrl(const HttpRequest& r) {
  if (!r.display_url.empty()) return r.display_url;
  return r.url.substr(0, r.url.find('?'));
}

enum class Why { kNone, kCancelled, kDeadline };

// One thread for the whole process stops a request's client when the request is
// cancelled or its total deadline passes (httplib's own timeouts only bound each socket
// operation). A request registers for the time it is in flight; the thread looks every
// 20 ms while any is registered and sleeps otherwise.
class Watchdog {
 public:
  struct Watch {
    httplib::Client* cli;
    CancelToken* cancel;
    std::chrono::steady_clock::time_point deadline;
    Why why = Why::kNone;  // guarded by mu_
  };
  static Watchdog& Get() {
    static Watchdog* w = new Watchdog();  // never destroyed: requests may run at exit
    return *w;
  }
  void Add(Watch* w) {
    std::lock_guard<std::mutex> lock(mu_);
    watches_.push_back(w);
    cv_.notify_one();
  }
  // After Remove, the thread no longer touches w or its client.
  Why Remove(Watch* w) {
    std::lock_guard<std::mutex> lock(mu_);
    watches_.erase(std::find(watches_.begin(), watches_.end(), w));
    return w->why;
  }

 private:
  Watchdog() {
    std::thread([this] { Loop(); }).detach();
  }
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (watches_.empty()) {
        cv_.wait(lock);
      } else {
        cv_.wait_for(lock, std::chrono::milliseconds(20));
      }
      const auto now = std::chrono::steady_clock::now();
      for (Watch* w : watches_) {
        if (w->why != Why::kNone) continue;
        if (w->cancel && w->cancel->cancelled()) {
          w->why = Why::kCancelled;
        } else if (now >= w->deadline) {
          w->why = Why::kDeadline;
        }
        if (w->why != Why::kNone) w->cli->stop();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Watch*> watches_;  // guarded by mu_
};

// Idle keep-alive connections, per origin: a request takes one (or makes one) and gives
// it back when the exchange ended cleanly, so polling one server reuses one socket.
class Pool {
 public:
  static Pool& Get() {
    static Pool* p = new Pool();  // never destroyed, like the watchdog
    return *p;
  }
  std::unique_ptr<httplib::Client> Take(const std::string& origin) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = idle_.find(origin);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    std::unique_ptr<httplib::Client> c = std::move(it->second.back());
    it->second.pop_back();
    return c;
  }
  void Give(const std::string& origin, std::unique_ptr<httplib::Client> c) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& v = idle_[origin];
    if (v.size() < kMaxIdlePerOrigin) v.push_back(std::move(c));
  }

 private:
  static constexpr size_t kMaxIdlePerOrigin = 16;  // each idle connection holds a server thread
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;  // guarded by mu_
};

Status TransportError(const HttpRequest& r, httplib::Error err, Why why, bool too_big) {
  const std::string what = fmt::format("{} {}", r.method, DisplayUrl(r));
  if (why == Why::kCancelled || (r.cancel && r.cancel->cancelled())) {
    return Status::Cancelled(what + ": cancelled");
  }
  if (too_big) {
    return Status::Permanent(
        fmt::format("{}: response body over the limit of {} bytes", what, r.max_body_bytes));
  }
  if (why == Why::kDeadline || err == httplib::Error::ConnectionTimeout) {
    return Status::Transient(
        fmt::format("{}: timed out after {}", what, FormatDuration(r.timeout_ms)));
  }
  switch (err) {
    case httplib::Error::Connection:
      return Status::Transient(fmt::format("{}: cannot connect (refused or unreachable)", what));
    case httplib::Error::ExceedRedirectCount:
    case httplib::Error::SSLServerVerification:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::Compression:
    case httplib::Error::UnsupportedMultipartBoundaryChars:
      return Status::Permanent(fmt::format("{}: {}", what, httplib::to_string(err)));
    default:
      return Status::Transient(fmt::format("{}: {}", what, httplib::to_string(err)));
  }
}

}  // namespace

Result<HttpResponse> HttpSend(const HttpRequest& r) {
  auto url = ParseUrl(r.url);
  if (!url.ok()) return url.status();
  if (r.cancel && r.cancel->cancelled()) {
    return Status::Cancelled(fmt::format("{} {}: cancelled", r.method, DisplayUrl(r)));
  }
  const int64_t timeout_ms = std::max<int64_t>(1, r.timeout_ms);
  std::unique_ptr<httplib::Client> cli = Pool::Get().Take(url->origin);
  if (!cli) {
    cli = std::make_unique<httplib::Client>(url->origin);
    if (!cli->is_valid()) {
      return Status::Permanent(fmt::format("malformed URL '{}'", DisplayUrl(r)));
    }
    cli->set_follow_location(true);
    cli->set_keep_alive(true);
    // A request's header and body go out in separate writes: without this, Nagle holds
    // the body until the peer's delayed ACK (40 ms) on every reused connection.
    cli->set_tcp_nodelay(true);
  }
  // httplib's per-operation timeouts are a backstop; the watchdog owns the deadline so
  // that every kind of expiry reads the same.
  const auto t = std::chrono::milliseconds(timeout_ms + 1000);
  cli->set_connection_timeout(t);
  cli->set_read_timeout(t);
  cli->set_write_timeout(t);

  httplib::Request req;
  req.method = r.method;
  req.path = url->target;
  for (const auto& [k, v] : r.headers) req.headers.emplace(k, v);
  req.body = r.body;
  std::string body;
  bool too_big = false;
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (body.size() + n > r.max_body_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  };
  req.progress = [&](uint64_t, uint64_t) { return !(r.cancel && r.cancel->cancelled()); };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  Watchdog::Watch watch{cli.get(), r.cancel,
                        std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms)};
  Watchdog::Get().Add(&watch);
  bool sent = cli->send(req, res, err);
  Why why = Watchdog::Get().Remove(&watch);
  if (!sent || err != httplib::Error::Success) {
    return TransportError(r, err, why, too_big);  // the client (and its socket) is dropped
  }
  // A response without a body by definition (HEAD, 204, 304) may still have been sent
  // one by a careless server; its bytes would be read as the next response: no reuse.
  const bool bodyless = r.method == "HEAD" || res.status == 204 || res.status == 304;
  if (why == Why::kNone && !bodyless && Lower(res.get_header_value("Connection")) != "close") {
    Pool::Get().Give(url->origin, std::move(cli));
  }
  HttpResponse out;
  out.status = res.status;
  out.body = std::move(body);
  for (const auto& [k, v] : res.headers) out.headers[Lower(k)] = v;
  return out;
}

Status ClassifyHttpStatus(const HttpRequest& r, const HttpResponse& resp) {
  const int s = resp.status;
  if (s >= 200 && s < 300) return Status::Ok();
  std::string snippet = resp.body.substr(0, 300);
  for (char& c : snippet) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::string msg = fmt::format("{} {}: HTTP {}{}{}", r.method, DisplayUrl(r), s,
                                snippet.empty() ? "" : ": ", snippet);
  if (s >= 500 || s == 429 || s == 408) return Status::Transient(std::move(msg));
  return Status::Permanent(std::move(msg));
}

Result<HttpResponse> HttpCall(std::string_view method, std::string_view url, std::string body,
                              std::map<std::string, std::string> headers, int64_t timeout_ms,
                              CancelToken* cancel) {
  HttpRequest r;
  r.method = std::string(method);
  r.url = std::string(url);
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.timeout_ms = timeout_ms;
  r.cancel = cancel;
  auto resp = HttpSend(r);
  if (!resp.ok()) return resp.status();
  DANDORI_RETURN_IF_ERROR(ClassifyHttpStatus(r, *resp));
  return resp;
}

}  // namespace dandori
