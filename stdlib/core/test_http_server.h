// Test helper: a real HTTP server (cpp-httplib) on 127.0.0.1 with an ephemeral port,
// serving from a thread, with fixed routes for the HTTP operator tests:
//   GET  /ok            200 "hello"
//   GET  /json          200 {"a": 1, "b": [true]} (application/json)
//   ANY  /echo          200 with the request body; records the request
//   ANY  /status/NNN    status NNN with the body "status NNN"
//   GET  /slow          waits until the server is destroyed (or 10 s), then 200
//   GET  /redirect      302 to /ok
//   GET  /big           200 with 64 KiB of 'x'
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dandori::testing {

struct SeenRequest {
  std::string method;
  std::string path;
  std::string body;
  std::string content_type;
  std::string header_x_test;  // the X-Test header, if sent
};

class TestHttpServer {
 public:
  TestHttpServer();
  ~TestHttpServer();
  int port() const;
  std::string Url(std::string_view path) const;  // "http://127.0.0.1:PORT" + path
  std::vector<SeenRequest> Seen() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A loopback port with nothing listening on it (connecting is refused).
int UnusedPort();

}  // namespace dandori::testing
