// Alerts of `dandori serve`: a failed job posts {"text": ...} to --alert-url. The post is
// stdlib/core's notify.webhook operator (its HTTP client, its error classes, its rule that
// messages name only the URL's origin, because a webhook's path is its secret), retried
// by the engine's own retry arithmetic (engine/retry.h): transient failures (connection
// refused, 5xx, 429, timeouts) with exponential backoff, permanent ones (4xx) never.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace dandori::server {

struct AlertPolicy {
  int attempts = 5;  // tries in all
  int64_t backoff_min_ms = 500;
  int64_t backoff_max_ms = 30'000;
  int64_t timeout_ms = 10'000;  // per try
};

// Blocks until the alert is delivered, refused (a permanent error) or out of attempts.
Status PostAlert(const std::string& url, const std::string& text, const AlertPolicy& policy = {});

}  // namespace dandori::server
