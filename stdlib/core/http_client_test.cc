#include "stdlib/core/http_client.h"

#include <catch2/catch.hpp>
#include <thread>

#include "base/clock.h"
#include "stdlib/core/test_http_server.h"

namespace dandori {
namespace {

using testing::TestHttpServer;

TEST_CASE("HttpCall: a 2xx response", "[http]") {
  TestHttpServer srv;
  auto r = HttpCall("GET", srv.Url("/ok"), "", {}, 5000, nullptr);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "hello");
  CHECK(r->headers["content-type"] == "text/plain");
}

TEST_CASE("HttpCall sends method, body and headers", "[http]") {
  TestHttpServer srv;
  auto r =
      HttpCall("PUT", srv.Url("/echo?x=1#frag"), "payload", {{"X-Test", "yes"}}, 5000, nullptr);
  REQUIRE(r.ok());
  CHECK(r->body == "payload");
  auto seen = srv.Seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "PUT");
  CHECK(seen[0].path == "/echo");
  CHECK(seen[0].body == "payload");
  CHECK(seen[0].header_x_test == "yes");
}

TEST_CASE("HttpCall follows redirects", "[http]") {
  TestHttpServer srv;
  auto r = HttpCall("GET", srv.Url("/redirect"), "", {}, 5000, nullptr);
  REQUIRE(r.ok());
  CHECK(r->body == "hello");
}

TEST_CASE("HttpCall classifies statuses", "[http]") {
  TestHttpServer srv;
  auto call = [&](int status) {
    return HttpCall("GET", srv.Url("/status/" + std::to_string(status) + "?token=secret"), "", {},
                    5000, nullptr);
  };
  auto not_found = call(404);
  CHECK(not_found.status().code() == Code::kPermanent);
  CHECK(not_found.status().message() ==
        "GET " + srv.Url("/status/404") + ": HTTP 404: status 404");  // no query string
  CHECK(call(400).status().code() == Code::kPermanent);
  CHECK(call(403).status().code() == Code::kPermanent);
  CHECK(call(500).status().code() == Code::kTransient);
  CHECK(call(503).status().code() == Code::kTransient);
  CHECK(call(429).status().code() == Code::kTransient);
  CHECK(call(204).ok());
  // HttpSend returns every status as a response.
  HttpRequest req;
  req.url = srv.Url("/status/404");
  auto raw = HttpSend(req);
  REQUIRE(raw.ok());
  CHECK(raw->status == 404);
}

TEST_CASE("HttpCall: connection refused is transient", "[http]") {
  std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/x";
  auto r = HttpCall("GET", url, "", {}, 5000, nullptr);
  CHECK(r.status().code() == Code::kTransient);
  CHECK(r.status().message() == "GET " + url + ": cannot connect (refused or unreachable)");
}

TEST_CASE("HttpCall: a slow server times out (transient)", "[http]") {
  TestHttpServer srv;
  int64_t start = MonotonicMs();
  auto r = HttpCall("GET", srv.Url("/slow"), "", {}, 200, nullptr);
  CHECK(r.status().code() == Code::kTransient);
  CHECK(r.status().message() == "GET " + srv.Url("/slow") + ": timed out after 200ms");
  CHECK(MonotonicMs() - start < 3000);
}

TEST_CASE("HttpCall stops when cancelled", "[http]") {
  TestHttpServer srv;
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel.Cancel();
  });
  int64_t start = MonotonicMs();
  auto r = HttpCall("GET", srv.Url("/slow"), "", {}, 10000, &cancel);
  canceller.join();
  CHECK(r.status().code() == Code::kCancelled);
  CHECK(MonotonicMs() - start < 3000);
  // Already cancelled: nothing is sent.
  CHECK(HttpCall("GET", srv.Url("/ok"), "", {}, 1000, &cancel).status().code() == Code::kCancelled);
}

TEST_CASE("HttpSend refuses bad URLs and oversized bodies (permanent)", "[http]") {
  CHECK(HttpCall("GET", "ftp://example.com/x", "", {}, 1000, nullptr).status().message() ==
        "unsupported URL scheme 'ftp' in 'ftp://example.com/x'");
  CHECK(HttpCall("GET", "example.com/x", "", {}, 1000, nullptr).status().code() ==
        Code::kPermanent);
  CHECK(HttpCall("GET", "http:///x", "", {}, 1000, nullptr).status().code() == Code::kPermanent);
  TestHttpServer srv;
  HttpRequest req;
  req.url = srv.Url("/big");
  req.max_body_bytes = 1000;
  auto r = HttpSend(req);
  CHECK(r.status().code() == Code::kPermanent);
  CHECK(r.status().message().find("response body over the limit of 1000 bytes") !=
        std::string::npos);
  req.max_body_bytes = 1 << 20;
  REQUIRE(HttpSend(req).ok());
  CHECK(HttpSend(req)->body.size() == 64 * 1024);
}

}  // namespace
}  // namespace dandori
