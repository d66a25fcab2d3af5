// Raw HTTP/1.1 over loopback sockets for the HTTP benchmarks: a non-blocking connect, and
// one request on a fresh connection with a deadline. No client library, so what is timed
// is the server, and a server that never answers costs at most the deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace dandori::bench {

inline int Connect(int port, bool nonblocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  return fd;
}

struct Answer {
  int status = 0;      // 0: no full answer (reset, refused or past the deadline)
  double seconds = 0;  // from connect to the end of the answer
  std::string body;
};

// Sends `request` (a whole HTTP/1.1 request with "Connection: close") on a new
// connection and reads until the server closes it or `deadline_s` passes.
inline Answer Exchange(int port, const std::string& request, double deadline_s = 2.0) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  auto left_ms = [&] {
    return static_cast<int>(
        (deadline_s - std::chrono::duration<double>(Clock::now() - t0).count()) * 1000);
  };
  Answer a;
  int fd = Connect(port, true);
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, left_ms()) <= 0) return ::close(fd), a;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      p = {fd, POLLOUT, 0};
      if (left_ms() <= 0 || ::poll(&p, 1, left_ms()) <= 0) return ::close(fd), a;
      continue;
    }
    sent += static_cast<size_t>(n);
  }
  std::string got;
  char buf[4096];
  while (true) {
    p = {fd, POLLIN, 0};
    if (left_ms() <= 0 || ::poll(&p, 1, left_ms()) <= 0) return ::close(fd), a;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) return ::close(fd), a;
    if (n == 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  size_t head = got.find("\r\n\r\n");
  if (got.compare(0, 9, "HTTP/1.1 ") != 0 || head == std::string::npos) return a;
  a.status = std::atoi(got.c_str() + 9);
  a.body = got.substr(head + 4);
  a.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return a;
}

}  // namespace dandori::bench
