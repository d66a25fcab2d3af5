// Durable alerts of `dandori serve` (--alert-url): an outbox in PostgreSQL.
//
// A job that fails gets a row in dandori.alerts in the very transaction that marks it
// failed (a trigger, engine/pg/pg_schema.cc), so no crash between the two can lose the
// alert. Every serve started with --alert-url runs an AlertSender: it claims due rows
// (FOR UPDATE SKIP LOCKED, with a lease, so two serves never post the same try at once),
// posts {"text": ...} with stdlib/core's notify.webhook (its HTTP client, its error
// classes, its rule that messages name only the URL's origin, because a webhook's path
// is its secret), and records the outcome: delivered; pending again after a backoff
// (engine/retry.h arithmetic) on a transient failure (connection refused, 5xx, 429,
// timeouts); failed on a permanent one (4xx) or after the last try. A serve stopped
// mid-way leaves the row pending and the next serve delivers it: at least once (a serve
// killed between a successful post and its record posts it again).
//
// Thread rules: Start/Stop from one thread; the sender runs on its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "base/status.h"

namespace dandori::server {

struct AlertSenderOptions {
  std::string url;        // the PostgreSQL store
  std::string alert_url;  // where alerts are posted
  std::string name;       // this serve, as the claim's owner
  int attempts = 10;      // tries in all, across serves
  int64_t backoff_min_ms = 500;
  int64_t backoff_max_ms = 5 * 60'000;
  int64_t timeout_ms = 10'000;  // per try; the claim's lease is twice this
  int64_t poll_ms = 500;
  std::function<void(const std::string&)> log;  // delivery failures; may be null
};

class AlertSender {
 public:
  explicit AlertSender(AlertSenderOptions options);
  ~AlertSender();  // Stop()
  void Start();
  // Finishes the try in flight (at most timeout_ms) and stops; pending rows stay.
  void Stop();

 private:
  void Loop();
  AlertSenderOptions opt_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace dandori::server
