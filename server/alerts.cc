// PostAlert: see alerts.h.
#include "server/alerts.h"

#include <chrono>
#include <random>
#include <thread>

#include "engine/retry.h"
#include "stdlib/core/http_ops.h"

namespace dandori::server {

Status PostAlert(const std::string& url, const std::string& text, const AlertPolicy& policy) {
  v1::Policy retry;
  retry.set_retries(policy.attempts - 1);
  retry.set_backoff_min_ms(policy.backoff_min_ms);
  retry.set_backoff_max_ms(policy.backoff_max_ms);
  OperatorContext ctx;
  ctx.args = Value::MakeRecord({{"url", Value::String(url)},
                                {"text", Value::String(text)},
                                {"timeout", Value::DurationMs(policy.timeout_ms)}});
  std::mt19937_64 rng(std::random_device{}());
  Status last;
  for (int attempt = 1; attempt <= engine::MaxAttempts(retry); ++attempt) {
    ctx.attempt = attempt;
    auto r = RunNotifyWebhook(ctx);
    if (r.ok()) return Status::Ok();
    last = r.status();
    if (!engine::Retryable(retry, last.code())) return last;
    if (attempt < engine::MaxAttempts(retry)) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(engine::BackoffMs(retry, attempt, rng)));
    }
  }
  return last;
}

}  // namespace dandori::server
