#include "stdlib/fleet/metric_expr.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace dandori::fleet {

struct MetricExpr::Node {
  enum Kind { kNumber, kSelector, kUnary, kBinary } kind;
  std::string op;  // "-", "not", "+", "==", "and", ...
  double number = 0;
  std::string name;
  std::map<std::string, std::string> labels;
  std::shared_ptr<const Node> a, b;
};

namespace {

using NodeP = std::shared_ptr<const MetricExpr::Node>;
using Node = MetricExpr::Node;
constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<NodeP> Run(std::vector<NodeP>* selectors) {
    selectors_ = selectors;
    NodeP n = Or(0);
    Skip();
    if (error_.empty() && pos_ < s_.size()) Fail("unexpected '" + std::string(1, s_[pos_]) + "'");
    if (!error_.empty()) {
      return Status::Permanent(
          fmt::format("health expression '{}': col {}: {}", s_, err_pos_ + 1, error_));
    }
    return n;
  }

 private:
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void Fail(const std::string& m) {
    if (error_.empty()) {
      error_ = m;
      err_pos_ = pos_;
    }
  }
  // Consumes `tok` (a word must end at a non-name character).
  bool Eat(std::string_view tok) {
    Skip();
    if (s_.substr(pos_, tok.size()) != tok) return false;
    bool word = std::isalpha(static_cast<unsigned char>(tok[0]));
    size_t end = pos_ + tok.size();
    if (word && end < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }
  NodeP Make(Node n) { return std::make_shared<const Node>(std::move(n)); }
  NodeP Bin(std::string op, NodeP a, NodeP b) {
    return Make(Node{Node::kBinary, std::move(op), 0, {}, {}, std::move(a), std::move(b)});
  }

  NodeP Or(int d) {
    NodeP n = And(d);
    while (error_.empty() && (Eat("or") || Eat("||"))) n = Bin("or", n, And(d));
    return n;
  }
  NodeP And(int d) {
    NodeP n = Not(d);
    while (error_.empty() && (Eat("and") || Eat("&&"))) n = Bin("and", n, Not(d));
    return n;
  }
  NodeP Not(int d) {
    if (d > kMaxDepth) {
      Fail("nested too deeply");
      return nullptr;
    }
    Skip();
    if (Eat("not") || (s_.substr(pos_, 2) != "!=" && Eat("!"))) {
      return Make(Node{Node::kUnary, "not", 0, {}, {}, Not(d + 1), nullptr});
    }
    return Cmp(d);
  }
  NodeP Cmp(int d) {
    NodeP n = Sum(d);
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (error_.empty() && Eat(op)) return Bin(op, n, Sum(d));
    }
    return n;
  }
  NodeP Sum(int d) {
    NodeP n = Prod(d);
    while (error_.empty()) {
      if (Eat("+")) {
        n = Bin("+", n, Prod(d));
      } else if (Eat("-")) {
        n = Bin("-", n, Prod(d));
      } else {
        break;
      }
    }
    return n;
  }
  NodeP Prod(int d) {
    NodeP n = Unary(d);
    while (error_.empty()) {
      if (Eat("*")) {
        n = Bin("*", n, Unary(d));
      } else if (Eat("/")) {
        n = Bin("/", n, Unary(d));
      } else {
        break;
      }
    }
    return n;
  }
  NodeP Unary(int d) {
    if (d > kMaxDepth) {
      Fail("nested too deeply");
      return nullptr;
    }
    if (Eat("-")) return Make(Node{Node::kUnary, "-", 0, {}, {}, Unary(d + 1), nullptr});
    return Primary(d);
  }
  NodeP Primary(int d) {
    Skip();
    if (pos_ >= s_.size()) {
      Fail("expected a number, a metric name or '('");
      return nullptr;
    }
    char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      NodeP n = Or(d + 1);
      if (!Eat(")")) Fail("expected ')'");
      return n;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      std::string rest(s_.substr(pos_));
      char* stop = nullptr;
      double v = std::strtod(rest.c_str(), &stop);
      pos_ += static_cast<size_t>(stop - rest.c_str());
      return Make(Node{Node::kNumber, "", v, {}, {}, nullptr, nullptr});
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return Selector();
    Fail("expected a number, a metric name or '('");
    return nullptr;
  }
  NodeP Selector() {
    Node n{Node::kSelector, "", 0, {}, {}, nullptr, nullptr};
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                s_[pos_] == '_' || s_[pos_] == ':'))
      ++pos_;
    n.name = std::string(s_.substr(start, pos_ - start));
    if (Eat("{")) {
      while (error_.empty() && !Eat("}")) {
        Skip();
        size_t k = pos_;
        while (pos_ < s_.size() &&
               (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
          ++pos_;
        std::string key(s_.substr(k, pos_ - k));
        if (key.empty() || !Eat("=") || !Eat("\"")) {
          Fail("expected label=\"value\"");
          break;
        }
        size_t close = s_.find('"', pos_);
        if (close == std::string_view::npos) {
          Fail("unterminated label value");
          break;
        }
        n.labels[key] = std::string(s_.substr(pos_, close - pos_));
        pos_ = close + 1;
        Eat(",");
        if (pos_ >= s_.size()) Fail("expected '}'");
      }
    }
    NodeP p = Make(std::move(n));
    selectors_->push_back(p);
    return p;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
  size_t err_pos_ = 0;
  std::vector<NodeP>* selectors_ = nullptr;
};

double Select(const Node& n, const std::vector<Sample>& samples) {
  double sum = 0;
  bool found = false;
  for (const Sample& s : samples) {
    if (s.name != n.name) continue;
    bool match = true;
    for (const auto& [k, v] : n.labels) {
      auto it = s.labels.find(k);
      if (it == s.labels.end() || it->second != v) match = false;
    }
    if (!match) continue;
    sum += s.value;
    found = true;
  }
  return found ? sum : NAN;
}

double EvalNode(const Node& n, const std::vector<Sample>& samples) {
  switch (n.kind) {
    case Node::kNumber:
      return n.number;
    case Node::kSelector:
      return Select(n, samples);
    case Node::kUnary: {
      double a = EvalNode(*n.a, samples);
      if (n.op == "-") return -a;
      return (std::isnan(a) || a == 0) ? 1 : 0;  // not
    }
    case Node::kBinary:
      break;
  }
  double a = EvalNode(*n.a, samples);
  if (n.op == "and" && (std::isnan(a) || a == 0)) return 0;
  if (n.op == "or" && !std::isnan(a) && a != 0) return 1;
  double b = EvalNode(*n.b, samples);
  auto truth = [](double x) { return !std::isnan(x) && x != 0; };
  if (n.op == "and" || n.op == "or") return truth(b) ? 1 : 0;
  if (n.op == "+") return a + b;
  if (n.op == "-") return a - b;
  if (n.op == "*") return a * b;
  if (n.op == "/") return a / b;
  if (std::isnan(a) || std::isnan(b)) return 0;  // a comparison with a missing metric is false
  if (n.op == "==") return a == b;
  if (n.op == "!=") return a != b;
  if (n.op == "<") return a < b;
  if (n.op == "<=") return a <= b;
  if (n.op == ">") return a > b;
  return a >= b;
}

}  // namespace

Result<MetricExpr> MetricExpr::Parse(std::string_view text) {
  MetricExpr e;
  Parser p(text);
  auto root = p.Run(&e.selectors_);
  if (!root.ok()) return root.status();
  e.root_ = *root;
  return e;
}

double MetricExpr::Eval(const std::vector<Sample>& samples) const {
  return EvalNode(*root_, samples);
}

bool MetricExpr::Holds(const std::vector<Sample>& samples) const {
  double v = Eval(samples);
  return !std::isnan(v) && v != 0;
}

std::string MetricExpr::Explain(const std::vector<Sample>& samples) const {
  std::string out;
  for (const auto& sel : selectors_) {
    double v = Select(*sel, samples);
    if (!out.empty()) out += ' ';
    out += std::isnan(v) ? sel->name + "=missing" : fmt::format("{}={}", sel->name, v);
  }
  return out;
}

}  // namespace dandori::fleet
