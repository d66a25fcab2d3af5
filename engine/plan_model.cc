#include "engine/plan_model.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace dandori::engine {

int64_t QuantileOf(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(i, sorted.size() - 1)];
}

DurationModel DurationModel::Fixed(int64_t ms, std::string source) {
  DurationModel m;
  m.samples_ms = {ms};
  m.source = std::move(source);
  return m;
}

int64_t DurationModel::Quantile(double q) const { return QuantileOf(samples_ms, q); }

int64_t DurationModel::Draw(std::mt19937_64& rng) const {
  if (samples_ms.size() == 1) return samples_ms[0];
  std::uniform_int_distribution<size_t> pick(0, samples_ms.size() - 1);
  return samples_ms[pick(rng)];
}

void PlanFigures::Fill(const PlanFigures& from) {
  for (const auto& [op, m] : from.ops) ops.emplace(op, m);
  for (const auto& [op, r] : from.runs) runs.emplace(op, r);
  if (overhead_source.empty()) {
    overhead_ms = from.overhead_ms;
    overhead_source = from.overhead_source;
  }
}

int SimTree::Add(Node n) {
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

int64_t SimTree::Simulate(int root, int64_t overhead_ms, std::mt19937_64& rng,
                          std::vector<int64_t>* made, std::vector<int64_t>* bound) const {
  made->assign(records_, 0);
  bound->assign(records_, 0);
  return Run(root, overhead_ms, rng, made, bound);
}

namespace {

// Items in order on `width` slots, each starting as soon as a slot is free: the makespan.
int64_t ListSchedule(const std::vector<int64_t>& items, size_t begin, size_t end, int64_t width) {
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<int64_t>> free_at;
  int64_t makespan = 0;
  for (size_t i = begin; i < end; ++i) {
    int64_t start = 0;
    if (static_cast<int64_t>(free_at.size()) >= width) {
      start = free_at.top();
      free_at.pop();
    }
    free_at.push(start + items[i]);
    makespan = std::max(makespan, start + items[i]);
  }
  return makespan;
}

}  // namespace

int64_t SimTree::Run(int i, int64_t overhead_ms, std::mt19937_64& rng, std::vector<int64_t>* made,
                     std::vector<int64_t>* bound) const {
  const Node& n = nodes_[i];
  switch (n.kind) {
    case Kind::kTask: {
      if (n.runs < 1) {
        std::uniform_real_distribution<double> u(0, 1);
        if (u(rng) >= n.runs) return 0;  // its `when` did not hold: skipped
      }
      return n.model->Draw(rng) + overhead_ms;
    }
    case Kind::kBody: {
      std::vector<int64_t> finish(n.kids.size(), 0);
      int64_t total = 0;
      for (size_t k = 0; k < n.kids.size(); ++k) {
        int64_t start = 0;
        for (int d : n.deps[k]) start = std::max(start, finish[d]);
        finish[k] = start + Run(n.kids[k], overhead_ms, rng, made, bound);
        total = std::max(total, finish[k]);
      }
      return total;
    }
    case Kind::kLoop: {
      std::vector<int64_t> items;
      items.reserve(n.kids.size());
      int64_t sum = 0, longest = 0;
      for (int k : n.kids) {
        items.push_back(Run(k, overhead_ms, rng, made, bound));
        sum += items.back();
        longest = std::max(longest, items.back());
      }
      int64_t count = static_cast<int64_t>(items.size());
      int64_t width = n.width > 0 ? n.width : std::max<int64_t>(1, count);
      int64_t total = 0;
      if (n.mode == Mode::kWaves && n.batch > 0) {
        for (int64_t b = 0; b < count; b += n.batch) {
          total += ListSchedule(items, b, std::min(count, b + n.batch), width);
        }
      } else {
        total = ListSchedule(items, 0, items.size(), width);
      }
      if (n.record >= 0) {
        (*made)[n.record] = total;
        if (n.cap > 0) (*bound)[n.record] = std::max(longest, (sum + n.cap - 1) / n.cap);
      }
      return total;
    }
  }
  return 0;
}

}  // namespace dandori::engine
