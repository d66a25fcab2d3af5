#include "compiler/emit_expr.h"

#include <fmt/format.h>

#include "compiler/builtins.h"
#include "compiler/consteval.h"
#include "proto/value_codec.h"

namespace dandori::compiler {

int ConstPool::Add(const Value& v) {
  std::string key = EncodeValue(v);
  auto [it, inserted] = index_.emplace(std::move(key), table_->consts_size());
  if (inserted) ValueToProto(v, table_->add_consts());
  return it->second;
}

int ConstPool::AddNames(const std::vector<std::string>& names) {
  auto it = runs_.find(names);
  if (it != runs_.end()) return it->second;
  int first = table_->consts_size();
  for (const std::string& n : names) ValueToProto(Value::String(n), table_->add_consts());
  runs_.emplace(names, first);
  return first;
}

static std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string ExprText(const Expr& e, int depth) {
  if (depth > 64) return "...";
  auto sub = [&](size_t i) { return i < e.items.size() ? ExprText(*e.items[i], depth + 1) : ""; };
  std::string out;
  switch (e.kind) {
    case ExprKind::kNull:
      return "null";
    case ExprKind::kBool:
      return e.bool_value ? "true" : "false";
    case ExprKind::kInt:
      return std::to_string(e.int_value);
    case ExprKind::kFloat:
      return fmt::format("{}", e.float_value);
    case ExprKind::kString:
      return Quote(e.text);
    case ExprKind::kDuration:
    case ExprKind::kSize:
    case ExprKind::kPercent:
      return e.text.empty() ? LiteralValue(e)->ToString() : e.text;
    case ExprKind::kInterp:
      out = "\"";
      for (const ExprPtr& p : e.items) {
        out += p->kind == ExprKind::kString ? p->text : "${" + ExprText(*p, depth + 1) + "}";
      }
      return out + "\"";
    case ExprKind::kList:
    case ExprKind::kCall:
      out = e.kind == ExprKind::kCall ? e.text + "(" : "[";
      for (size_t i = 0; i < e.items.size(); ++i) out += (i ? ", " : "") + sub(i);
      return out + (e.kind == ExprKind::kCall ? ")" : "]");
    case ExprKind::kRecord:
      out = "{";
      for (size_t i = 0; i < e.items.size(); ++i) {
        out += (i ? ", " : "") + (i < e.keys.size() ? e.keys[i] : "?") + ": " + sub(i);
      }
      return out + "}";
    case ExprKind::kName:
      return e.text;
    case ExprKind::kEnv:
      return "env." + e.text;
    case ExprKind::kField:
      return sub(0) + "." + e.text;
    case ExprKind::kIndex:
      return sub(0) + "[" + sub(1) + "]";
    case ExprKind::kAll:
      return e.text + "[*]";
    case ExprKind::kUnary:
      return e.text == "not" ? "not " + sub(0) : "-" + sub(0);
    case ExprKind::kBinary:
      out = sub(0) + " " + e.text + " " + sub(1);
      return e.parenthesized ? "(" + out + ")" : out;
  }
  return "?";
}

void ExprEmitter::Op(v1::Code* out, v1::Op op, int a, int b) {
  v1::Instr* in = out->add_code();
  in->set_op(op);
  in->set_a(a);
  in->set_b(b);
}

std::optional<Value> ExprEmitter::FoldValue(const Expr& e) const {
  return Fold(e, [this](const Expr& name) -> const Value* {
    Ref r = p_.RefOf(name);
    if (r.kind != RefKind::kConst) return nullptr;
    const ConstInfo& c = p_.consts[r.index];
    return c.value ? &*c.value : nullptr;
  });
}

void ExprEmitter::Emit(const Expr& e, v1::Code* out) {
  out->set_source(ExprText(e));
  Gen(e, out, 0);
}

void ExprEmitter::EmitRecord(const std::vector<std::string>& names,
                             const std::vector<const Expr*>& values,
                             const std::vector<Value>& fallback, v1::Code* out) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (values[i]) {
      Gen(*values[i], out, 0);
    } else {
      Op(out, v1::OP_CONST, pool_.Add(fallback[i]));
    }
  }
  Op(out, v1::OP_RECORD, static_cast<int>(names.size()), pool_.AddNames(names));
}

