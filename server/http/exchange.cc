// One HTTP exchange on the libmicrohttpd server (server.h): the framing checks, the body,
// dispatch to a route (inline or on the HandlerPool, the connection suspended meanwhile)
// and the response.
#include <cctype>
#include <cstring>

#include "server/http/json_guard.h"
#include "server/http/server_impl.h"

namespace dandori::server::http {

namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Percent-decodes `in` (the server installs no unescaper, so MHD hands over raw text);
// false on a malformed escape, NUL or invalid UTF-8.
bool Decode(const char* in, size_t n, std::string* out) {
  out->clear();
  for (size_t i = 0; i < n; ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= n) return false;
    int hi = Hex(in[i + 1]);
    int lo = Hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return CleanUtf8(*out);
}

struct HeadScan {
  Request* req = nullptr;
  int content_lengths = 0;
  std::string content_length;
  bool transfer_encoding = false;
  std::string te_value;
  bool bad_query = false;
};

MHD_Result OnHeader(void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
                    size_t value_size) {
  auto* h = static_cast<HeadScan*>(cls);
  std::string name(key, key_size);
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string v = value ? std::string(value, value_size) : "";
  if (name == "content-length") {
    ++h->content_lengths;
    h->content_length = v;
  } else if (name == "transfer-encoding") {
    h->transfer_encoding = true;
    h->te_value = v;
  }
  auto [it, fresh] = h->req->headers.emplace(name, v);
  if (!fresh) it->second += ", " + v;
  return MHD_YES;
}

MHD_Result OnArgument(void* cls, MHD_ValueKind, const char* key, size_t key_size, const char* value,
                      size_t value_size) {
  auto* h = static_cast<HeadScan*>(cls);
  std::string k, v;
  if (!Decode(key, key_size, &k) || (value && !Decode(value, value_size, &v))) {
    h->bad_query = true;
    return MHD_NO;
  }
  h->req->query.emplace(std::move(k), std::move(v));
  return MHD_YES;
}

bool Digits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

Status ReadHead(const ServerOptions& opt, MHD_Connection* c, const char* url, const char* method,
                Exchange& x, int* status) {
  *status = 400;
  Request& r = x.req;
  r.method = method;
  size_t url_len = std::strlen(url);
  if (url_len > opt.max_path_bytes) {
    *status = 414;
    return Status::Invalid("request path longer than " + std::to_string(opt.max_path_bytes) +
                           " bytes");
  }
  if (!Decode(url, url_len, &r.path)) {
    return Status::Invalid("request path has a malformed escape, NUL or invalid UTF-8");
  }
  HeadScan h;
  h.req = &r;
  MHD_get_connection_values_n(c, MHD_HEADER_KIND, OnHeader, &h);
  MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, OnArgument, &h);
  if (h.bad_query) {
    return Status::Invalid("query string has a malformed escape, NUL or invalid UTF-8");
  }
  if (h.content_lengths > 1) return Status::Invalid("more than one Content-Length header");
  if (h.content_lengths == 1 && !Digits(h.content_length)) {
    return Status::Invalid("Content-Length is not a non-negative integer");
  }
  if (h.transfer_encoding && h.content_lengths > 0) {
    return Status::Invalid("both Content-Length and Transfer-Encoding");
  }
  if (h.transfer_encoding && h.te_value != "chunked") {
    return Status::Invalid("Transfer-Encoding other than chunked");
  }
  bool wants_body = r.method == "POST" || r.method == "PUT" || r.method == "PATCH";
  if (wants_body && h.content_lengths == 0 && !h.transfer_encoding) {
    return Status::Invalid(r.method + " needs a Content-Length (0 for no body)");
  }
  if (h.content_lengths == 1 && std::stoull(h.content_length) > opt.max_body_bytes) {
    *status = 413;
    return Status::Invalid("request body of " + h.content_length + " bytes exceeds the " +
                           std::to_string(opt.max_body_bytes) + "-byte limit");
  }
  return Status::Ok();
}

void Server::Impl::Fail(Exchange& x, int status, const std::string& code,
                        const std::string& message) {
  x.res = Response{};
  x.res.status = status;
  x.res.SetContent(ErrorJson(status, code, message), "application/json");
  x.res.SetHeader("Connection", "close");
}

MHD_Result Server::Impl::Queue(Exchange& x) {
  x.phase = Exchange::Phase::kReady;
  return Send(x.connection, x.conn, x.res);
}

MHD_Result Server::Impl::Send(MHD_Connection* c, Conn* conn, const Response& res) {
  auto* body = const_cast<char*>(res.body.data());  // copied by MHD
  MHD_Response* r = MHD_create_response_from_buffer(res.body.size(), body, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", res.content_type.c_str());
  for (const auto& [k, v] : res.headers) MHD_add_response_header(r, k.c_str(), v.c_str());
  if (conn && conn->requests + 1 >= opt.max_requests_per_connection) {
    MHD_add_response_header(r, "Connection", "close");
  }
  if (conn) conn->deadline_ms = NowMs() + opt.request_timeout_ms;  // the write
  MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(res.status), r);
  MHD_destroy_response(r);
  return ok;
}

