// Parsing of the unit-suffixed literals of the .flow language, shared by the compiler
// (source literals) and the engine (--param values): durations, sizes, percentages.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace dandori {

// "250ms", "10s", "2m", "1h30m", "2d". Each unit at most once, largest first.
Result<int64_t> ParseDurationLiteral(std::string_view text);
// "128k" (x1000), "8M", "2G"; "512KB" (x1024), "50GB", "1TB"; a bare integer.
Result<int64_t> ParseSizeLiteral(std::string_view text);
// "5%", "0.5%" -> 5.0, 0.5
Result<double> ParsePercentLiteral(std::string_view text);

}  // namespace dandori
