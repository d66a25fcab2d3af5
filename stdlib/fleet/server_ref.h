// The `server` record (stdlib/signatures.cc) as a C++ struct, plus the small helpers
// every fleet operator shares: argv placeholders and polling with cancellation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
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

// Replaces "{key}" in each element with vars[key]; unknown placeholders stay. Values
// are data, never options or framing: one that starts with '-' or holds a control
// character is refused (kPermanent naming the placeholder), so an id such as
// "-oProxyCommand=..." cannot become an ssh or scp option.
Result<std::vector<std::string>> SubstituteArgv(const std::vector<std::string>& argv,
                                                const std::map<std::string, std::string>& vars);

// The same for a URL template: each value is percent-encoded (RFC 3986 unreserved
// characters stay) except `host`, which ValidateHost has checked.
std::string SubstituteUrl(const std::string& url, const std::map<std::string, std::string>& vars);

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string UrlEscape(std::string_view s);

// Server ids and zone names: 1-128 of [A-Za-z0-9._-], starting with a letter or digit.
// Hosts: a DNS name, an IPv4 address or a bracketed IPv6 address, at most 253 bytes.
// The Status (kPermanent) says what is wrong with `value` and names `what`.
Status ValidateName(std::string_view what, std::string_view value);
Status ValidateHost(std::string_view value);

// Duration argument in ms (0 when absent).
int64_t DurationArg(const Value& args, const char* name, int64_t fallback);

// Sleeps up to `ms`, waking early on cancellation; true when cancelled.
bool SleepOrCancel(OperatorContext& ctx, int64_t ms);

// Milliseconds left before the attempt's deadline (ctx.deadline_ms, on SystemClock());
// INT64_MAX if none.
int64_t MsLeft(const OperatorContext& ctx);

}  // namespace dandori::fleet
