// SimRunner: a Runner for tests on a FakeClock. Each launch is answered by a script
// function that returns the outcome and how long the attempt "takes"; Wait() advances
// the fake clock to the next completion (or the deadline) and delivers what is due.
// A cancelled attempt completes at once with kCancelled. Records the maximum number of
// attempts in flight at once, overall and per operator.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "engine/fake_clock.h"
#include "engine/runner.h"

namespace dandori::engine {

struct SimOutcome {
  Result<Value> result = Value::MakeRecord({});
  int64_t duration_ms = 0;
  bool heartbeats = true;  // the attempt beats continuously while it runs
};

class SimRunner final : public Runner {
 public:
  using Script = std::function<SimOutcome(const Launch&)>;
  SimRunner(FakeClock* clock, Script script) : clock_(clock), script_(std::move(script)) {}

  void Start(Launch launch) override;
  std::vector<Completion> Wait(int64_t deadline_ms) override;
  void Wake() override { woken_ = true; }
  int outstanding() const override { return static_cast<int>(running_.size()); }

  int max_in_flight() const { return max_in_flight_; }
  int max_in_flight(const std::string& op) const;
  // (op name, start instant) of every launch, in order.
  const std::vector<std::pair<std::string, int64_t>>& starts() const { return starts_; }
  std::vector<int64_t> StartsOf(const std::string& task_prefix) const;
  const std::vector<Launch>& launches() const { return launches_; }

 private:
  struct Running {
    Launch launch;
    int64_t done_at;
    Result<Value> result;
    bool heartbeats;
  };
  FakeClock* clock_;
  Script script_;
  std::vector<Running> running_;
  std::vector<std::pair<std::string, int64_t>> starts_;
  std::vector<Launch> launches_;
  std::map<std::string, int> per_op_, per_op_max_;
  int max_in_flight_ = 0;
  bool woken_ = false;
};

}  // namespace dandori::engine
