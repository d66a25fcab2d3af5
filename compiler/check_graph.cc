// The stage graph: indexing statements, declaring names, resolving dependencies
// (default sequencing and `after`), cycles, unreachable statements, and the
// "does X finish before E" question asked for every stage reference.
#include <fmt/format.h>

#include <algorithm>

#include "base/suggest.h"
#include "compiler/checker.h"
#include "compiler/consteval.h"

namespace dandori::compiler {

void Checker::IndexBody(std::vector<StmtPtr>& body, int parent, Root root, int depth) {
  std::vector<int> ids;
  ids.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    Stmt& s = *body[i];
    int n = static_cast<int>(p_.nodes.size());
    s.index = n;
    Node node;
    node.stmt = &s;
    node.parent = parent;
    node.root = root;
    node.pos = static_cast<int>(i);
    node.depth = depth;
    p_.nodes.push_back(std::move(node));
    p_.children.emplace_back();
    ids.push_back(n);
    if (IsBlock(s.kind)) {
      if (depth + 1 > kMaxBlockDepth) {
        d_.Error(s.loc, "E036", fmt::format("blocks nested more than {} deep", kMaxBlockDepth));
        continue;
      }
      IndexBody(s.body, n, root, depth + 1);
    }
  }
  if (parent < 0) {
    p_.root_children[static_cast<int>(root)] = std::move(ids);
  } else {
    p_.children[parent] = std::move(ids);
  }
}

std::string Checker::NodeName(int n) const {
  const Stmt& s = *p_.nodes[n].stmt;
  switch (s.kind) {
    case StmtKind::kForeach:
      return "foreach " + s.var;
    case StmtKind::kFanout:
      return "fanout " + s.var;
    case StmtKind::kRolling:
      return "rolling " + s.var;
    default:
      return s.name;
  }
}

void Checker::ForEachBlock(const std::function<void(const std::vector<int>&)>& fn) {
  for (const auto& r : p_.root_children) fn(r);
  for (size_t n = 0; n < p_.nodes.size(); ++n) {
    if (IsBlock(p_.nodes[n].stmt->kind)) fn(p_.children[n]);
  }
}

void Checker::DeclareNames() {
  auto where = [this](const Loc& l) {
    return fmt::format("previous declaration at {}:{}:{}", sm_.path(l.file), l.line, l.col);
  };
  for (size_t n = 0; n < p_.nodes.size(); ++n) {
    const Stmt& s = *p_.nodes[n].stmt;
    if (IsLoop(s.kind)) {
      if (s.var == "error" || s.var == "env") {
        d_.Error(s.var_loc, "E040", fmt::format("'{}' is a reserved name", s.var));
      }
      loop_vars_.emplace(s.var, static_cast<int>(n));
      continue;
    }
    Loc loc = s.name_loc.valid() ? s.name_loc : s.loc;
    if (s.name == "error" || s.name == "env") {
      d_.Error(loc, "E040", fmt::format("'{}' is a reserved name", s.name));
      continue;
    }
    auto [it, inserted] = stage_names_.emplace(s.name, static_cast<int>(n));
    if (!inserted) {
      const Stmt& prev = *p_.nodes[it->second].stmt;
      d_.Error(loc, "E040", fmt::format("'{}' is already declared", s.name),
               {where(prev.name_loc.valid() ? prev.name_loc : prev.loc)});
    } else if (auto pi = param_names_.find(s.name); pi != param_names_.end()) {
      d_.Error(loc, "E040", fmt::format("'{}' is already declared as a parameter", s.name),
               {where(p_.workflow->params[pi->second].loc)});
    } else if (auto ci = p_.const_by_name.find(s.name); ci != p_.const_by_name.end()) {
      d_.Error(loc, "E040", fmt::format("'{}' is already declared as a const", s.name),
               {where(p_.consts[ci->second].decl->loc)});
    }
  }
  // Loop variables may repeat in separate blocks, but not shadow another name.
  for (size_t n = 0; n < p_.nodes.size(); ++n) {
    const Stmt& s = *p_.nodes[n].stmt;
    if (!IsLoop(s.kind)) continue;
    std::string clash;
    if (stage_names_.count(s.var)) clash = "a stage";
    if (param_names_.count(s.var)) clash = "a parameter";
    if (p_.const_by_name.count(s.var)) clash = "a const";
    for (int a = p_.nodes[n].parent; a >= 0 && clash.empty(); a = p_.nodes[a].parent) {
      if (IsLoop(p_.nodes[a].stmt->kind) && p_.nodes[a].stmt->var == s.var) {
        clash = "the variable of an enclosing loop";
      }
    }
    if (!clash.empty()) {
      d_.Error(s.var_loc.valid() ? s.var_loc : s.loc, "E040",
               fmt::format("loop variable '{}' has the same name as {}", s.var, clash));
    }
  }
}

