// Valid UTF-8 for text that came from outside (a subprocess's output, a log): what the
// API's protobuf strings, JSON and a terminal can carry. Invalid bytes become U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace dandori {

// `text` with every byte that does not start a well-formed UTF-8 sequence (overlong,
// surrogate, past U+10FFFF, cut short) replaced by U+FFFD; NUL bytes are kept.
std::string ValidUtf8(std::string_view text);

}  // namespace dandori
