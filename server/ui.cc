#include "server/ui.h"

#include <cstdio>
#include <fstream>

#include "server/http_api.h"
#include "server/serve.h"

namespace dandori::server {
namespace {

Result<std::string> RandomToken() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char b[20];
  if (!in.read(reinterpret_cast<char*>(b), sizeof(b))) {
    return Status::Unavailable("cannot read /dev/urandom for a token");
  }
  static const char* kHex = "0123456789abcdef";
  std::string t;
  for (unsigned char c : b) {
    t += kHex[c >> 4];
    t += kHex[c & 15];
  }
  return t;
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

int RunUi(const UiOptions& o) {
  auto hp = SplitListen(o.listen);
  if (!hp.ok()) {
    std::fprintf(stderr, "dandori ui: %s\n", hp.status().message().c_str());
    return 2;
  }
  if (!IsLoopbackHost(hp->first) && !o.allow_remote) {
    std::fprintf(stderr,
                 "dandori ui: --listen %s is not a loopback address; the view steers jobs, so "
                 "pass --allow-remote to serve it to other machines\n",
                 o.listen.c_str());
    return 2;
  }
  std::string token = o.token;
  if (token.empty()) {
    auto t = RandomToken();
    if (!t.ok()) {
      std::fprintf(stderr, "dandori ui: %s\n", t.status().message().c_str());
      return 1;
    }
    token = *t;
  }
  BlockStopSignals();
  ApiOptions api;
  api.host = hp->first == "localhost" ? "127.0.0.1" : hp->first;
  api.port = hp->second;
  api.token = token;
  api.open_store = o.open_store;
  api.accept_submit = false;
  api.registry = o.registry;
  ApiServer server(api);
  if (auto st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "dandori ui: cannot listen on %s: %s\n", o.listen.c_str(),
                 st.message().c_str());
    return 2;
  }
  std::string host = api.host.find(':') != std::string::npos && api.host[0] != '['
                         ? "[" + api.host + "]"
                         : api.host;
  std::printf("dandori ui: http://%s:%d/  (store %s; Ctrl-C stops)\n", host.c_str(), server.port(),
              o.store_name.c_str());
  std::printf("dandori ui: token %s\n", o.token.empty() ? token.c_str() : "(from --token-file)");
  std::fflush(stdout);
  WaitForStopSignal();
  server.Stop();
  return 0;
}

}  // namespace dandori::server
