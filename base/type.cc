#include "base/type.h"

#include <fmt/format.h>
#include <charconv>

#include "base/literal.h"

namespace dandori {
namespace {

TypePtr Simple(Type::Kind k) {
  auto t = std::make_shared<Type>();
  t->kind = k;
  return t;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

TypePtr Type::Any() {
  static TypePtr t = Simple(Kind::kAny);
  return t;
}
TypePtr Type::Null() {
  static TypePtr t = Simple(Kind::kNull);
  return t;
}
TypePtr Type::Bool() {
  static TypePtr t = Simple(Kind::kBool);
  return t;
}
TypePtr Type::Int() {
  static TypePtr t = Simple(Kind::kInt);
  return t;
}
TypePtr Type::Float() {
  static TypePtr t = Simple(Kind::kFloat);
  return t;
}
TypePtr Type::String() {
  static TypePtr t = Simple(Kind::kString);
  return t;
}
TypePtr Type::Path() {
  static TypePtr t = Simple(Kind::kPath);
  return t;
}
TypePtr Type::Duration() {
  static TypePtr t = Simple(Kind::kDuration);
  return t;
}
TypePtr Type::Size() {
  static TypePtr t = Simple(Kind::kSize);
  return t;
}
TypePtr Type::Percent() {
  static TypePtr t = Simple(Kind::kPercent);
  return t;
}

TypePtr Type::ListOf(TypePtr elem) {
  auto t = std::make_shared<Type>();
  t->kind = Kind::kList;
  t->elem = std::move(elem);
  return t;
}

TypePtr Type::Record(std::string name, std::vector<TypeField> fields) {
  auto t = std::make_shared<Type>();
  t->kind = Kind::kRecord;
  t->name = std::move(name);
  t->fields = std::move(fields);
  return t;
}

const TypeField* Type::FindField(std::string_view field) const {
  for (const TypeField& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

std::string Type::ToString() const {
  switch (kind) {
    case Kind::kAny:
      return "any";
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kPath:
      return "path";
    case Kind::kDuration:
      return "duration";
    case Kind::kSize:
      return "size";
    case Kind::kPercent:
      return "percent";
    case Kind::kList:
      return "list<" + (elem ? elem->ToString() : "any") + ">";
    case Kind::kRecord: {
      if (!name.empty()) return name;
      std::string out = "{";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ", ";
        out += fields[i].name + ": " + fields[i].type->ToString();
      }
      return out + "}";
    }
  }
  return "?";
}

Result<TypePtr> ParseType(std::string_view text, TypeResolver resolve) {
  text = Trim(text);
  static const struct {
    std::string_view name;
    TypePtr (*make)();
  } kSimple[] = {
      {"any", Type::Any},           {"bool", Type::Bool},     {"int", Type::Int},
      {"float", Type::Float},       {"string", Type::String}, {"path", Type::Path},
      {"duration", Type::Duration}, {"size", Type::Size},     {"percent", Type::Percent}};
  for (const auto& s : kSimple) {
    if (text == s.name) return s.make();
  }
  if (text.starts_with("list<") && text.ends_with(">")) {
    auto elem = ParseType(text.substr(5, text.size() - 6), resolve);
    if (!elem.ok()) return elem.status();
    return Type::ListOf(*elem);
  }
  if (text.starts_with("{") && text.ends_with("}")) {
    // Anonymous record: {name: type, name?: type}; split at top-level commas.
    std::vector<TypeField> fields;
    std::string_view body = text.substr(1, text.size() - 2);
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= body.size(); ++i) {
      char c = i < body.size() ? body[i] : ',';
      if (c == '<' || c == '{') ++depth;
      if (c == '>' || c == '}') --depth;
      if (c != ',' || depth != 0) continue;
      std::string_view part = Trim(body.substr(start, i - start));
      start = i + 1;
      if (part.empty()) continue;
      size_t colon = part.find(':');
      if (colon == std::string_view::npos) {
        return Status::Invalid(fmt::format("bad record field '{}'", part));
      }
      std::string_view fname = Trim(part.substr(0, colon));
      bool optional = fname.ends_with("?");
      if (optional) fname.remove_suffix(1);
      auto ftype = ParseType(part.substr(colon + 1), resolve);
      if (!ftype.ok()) return ftype.status();
      fields.push_back(TypeField{std::string(fname), *ftype, optional});
    }
    return Type::Record("", std::move(fields));
  }
  if (resolve) {
    if (const Type* named = resolve(text)) return TypePtr(TypePtr(), named);
  }
  return Status::Invalid(fmt::format("unknown type '{}'", text));
}

bool IsAssignable(const Type& from, const Type& to) {
  using K = Type::Kind;
  if (to.kind == K::kAny || from.kind == K::kAny) return true;
  if (from.kind == K::kNull) return true;  // null stands for "absent"
  if (from.kind == to.kind) {
    if (from.kind == K::kList) {
      return !from.elem || !to.elem || IsAssignable(*from.elem, *to.elem);
    }
    if (from.kind == K::kRecord) {
      if (!from.name.empty() && !to.name.empty()) return from.name == to.name;
      // Structural: every required field of `to` must be present and assignable.
      for (const TypeField& f : to.fields) {
        const TypeField* g = from.FindField(f.name);
        if (!g) {
          if (!f.optional) return false;
          continue;
        }
        if (!IsAssignable(*g->type, *f.type)) return false;
      }
      return true;
    }
    return true;
  }
  if (from.kind == K::kInt && to.kind == K::kFloat) return true;
  if ((from.kind == K::kString && to.kind == K::kPath) ||
      (from.kind == K::kPath && to.kind == K::kString)) {
    return true;
  }
  return false;
}

Result<Value> CoerceValue(const Value& v, const Type& to) {
  using K = Type::Kind;
  using VK = Value::Kind;
  auto mismatch = [&]() {
    return Status::Invalid(
        fmt::format("expected {}, got {} '{}'", to.ToString(), KindName(v.kind()), v.ToString()));
  };
  switch (to.kind) {
    case K::kAny:
      return v;
    case K::kNull:
      return v.is_null() ? Result<Value>(v) : Result<Value>(mismatch());
    case K::kBool:
      if (v.kind() == VK::kBool) return v;
      if (v.kind() == VK::kString && (v.as_string() == "true" || v.as_string() == "false")) {
        return Value::Bool(v.as_string() == "true");
      }
      return mismatch();
    case K::kInt:
      if (v.kind() == VK::kInt) return v;
      if (v.kind() == VK::kString) {
        int64_t i = 0;
        const std::string& s = v.as_string();
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec == std::errc() && p == s.data() + s.size()) return Value::Int(i);
      }
      return mismatch();
    case K::kFloat:
      if (v.is_number()) return Value::Float(v.as_float());
      if (v.kind() == VK::kString) {
        try {
          size_t used = 0;
          double d = std::stod(v.as_string(), &used);
          if (used == v.as_string().size()) return Value::Float(d);
        } catch (...) {
        }
      }
      return mismatch();
    case K::kString:
    case K::kPath:
      if (v.kind() == VK::kString) return v;
      return mismatch();
    case K::kDuration:
      if (v.kind() == VK::kDuration) return v;
      if (v.kind() == VK::kString) {
        auto ms = ParseDurationLiteral(v.as_string());
        if (ms.ok()) return Value::DurationMs(*ms);
      }
      return mismatch();
    case K::kSize:
      if (v.kind() == VK::kSize) return v;
      if (v.kind() == VK::kInt) return Value::SizeBytes(v.as_int());
      if (v.kind() == VK::kString) {
        auto n = ParseSizeLiteral(v.as_string());
        if (n.ok()) return Value::SizeBytes(*n);
      }
      return mismatch();
    case K::kPercent:
      if (v.kind() == VK::kPercent) return v;
      if (v.kind() == VK::kString && v.as_string().ends_with("%")) {
        auto p = ParsePercentLiteral(v.as_string());
        if (p.ok()) return Value::Percent(*p);
      }
      return mismatch();
    case K::kList: {
      Value src = v;
      if (v.kind() == VK::kString) {
        auto parsed = Value::FromJson(v.as_string());
        if (!parsed.ok() || parsed->kind() != VK::kList) return mismatch();
        src = *parsed;
      }
      if (src.kind() != VK::kList) return mismatch();
      Value::List out;
      for (const Value& item : src.list()) {
        auto c = to.elem ? CoerceValue(item, *to.elem) : Result<Value>(item);
        if (!c.ok()) return c.status();
        out.push_back(std::move(*c));
      }
      return Value::MakeList(std::move(out));
    }
    case K::kRecord: {
      Value src = v;
      if (v.kind() == VK::kString) {
        auto parsed = Value::FromJson(v.as_string());
        if (!parsed.ok() || parsed->kind() != VK::kRecord) return mismatch();
        src = *parsed;
      }
      if (src.kind() != VK::kRecord) return mismatch();
      if (to.fields.empty()) return src;
      Value::Record out;
      for (const TypeField& f : to.fields) {
        const Value* fv = src.Find(f.name);
        if (!fv || fv->is_null()) {
          if (!f.optional) {
            return Status::Invalid(fmt::format("{} is missing field '{}'", to.ToString(), f.name));
          }
          continue;
        }
        auto c = CoerceValue(*fv, *f.type);
        if (!c.ok()) {
          return Status::Invalid(fmt::format("field '{}': {}", f.name, c.status().message()));
        }
        out.emplace_back(f.name, std::move(*c));
      }
      return Value::MakeRecord(std::move(out));
    }
  }
  return mismatch();
}

}  // namespace dandori
