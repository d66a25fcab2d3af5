// The layout of files, workflows and statements (compiler/fmt.h). Expressions are
// printed by fmt_expr.cc. Output is produced line by line; before each line that
// starts a source item, the comments that precede that item in the source are flushed.
#include "compiler/fmt.h"

#include <algorithm>

namespace dandori::compiler {
namespace {

constexpr size_t kWidth = 100;

class Printer {
 public:
  Printer(const File& f, const SourceManager& sm) : file_(f), sm_(sm) {
    for (const Comment& c : f.comments) comments_.push_back(&c);
    std::stable_sort(comments_.begin(), comments_.end(),
                     [](const Comment* a, const Comment* b) { return a->loc < b->loc; });
  }

  std::string Run() {
    for (const Import& i : file_.imports) Item(i.loc, {i.loc, "import " + Str(i.path)});
    for (const ConstDecl& c : file_.consts) Const(c);
    if (file_.workflow) WorkflowDecl(*file_.workflow);
    Flush(Loc{file_.file, 1 << 30, 0});
    return out_;
  }

 private:
  struct Piece {
    Loc loc;
    std::string text;
  };

  // ---------------------------------------------------------------- lines
  std::string Indent() const { return std::string(2 * static_cast<size_t>(depth_), ' '); }

  bool LastLineBlank() const {
    return out_.empty() || (out_.size() >= 2 && out_[out_.size() - 2] == '\n');
  }
  bool LastLineOpens() const {
    if (out_.size() < 2) return true;
    char c = out_[out_.size() - 2];
    return c == '{' || c == '(' || c == '[';
  }
  // Keeps one blank line where the source has one before `loc`'s line.
  void BlankBefore(Loc loc) {
    if (loc.line <= 1 || LastLineBlank() || LastLineOpens()) return;
    std::string_view prev = sm_.Line(file_.file, loc.line - 1);
    if (prev.find_first_not_of(" \t\r") == std::string_view::npos) out_ += "\n";
  }
  // Emits the comments that come before `loc` in the source.
  void Flush(Loc loc) {
    while (next_ < comments_.size() && comments_[next_]->loc < loc) {
      const Comment& c = *comments_[next_++];
      if (!c.own_line && !out_.empty() && !LastLineBlank() && !line_comment_) {
        Append(c);
        continue;
      }
      BlankBefore(c.loc);
      out_ += Indent() + c.text + "\n";
      line_comment_ = false;
    }
  }
  // A line that starts the source item at `loc`.
  // `limit`: where the next item on the same source line starts, if any.
  void Line(Loc loc, const std::string& text, Loc limit = Loc{}) {
    Flush(loc);
    BlankBefore(loc);
    out_ += Indent() + text + "\n";
    line_comment_ = false;
    // Trailing comments on the item's first source line stay on its line.
    while (next_ < comments_.size() && !comments_[next_]->own_line &&
           comments_[next_]->loc.line == loc.line && !line_comment_ &&
           (!limit.valid() || comments_[next_]->loc < limit)) {
      Append(*comments_[next_++]);
    }
  }
  // Appends a trailing comment to the last line (a `//` comment ends that line).
  void Append(const Comment& c) {
    out_.insert(out_.size() - 1, "  " + c.text);
    line_comment_ = c.text.starts_with("//");
  }
  // A line with no source item of its own (a closing brace): comments before `end`
  // stay inside the block.
  void Close(Loc end, const std::string& text) {
    if (end.valid()) {
      ++depth_;
      Flush(end);
      --depth_;
    }
    out_ += Indent() + text + "\n";
    line_comment_ = false;
  }
  void Item(Loc loc, const Piece& p) { Line(loc, p.text); }

  static std::string Str(const std::string& s) {
    Expr e;
    e.kind = ExprKind::kString;
    e.text = s;
    return FormatExpr(e);
  }
  bool Fits(size_t n) const { return 2 * static_cast<size_t>(depth_) + n <= kWidth; }

  // Prints `head` + one element per line + `tail`, or all on one line when it fits.
  // `next`: where the item that follows starts (bounds same-line trailing comments).
  void List(Loc loc, const std::string& head, const std::vector<Piece>& items,
            const std::string& tail, bool force_break = false, Loc next = Loc{}) {
    std::string one = head;
    for (size_t i = 0; i < items.size(); ++i) one += (i ? ", " : "") + items[i].text;
    one += tail;
    if (!force_break && (items.empty() || Fits(one.size()))) {
      Line(loc, one, next);
      return;
    }
    Line(loc, head, items[0].loc);
    ++depth_;
    for (size_t i = 0; i < items.size(); ++i) {
      Line(items[i].loc, items[i].text + ",", i + 1 < items.size() ? items[i + 1].loc : Loc{});
    }
    --depth_;
    out_ += Indent() + tail + "\n";
    line_comment_ = false;
  }

