// Task labels: see task_label.h.
#include "engine/task_label.h"

namespace dandori::engine {
namespace {

constexpr size_t kMaxItemLabel = 64;  // a long item (a path, a record) is cut with "…"

std::string Cut(std::string s) {
  if (s.size() <= kMaxItemLabel) return s;
  size_t n = kMaxItemLabel;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // UTF-8 boundary
  s.resize(n);
  return s + "…";
}

}  // namespace

std::string ItemLabel(const Value& item, int index) {
  switch (item.kind()) {
    case Value::Kind::kString:
      return Cut(item.as_string());
    case Value::Kind::kRecord:
      for (const char* field : {"name", "id"}) {
        const Value* v = item.Find(field);
        if (v && (v->kind() == Value::Kind::kString || v->kind() == Value::Kind::kInt)) {
          return ItemLabel(*v, index);
        }
      }
      break;
    case Value::Kind::kList:
    case Value::Kind::kNull:
      break;
    default:
      return Cut(item.ToString());
  }
  return "#" + std::to_string(index);
}

void AppendLoopLabel(std::string_view var, const Value& item, int index, std::string* scope) {
  if (!scope->empty()) *scope += ", ";
  scope->append(var);
  *scope += '=';
  *scope += ItemLabel(item, index);
}

std::string TaskLabel(std::string_view stage, std::string_view scope) {
  std::string out(stage);
  if (!scope.empty()) {
    out += '[';
    out.append(scope);
    out += ']';
  }
  return out;
}

}  // namespace dandori::engine
