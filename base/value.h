// Value: the runtime value of dandori expressions, parameters and operator outputs.
//
// Values are immutable; lists and records share their storage, so copying is cheap.
// Durations are whole milliseconds, sizes whole units (bytes, or bits/s for rates), percentages a
// double in 0..100. Paths travel as strings. Records keep their fields in insertion order.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"

namespace dandori {

class Value {
 public:
  enum class Kind : uint8_t {
    kNull,
    kBool,
    kInt,
    kFloat,
    kString,
    kDuration,
    kSize,
    kPercent,
    kList,
    kRecord
  };
  using List = std::vector<Value>;
  using Field = std::pair<std::string, Value>;
  using Record = std::vector<Field>;

  Value() = default;  // null
  static Value Null() { return Value(); }
  static Value Bool(bool b) { return Value(Kind::kBool, b); }
  static Value Int(int64_t i) { return Value(Kind::kInt, i); }
  static Value Float(double d) { return Value(Kind::kFloat, d); }
  static Value String(std::string s) { return Value(Kind::kString, std::move(s)); }
  static Value DurationMs(int64_t ms) { return Value(Kind::kDuration, ms); }
  static Value SizeBytes(int64_t bytes) { return Value(Kind::kSize, bytes); }
  static Value Percent(double p) { return Value(Kind::kPercent, p); }
  static Value MakeList(List items);
  static Value MakeRecord(Record fields);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }  // int, duration (ms), size (bytes)
  double as_float() const;                                  // float, percent, or int widened
  const std::string& as_string() const { return std::get<std::string>(v_); }
  int64_t duration_ms() const { return std::get<int64_t>(v_); }
  int64_t size_bytes() const { return std::get<int64_t>(v_); }
  double percent() const { return std::get<double>(v_); }
  const List& list() const;
  const Record& record() const;

  // Field of a record by name, or nullptr (also for non-records).
  const Value* Find(std::string_view name) const;
  // Field of a record or a null Value.
  Value Get(std::string_view name) const;

  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

  // Human form, as in .flow source: 10s, 128k, 5%, "text" (quoted when nested),
  // [1, 2], {a: 1}. Top-level strings print bare.
  std::string ToString() const;
  // JSON form: durations become "10s" strings, sizes integers of bytes, percentages
  // numbers; records objects, lists arrays.
  std::string ToJson(int indent = -1) const;
  // Parses JSON into untyped values: numbers become int or float, objects records.
  static Result<Value> FromJson(std::string_view text);

 private:
  template <typename T>
  Value(Kind k, T v) : kind_(k), v_(std::move(v)) {}

  Kind kind_ = Kind::kNull;
  std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<const List>,
               std::shared_ptr<const Record>>
      v_;
};

std::string_view KindName(Value::Kind kind);
// "1h30m", "10s", "250ms"
std::string FormatDuration(int64_t ms);
// A duration for people, to two units at most: "~45s", "~2m10s" (10 s steps), "~3h05m".
std::string RoughDuration(int64_t ms);
// Size literals: k / M / G are decimal (x1000, bit rates), KB / MB / GB / TB binary
// (x1024, bytes on disk). Formats with the largest exact unit: "128k", "50GB".
std::string FormatSize(int64_t bytes);

}  // namespace dandori