  // ---------------------------------------------------------------- top level
  void Const(const ConstDecl& c) {
    std::string head = "const " + c.name + " = ";
    const Expr* v = c.value.get();
    if (v && !v->parenthesized && (v->kind == ExprKind::kList || v->kind == ExprKind::kRecord)) {
      std::vector<Piece> items;
      for (size_t i = 0; i < v->items.size(); ++i) {
        std::string t = FormatExpr(*v->items[i]);
        if (v->kind == ExprKind::kRecord) t = FormatRecordKey(v->keys[i]) + ": " + t;
        items.push_back({v->items[i]->loc, t});
      }
      bool list = v->kind == ExprKind::kList;
      List(c.loc, head + (list ? "[" : "{"), items, list ? "]" : "}", HasComments(*v));
      return;
    }
    Line(c.loc, head + (v ? FormatExpr(*v) : "null"));
  }

  // True when a comment lies between the first and the last element of a list.
  bool HasComments(const Expr& e) const {
    if (e.items.size() < 2) return false;
    Loc a = e.items.front()->loc, b = e.items.back()->loc;
    for (const Comment* c : comments_) {
      if (a < c->loc && c->loc < b) return true;
    }
    return false;
  }

  void WorkflowDecl(const Workflow& w) {
    std::vector<Piece> params;
    for (const Param& p : w.params) {
      std::string t = p.name + ": " + p.type_text;
      if (p.default_value) t += " = " + FormatExpr(*p.default_value);
      params.push_back({p.loc, t});
    }
    bool comment_inside = false;
    if (!w.params.empty()) {
      for (const Comment* c : comments_) {
        comment_inside =
            comment_inside || (w.params.front().loc < c->loc && c->loc < w.params.back().loc);
      }
    }
    // Body items in source order: defaults, statements and handlers.
    struct Entry {
      Loc loc;
      int kind;  // 0 defaults, 1 stmt, 2 handler
      const void* p;
    };
    std::vector<Entry> entries;
    if (w.defaults) entries.push_back({w.defaults->loc, 0, &*w.defaults});
    for (const StmtPtr& s : w.body) entries.push_back({s->loc, 1, s.get()});
    for (const Handler& h : w.handlers) entries.push_back({h.loc, 2, &h});
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.loc < b.loc; });
    List(w.loc, "workflow " + w.name + "(", params, ") {", comment_inside,
         entries.empty() ? w.body_end : entries[0].loc);
    ++depth_;
    for (const Entry& e : entries) {
      if (e.kind == 0) {
        const Policy& p = *static_cast<const Policy*>(e.p);
        PolicyLine(p.loc, "defaults", p);
      } else if (e.kind == 1) {
        Statement(*static_cast<const dandori::compiler::Stmt*>(e.p));
      } else {
        const Handler& h = *static_cast<const Handler*>(e.p);
        Block(h.loc, h.on_failure ? "on failure" : "on success", h.body, h.end);
      }
    }
    --depth_;
    ClosePolicy(w.body_end, w.policy ? &*w.policy : nullptr);
  }

  // ---------------------------------------------------------------- statements
  void Statement(const dandori::compiler::Stmt& s) {
    switch (s.kind) {
      case StmtKind::kStage:
        Stage(s);
        break;
      case StmtKind::kApprove: {
        std::string t = "approve " + s.name + (s.message ? " " + FormatExpr(*s.message) : "");
        Line(s.loc, t + Suffix(s));
        break;
      }
      case StmtKind::kGroup:
        Block(s.loc, "group " + s.name, s.body, s.body_end, &s.policy);
        break;
      default:
        Loop(s);
        break;
    }
  }

  std::string Suffix(const dandori::compiler::Stmt& s) {
    std::string t;
    for (size_t i = 0; i < s.after.size(); ++i) t += (i ? ", " : " after ") + s.after[i].name;
    if (s.when) t += " when " + FormatExpr(*s.when);
    return t;
  }

  void Stage(const dandori::compiler::Stmt& s) {
    std::vector<Piece> args;
    for (const Arg& a : s.args) {
      std::string t = a.name.empty() ? "" : a.name + ": ";
      args.push_back({a.value ? a.value->loc : s.loc, t + (a.value ? FormatExpr(*a.value) : "")});
      if (!a.name.empty()) args.back().loc = a.name_loc;
    }
    std::string head = "stage " + s.name + " = " + s.op + "(";
    std::string tail = ")" + Suffix(s);
    std::string one = head;
    for (size_t i = 0; i < args.size(); ++i) one += (i ? ", " : "") + args[i].text;
    one += tail;
    if (!s.policy) {
      List(s.loc, head, args, tail);
      return;
    }
    std::string policy = InlinePolicy(*s.policy);
    if (Fits(one.size() + 1 + policy.size()) && !PolicyHasComments(*s.policy)) {
      Line(s.loc, one + " " + policy);
      return;
    }
    List(s.loc, head, args, tail + " {", false, FirstItem(*s.policy));
    ++depth_;
    PolicyItems(*s.policy);
    --depth_;
    Close(s.policy->end, "}");
  }

