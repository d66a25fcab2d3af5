#include "cli/plan_figures.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/literal.h"

namespace dandori::cli {
namespace {

// Assigns a Result's value to `var`, or returns its error.
#define TRY_SET(var, expr)            \
  do {                                \
    auto _r = (expr);                 \
    if (!_r.ok()) return _r.status(); \
    var = *_r;                        \
  } while (0)

constexpr int kDraws = 4000;    // table size per operator
constexpr int kMaxOf = 100000;  // budget: draws per sample
constexpr size_t kMaxOperators = 1000;

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  Status Error(const YAML::Node& n, const std::string& msg) const {
    auto m = n.Mark();
    return Status::Invalid(fmt::format("{}:{}:{}: {}", path_, m.line + 1, m.column + 1, msg));
  }

  // Seconds of a duration node ("20s", "250ms"; a bare number: seconds).
  Result<double> Seconds(const YAML::Node& n) const {
    if (!n.IsScalar()) return Error(n, "expected a duration (\"20s\")");
    std::string text = n.Scalar();
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end && *end == 0 && !text.empty()) {
      if (v < 0) return Error(n, "a duration cannot be negative");
      return v;
    }
    auto ms = ParseDurationLiteral(text);
    if (!ms.ok()) return Error(n, "bad duration '" + text + "': " + ms.status().message());
    return *ms / 1000.0;
  }

  Result<double> Number(const YAML::Node& n, double lo, double hi) const {
    if (!n.IsScalar()) return Error(n, "expected a number");
    char* end = nullptr;
    double v = std::strtod(n.Scalar().c_str(), &end);
    if (!end || *end != 0 || n.Scalar().empty()) return Error(n, "expected a number");
    if (v < lo || v > hi) return Error(n, fmt::format("must be between {} and {}", lo, hi));
    return v;
  }

  // One draw in fleet seconds, from the model node `m` (validated by Check).
  struct Dist {
    enum { kFixed, kUniform, kLogNormal } kind = kFixed;
    double a = 0, b = 0;  // fixed: a; uniform: [a, b]; lognormal: median a, sigma b
    double tail_fraction = 0, tail_scale = 0, tail_shape = 1;
    double cap = INFINITY;
    int max_of = 1;
    double plus_s = 0;  // real seconds
    double Draw(std::mt19937_64& rng) const {
      std::uniform_real_distribution<double> u(0, 1);
      double worst = 0;
      for (int i = 0; i < max_of; ++i) {
        double v;
        if (tail_fraction > 0 && u(rng) < tail_fraction) {
          v = tail_scale * std::pow(1 - u(rng), -1.0 / tail_shape);
        } else if (kind == kUniform) {
          v = a + u(rng) * (b - a);
        } else if (kind == kLogNormal) {
          v = a * std::exp(b * std::normal_distribution<double>(0, 1)(rng));
        } else {
          v = a;
        }
        worst = std::max(worst, std::min(v, cap));
      }
      return worst;
    }
  };

  Result<Dist> ReadDist(const YAML::Node& m) const {
    if (!m.IsMap()) return Error(m, "an operator's figure must be a mapping");
    Dist d;
    int kinds = 0;
    for (auto it = m.begin(); it != m.end(); ++it) {
      std::string key = it->first.as<std::string>();
      const YAML::Node v = it->second;  // a copy: `it->second` is a temporary
      if (key == "fixed") {
        TRY_SET(d.a, Seconds(v));
        d.kind = Dist::kFixed, ++kinds;
      } else if (key == "uniform") {
        if (!v.IsSequence() || v.size() != 2) return Error(v, "uniform takes [min, max]");
        TRY_SET(d.a, Seconds(v[0]));
        TRY_SET(d.b, Seconds(v[1]));
        if (d.b < d.a) return Error(v, "uniform: max is below min");
        d.kind = Dist::kUniform, ++kinds;
      } else if (key == "lognormal") {
        if (!v.IsMap() || !v["median"] || !v["sigma"])
          return Error(v, "lognormal takes {median, sigma}");
        TRY_SET(d.a, Seconds(v["median"]));
        TRY_SET(d.b, Number(v["sigma"], 0, 10));
        d.kind = Dist::kLogNormal, ++kinds;
      } else if (key == "tail") {
        if (!v.IsMap() || !v["fraction"] || !v["scale"] || !v["shape"])
          return Error(v, "tail takes {fraction, scale, shape}");
        TRY_SET(d.tail_fraction, Number(v["fraction"], 0, 1));
        TRY_SET(d.tail_scale, Seconds(v["scale"]));
        TRY_SET(d.tail_shape, Number(v["shape"], 0.1, 100));
      } else if (key == "cap") {
        TRY_SET(d.cap, Seconds(v));
      } else if (key == "max_of") {
        double n = 0;
        TRY_SET(n, Number(v, 1, kMaxOf));
        d.max_of = static_cast<int>(n);
      } else if (key == "plus") {
        TRY_SET(d.plus_s, Seconds(v));
      } else if (key != "runs") {
        return Error(it->first, "unknown key '" + key +
                                    "' (fixed, uniform, lognormal, tail, cap, max_of, plus, runs)");
      }
    }
    if (kinds != 1) return Error(m, "give exactly one of fixed, uniform, lognormal");
    return d;
  }

  Result<engine::PlanFigures> Read(const YAML::Node& root) const {
    if (!root.IsMap()) return Error(root, "the figures file must be a mapping");
    engine::PlanFigures f;
    double scale = 1;
    if (root["time_scale"]) TRY_SET(scale, Number(root["time_scale"], 1e-6, 1e9));
    if (root["overhead"]) {
      double s = 0;
      TRY_SET(s, Seconds(root["overhead"]));
      f.overhead_ms = std::llround(s * 1000);
      f.overhead_source = "figures " + path_;
    }
    const YAML::Node& ops = root["operators"];
    if (!ops || !ops.IsMap()) return Error(root, "'operators' must be a mapping of name -> figure");
    if (ops.size() > kMaxOperators) return Error(ops, "too many operators");
    std::mt19937_64 rng(42);
    for (auto it = ops.begin(); it != ops.end(); ++it) {
      std::string op = it->first.as<std::string>();
      auto dist = ReadDist(it->second);
      if (!dist.ok()) return dist.status();
      const Dist& d = *dist;
      engine::DurationModel m;
      int draws = d.max_of > 1000 ? kDraws / 10 : kDraws;
      for (int i = 0; i < draws; ++i) {
        m.samples_ms.push_back(std::llround((d.Draw(rng) / scale + d.plus_s) * 1000));
      }
      std::sort(m.samples_ms.begin(), m.samples_ms.end());
      m.source = "figures " + path_;
      if (it->second["runs"]) {
        double runs = 0;
        TRY_SET(runs, Number(it->second["runs"], 0, 1));
        f.runs[op] = runs;
      }
      f.ops[op] = std::move(m);
    }
    return f;
  }

 private:
  std::string path_;
};

}  // namespace

Result<engine::PlanFigures> LoadPlanFigures(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::NotFound("cannot read figures file " + path);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(
        fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  try {
    return Reader(path).Read(root);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(
        fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

}  // namespace dandori::cli
