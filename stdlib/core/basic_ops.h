// The trivial core operators, for tests and demos:
//   sleep(duration)           waits, interruptibly; kCancelled when cancelled
//   noop(value)               returns {value: value}
//   fail(message, class, times)  fails with `class`; with times = N only the first N
//                             attempts fail (ctx.attempt), so retries can be shown to work
#pragma once

#include "stdlib/operator.h"

namespace dandori {

Result<Value> RunSleep(OperatorContext& ctx);
Result<Value> RunNoop(OperatorContext& ctx);
Result<Value> RunFail(OperatorContext& ctx);

}  // namespace dandori
