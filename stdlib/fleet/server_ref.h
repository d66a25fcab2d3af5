// The `server` record (stdlib/signatures.cc) as a C++ struct, plus the small helpers
// every fleet operator shares: argv placeholders and polling with cancellation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/value.h"
#include "stdlib/operator.h"

namespace dandori::fleet {

struct ServerRef {
  std::string id;
  std::string zone;
  std::string admin;     // base URL of the admin API
  std::string metrics;   // Prometheus text endpoint
  std::string registry;  // base URL of the assignment registry
  std::vector<std::string> restart_argv;
  std::vector<std::string> distribute_argv;
};

// Reads the `server` argument of `args`; kPermanent when it is missing or malformed.
Result<ServerRef> ServerArg(const Value& args);

// A list<string> argument (or record field); empty when absent or null.
std::vector<std::string> StringList(const Value* v);

// Replaces "{key}" in each element with vars[key]; unknown placeholders stay.
std::vector<std::string> SubstituteArgv(const std::vector<std::string>& argv,
                                        const std::map<std::string, std::string>& vars);

// Duration argument in ms (0 when absent).
int64_t DurationArg(const Value& args, const char* name, int64_t fallback);

// Sleeps up to `ms`, waking early on cancellation; true when cancelled.
bool SleepOrCancel(OperatorContext& ctx, int64_t ms);

// Milliseconds left before the attempt's deadline (ctx.deadline_ms, on SystemClock());
// INT64_MAX if none.
int64_t MsLeft(const OperatorContext& ctx);

}  // namespace dandori::fleet
