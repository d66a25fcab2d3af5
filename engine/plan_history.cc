#include "engine/plan_history.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "engine/loader.h"

namespace dandori::engine {
namespace {

constexpr int kPage = 5000;
constexpr int64_t kMaxEvents = 2'000'000;  // per job

// "s12/3/0/7" -> state 12, path {3, 0, 7}; false when it is not a task key.
bool SplitKey(const std::string& key, int* state, std::vector<std::string>* path) {
  if (key.size() < 2 || key[0] != 's') return false;
  size_t slash = key.find('/');
  char* end = nullptr;
  long s = std::strtol(key.c_str() + 1, &end, 10);
  if (end != key.c_str() + (slash == std::string::npos ? key.size() : slash)) return false;
  *state = static_cast<int>(s);
  path->clear();
  while (slash != std::string::npos) {
    size_t next = key.find('/', slash + 1);
    path->push_back(key.substr(slash + 1, next == std::string::npos ? next : next - slash - 1));
    slash = next;
  }
  return true;
}

// The loop item a task belongs to: its innermost non-group loop and the path down to it
// (a group adds a path element of its own, dropped here).
std::string ItemOf(const Program& p, int state, const std::vector<std::string>& path) {
  std::vector<int> blocks;  // enclosing blocks, innermost first
  for (int b = p.states[state].parent; b >= 0; b = p.states[b].parent) blocks.push_back(b);
  std::reverse(blocks.begin(), blocks.end());
  if (blocks.size() != path.size()) return "";
  std::string item;
  int loop = -1;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (p.states[blocks[i]].block.kind() == v1::GROUP) continue;
    item += "/" + path[i];
    loop = blocks[i];
  }
  return loop < 0 ? "" : std::to_string(loop) + item;
}

struct Item {
  int64_t first = INT64_MAX, last = 0, busy = 0;
  int tasks = 0;
};

struct Tally {
  std::map<std::string, std::vector<int64_t>> spans;        // by operator
  std::map<std::string, std::set<int64_t>> jobs;            // by operator
  std::map<std::string, std::pair<int64_t, int64_t>> runs;  // op: (ran, items)
  std::vector<int64_t> overheads;
};

Status ReadJob(HistorySource& store, const JobInfo& job, Tally* t) {
  auto table = store.Table(job);
  if (!table.ok()) return table.status();
  auto program = LoadTableBytes(*table, nullptr);
  if (!program.ok()) return Status::Ok();  // a table this build cannot read: skipped
  const Program& p = **program;
  std::map<std::pair<std::string, int>, int64_t> started;
  std::map<std::string, Item> items;
  int state = 0;
  std::vector<std::string> path;
  int64_t after = 0, read = 0;
  while (read < kMaxEvents) {
    auto events = store.ListEvents(job.id, after, kPage);
    if (!events.ok()) return events.status();
    for (const Event& e : *events) {
      after = e.seq;
      if (e.what != "task.started" && e.what != "task.succeeded" && e.what != "task.failed") {
        continue;
      }
      if (!SplitKey(e.task, &state, &path) || state < 0 ||
          state >= static_cast<int>(p.states.size()) || p.states[state].kind != v1::TASK) {
        continue;
      }
      if (e.what == "task.started") {
        started[{e.task, e.attempt}] = e.at_ms;
        continue;
      }
      auto it = started.find({e.task, e.attempt});
      if (it == started.end()) continue;
      int64_t span = std::max<int64_t>(0, e.at_ms - it->second);
      const std::string& op = p.states[state].op;
      t->spans[op].push_back(span);
      t->jobs[op].insert(job.id);
      std::string item = ItemOf(p, state, path);
      if (!item.empty()) {
        Item& i = items[item];
        i.first = std::min(i.first, it->second);
        i.last = std::max(i.last, e.at_ms);
        i.busy += span;
        i.tasks += 1;
      }
      started.erase(it);
    }
    read += static_cast<int64_t>(events->size());
    if (events->empty()) break;
  }
  for (const auto& [key, i] : items) {
    if (i.tasks < 2) continue;
    t->overheads.push_back(std::max<int64_t>(0, i.last - i.first - i.busy) / i.tasks);
  }
  // Conditional stages: rows (they ran) against the items of their body.
  auto rows = store.LoadTasks(job.id);
  if (!rows.ok()) return rows.status();
  std::map<int, int64_t> ran;                  // state -> rows
  std::map<int, std::set<std::string>> paths;  // parent block -> item paths seen
  for (const TaskRow& r : *rows) {
    if (!SplitKey(r.key, &state, &path) || state >= static_cast<int>(p.states.size())) continue;
    if (p.states[state].kind != v1::TASK) continue;
    std::string prefix;
    for (const std::string& s : path) prefix += "/" + s;
    paths[p.states[state].parent].insert(prefix);
    if (!p.states[state].when.empty() && r.state != TaskState::kSkipped) ++ran[state];
  }
  for (const ProgramState& s : p.states) {
    if (s.kind != v1::TASK || s.when.empty()) continue;
    auto& [r, n] = t->runs[s.op];
    r += ran[s.index];
    n += static_cast<int64_t>(paths[s.parent].size());
  }
  return Status::Ok();
}

// A Store as a HistorySource: its rows carry the Table.
class StoreHistory : public HistorySource {
 public:
  explicit StoreHistory(Store& store) : store_(store) {}
  Result<std::vector<JobInfo>> ListJobs(int limit) override { return store_.ListJobs(limit); }
  Result<std::string> Table(const JobInfo& job) override { return job.table; }
  Result<std::vector<Event>> ListEvents(int64_t job, int64_t after_seq, int limit) override {
    return store_.ListEvents(job, after_seq, limit);
  }
  Result<std::vector<TaskRow>> LoadTasks(int64_t job) override { return store_.LoadTasks(job); }

 private:
  Store& store_;
};

}  // namespace

Result<PlanFigures> HistoryFigures(Store& store, int max_jobs) {
  StoreHistory source(store);
  return HistoryFigures(source, max_jobs);
}

Result<PlanFigures> HistoryFigures(HistorySource& store, int max_jobs) {
  auto jobs = store.ListJobs(std::max(1, max_jobs) * 4);
  if (!jobs.ok()) return jobs.status();
  Tally t;
  int used = 0;
  for (const JobInfo& job : *jobs) {
    if (job.state == JobState::kRunning) continue;
    if (used++ >= max_jobs) break;
    Status st = ReadJob(store, job, &t);
    if (!st.ok()) return st;
  }
  PlanFigures f;
  for (auto& [op, spans] : t.spans) {
    DurationModel m;
    std::sort(spans.begin(), spans.end());
    m.samples_ms = std::move(spans);
    m.source = "history: " + std::to_string(t.jobs[op].size()) + " jobs, " +
               std::to_string(m.samples_ms.size()) + " attempts";
    f.ops[op] = std::move(m);
  }
  for (const auto& [op, r] : t.runs) {  // also those that never ran: 0
    if (r.second > 0) f.runs[op] = std::min(1.0, static_cast<double>(r.first) / r.second);
  }
  if (!t.overheads.empty()) {
    std::sort(t.overheads.begin(), t.overheads.end());
    f.overhead_ms = QuantileOf(t.overheads, 0.5);
    f.overhead_source = "history: median over " + std::to_string(t.overheads.size()) + " items";
  }
  return f;
}

}  // namespace dandori::engine
