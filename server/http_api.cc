// ApiServer: see http_api.h. Routes are listed in proto/dandori/v1/api.proto.
#include "server/http_api.h"

#include "server/http_api_impl.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)

bool TokensEqual(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

ApiServer::ApiServer(ApiOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  if (impl_->opt.token.empty()) return Status::Invalid("the API needs a token (--token-file)");
  impl_->Routes();
  auto& s = impl_->server;
  s.set_payload_max_length(impl_->opt.max_body_bytes);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  if (impl_->opt.port == 0) {
    port_ = s.bind_to_any_port(impl_->opt.host);
    if (port_ <= 0) return Status::Unavailable("cannot bind " + impl_->opt.host);
  } else {
    if (!s.bind_to_port(impl_->opt.host, impl_->opt.port)) {
      return Status::Unavailable("cannot listen on " + impl_->opt.host + ":" +
                                 std::to_string(impl_->opt.port));
    }
    port_ = impl_->opt.port;
  }
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  return Status::Ok();
}

void ApiServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace dandori::server
