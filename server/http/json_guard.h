// A linear-time check of a JSON request body, run before any handler parses it:
// bounds the size and the nesting depth, refuses malformed JSON and text no handler
// should receive (NUL, raw control characters or invalid UTF-8 inside strings,
// unpaired surrogates). Built on nlohmann's SAX parser, which never recurses.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace dandori::server::http {

struct JsonLimits {
  size_t max_bytes = 8u << 20;
  int max_depth = 64;
};

// Ok, or Invalid saying what is wrong and at which byte.
Status CheckJson(std::string_view text, const JsonLimits& limits = {});

// Ok when `s` is valid UTF-8 with no NUL (for paths, query values and headers).
bool CleanUtf8(std::string_view s);

}  // namespace dandori::server::http
