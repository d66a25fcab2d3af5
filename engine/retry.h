// Retry policy arithmetic (DESIGN §5): which error classes are retried, how many
// attempts a policy allows, and the backoff delay before retry n (exponential from
// backoff_min, capped at backoff_max, optional full jitter in [delay/2, delay]).
#pragma once

#include <cstdint>
#include <random>

#include "base/status.h"
#include "dandori/v1/table.pb.h"

namespace dandori::engine {

int MaxAttempts(const v1::Policy& p);
// Attempts allowed when the last one ended with `last`: MaxAttempts, except that a
// `lost` attempt (its executor died or stalled) is retried once even where the policy
// allows no retry (DESIGN §5, docs/engine.md "Interruptions").
int MaxAttemptsAfter(const v1::Policy& p, Code last);
// permanent is never retried; an empty retry_on means [transient, timeout, lost].
bool Retryable(const v1::Policy& p, Code error_class);
// Delay before retry `retry` (1 = the first retry). `rng` is used only with jitter.
int64_t BackoffMs(const v1::Policy& p, int retry, std::mt19937_64& rng);

v1::ErrorClass ToErrorClass(Code c);
Code FromErrorClass(v1::ErrorClass c);

}  // namespace dandori::engine
