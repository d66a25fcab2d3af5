#include "engine/retry.h"

#include <algorithm>

#include "engine/pool.h"

namespace dandori::engine {

std::map<std::string, int> PoolSet::DefaultCapacities() {
  return {{"core", 256}, {"media", 4}, {"storage", 8}, {"fleet", 256}, {"notify", 8}};
}

int MaxAttempts(const v1::Policy& p) { return std::max(0, p.retries()) + 1; }

int MaxAttemptsAfter(const v1::Policy& p, Code last) {
  int n = MaxAttempts(p);
  return last == Code::kLost ? std::max(n, 2) : n;
}

v1::ErrorClass ToErrorClass(Code c) {
  switch (c) {
    case Code::kTransient:
      return v1::TRANSIENT;
    case Code::kTimeout:
      return v1::TIMEOUT;
    case Code::kCancelled:
      return v1::CANCELLED;
    case Code::kLost:
      return v1::LOST;
    default:
      return v1::PERMANENT;
  }
}

Code FromErrorClass(v1::ErrorClass c) {
  switch (c) {
    case v1::TRANSIENT:
      return Code::kTransient;
    case v1::TIMEOUT:
      return Code::kTimeout;
    case v1::CANCELLED:
      return Code::kCancelled;
    case v1::LOST:
      return Code::kLost;
    default:
      return Code::kPermanent;
  }
}

bool Retryable(const v1::Policy& p, Code error_class) {
  v1::ErrorClass c = ToErrorClass(error_class);
  if (c == v1::PERMANENT) return false;
  if (p.retry_on_size() == 0) return c == v1::TRANSIENT || c == v1::TIMEOUT || c == v1::LOST;
  for (int k : p.retry_on()) {
    if (k == c) return true;
  }
  return false;
}

int64_t BackoffMs(const v1::Policy& p, int retry, std::mt19937_64& rng) {
  int64_t d = std::max<int64_t>(0, p.backoff_min_ms());
  for (int i = 1; i < retry && d > 0; ++i) {
    d *= 2;
    if (p.backoff_max_ms() > 0 && d >= p.backoff_max_ms()) break;
    if (d > (int64_t{1} << 50)) break;
  }
  if (p.backoff_max_ms() > 0) d = std::min(d, p.backoff_max_ms());
  if (p.jitter() && d > 1) {
    std::uniform_int_distribution<int64_t> u(d / 2, d);
    d = u(rng);
  }
  return d;
}

}  // namespace dandori::engine