MHD_Result Server::Impl::Dispatch(MHD_Connection* c, const std::shared_ptr<Exchange>& x) {
  auto run = [this](Exchange& e) {
    try {
      e.route->handler(e.req, e.res);
    } catch (const std::exception& ex) {
      Log("http: handler for " + e.req.method + " " + e.req.path + " threw: " + ex.what());
      Fail(e, 500, "internal", "internal error");
    } catch (...) {
      Log("http: handler for " + e.req.method + " " + e.req.path + " threw");
      Fail(e, 500, "internal", "internal error");
    }
  };
  if (x->route->run == Run::kInline) {
    run(*x);
    return Queue(*x);
  }
  x->phase = Exchange::Phase::kRunning;
  if (x->conn) x->conn->deadline_ms = 0;  // the handler's time is not the client's
  {
    std::lock_guard<std::mutex> lock(running_mu);
    running.insert(x);
  }
  MHD_suspend_connection(c);
  auto gate = this->gate;
  bool queued = pool->Submit([this, x, gate, run] {
    run(*x);
    std::lock_guard<std::mutex> lock(gate->mu);
    if (gate->closed || x->abandoned) return;
    {
      std::lock_guard<std::mutex> l2(running_mu);
      running.erase(x);
    }
    x->phase = Exchange::Phase::kReady;
    MHD_resume_connection(x->connection);
  });
  if (!queued) {
    {
      std::lock_guard<std::mutex> lock(running_mu);
      running.erase(x);
    }
    Fail(*x, 503, "unavailable", "the server is busy or stopping; retry later");
    x->phase = Exchange::Phase::kReady;
    MHD_resume_connection(c);
  }
  return MHD_YES;
}

MHD_Result Server::Impl::OnAccess(void* cls, MHD_Connection* c, const char* url, const char* method,
                                  const char*, const char* upload, size_t* upload_size,
                                  void** req_cls) {
  auto* self = static_cast<Impl*>(cls);
  auto* holder = static_cast<std::shared_ptr<Exchange>*>(*req_cls);
  if (!holder) {  // the head has arrived
    holder = new std::shared_ptr<Exchange>(std::make_shared<Exchange>());
    *req_cls = holder;
    Exchange& x = **holder;
    x.connection = c;
    const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    x.conn = info ? static_cast<Conn*>(info->socket_context) : nullptr;
    x.req.cancelled = &self->cancelled;
    int status = 400;
    Status st = ReadHead(self->opt, c, url, method, x, &status);
    if (!st.ok()) {
      self->Fail(x, status,
                 status == 413   ? "payload_too_large"
                 : status == 414 ? "uri_too_long"
                                 : "bad_request",
                 st.message());
      return self->Queue(x);
    }
    for (const auto& r : self->routes) {
      std::smatch m;
      if (r->method == x.req.method && std::regex_match(x.req.path, m, r->pattern)) {
        x.route = r.get();
        for (const auto& g : m) x.req.matches.push_back(g.str());
        break;
      }
    }
    if (!x.route) {
      self->Fail(x, 404, "not_found", "no such route");
      return self->Queue(x);
    }
    return MHD_YES;
  }
  Exchange& x = **holder;
  if (x.phase == Exchange::Phase::kRunning) {  // resumed by Stop before the handler ended
    Response r;  // x.res may still be written by the abandoned handler
    r.status = 503;
    r.SetContent(ErrorJson(503, "unavailable", "the server is stopping"), "application/json");
    r.SetHeader("Connection", "close");
    return self->Send(c, x.conn, r);
  }
  if (x.phase == Exchange::Phase::kReady) return self->Queue(x);
  if (*upload_size != 0) {  // a piece of the body
    if (x.req.body.size() + *upload_size > self->opt.max_body_bytes) {
      x.too_large = true;
      x.req.body.clear();
    }
    if (!x.too_large) x.req.body.append(upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (x.too_large) {  // the whole (chunked) body has been read and dropped
    self->Fail(
        x, 413, "payload_too_large",
        "request body exceeds the " + std::to_string(self->opt.max_body_bytes) + "-byte limit");
    return self->Queue(x);
  }
  if (self->opt.json_bodies && !x.req.body.empty()) {
    Status st = CheckJson(x.req.body, {self->opt.max_body_bytes, self->opt.max_json_depth});
    if (!st.ok()) {
      self->Fail(x, 400, "invalid_argument", st.message());
      return self->Queue(x);
    }
  }
  return self->Dispatch(c, *holder);
}

void Server::Impl::OnCompleted(void* cls, MHD_Connection*, void** req_cls,
                               MHD_RequestTerminationCode) {
  auto* self = static_cast<Impl*>(cls);
  auto* holder = static_cast<std::shared_ptr<Exchange>*>(*req_cls);
  if (!holder) return;
  if (Conn* conn = (*holder)->conn) {  // kept alive: the next request has this long
    ++conn->requests;
    conn->deadline_ms = NowMs() + self->opt.idle_timeout_s * 1000 + self->opt.request_timeout_ms;
  }
  delete holder;
  *req_cls = nullptr;
}

}  // namespace dandori::server::http
