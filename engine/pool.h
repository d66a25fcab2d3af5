// Pool: a named limit object (STYLE: "limits are objects"). A worker pool per operator
// family ("media", "fleet", "core") and a `parallel N` slot budget per block instance
// are both Pools the scheduler asks before starting work. Pools record the highest
// concurrency they granted, for tests and status. Single-threaded (scheduler thread).
#pragma once

#include <map>
#include <memory>
#include <string>

namespace dandori::engine {

class Pool {
 public:
  // capacity <= 0 means unlimited.
  Pool(std::string name, int capacity) : name_(std::move(name)), capacity_(capacity) {}
  bool TryAcquire() {
    if (capacity_ > 0 && in_use_ >= capacity_) return false;
    ++in_use_;
    if (in_use_ > max_seen_) max_seen_ = in_use_;
    return true;
  }
  void Release() {
    if (in_use_ > 0) --in_use_;
  }
  bool full() const { return capacity_ > 0 && in_use_ >= capacity_; }
  const std::string& name() const { return name_; }
  int capacity() const { return capacity_; }
  int in_use() const { return in_use_; }
  int max_seen() const { return max_seen_; }

 private:
  std::string name_;
  int capacity_;
  int in_use_ = 0;
  int max_seen_ = 0;
};

// The global per-operator-family worker pools of one engine.
class PoolSet {
 public:
  // Capacities by pool name; names not listed get `default_capacity`.
  explicit PoolSet(std::map<std::string, int> capacities = DefaultCapacities(),
                   int default_capacity = 64)
      : capacities_(std::move(capacities)), default_(default_capacity) {}
  Pool* Get(const std::string& name) {
    auto it = pools_.find(name);
    if (it != pools_.end()) return it->second.get();
    auto c = capacities_.find(name);
    auto& slot = pools_[name];
    slot = std::make_unique<Pool>(name, c == capacities_.end() ? default_ : c->second);
    return slot.get();
  }
  // media: one encoder per core is the sane default; fleet work is mostly waiting.
  static std::map<std::string, int> DefaultCapacities();

 private:
  std::map<std::string, int> capacities_;
  int default_;
  std::map<std::string, std::unique_ptr<Pool>> pools_;
};

}  // namespace dandori::engine
