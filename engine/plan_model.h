// PlanModel: what `dandori plan` predicts durations from, and the schedule it simulates.
//
// A DurationModel is one operator's attempt duration as a distribution: a sorted table
// of real milliseconds (drawn from declared figures, read from a store's history, or
// one fixed estimate), with the source named for the output. PlanFigures maps operator
// names to models, plus the engine's own cost per task (the gap between a task's
// predecessor ending and its own start, the HTTP and commit latency around it).
//
// A SimTree is the schedule of one plan, built by the planner as it expands the Table:
// tasks, bodies (a DAG of steps) and loops (items in order under a width: all at once,
// `parallel N`, a sliding window that hands a slot over as soon as an item ends, or
// waves that each wait for their slowest item). Simulate() draws every task once and
// returns the makespan; run many times it gives the median and p90. Single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace dandori::engine {

struct DurationModel {
  std::vector<int64_t> samples_ms;  // sorted, non-empty
  std::string source;               // "figures FILE", "history: 3 jobs, 300 attempts", ...

  static DurationModel Fixed(int64_t ms, std::string source);
  int64_t Quantile(double q) const;
  int64_t median() const { return Quantile(0.5); }
  int64_t p90() const { return Quantile(0.9); }
  int64_t Draw(std::mt19937_64& rng) const;
};

struct PlanFigures {
  std::map<std::string, DurationModel> ops;  // by operator name
  int64_t overhead_ms = 0;                   // the engine's cost per task that runs
  std::string overhead_source;
  // By operator: of its tasks whose `when` cannot be known before running, the fraction
  // that ran (history, or declared); absent: assumed to run.
  std::map<std::string, double> runs;
  // Adds `from` where this has no figure for an operator (this one wins).
  void Fill(const PlanFigures& from);
};

// Quantile of a sorted vector (nearest rank); 0 when empty.
int64_t QuantileOf(const std::vector<int64_t>& sorted, double q);

class SimTree {
 public:
  enum class Kind { kTask, kBody, kLoop };
  enum class Mode { kAll, kWindow, kWaves };
  struct Node {
    Kind kind = Kind::kTask;
    const DurationModel* model = nullptr;  // kTask
    double runs = 1;                       // kTask: the chance its `when` holds
    std::vector<int> kids;                 // kBody: steps; kLoop: item bodies, in order
    std::vector<std::vector<int>> deps;    // kBody: predecessor positions of each step
    Mode mode = Mode::kAll;
    int64_t width = 0;  // kLoop: items at once (0: all)
    int64_t batch = 0;  // kLoop kWaves: items per wave
    int64_t cap = 0;    // kLoop: the concurrency the floor allows, for the lower bound (0: none)
    int record = -1;    // kLoop: index into the recorded makespans (a plan branch)
  };

  int Add(Node n);
  Node& node(int i) { return nodes_[i]; }
  int records() const { return records_; }
  int NewRecord() { return records_++; }

  // One draw of the whole schedule from `root`: its makespan; recorded loops write their
  // makespan and, where cap > 0, lower bound (max of the longest item and total item
  // time / cap) to made[record] and bound[record].
  int64_t Simulate(int root, int64_t overhead_ms, std::mt19937_64& rng, std::vector<int64_t>* made,
                   std::vector<int64_t>* bound) const;

 private:
  int64_t Run(int i, int64_t overhead_ms, std::mt19937_64& rng, std::vector<int64_t>* made,
              std::vector<int64_t>* bound) const;
  std::vector<Node> nodes_;
  int records_ = 0;
};

}  // namespace dandori::engine
