// Completion, decided from the text before the cursor (which usually does not parse
// while it is being typed) and the names of the latest version that did:
//   `fleet.`            the operators of the family
//   `inv.` `zone.x.`    the fields of the stage output / variable / parameter record
//   `op(a, `            the operator's argument names not given yet, then names
//   `after a, `         stage, group and gate names
//   otherwise           keywords, names in the file, operators and built-in functions
#include <fmt/format.h>

#include <regex>
#include <set>

#include "compiler/builtins.h"
#include "lsp/features.h"

namespace dandori::lsp {
namespace {

// LSP CompletionItemKind values.
constexpr int kMethod = 2, kFunction = 3, kField = 5, kVariable = 6, kModule = 9, kProperty = 10,
              kKeyword = 14, kConstant = 21;

const char* const kKeywords[] = {
    "stage",   "foreach",  "fanout",     "rolling",    "group",  "approve", "after",
    "when",    "in",       "parallel",   "all",        "batch",  "window",  "keep",
    "serving", "tolerate", "retry",      "backoff",    "jitter", "timeout", "heartbeat",
    "pool",    "defaults", "on failure", "on success", "import", "const",   "workflow",
    "true",    "false",    "null",       "and",        "or",     "not"};

nlohmann::json Item(std::string label, int kind, std::string detail = "", std::string insert = "") {
  nlohmann::json j = {{"label", label}, {"kind", kind}};
  if (!detail.empty()) j["detail"] = detail;
  if (!insert.empty()) j["insertText"] = insert;
  return j;
}

int KindOf(SymbolKind k) {
  switch (k) {
    case SymbolKind::kParam:
    case SymbolKind::kVar:
      return kVariable;
    case SymbolKind::kConst:
      return kConstant;
    case SymbolKind::kImport:
      return kModule;
    default:
      return kMethod;
  }
}

void AddNames(const Index& index, bool stmts_only, nlohmann::json* items) {
  std::set<std::string> seen;
  for (const Symbol& s : index.symbols()) {
    if (s.kind == SymbolKind::kImport || !seen.insert(s.name).second) continue;
    bool stmt = s.kind == SymbolKind::kStage || s.kind == SymbolKind::kGroup ||
                s.kind == SymbolKind::kApprove;
    if (stmts_only && !stmt) continue;
    items->push_back(Item(s.name, KindOf(s.kind), s.type ? s.type->ToString() : ""));
  }
}

void AddOperators(std::string_view family, nlohmann::json* items) {
  for (const OperatorSignature& sig : AllOperators()) {
    if (!family.empty() && !sig.name.starts_with(std::string(family) + ".")) continue;
    std::string label = family.empty() ? sig.name : sig.name.substr(family.size() + 1);
    nlohmann::json item = Item(label, kFunction, SignatureText(sig));
    item["documentation"] = sig.doc;
    items->push_back(std::move(item));
  }
}

bool IsFamily(std::string_view word) {
  for (const OperatorSignature& sig : AllOperators()) {
    if (sig.name.starts_with(std::string(word) + ".")) return true;
  }
  return false;
}

// The fields after `chain` (a.b.c): resolved from the first name's type.
void AddFields(const Index& index, const std::vector<std::string>& chain, nlohmann::json* items) {
  int sym = index.Lookup(chain[0]);
  if (sym < 0) return;
  TypePtr t = index.symbol(sym).type;
  for (size_t i = 1; i < chain.size() && t; ++i) {
    const TypeField* f = t->FindField(chain[i]);
    t = f ? f->type : nullptr;
  }
  if (!t || t->kind != Type::Kind::kRecord) return;
  for (const TypeField& f : t->fields) {
    items->push_back(Item(f.name, kField, f.type ? f.type->ToString() : "any"));
  }
}

// The operator whose argument list is open at `offset` (and where it opened), or null.
const OperatorSignature* OpenCall(std::string_view text, size_t offset, size_t* open) {
  int depth = 0;
  size_t floor = offset > 20000 ? offset - 20000 : 0;
  for (size_t i = offset; i-- > floor;) {
    char c = text[i];
    if (c == ')' || c == ']' || c == '}') ++depth;
    if (c == '[' || c == '{') {
      if (depth == 0) return nullptr;
      --depth;
    }
    if (c == '(') {
      if (depth > 0) {
        --depth;
        continue;
      }
      size_t end = i;
      while (end > 0 && text[end - 1] == ' ') --end;
      size_t start = end;
      while (start > 0 && (std::isalnum(static_cast<unsigned char>(text[start - 1])) ||
                           text[start - 1] == '_' || text[start - 1] == '.')) {
        --start;
      }
      *open = i;
      return FindOperator(text.substr(start, end - start));
    }
  }
  return nullptr;
}

void AddArguments(const OperatorSignature& sig, std::string_view written, nlohmann::json* items) {
  static const std::regex kNamed(R"(([A-Za-z_]\w*)\s*:)");
  std::set<std::string> used;
  std::string w(written);
  for (std::sregex_iterator it(w.begin(), w.end(), kNamed), end; it != end; ++it) {
    used.insert((*it)[1].str());
  }
  for (const ArgSpec& a : sig.args) {
    if (used.count(a.name)) continue;
    std::string detail = a.type ? a.type->ToString() : "any";
    if (a.default_value) detail += " = " + a.default_value->ToString();
    nlohmann::json item = Item(a.name + ":", kProperty, detail, a.name + ": ");
    item["filterText"] = a.name;
    if (!a.doc.empty()) item["documentation"] = a.doc;
    items->push_back(std::move(item));
  }
}

}  // namespace

nlohmann::json Completion(const Document& doc, Position at, Encoding enc) {
  LineIndex lines(doc.text, enc);
  size_t offset = lines.Offset(at);
  std::string_view text = doc.text;
  size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = line_start == std::string_view::npos || offset == 0 ? 0 : line_start + 1;
  std::string before(text.substr(line_start, offset - line_start));
  if (before.find("//") != std::string::npos) return nullptr;  // in a comment (roughly)
  const Checked* c = doc.good ? doc.good.get() : doc.current.get();
  nlohmann::json items = nlohmann::json::array();
  static const std::regex kDotted(R"(([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$)");
  static const std::regex kAfter(R"(\bafter\s+(?:\w+\s*,\s*)*\w*$)");
  static const std::regex kOpSlot(R"(\bstage\s+\w+\s*=\s*\w*$)");
  static const std::regex kArgSlot(R"((?:^|[(,])\s*\w*$)");
  std::smatch m;
  if (std::regex_search(before, m, kDotted)) {
    std::vector<std::string> chain;
    std::string names = m[1].str();
    for (size_t p = 0, q; p <= names.size(); p = q + 1) {
      q = names.find('.', p);
      if (q == std::string::npos) q = names.size();
      chain.push_back(names.substr(p, q - p));
    }
    if (chain.size() == 1 && IsFamily(chain[0])) {
      AddOperators(chain[0], &items);
    } else if (chain[0] != "env" && c) {
      AddFields(c->index, chain, &items);
    }
  } else if (std::regex_search(before, kAfter)) {
    if (c) AddNames(c->index, true, &items);
  } else if (std::regex_search(before, kOpSlot)) {
    AddOperators("", &items);
  } else {
    size_t open = 0;
    const OperatorSignature* sig = OpenCall(text, offset, &open);
    std::string since(text.substr(open, offset - open));
    if (sig && std::regex_search(since, kArgSlot)) AddArguments(*sig, since, &items);
    if (c) AddNames(c->index, false, &items);
    if (!sig) {
      for (const char* k : kKeywords) items.push_back(Item(k, kKeyword));
      AddOperators("", &items);
    }
    for (const std::string& b : compiler::BuiltinNames()) {
      items.push_back(Item(b, kFunction, "built-in function", b + "("));
    }
  }
  return {{"isIncomplete", false}, {"items", std::move(items)}};
}

}  // namespace dandori::lsp
