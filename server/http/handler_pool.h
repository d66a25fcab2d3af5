// HandlerPool: a fixed set of threads that run request handlers which may block (on the
// database), with a bounded queue, so the connection thread never waits on a handler.
// A limit object: Submit refuses work when the queue is full (the server answers 503).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace dandori::server::http {

class HandlerPool {
 public:
  HandlerPool(int threads, size_t max_queued);
  ~HandlerPool();  // Stop(0)
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  // Queues `task`; false (and `task` dropped) when the queue is full or the pool stopped.
  bool Submit(std::function<void()> task);
  // Stops taking work; returns the queued tasks that never started (for the caller to
  // answer), then waits up to `grace_ms` for running tasks. Threads still running a task
  // after that are detached (their state outlives the pool); returns how many.
  size_t Stop(int grace_ms, std::vector<std::function<void()>>* unstarted);

 private:
  struct State {
    std::mutex mu;
    std::condition_variable wake;             // work queued, or stopping
    std::condition_variable idle;             // a task finished
    std::deque<std::function<void()>> queue;  // guarded by mu
    size_t max_queued = 0;
    int running = 0;        // guarded by mu
    bool stopping = false;  // guarded by mu
  };
  static void Work(std::shared_ptr<State> s);

  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
};

}  // namespace dandori::server::http
