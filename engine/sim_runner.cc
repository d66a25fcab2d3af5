#include "engine/sim_runner.h"

#include <algorithm>
#include <climits>

namespace dandori::engine {

void SimRunner::Start(Launch launch) {
  SimOutcome o = script_(launch);
  int64_t now = clock_->NowMs();
  launch.link->last_beat_ms = now;
  starts_.emplace_back(launch.op_name, now);
  launches_.push_back(launch);
  int& n = per_op_[launch.op_name];
  ++n;
  per_op_max_[launch.op_name] = std::max(per_op_max_[launch.op_name], n);
  running_.push_back({std::move(launch), now + o.duration_ms, std::move(o.result), o.heartbeats});
  max_in_flight_ = std::max(max_in_flight_, static_cast<int>(running_.size()));
}

std::vector<Completion> SimRunner::Wait(int64_t deadline_ms) {
  std::vector<Completion> out;
  auto collect = [&](int64_t now) {
    for (size_t i = 0; i < running_.size();) {
      Running& r = running_[i];
      if (r.heartbeats) r.launch.link->last_beat_ms = now;
      bool cancelled = r.launch.link->cancel.cancelled();
      if (r.done_at <= now || cancelled) {
        Completion c{r.launch.id, Value()};
        c.result = cancelled && r.done_at > now ? Result<Value>(Status::Cancelled("cancelled"))
                                                : std::move(r.result);
        --per_op_[r.launch.op_name];
        out.push_back(std::move(c));
        running_.erase(running_.begin() + i);
      } else {
        ++i;
      }
    }
  };
  collect(clock_->NowMs());
  if (!out.empty() || woken_) {
    woken_ = false;
    return out;
  }
  int64_t next = deadline_ms;
  for (const Running& r : running_) next = std::min(next, r.done_at);
  if (next == INT64_MAX) return out;  // nothing will ever happen: the caller decides
  if (next > clock_->NowMs()) clock_->Set(next);
  collect(clock_->NowMs());
  return out;
}

int SimRunner::max_in_flight(const std::string& op) const {
  auto it = per_op_max_.find(op);
  return it == per_op_max_.end() ? 0 : it->second;
}

std::vector<int64_t> SimRunner::StartsOf(const std::string& task_prefix) const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < launches_.size(); ++i) {
    if (launches_[i].ctx.task_id.rfind(task_prefix, 0) == 0) out.push_back(starts_[i].second);
  }
  return out;
}

}  // namespace dandori::engine
