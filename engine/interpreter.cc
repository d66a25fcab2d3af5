#include "engine/interpreter.h"

#include <fmt/format.h>

#include "base/value_ops.h"
#include "dandori/v1/table.pb.h"
#include "engine/builtins.h"
#include "proto/value_codec.h"

namespace dandori::engine {
namespace {

std::string_view OpName(int op) {
  if (v1::Op_IsValid(op)) return v1::Op_Name(static_cast<v1::Op>(op));
  return "OP_?";
}

Status Malformed(int pc, const FlatInstr& in, std::string_view why) {
  return Status::Invalid(
      fmt::format("malformed bytecode at {} ({} {} {}): {}", pc, OpName(in.op), in.a, in.b, why));
}

ArithOp ToArith(int op) {
  switch (op) {
    case v1::OP_ADD:
      return ArithOp::kAdd;
    case v1::OP_SUB:
      return ArithOp::kSub;
    case v1::OP_MUL:
      return ArithOp::kMul;
    case v1::OP_DIV:
      return ArithOp::kDiv;
    default:
      return ArithOp::kMod;
  }
}

// Strings and lists grown by + and concatenation are capped like range().
bool TooBig(const Value& v) {
  if (v.kind() == Value::Kind::kString) return v.as_string().size() > kMaxStringBytes;
  if (v.kind() == Value::Kind::kList) {
    return static_cast<int64_t>(v.list().size()) > kMaxListLength;
  }
  return false;
}

bool OrderHolds(int op, int c) {
  switch (op) {
    case v1::OP_LT:
      return c < 0;
    case v1::OP_LE:
      return c <= 0;
    case v1::OP_GT:
      return c > 0;
    default:
      return c >= 0;
  }
}

}  // namespace

FlatCode Flatten(const v1::Code& code) {
  FlatCode out;
  out.code.reserve(static_cast<size_t>(code.code_size()));
  for (const v1::Instr& in : code.code()) out.code.push_back({in.op(), in.a(), in.b()});
  out.source = code.source();
  return out;
}

std::vector<Value> ConstPool(const v1::Table& table) {
  std::vector<Value> out;
  out.reserve(static_cast<size_t>(table.consts_size()));
  for (const v1::Value& c : table.consts()) out.push_back(ValueFromProto(c));
  return out;
}

// The dispatch loop. Every instruction checks what it needs (stack depth, constant
// index, jump target) so that malformed or hostile bytecode yields an error, never UB.
Result<Value> Evaluate(const FlatCode& code, const std::vector<Value>& consts, EvalScope& scope) {
  if (code.empty()) return Status::Invalid("cannot evaluate an empty expression");
  const FlatInstr* const instrs = code.code.data();
  const int n = static_cast<int>(code.code.size());
  const int nconsts = static_cast<int>(consts.size());
  std::vector<Value> stack;
  stack.reserve(16);
  int64_t steps = 0;
  int pc = 0;

#define NEED(k)                                         \
  if ((k) < 0 || stack.size() < static_cast<size_t>(k)) \
  return Malformed(pc - 1, in, fmt::format("needs {} stack values, has {}", (k), stack.size()))
#define CONST_AT(k) \
  if ((k) < 0 || (k) >= nconsts) return Malformed(pc - 1, in, "constant index out of range")
#define PUSH(expr)                                                                             \
  do {                                                                                         \
    if (static_cast<int64_t>(stack.size()) >= kMaxStack) {                                     \
      return Status::Invalid(fmt::format("expression stack over the limit of {}", kMaxStack)); \
    }                                                                                          \
    stack.push_back(expr);                                                                     \
  } while (0)
#define PUSH_RESULT(expr)             \
  do {                                \
    auto _r = (expr);                 \
    if (!_r.ok()) return _r.status(); \
    PUSH(std::move(*_r));             \
  } while (0)

  while (pc < n) {
    if (++steps > kMaxSteps) {
      return Status::Invalid(
          fmt::format("expression ran over the limit of {} steps (a loop?)", kMaxSteps));
    }
    const FlatInstr& in = instrs[pc++];
    switch (in.op) {
      case v1::OP_CONST:
        CONST_AT(in.a);
        PUSH(consts[in.a]);
        break;
      case v1::OP_PARAM:
        PUSH_RESULT(scope.Param(in.a));
        break;
      case v1::OP_VAR:
        PUSH_RESULT(scope.Var(in.a));
        break;
      case v1::OP_STAGE:
        PUSH_RESULT(scope.Stage(in.a));
        break;
      case v1::OP_STAGE_ALL:
        PUSH_RESULT(scope.StageAll(in.a));
        break;
      case v1::OP_ENV:
        CONST_AT(in.a);
        if (consts[in.a].kind() != Value::Kind::kString) {
          return Malformed(pc - 1, in, "env name is not a string constant");
        }
        PUSH_RESULT(scope.Env(consts[in.a].as_string()));
        break;
      case v1::OP_ERROR:
        PUSH_RESULT(scope.Error());
        break;
      case v1::OP_FIELD: {
        NEED(1);
        CONST_AT(in.a);
        if (consts[in.a].kind() != Value::Kind::kString) {
          return Malformed(pc - 1, in, "field name is not a string constant");
        }
        auto r = Field(stack.back(), consts[in.a].as_string());
        if (!r.ok()) return r.status();
        stack.back() = std::move(*r);
        break;
      }
      case v1::OP_INDEX: {
        NEED(2);
        auto r = Index(stack[stack.size() - 2], stack.back());
        if (!r.ok()) return r.status();
        stack.pop_back();
        stack.back() = std::move(*r);
        break;
      }
      case v1::OP_LIST: {
        NEED(in.a);
        auto first = stack.end() - in.a;
        Value list = Value::MakeList(
            Value::List(std::make_move_iterator(first), std::make_move_iterator(stack.end())));
        stack.erase(first, stack.end());
        PUSH(std::move(list));
        break;
      }
      case v1::OP_RECORD: {
        NEED(in.a);
        if (in.b < 0 || in.b > nconsts - in.a) {
          return Malformed(pc - 1, in, "field names out of the constant pool");
        }
        Value::Record fields;
        fields.reserve(static_cast<size_t>(in.a));
        const size_t base = stack.size() - static_cast<size_t>(in.a);
        for (int i = 0; i < in.a; ++i) {
          const Value& name = consts[in.b + i];
          if (name.kind() != Value::Kind::kString) {
            return Malformed(pc - 1, in, "field name is not a string constant");
          }
          fields.emplace_back(name.as_string(), std::move(stack[base + i]));
        }
        stack.resize(base);
        PUSH(Value::MakeRecord(std::move(fields)));
        break;
      }
      case v1::OP_ADD:
      case v1::OP_SUB:
      case v1::OP_MUL:
      case v1::OP_DIV:
      case v1::OP_MOD: {
        NEED(2);
        auto r = Arith(ToArith(in.op), stack[stack.size() - 2], stack.back());
        if (!r.ok()) return r.status();
        if (TooBig(*r)) {
          return Status::Invalid(
              fmt::format("result of + is over the size limit ({} bytes or {} items)",
                          kMaxStringBytes, kMaxListLength));
        }
        stack.pop_back();
        stack.back() = std::move(*r);
        break;
      }
      case v1::OP_NEG: {
        NEED(1);
        auto r = Negate(stack.back());
        if (!r.ok()) return r.status();
        stack.back() = std::move(*r);
        break;
      }
      case v1::OP_EQ:
      case v1::OP_NE: {
        NEED(2);
        bool eq = stack[stack.size() - 2] == stack.back();
        stack.pop_back();
        stack.back() = Value::Bool(in.op == v1::OP_EQ ? eq : !eq);
        break;
      }
      case v1::OP_LT:
      case v1::OP_LE:
      case v1::OP_GT:
      case v1::OP_GE: {
        NEED(2);
        auto c = Compare(stack[stack.size() - 2], stack.back());
        if (!c.ok()) return c.status();
        stack.pop_back();
        stack.back() = Value::Bool(OrderHolds(in.op, *c));
        break;
      }
      case v1::OP_NOT:
        NEED(1);
        stack.back() = Value::Bool(!Truthy(stack.back()));
        break;
      case v1::OP_TO_BOOL:
        NEED(1);
        stack.back() = Value::Bool(Truthy(stack.back()));
        break;
      case v1::OP_JUMP:
      case v1::OP_JUMP_IF_FALSE:
      case v1::OP_JUMP_IF_TRUE: {
        if (in.a < 0 || in.a > n) return Malformed(pc - 1, in, "jump target out of range");
        if (in.op == v1::OP_JUMP) {
          pc = in.a;
          break;
        }
        NEED(1);
        bool t = Truthy(stack.back());
        stack.pop_back();
        if (t == (in.op == v1::OP_JUMP_IF_TRUE)) pc = in.a;
        break;
      }
      case v1::OP_DUP:
        NEED(1);
        PUSH(Value(stack.back()));
        break;
      case v1::OP_POP:
        NEED(1);
        stack.pop_back();
        break;
      case v1::OP_CONCAT: {
        NEED(in.a);
        std::string out;
        const size_t base = stack.size() - static_cast<size_t>(in.a);
        for (size_t i = base; i < stack.size(); ++i) {
          out += stack[i].ToString();
          if (out.size() > kMaxStringBytes) {
            return Status::Invalid(
                fmt::format("string over the size limit of {} bytes", kMaxStringBytes));
          }
        }
        stack.resize(base);
        PUSH(Value::String(std::move(out)));
        break;
      }
      case v1::OP_CALL: {
        NEED(in.b);
        const size_t base = stack.size() - static_cast<size_t>(in.b);
        auto r = CallBuiltin(in.a, std::span<const Value>(stack.data() + base, in.b));
        if (!r.ok()) return r.status();
        stack.resize(base);
        PUSH(std::move(*r));
        break;
      }
      case v1::OP_IN: {
        NEED(2);
        auto r = Contains(stack.back(), stack[stack.size() - 2]);
        if (!r.ok()) return r.status();
        stack.pop_back();
        stack.back() = Value::Bool(*r);
        break;
      }
      default:
        return Malformed(pc - 1, in, "unknown opcode");
    }
  }
#undef NEED
#undef CONST_AT
#undef PUSH
#undef PUSH_RESULT
  if (stack.size() != 1) {
    return Status::Invalid(fmt::format(
        "malformed bytecode: the expression left {} values on the stack, not 1", stack.size()));
  }
  return std::move(stack.back());
}

}  // namespace dandori::engine