void ExprEmitter::Gen(const Expr& e, v1::Code* out, int depth) {
  bool compound = e.kind != ExprKind::kName && e.kind != ExprKind::kEnv &&
                  e.kind != ExprKind::kAll && e.kind != ExprKind::kCall;
  if (compound || p_.RefOf(e).kind == RefKind::kConst) {
    if (auto v = FoldValue(e)) {
      Op(out, v1::OP_CONST, pool_.Add(*v));
      return;
    }
  }
  auto n = [&](size_t k) { return static_cast<int>(k); };
  switch (e.kind) {
    case ExprKind::kName: {
      Ref r = p_.RefOf(e);
      switch (r.kind) {
        case RefKind::kParam:
          Op(out, v1::OP_PARAM, r.index);
          return;
        case RefKind::kConst:
          if (depth < 1000 && p_.consts[r.index].decl->value) {
            Gen(*p_.consts[r.index].decl->value, out, depth + 1);
          } else {
            Op(out, v1::OP_CONST, pool_.Add(Value::Null()));
          }
          return;
        case RefKind::kStage:
          Op(out, v1::OP_STAGE, stage_state_[r.index]);
          return;
        case RefKind::kStageAll:
          Op(out, v1::OP_STAGE_ALL, stage_state_[r.index]);
          return;
        case RefKind::kVar:
          Op(out, v1::OP_VAR, stage_state_[r.index]);
          return;
        case RefKind::kError:
          Op(out, v1::OP_ERROR);
          return;
        case RefKind::kChoice:
          Op(out, v1::OP_CONST, pool_.Add(Value::String(e.text)));
          return;
        case RefKind::kNone:
          Op(out, v1::OP_CONST, pool_.Add(Value::Null()));
          return;
      }
      return;
    }
    case ExprKind::kAll:
      Op(out, v1::OP_STAGE_ALL, stage_state_[p_.RefOf(e).index]);
      return;
    case ExprKind::kEnv:
      Op(out, v1::OP_ENV, pool_.Add(Value::String(e.text)));
      return;
    case ExprKind::kInterp:
      for (const ExprPtr& p : e.items) Gen(*p, out, depth + 1);
      Op(out, v1::OP_CONCAT, n(e.items.size()));
      return;
    case ExprKind::kList:
      for (const ExprPtr& p : e.items) Gen(*p, out, depth + 1);
      Op(out, v1::OP_LIST, n(e.items.size()));
      return;
    case ExprKind::kRecord:
      for (const ExprPtr& p : e.items) Gen(*p, out, depth + 1);
      Op(out, v1::OP_RECORD, n(e.items.size()), pool_.AddNames(e.keys));
      return;
    case ExprKind::kField:
      Gen(*e.items[0], out, depth + 1);
      Op(out, v1::OP_FIELD, pool_.Add(Value::String(e.text)));
      return;
    case ExprKind::kIndex:
      Gen(*e.items[0], out, depth + 1);
      Gen(*e.items[1], out, depth + 1);
      Op(out, v1::OP_INDEX);
      return;
    case ExprKind::kUnary:
      Gen(*e.items[0], out, depth + 1);
      Op(out, e.text == "not" ? v1::OP_NOT : v1::OP_NEG);
      return;
    case ExprKind::kCall: {
      for (const ExprPtr& p : e.items) Gen(*p, out, depth + 1);
      const BuiltinInfo* b = FindBuiltin(e.text);
      Op(out, v1::OP_CALL, b ? b->id : 0, n(e.items.size()));
      return;
    }
    case ExprKind::kBinary: {
      const std::string& op = e.text;
      Gen(*e.items[0], out, depth + 1);
      if (op == "and" || op == "or") {
        // a and b:  a; DUP; JUMP_IF_FALSE end; POP; b; end:
        Op(out, v1::OP_DUP);
        int jump = out->code_size();
        Op(out, op == "and" ? v1::OP_JUMP_IF_FALSE : v1::OP_JUMP_IF_TRUE);
        Op(out, v1::OP_POP);
        Gen(*e.items[1], out, depth + 1);
        out->mutable_code(jump)->set_a(out->code_size());
        return;
      }
      Gen(*e.items[1], out, depth + 1);
      static const std::pair<const char*, v1::Op> kOps[] = {
          {"+", v1::OP_ADD}, {"-", v1::OP_SUB}, {"*", v1::OP_MUL}, {"/", v1::OP_DIV},
          {"%", v1::OP_MOD}, {"==", v1::OP_EQ}, {"!=", v1::OP_NE}, {"<", v1::OP_LT},
          {"<=", v1::OP_LE}, {">", v1::OP_GT},  {">=", v1::OP_GE}, {"in", v1::OP_IN}};
      for (const auto& [text, code] : kOps) {
        if (op == text) {
          Op(out, code);
          return;
        }
      }
      Op(out, v1::OP_INVALID);
      return;
    }
    default: {
      auto v = LiteralValue(e);
      Op(out, v1::OP_CONST, pool_.Add(v ? *v : Value::Null()));
      return;
    }
  }
}

}  // namespace dandori::compiler
