// A linear-time pre-scan of a JSON request body, run before any JSON parser sees it:
// bounds the size and the nesting depth and refuses text no handler should receive
// (NUL, raw control characters or invalid UTF-8 inside strings, unpaired surrogates).
// It is not a validator: syntax errors are left to the parser that follows.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace dandori::server::http {

struct JsonLimits {
  size_t max_bytes = 8u << 20;
  int max_depth = 64;
};

// Ok, or Invalid naming the first offending byte offset.
Status CheckJson(std::string_view text, const JsonLimits& limits = {});

// Ok when `s` is valid UTF-8 with no NUL (for paths, query values and headers).
bool CleanUtf8(std::string_view s);

}  // namespace dandori::server::http
