// ApiServer: see http_api.h. Routes are listed in proto/dandori/v1/api.proto.
#include "server/http_api.h"

#include <openssl/crypto.h>

#include "server/http_api_impl.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)

bool TokensEqual(const std::string& a, const std::string& b) {
  // The lengths may differ in time; the bytes are compared by OpenSSL in constant time.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

ApiServer::ApiServer(ApiOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = std::move(options);
}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  if (impl_->opt.token.empty()) return Status::Invalid("the API needs a token (--token-file)");
  http::ServerOptions o;
  o.host = impl_->opt.host;
  o.port = impl_->opt.port;
  o.max_body_bytes = impl_->opt.max_body_bytes;
  impl_->server = std::make_unique<http::Server>(o);
  impl_->Routes();
  if (auto st = impl_->server->Start(); !st.ok()) return st;
  port_ = impl_->server->port();
  return Status::Ok();
}

void ApiServer::Stop() {
  if (impl_->server) impl_->server->Stop();
}

}  // namespace dandori::server