void Checker::ResolveDeps(const std::vector<int>& block) {
  for (size_t i = 0; i < block.size(); ++i) {
    Node& node = p_.nodes[block[i]];
    const Stmt& s = *node.stmt;
    if (s.after.empty()) {
      if (i > 0) node.deps.push_back(block[i - 1]);
      node.seq_start = i > 0 ? p_.nodes[block[i - 1]].seq_start : block[i];
      continue;
    }
    node.seq_start = block[i];
    for (const Ident& a : s.after) {
      auto it = stage_names_.find(a.name);
      if (it == stage_names_.end()) {
        std::vector<std::string> names;
        for (int b : block) {
          if (!p_.nodes[b].stmt->name.empty()) names.push_back(p_.nodes[b].stmt->name);
        }
        d_.Error(a.loc, "E020",
                 fmt::format("'after {}': no stage, group or approve of that name{}", a.name,
                             DidYouMean(a.name, names)));
        continue;
      }
      const Node& target = p_.nodes[it->second];
      if (target.parent != node.parent || target.root != node.root) {
        d_.Error(a.loc, "E024",
                 fmt::format("'after {}': '{}' is not in the same block as '{}'", a.name, a.name,
                             NodeName(block[i])),
                 {"'after' orders statements of one block; order the enclosing blocks instead"});
        continue;
      }
      if (std::find(node.deps.begin(), node.deps.end(), it->second) == node.deps.end()) {
        node.deps.push_back(it->second);
      }
    }
  }
  // prefix_: every sibling before that position is an ancestor. If all siblings before
  // a dependency D run before D, then all up to and including D run before this one.
  // Forward `after` targets contribute nothing (a safe lower bound).
  for (int n : block) {
    const Node& node = p_.nodes[n];
    int best = 0;
    for (int d : node.deps) {
      const Node& dn = p_.nodes[d];
      if (dn.pos >= node.pos) continue;
      best = std::max(best, prefix_[d] == dn.pos ? dn.pos + 1 : prefix_[d]);
    }
    prefix_[n] = best;
  }
}

void Checker::FindCycles(const std::vector<int>& block) {
  // Iterative DFS over deps; colour 0 white, 1 on the stack, 2 done.
  std::vector<uint8_t>& colour = colour_;
  for (int start : block) {
    if (colour[start] != 0) continue;
    std::vector<std::pair<int, size_t>> stack{{start, 0}};
    colour[start] = 1;
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      const std::vector<int>& deps = p_.nodes[n].deps;
      if (next >= deps.size()) {
        colour[n] = 2;
        stack.pop_back();
        continue;
      }
      int d = deps[next++];
      if (colour[d] == 0) {
        colour[d] = 1;
        stack.push_back({d, 0});
      } else if (colour[d] == 1) {
        // The cycle is d ... top of the stack; deps point backwards in time, so print
        // it in execution order: d runs after (depends on) the next one printed.
        std::vector<int> cyc;
        size_t k = stack.size();
        while (k > 0 && stack[k - 1].first != d) --k;
        for (size_t j = k - 1; j < stack.size(); ++j) cyc.push_back(stack[j].first);
        std::reverse(cyc.begin(), cyc.end());
        int first = *std::min_element(cyc.begin(), cyc.end());
        auto it = std::find(cyc.begin(), cyc.end(), first);
        std::rotate(cyc.begin(), it, cyc.end());
        std::string chain;
        for (int c : cyc) {
          chain += NodeName(c) + " -> ";
          p_.nodes[c].in_cycle = true;
        }
        chain += NodeName(cyc.front());
        const Stmt& s = *p_.nodes[first].stmt;
        d_.Error(s.name_loc.valid() ? s.name_loc : s.loc, "E041",
                 fmt::format("dependency cycle through 'after': {}", chain),
                 {"each statement waits for the next one in this list"});
      }
    }
  }
}

bool Checker::IsBefore(int x, int e) {
  // Does sibling x finish before sibling e starts? Walk e's dependencies backwards,
  // jumping over runs of default sequencing (seq_start) so a long chain costs O(1).
  if (++visit_epoch_ == 0) {
    std::fill(visit_mark_.begin(), visit_mark_.end(), 0);
    visit_epoch_ = 1;
  }
  int xpos = p_.nodes[x].pos;
  if (xpos < prefix_[e]) return true;
  std::vector<int> stack{e};
  visit_mark_[e] = visit_epoch_;
  while (!stack.empty()) {
    int y = stack.back();
    stack.pop_back();
    const Node& ny = p_.nodes[y];
    const Node& start = p_.nodes[ny.seq_start];
    if ((start.pos <= xpos && xpos < ny.pos) || xpos < prefix_[y]) return true;
    for (int d : start.deps) {
      if (d == x) return true;
      if (visit_mark_[d] != visit_epoch_) {
        visit_mark_[d] = visit_epoch_;
        stack.push_back(d);
      }
    }
  }
  return false;
}

void Checker::FindUnreachable(const std::vector<int>& block) {
  // A statement that waits for a statement that always fails (the `fail` operator
  // without `times`, and no `when`) can never start.
  auto always_fails = [this](int n) {
    const Node& node = p_.nodes[n];
    if (!node.sig || node.sig->name != "fail" || node.stmt->when) return false;
    const auto& args = node.stmt->args;
    for (size_t i = 0; i < args.size(); ++i) {
      if (args[i].name == "times" || (args[i].name.empty() && i == 2)) {
        auto v = FoldExpr(*args[i].value);
        return v && v->kind() == Value::Kind::kInt && v->as_int() < 0;
      }
    }
    return true;
  };
  for (int n : block) {
    if (p_.nodes[n].in_cycle) continue;
    for (int dep : p_.nodes[n].deps) {
      if (!always_fails(dep)) continue;
      const Stmt& s = *p_.nodes[n].stmt;
      d_.Error(s.name_loc.valid() ? s.name_loc : s.loc, "E042",
               fmt::format("'{}' is unreachable: it waits for '{}', which always fails",
                           NodeName(n), NodeName(dep)),
               {"the 'fail' operator without 'times' fails every attempt"});
      break;
    }
  }
}

}  // namespace dandori::compiler
