// Expressions on one line (part of compiler/fmt.h).
#include <charconv>
#include <string_view>

#include "compiler/fmt.h"

namespace dandori::compiler {
namespace {

// A key written bare: any word, reserved words included (`{in: 1}` parses).
bool IsName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void Escape(std::string_view s, std::string* out) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (c) {
      case '\\':
        *out += "\\\\";
        break;
      case '"':
        *out += "\\\"";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '$':
        *out += i + 1 < s.size() && s[i + 1] == '{' ? "\\$" : "$";
        break;
      default:
        *out += c;
    }
  }
}

std::string Float(double v) {
  char buf[400];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string s = ec == std::errc() ? std::string(buf, p) : "0";
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

void Print(const Expr& e, std::string* out);

void Items(const Expr& e, size_t from, std::string* out) {
  for (size_t i = from; i < e.items.size(); ++i) {
    if (i > from) *out += ", ";
    if (e.items[i]) Print(*e.items[i], out);
  }
}

void Print(const Expr& e, std::string* out) {
  if (e.parenthesized) *out += "(";
  switch (e.kind) {
    case ExprKind::kNull:
      *out += "null";
      break;
    case ExprKind::kBool:
      *out += e.bool_value ? "true" : "false";
      break;
    case ExprKind::kInt:
      *out += std::to_string(e.int_value);
      break;
    case ExprKind::kFloat:
      *out += Float(e.float_value);
      break;
    case ExprKind::kDuration:
    case ExprKind::kSize:
    case ExprKind::kPercent:
      *out += e.text;
      break;
    case ExprKind::kString:
      *out += '"';
      Escape(e.text, out);
      *out += '"';
      break;
    case ExprKind::kInterp:
      *out += '"';
      for (const ExprPtr& part : e.items) {
        if (part->kind == ExprKind::kString && !part->parenthesized) {
          Escape(part->text, out);
        } else {
          *out += "${";
          Print(*part, out);
          *out += "}";
        }
      }
      *out += '"';
      break;
    case ExprKind::kList:
      *out += "[";
      Items(e, 0, out);
      *out += "]";
      break;
    case ExprKind::kRecord:
      *out += "{";
      for (size_t i = 0; i < e.items.size(); ++i) {
        if (i > 0) *out += ", ";
        *out += FormatRecordKey(i < e.keys.size() ? e.keys[i] : "") + ": ";
        Print(*e.items[i], out);
      }
      *out += "}";
      break;
    case ExprKind::kName:
      *out += e.text;
      break;
    case ExprKind::kEnv:
      *out += "env." + e.text;
      break;
    case ExprKind::kAll:
      *out += e.text + "[*]";
      break;
    case ExprKind::kField:
      Print(*e.items[0], out);
      *out += "." + e.text;
      break;
    case ExprKind::kIndex:
      Print(*e.items[0], out);
      *out += "[";
      Print(*e.items[1], out);
      *out += "]";
      break;
    case ExprKind::kUnary:
      *out += e.text == "not" ? "not " : e.text;
      Print(*e.items[0], out);
      break;
    case ExprKind::kBinary:
      Print(*e.items[0], out);
      *out += " " + e.text + " ";
      Print(*e.items[1], out);
      break;
    case ExprKind::kCall:
      *out += e.text + "(";
      Items(e, 0, out);
      *out += ")";
      break;
  }
  if (e.parenthesized) *out += ")";
}

}  // namespace

std::string FormatRecordKey(const std::string& key) {
  if (IsName(key)) return key;
  std::string out = "\"";
  Escape(key, &out);
  return out + "\"";
}

std::string FormatExpr(const Expr& e) {
  std::string out;
  Print(e, &out);
  return out;
}

}  // namespace dandori::compiler
