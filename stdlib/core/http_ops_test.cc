#include "stdlib/core/http_ops.h"

#include <catch2/catch.hpp>

#include "stdlib/core/op_test_util.h"
#include "stdlib/core/test_http_server.h"

namespace dandori {
namespace {

using testing::BoundContext;
using testing::TestHttpServer;

Value S(std::string s) { return Value::String(std::move(s)); }

TEST_CASE("http.request GET parses a JSON body", "[http][core]") {
  TestHttpServer srv;
  auto ctx = BoundContext("http.request", {{"url", S(srv.Url("/json"))}});
  auto r = RunHttpRequest(ctx);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->Get("status") == Value::Int(200));
  CHECK(r->Get("json").Get("a") == Value::Int(1));
  CHECK(r->Get("json").Get("b") == Value::MakeList({Value::Bool(true)}));
  auto text = BoundContext("http.request", {{"url", S(srv.Url("/ok"))}});
  auto t = RunHttpRequest(text);
  REQUIRE(t.ok());
  CHECK(t->Get("body") == S("hello"));
  CHECK(t->Get("json").is_null());
}

TEST_CASE("http.request sends a record body as JSON with headers", "[http][core]") {
  TestHttpServer srv;
  auto ctx = BoundContext(
      "http.request",
      {{"url", S(srv.Url("/echo"))},
       {"method", S("POST")},
       {"body", Value::MakeRecord({{"n", Value::Int(2)}, {"d", Value::DurationMs(90000)}})},
       {"headers", Value::MakeRecord({{"X-Test", S("1")}})}});
  auto r = RunHttpRequest(ctx);
  REQUIRE(r.ok());
  auto seen = srv.Seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == R"({"d":"1m30s","n":2})");
  CHECK(seen[0].content_type == "application/json");
  CHECK(seen[0].header_x_test == "1");
  CHECK(r->Get("json").Get("n") == Value::Int(2));
}

TEST_CASE("http.request error classes", "[http][core]") {
  TestHttpServer srv;
  auto run = [&](std::string url, Value::Record extra = {}) {
    extra.emplace_back("url", S(std::move(url)));
    auto ctx = BoundContext("http.request", std::move(extra));
    return RunHttpRequest(ctx);
  };
  CHECK(run(srv.Url("/status/404")).status().code() == Code::kPermanent);
  CHECK(run(srv.Url("/status/502")).status().code() == Code::kTransient);
  CHECK(run("http://127.0.0.1:" + std::to_string(testing::UnusedPort())).status().code() ==
        Code::kTransient);
  CHECK(run(srv.Url("/slow"), {{"timeout", Value::DurationMs(150)}}).status().code() ==
        Code::kTransient);
  // `expect` accepts listed statuses and refuses unlisted 2xx.
  auto listed = run(srv.Url("/status/404"), {{"expect", Value::MakeList({Value::Int(404)})}});
  REQUIRE(listed.ok());
  CHECK(listed->Get("status") == Value::Int(404));
  auto unlisted = run(srv.Url("/status/201"), {{"expect", Value::MakeList({Value::Int(200)})}});
  CHECK(unlisted.status().code() == Code::kPermanent);
  CHECK(unlisted.status().message() ==
        "GET " + srv.Url("/status/201") + ": HTTP 201 is not one of the expected [200]");
}

TEST_CASE("notify.webhook posts a Slack-compatible body", "[http][core]") {
  TestHttpServer srv;
  auto ctx = BoundContext("notify.webhook",
                          {{"url", S(srv.Url("/echo"))}, {"text", S("encode \"x\" failed")}});
  auto r = RunNotifyWebhook(ctx);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  CHECK(r->Get("status") == Value::Int(200));
  auto seen = srv.Seen();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].content_type == "application/json");
  CHECK(seen[0].body == R"({"text":"encode \"x\" failed"})");
}

TEST_CASE("notify.webhook classifies and keeps the URL path out of messages", "[http][core]") {
  TestHttpServer srv;
  auto post = [&](std::string path) {
    auto ctx = BoundContext("notify.webhook", {{"url", S(srv.Url(path))}, {"text", S("hi")}});
    return RunNotifyWebhook(ctx);
  };
  auto err = post("/status/500");
  CHECK(err.status().code() == Code::kTransient);
  CHECK(err.status().message() == "POST " + srv.Url("/...") + ": HTTP 500: status 500");
  CHECK(post("/status/404").status().code() == Code::kPermanent);
  CHECK(post("/status/429").status().code() == Code::kTransient);
}

}  // namespace
}  // namespace dandori
