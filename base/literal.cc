#include "base/literal.h"

#include <charconv>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace dandori {
namespace {

// Reads leading digits into *n; returns how many characters were consumed.
size_t ReadDigits(std::string_view s, int64_t* n) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *n);
  if (ec != std::errc()) return 0;
  return static_cast<size_t>(p - s.data());
}

bool MulAdd(int64_t* acc, int64_t n, int64_t unit) {
  int64_t part = 0;
  if (__builtin_mul_overflow(n, unit, &part)) return false;
  return !__builtin_add_overflow(*acc, part, acc);
}

}  // namespace

Result<int64_t> ParseDurationLiteral(std::string_view text) {
  static const struct {
    std::string_view suffix;
    int64_t ms;
  } kUnits[] = {{"d", 86400000}, {"h", 3600000}, {"ms", 1}, {"m", 60000}, {"s", 1000}};
  auto bad = [&] { return Status::Invalid(fmt::format("invalid duration '{}'", text)); };
  if (text.empty()) return bad();
  std::string_view rest = text;
  int64_t total = 0;
  int64_t last_unit = std::numeric_limits<int64_t>::max();
  while (!rest.empty()) {
    int64_t n = 0;
    size_t used = ReadDigits(rest, &n);
    if (used == 0) return bad();
    rest.remove_prefix(used);
    bool matched = false;
    for (const auto& u : kUnits) {
      if (rest.starts_with(u.suffix) && !(u.suffix == "m" && rest.starts_with("ms"))) {
        if (u.ms >= last_unit) return bad();
        last_unit = u.ms;
        if (!MulAdd(&total, n, u.ms)) {
          return Status::Invalid(fmt::format("duration '{}' is too large", text));
        }
        rest.remove_prefix(u.suffix.size());
        matched = true;
        break;
      }
    }
    if (!matched) return bad();
  }
  return total;
}

Result<int64_t> ParseSizeLiteral(std::string_view text) {
  static const struct {
    std::string_view suffix;
    int64_t mult;
  } kUnits[] = {
      {"KB", 1LL << 10}, {"MB", 1LL << 20}, {"GB", 1LL << 30}, {"TB", 1LL << 40}, {"k", 1000},
      {"K", 1000},       {"M", 1000000},    {"G", 1000000000}, {"B", 1},          {"", 1}};
  int64_t n = 0;
  size_t used = ReadDigits(text, &n);
  if (used == 0) return Status::Invalid(fmt::format("invalid size '{}'", text));
  std::string_view suffix = text.substr(used);
  for (const auto& u : kUnits) {
    if (suffix == u.suffix) {
      int64_t out = 0;
      if (__builtin_mul_overflow(n, u.mult, &out)) {
        return Status::Invalid(fmt::format("size '{}' is too large", text));
      }
      return out;
    }
  }
  return Status::Invalid(fmt::format("invalid size '{}'", text));
}

Result<double> ParsePercentLiteral(std::string_view text) {
  if (!text.ends_with("%")) return Status::Invalid(fmt::format("invalid percentage '{}'", text));
  std::string body(text.substr(0, text.size() - 1));
  try {
    size_t used = 0;
    double d = std::stod(body, &used);
    if (used == body.size() && d >= 0) return d;
  } catch (...) {
  }
  return Status::Invalid(fmt::format("invalid percentage '{}'", text));
}

}  // namespace dandori
