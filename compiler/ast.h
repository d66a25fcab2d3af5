// The .flow AST: the project's own tree, built from ANTLR's parse tree by
// compiler/parse.cc (the only place that sees ANTLR) and consumed by the checker,
// the lowering to the Table, `fmt` and `graph`. Every node carries its Loc.
//
// Ownership: a File owns its nodes through unique_ptr; nodes are never shared.
// The checker may annotate nodes (Expr::type, Stmt::index) but never restructures them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/type.h"
#include "compiler/source.h"

namespace dandori::compiler {

// ---------------------------------------------------------------- expressions
enum class ExprKind {
  kNull,
  kBool,      // bool_value
  kInt,       // int_value
  kFloat,     // float_value
  kString,    // text: the decoded string (no interpolation)
  kInterp,    // "a ${x} b": items = parts, each a kString or any expression
  kDuration,  // int_value = milliseconds; text = the literal as written ("1h30m")
  kSize,      // int_value = count (k/M/G x1000, KB/MB/GB/TB x1024); text = literal
  kPercent,   // float_value = 0..100; text = literal
  kList,      // items
  kRecord,    // keys[i] : items[i]
  kName,      // text: a parameter, const, stage, loop variable or `error`
  kEnv,       // env.NAME: text = NAME
  kField,     // items[0].text
  kIndex,     // items[0][items[1]]
  kAll,       // text[*]: all outputs of a fanned-out stage
  kUnary,     // text = "-" | "not"; items[0]
  kBinary,    // text = "+" "-" "*" "/" "%" "==" "!=" "<" "<=" ">" ">=" "and" "or" "in"
  kCall,      // text = builtin name; items = arguments
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kNull;
  Loc loc;
  std::string text;
  bool bool_value = false;
  int64_t int_value = 0;
  double float_value = 0;
  std::vector<ExprPtr> items;
  std::vector<std::string> keys;  // kRecord
  std::vector<Loc> key_locs;      // kRecord
  bool parenthesized = false;     // written inside ( ), kept for fmt

  TypePtr type;  // set by the checker
};

// ---------------------------------------------------------------- policies
struct Ident {
  std::string name;
  Loc loc;
};

struct PolicyItem {
  enum class Kind { kRetry, kTimeout, kHeartbeat, kTolerate, kPool };
  Kind kind = Kind::kRetry;
  Loc loc;
  ExprPtr value;        // retry: count; timeout / heartbeat: duration; tolerate: int or %
  ExprPtr backoff_min;  // retry ... backoff MIN..MAX
  ExprPtr backoff_max;
  bool jitter = false;
  std::vector<Ident> on;  // retry ... on [transient, timeout]
  std::string pool;       // pool NAME (a named worker pool limit)
};

struct Policy {
  Loc loc;
  Loc end;  // the closing '}' (used by fmt to keep comments inside)
  std::vector<PolicyItem> items;
};

// ---------------------------------------------------------------- statements
enum class StmtKind {
  kStage,    // stage NAME = op(args) [after a, b] [when EXPR] [{ policy }]
  kForeach,  // foreach VAR in EXPR [parallel N] { body } [{ policy }]
  kFanout,   // fanout VAR in EXPR [parallel N|all] [tolerate N|P%] { body } [{ policy }]
  kRolling,  // rolling VAR in EXPR batch|window N|P% [keep N|P% serving] [tolerate N|P%]
             //   { body } [{ policy }]
  kGroup,    // group NAME { body } [{ policy }]
  kApprove,  // approve NAME "text" [after ...] [when EXPR]
};

struct Arg {
  std::string name;  // empty for a positional argument
  Loc name_loc;
  ExprPtr value;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

struct Stmt {
  StmtKind kind = StmtKind::kStage;
  Loc loc;           // of the keyword
  std::string name;  // stage / group / approve name; for loops: "" (named by var)
  Loc name_loc;
  // kStage
  std::string op;  // "media.encode"
  Loc op_loc;
  Loc args_open;  // the '(' of the argument list
  std::vector<Arg> args;
  // common
  std::vector<Ident> after;
  ExprPtr when;
  std::optional<Policy> policy;
  // loops
  std::string var;
  Loc var_loc;
  ExprPtr items;
  ExprPtr parallel;           // null: default (foreach: unlimited bounded by pools)
  bool parallel_all = false;  // `parallel all`
  ExprPtr batch;              // rolling: int or percent (waves)
  ExprPtr window;             // rolling: int or percent (sliding window); batch or window
  ExprPtr keep;               // rolling: `keep N|P% serving`, the capacity floor
  ExprPtr tolerate;           // fanout / rolling: int or percent
  std::vector<StmtPtr> body;  // loops and groups
  Loc body_end;               // loops and groups: the '}' closing the body (for fmt)
  // kApprove
  ExprPtr message;

  int index = -1;  // set by the checker: a unique id in the workflow
};

// ---------------------------------------------------------------- top level
struct Param {
  std::string name;
  Loc loc;
  std::string type_text;  // "list<rendition>"
  Loc type_loc;
  ExprPtr default_value;
};

struct ConstDecl {
  std::string name;
  Loc loc;
  ExprPtr value;
};

struct Import {
  std::string path;  // as written, relative to the importing file
  Loc loc;
};

struct Handler {
  bool on_failure = true;  // false: on success
  Loc loc;
  Loc end;  // the '}' closing the body (for fmt)
  std::vector<StmtPtr> body;
};

struct Workflow {
  std::string name;
  Loc loc;
  Loc name_loc;
  std::vector<Param> params;
  std::optional<Policy> defaults;  // defaults { ... }: applies to every stage
  std::optional<Policy> policy;    // workflow-level: timeout, tolerate
  std::vector<StmtPtr> body;
  std::vector<Handler> handlers;
  Loc body_end;  // the '}' closing the body (for fmt)
};

struct Comment {
  Loc loc;
  std::string text;      // including the // or /* */ markers
  bool own_line = true;  // false: trailing a line of code
};

struct File {
  int file = -1;  // SourceManager index
  std::vector<Import> imports;
  std::vector<ConstDecl> consts;
  std::optional<Workflow> workflow;  // a library file may have none (only consts)
  std::vector<Comment> comments;     // every comment, in source order (for fmt)
};

}  // namespace dandori::compiler
