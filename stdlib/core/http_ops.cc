#include "stdlib/core/http_ops.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "stdlib/core/http_client.h"

namespace dandori {
namespace {

int64_t TimeoutMs(const OperatorContext& ctx, int64_t fallback) {
  Value t = ctx.args.Get("timeout");
  return t.kind() == Value::Kind::kDuration && t.duration_ms() > 0 ? t.duration_ms() : fallback;
}

std::string StringArg(const OperatorContext& ctx, std::string_view name) {
  Value v = ctx.args.Get(name);
  return v.kind() == Value::Kind::kString ? v.as_string() : std::string();
}

bool HasHeader(const std::map<std::string, std::string>& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return true;
    }
  }
  return false;
}

Result<HttpRequest> BuildRequest(const OperatorContext& ctx) {
  HttpRequest r;
  r.url = StringArg(ctx, "url");
  Value method = ctx.args.Get("method");
  r.method = method.kind() == Value::Kind::kString ? method.as_string() : "GET";
  r.timeout_ms = TimeoutMs(ctx, 30000);
  r.cancel = ctx.cancel;
  Value headers = ctx.args.Get("headers");
  if (!headers.is_null() && headers.kind() != Value::Kind::kRecord) {
    return Status::Permanent(
        fmt::format("http.request: headers must be a record, got {}", headers.ToString()));
  }
  for (const auto& [k, v] : headers.record()) r.headers[k] = v.ToString();
  Value body = ctx.args.Get("body");
  if (body.kind() == Value::Kind::kRecord || body.kind() == Value::Kind::kList) {
    r.body = body.ToJson();
    if (!HasHeader(r.headers, "content-type")) r.headers["Content-Type"] = "application/json";
  } else if (!body.is_null()) {
    r.body = body.ToString();
  }
  return r;
}

Status CheckExpected(const OperatorContext& ctx, const HttpRequest& req, const HttpResponse& resp) {
  Value expect = ctx.args.Get("expect");
  if (expect.kind() != Value::Kind::kList) return ClassifyHttpStatus(req, resp);
  for (const Value& code : expect.list()) {
    if (code.kind() == Value::Kind::kInt && code.as_int() == resp.status) return Status::Ok();
  }
  Status st = ClassifyHttpStatus(req, resp);
  if (!st.ok()) return st;
  // A 2xx that the workflow did not list: retrying will not change it.
  return Status::Permanent(fmt::format("{} {}: HTTP {} is not one of the expected {}", req.method,
                                       req.url.substr(0, req.url.find('?')), resp.status,
                                       expect.ToString()));
}

}  // namespace

Result<Value> RunHttpRequest(OperatorContext& ctx) {
  auto req = BuildRequest(ctx);
  if (!req.ok()) return req.status();
  auto resp = HttpSend(*req);
  if (!resp.ok()) return resp.status();
  DANDORI_RETURN_IF_ERROR(CheckExpected(ctx, *req, *resp));
  Value json;
  auto parsed = Value::FromJson(resp->body);
  if (parsed.ok() && !resp->body.empty()) json = std::move(*parsed);
  return Value::MakeRecord({{"status", Value::Int(resp->status)},
                            {"body", Value::String(std::move(resp->body))},
                            {"json", std::move(json)}});
}

Result<Value> RunNotifyWebhook(OperatorContext& ctx) {
  HttpRequest r;
  r.method = "POST";
  r.url = StringArg(ctx, "url");
  // The path of a webhook URL is its secret: messages name only the origin.
  size_t scheme = r.url.find("://");
  size_t path = scheme == std::string::npos ? std::string::npos : r.url.find('/', scheme + 3);
  r.display_url = path == std::string::npos ? r.url : r.url.substr(0, path) + "/...";
  r.timeout_ms = TimeoutMs(ctx, 10000);
  r.cancel = ctx.cancel;
  r.headers["Content-Type"] = "application/json";
  r.body = Value::MakeRecord({{"text", Value::String(StringArg(ctx, "text"))}}).ToJson();
  auto resp = HttpSend(r);
  if (!resp.ok()) return resp.status();
  DANDORI_RETURN_IF_ERROR(ClassifyHttpStatus(r, *resp));
  return Value::MakeRecord({{"status", Value::Int(resp->status)}});
}

}  // namespace dandori