  void Loop(const dandori::compiler::Stmt& s) {
    std::string kw = s.kind == StmtKind::kForeach  ? "foreach"
                     : s.kind == StmtKind::kFanout ? "fanout"
                                                   : "rolling";
    std::string t = kw + " " + s.var + " in " + (s.items ? FormatExpr(*s.items) : "null");
    if (s.parallel_all) t += " parallel all";
    if (s.parallel) t += " parallel " + FormatExpr(*s.parallel);
    if (s.batch) t += " batch " + FormatExpr(*s.batch);
    if (s.window) t += " window " + FormatExpr(*s.window);
    if (s.keep) t += " keep " + FormatExpr(*s.keep) + " serving";
    if (s.tolerate) t += " tolerate " + FormatExpr(*s.tolerate);
    Block(s.loc, t, s.body, s.body_end, &s.policy);
  }

  void Block(Loc loc, const std::string& head, const std::vector<StmtPtr>& body, Loc end,
             const std::optional<Policy>* policy = nullptr) {
    Line(loc, head + " {", body.empty() ? end : body[0]->loc);
    ++depth_;
    for (const StmtPtr& s : body) Statement(*s);
    --depth_;
    ClosePolicy(end, policy && *policy ? &**policy : nullptr);
  }

  // The '}' closing a block, followed by the block's policy if any.
  void ClosePolicy(Loc end, const Policy* policy) {
    if (!policy) {
      Close(end, "}");
      return;
    }
    std::string inline_text = "} " + InlinePolicy(*policy);
    if (Fits(inline_text.size()) && !PolicyHasComments(*policy)) {
      Close(end, inline_text);
      return;
    }
    Close(end, "} {");
    ++depth_;
    PolicyItems(*policy);
    --depth_;
    Close(policy->end, "}");
  }

  // ---------------------------------------------------------------- policies
  static std::string ItemText(const PolicyItem& p) {
    auto v = [&] { return p.value ? FormatExpr(*p.value) : "null"; };
    switch (p.kind) {
      case PolicyItem::Kind::kRetry: {
        std::string t = "retry " + v();
        if (p.backoff_min && p.backoff_max) {
          t += " backoff " + FormatExpr(*p.backoff_min) + ".." + FormatExpr(*p.backoff_max);
        }
        if (p.jitter) t += " jitter";
        if (!p.on.empty()) {
          t += " on [";
          for (size_t i = 0; i < p.on.size(); ++i) t += (i ? ", " : "") + p.on[i].name;
          t += "]";
        }
        return t;
      }
      case PolicyItem::Kind::kTimeout:
        return "timeout " + v();
      case PolicyItem::Kind::kHeartbeat:
        return "heartbeat " + v();
      case PolicyItem::Kind::kTolerate:
        return "tolerate " + v();
      case PolicyItem::Kind::kPool:
        return "pool " + p.pool;
    }
    return "";
  }
  static std::string InlinePolicy(const Policy& p) {
    std::string t = "{";
    for (size_t i = 0; i < p.items.size(); ++i) t += (i ? "; " : " ") + ItemText(p.items[i]);
    return t + (p.items.empty() ? "}" : " }");
  }
  static Loc FirstItem(const Policy& p) { return p.items.empty() ? p.end : p.items[0].loc; }
  bool PolicyHasComments(const Policy& p) const {
    for (const Comment* c : comments_) {
      if (p.loc < c->loc && c->loc < p.end) return true;
    }
    return false;
  }
  void PolicyItems(const Policy& p) {
    for (const auto& item : p.items) Line(item.loc, ItemText(item));
  }
  void PolicyLine(Loc loc, const std::string& head, const Policy& p) {
    std::string one = head + " " + InlinePolicy(p);
    if (Fits(one.size()) && !PolicyHasComments(p)) {
      Line(loc, one);
      return;
    }
    Line(loc, head + " {", FirstItem(p));
    ++depth_;
    PolicyItems(p);
    --depth_;
    Close(p.end, "}");
  }

  const File& file_;
  const SourceManager& sm_;
  std::vector<const Comment*> comments_;
  size_t next_ = 0;
  std::string out_;
  int depth_ = 0;
  bool line_comment_ = false;  // the last line ends with a `//` comment
};

}  // namespace

std::string FormatFile(const File& file, const SourceManager& sm) {
  return Printer(file, sm).Run();
}

}  // namespace dandori::compiler
