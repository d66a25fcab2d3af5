// AlertSender: see alerts.h.
#include "server/alerts.h"

#include <chrono>
#include <random>

#include "base/clock.h"
#include "engine/pg/pg_conn.h"
#include "engine/retry.h"
#include "server/alert_sql.h"
#include "stdlib/core/http_ops.h"

namespace dandori::server {
namespace {

using engine::pg::Conn;
using engine::pg::Params;

enum AlertState { kPending = 0, kDelivered = 1, kFailed = 2 };

}  // namespace

AlertSender::AlertSender(AlertSenderOptions options) : opt_(std::move(options)) {}

AlertSender::~AlertSender() { Stop(); }

void AlertSender::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AlertSender::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void AlertSender::Loop() {
  v1::Policy retry;
  retry.set_retries(opt_.attempts - 1);
  retry.set_backoff_min_ms(opt_.backoff_min_ms);
  retry.set_backoff_max_ms(opt_.backoff_max_ms);
  std::mt19937_64 rng(std::random_device{}());
  std::unique_ptr<Conn> conn, listen;
  auto pause = [&](int64_t ms) {
    for (int64_t t = 0; t < ms && !stop_; t += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  while (!stop_) {
    if (!conn || conn->Broken() || !listen || listen->Broken()) {
      auto c = Conn::Open(opt_.url);
      auto l = Conn::Open(opt_.url);
      if (!c.ok() || !l.ok() || !(*l)->Exec("LISTEN dandori_alert").ok()) {
        pause(1000);  // the database is down: the alerts wait in it
        continue;
      }
      conn = std::move(*c);
      listen = std::move(*l);
    }
    int64_t now = SystemClock()->NowMs();
    auto claim =
        conn->Run(sql::kAlertClaim, Params().Text(opt_.name).Int(now).Int(2 * opt_.timeout_ms));
    if (!claim.ok() || claim->rows() == 0) {
      if (claim.ok()) (void)listen->WaitNotify(static_cast<int>(opt_.poll_ms));
      if (!claim.ok()) pause(opt_.poll_ms);
      continue;
    }
    int64_t id = claim->Int(0, 0);
    int64_t job = claim->Int(0, 1);
    int attempt = static_cast<int>(claim->Int(0, 3));
    OperatorContext ctx;
    ctx.attempt = attempt;
    ctx.args = Value::MakeRecord({{"url", Value::String(opt_.alert_url)},
                                  {"text", Value::String(claim->Bytes(0, 2))},
                                  {"timeout", Value::DurationMs(opt_.timeout_ms)}});
    auto sent = RunNotifyWebhook(ctx);
    int state = kDelivered;
    int64_t not_before = 0;
    std::string error;
    if (!sent.ok()) {
      error = sent.status().message();
      bool again =
          engine::Retryable(retry, sent.status().code()) && attempt < engine::MaxAttempts(retry);
      state = again ? kPending : kFailed;
      if (again) not_before = SystemClock()->NowMs() + engine::BackoffMs(retry, attempt, rng);
      if (opt_.log) {
        opt_.log("alert for job " + std::to_string(job) + ", try " + std::to_string(attempt) +
                 ": " + error + (again ? "; trying again later" : "; giving up"));
      }
    }
    // If this record is lost (an outage), the claim's lease runs out and the alert is
    // tried again: at least once.
    (void)conn->Run(sql::kAlertRecord, Params()
                                           .Int(id)
                                           .Text(opt_.name)
                                           .Int(state)
                                           .Int(not_before)
                                           .Text(error)
                                           .Int(SystemClock()->NowMs()));
  }
}

}  // namespace dandori::server
