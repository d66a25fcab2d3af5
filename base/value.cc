#include "base/value.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace dandori {
namespace {

const Value::List& EmptyList() {
  static const Value::List kEmpty;
  return kEmpty;
}
const Value::Record& EmptyRecord() {
  static const Value::Record kEmpty;
  return kEmpty;
}

nlohmann::json ToJsonTree(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull:
      return nullptr;
    case K::kBool:
      return v.as_bool();
    case K::kInt:
      return v.as_int();
    case K::kFloat:
      return v.as_float();
    case K::kString:
      return v.as_string();
    case K::kDuration:
      return FormatDuration(v.duration_ms());
    case K::kSize:
      return v.size_bytes();
    case K::kPercent:
      return v.percent();
    case K::kList: {
      nlohmann::json a = nlohmann::json::array();
      for (const Value& item : v.list()) a.push_back(ToJsonTree(item));
      return a;
    }
    case K::kRecord: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& [name, field] : v.record()) o[name] = ToJsonTree(field);
      return o;
    }
  }
  return nullptr;
}

Value FromJsonTree(const nlohmann::json& j) {
  if (j.is_null()) return Value::Null();
  if (j.is_boolean()) return Value::Bool(j.get<bool>());
  if (j.is_number_integer()) return Value::Int(j.get<int64_t>());
  if (j.is_number()) return Value::Float(j.get<double>());
  if (j.is_string()) return Value::String(j.get<std::string>());
  if (j.is_array()) {
    Value::List items;
    items.reserve(j.size());
    for (const auto& e : j) items.push_back(FromJsonTree(e));
    return Value::MakeList(std::move(items));
  }
  Value::Record fields;
  for (auto it = j.begin(); it != j.end(); ++it) fields.emplace_back(it.key(), FromJsonTree(*it));
  return Value::MakeRecord(std::move(fields));
}

void AppendString(const Value& v, bool nested, std::string* out) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull:
      *out += "null";
      return;
    case K::kBool:
      *out += v.as_bool() ? "true" : "false";
      return;
    case K::kInt:
      *out += std::to_string(v.as_int());
      return;
    case K::kFloat:
      *out += fmt::format("{}", v.as_float());
      return;
    case K::kString:
      if (nested) {
        *out += nlohmann::json(v.as_string()).dump();
      } else {
        *out += v.as_string();
      }
      return;
    case K::kDuration:
      *out += FormatDuration(v.duration_ms());
      return;
    case K::kSize:
      *out += FormatSize(v.size_bytes());
      return;
    case K::kPercent:
      *out += fmt::format("{}%", v.percent());
      return;
    case K::kList: {
      *out += '[';
      bool first = true;
      for (const Value& item : v.list()) {
        if (!first) *out += ", ";
        first = false;
        AppendString(item, true, out);
      }
      *out += ']';
      return;
    }
    case K::kRecord: {
      *out += '{';
      bool first = true;
      for (const auto& [name, field] : v.record()) {
        if (!first) *out += ", ";
        first = false;
        *out += name;
        *out += ": ";
        AppendString(field, true, out);
      }
      *out += '}';
      return;
    }
  }
}

}  // namespace

Value Value::MakeList(List items) {
  return Value(Kind::kList, std::make_shared<const List>(std::move(items)));
}

Value Value::MakeRecord(Record fields) {
  return Value(Kind::kRecord, std::make_shared<const Record>(std::move(fields)));
}

double Value::as_float() const {
  if (std::holds_alternative<int64_t>(v_)) return static_cast<double>(std::get<int64_t>(v_));
  return std::get<double>(v_);
}

const Value::List& Value::list() const {
  if (kind_ != Kind::kList) return EmptyList();
  return *std::get<std::shared_ptr<const List>>(v_);
}

const Value::Record& Value::record() const {
  if (kind_ != Kind::kRecord) return EmptyRecord();
  return *std::get<std::shared_ptr<const Record>>(v_);
}

const Value* Value::Find(std::string_view name) const {
  if (kind_ != Kind::kRecord) return nullptr;
  for (const auto& [n, v] : record()) {
    if (n == name) return &v;
  }
  return nullptr;
}

Value Value::Get(std::string_view name) const {
  const Value* v = Find(name);
  return v ? *v : Value();
}

bool Value::operator==(const Value& other) const {
  if (kind_ != other.kind_) {
    if (is_number() && other.is_number()) return as_float() == other.as_float();
    return false;
  }
  switch (kind_) {
    case Kind::kList:
      return list() == other.list();
    case Kind::kRecord:
      return record() == other.record();
    default:
      return v_ == other.v_;
  }
}

std::string Value::ToString() const {
  std::string out;
  AppendString(*this, false, &out);
  return out;
}

// Strings that are not valid UTF-8 (a subprocess's bytes) print with U+FFFD for bad bytes.
std::string Value::ToJson(int indent) const {
  return ToJsonTree(*this).dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Value> Value::FromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Invalid("not valid JSON");
  return FromJsonTree(j);
}

std::string_view KindName(Value::Kind kind) {
  using K = Value::Kind;
  switch (kind) {
    case K::kNull:
      return "null";
    case K::kBool:
      return "bool";
    case K::kInt:
      return "int";
    case K::kFloat:
      return "float";
    case K::kString:
      return "string";
    case K::kDuration:
      return "duration";
    case K::kSize:
      return "size";
    case K::kPercent:
      return "percent";
    case K::kList:
      return "list";
    case K::kRecord:
      return "record";
  }
  return "?";
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  // Unsigned magnitude: negating INT64_MIN would overflow.
  uint64_t u = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    u = ~u + 1;
  }
  uint64_t h = u / 3600000, m = u / 60000 % 60, s = u / 1000 % 60, r = u % 1000;
  if (h) out += fmt::format("{}h", h);
  if (m) out += fmt::format("{}m", m);
  if (s) out += fmt::format("{}s", s);
  if (r) out += fmt::format("{}ms", r);
  return out;
}

std::string RoughDuration(int64_t ms) {
  if (ms < 0) ms = 0;
  int64_t s = (ms + 500) / 1000;
  if (s < 60) return fmt::format("~{}s", std::max<int64_t>(s, 1));
  if (s < 3600) {
    s = (s + 5) / 10 * 10;
    if (s < 3600) return fmt::format("~{}m{:02}s", s / 60, s % 60);
  }
  int64_t m = (s + 30) / 60;
  return fmt::format("~{}h{:02}m", m / 60, m % 60);
}

std::string FormatSize(int64_t bytes) {
  static const struct {
    int64_t unit;
    const char* name;
  } kUnits[] = {{1000000000, "G"}, {1000000, "M"},    {1000, "k"},      {1LL << 40, "TB"},
                {1LL << 30, "GB"}, {1LL << 20, "MB"}, {1LL << 10, "KB"}};
  for (const auto& u : kUnits) {
    if (bytes != 0 && bytes % u.unit == 0) return fmt::format("{}{}", bytes / u.unit, u.name);
  }
  return fmt::format("{}", bytes);
}

}  // namespace dandori
