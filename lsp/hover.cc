// Hover: an operator's signature and documentation, an argument's type, default and
// documentation, and for a name what it refers to and its type.
#include <fmt/format.h>

#include "compiler/fmt.h"
#include "lsp/features.h"

namespace dandori::lsp {
namespace {

std::string TypeText(const TypePtr& t) { return t ? t->ToString() : "any"; }

std::string ArgText(const ArgSpec& a) {
  std::string out = a.name + ": " + TypeText(a.type);
  if (a.default_value) out += " = " + a.default_value->ToString();
  if (!a.required && !a.default_value) out += " (optional)";
  return out;
}

// The fields of a record type, one per line ("- zones: list<zone>").
std::string FieldsText(const TypePtr& t) {
  if (!t || t->kind != Type::Kind::kRecord || t->fields.empty()) return "";
  std::string out;
  for (const TypeField& f : t->fields) {
    out += fmt::format("- `{}{}: {}`\n", f.name, f.optional ? "?" : "", TypeText(f.type));
  }
  return out;
}

std::string SymbolText(const Index& index, const Occurrence& o) {
  const Symbol& s = index.symbol(o.symbol);
  TypePtr type = o.expr && o.expr->type ? o.expr->type : s.type;
  std::string head;
  switch (s.kind) {
    case SymbolKind::kStage:
      head = fmt::format("stage {} = {}(...)", s.name, s.stmt ? s.stmt->op : "?");
      break;
    case SymbolKind::kGroup:
      head = "group " + s.name;
      break;
    case SymbolKind::kApprove:
      head = "approve " + s.name;
      break;
    case SymbolKind::kParam:
      head = fmt::format("(parameter) {}: {}", s.name, s.param ? s.param->type_text : "?");
      if (s.param && s.param->default_value) {
        head += " = " + compiler::FormatExpr(*s.param->default_value);
      }
      break;
    case SymbolKind::kConst:
      head = fmt::format("const {}: {}", s.name, TypeText(type));
      break;
    case SymbolKind::kVar:
      head = fmt::format("(loop variable) {}: {}", s.name, TypeText(type));
      break;
    case SymbolKind::kImport:
      return fmt::format("```dandori\nimport \"{}\"\n```\n{}", s.name, s.import_path);
  }
  std::string out = "```dandori\n" + head + "\n```\n";
  if (o.expr && o.expr->kind == compiler::ExprKind::kAll && type) {
    out += "every result of the stage in its loop: `" + TypeText(type) + "`\n";
  } else if (s.kind == SymbolKind::kStage || s.kind == SymbolKind::kApprove) {
    if (const OperatorSignature* sig = s.stmt ? FindOperator(s.stmt->op) : nullptr) {
      out += sig->doc + "\n\n";
    }
    if (type) out += "output `" + TypeText(type) + "`\n\n" + FieldsText(type);
  } else if (s.kind == SymbolKind::kParam && type) {
    out += FieldsText(type);
  } else if (s.kind == SymbolKind::kVar) {
    out += FieldsText(type);
  }
  out += fmt::format("\ndefined at {}:{}", s.def.line, s.def.col);
  return out;
}

}  // namespace

std::string SignatureText(const OperatorSignature& sig) {
  std::string out = sig.name + "(";
  for (size_t i = 0; i < sig.args.size(); ++i) {
    if (i > 0) out += ", ";
    out += ArgText(sig.args[i]);
  }
  return out + ") -> " + TypeText(sig.output);
}

nlohmann::json Hover(const Document& doc, Position at, Encoding enc) {
  if (!doc.current) return nullptr;
  LineIndex lines(doc.text, enc);
  size_t offset = lines.Offset(at);
  Position p8 = LineIndex(doc.text, Encoding::kUtf8).At(offset);
  int line = p8.line + 1, col = p8.character + 1;
  const Checked& c = doc.current->parsed || !doc.good ? *doc.current : *doc.good;
  std::string text;
  Position a, b;
  if (const CallSite* call = c.index.CallAt(line, col)) {
    if (!call->sig) return nullptr;
    if (call->arg) {
      text = fmt::format("```dandori\n(argument of {}) {}\n```\n{}", call->sig->name,
                         ArgText(*call->arg), call->arg->doc);
      if (!call->arg->choices.empty()) {
        text += "\none of: " + fmt::format("{}", fmt::join(call->arg->choices, ", "));
      }
    } else {
      text = "```dandori\n" + SignatureText(*call->sig) + "\n```\n" + call->sig->doc + "\n\n";
      for (const ArgSpec& arg : call->sig->args) {
        text += "- `" + ArgText(arg) + "`" + (arg.doc.empty() ? "" : " " + arg.doc) + "\n";
      }
      text += "\npool `" + call->sig->family + "`";
    }
    a = lines.AtLoc(call->line, call->col);
    b = lines.AtLoc(call->line, call->col + call->length);
  } else if (const Occurrence* o = c.index.At(line, col)) {
    text = SymbolText(c.index, *o);
    a = lines.AtLoc(o->line, o->col);
    b = lines.AtLoc(o->line, o->col + o->length);
  } else {
    return nullptr;
  }
  return {{"contents", {{"kind", "markdown"}, {"value", text}}}, {"range", RangeJson(a, b)}};
}

}  // namespace dandori::lsp
