#include "engine/runner.h"

#include <chrono>
#include <climits>
#include <cstdio>

namespace dandori::engine {

std::function<void(int64_t, int64_t, std::string_view)> ProgressToLink(
    std::shared_ptr<AttemptLink> link, Clock* clock) {
  int64_t start = clock->NowMs();
  return
      [link = std::move(link), clock, start](int64_t done, int64_t total, std::string_view unit) {
        int64_t now = clock->NowMs();
        link->last_beat_ms = now;
        link->progress_done = done;
        link->progress_total = total;
        int64_t last = link->last_progress_line_ms.load();
        if (now - last < 1000 && !(total > 0 && done >= total)) return;
        if (!link->last_progress_line_ms.compare_exchange_strong(last, now)) return;
        char buf[96];
        std::snprintf(buf, sizeof(buf), "+%.1fs %lld/%lld ", (now - start) / 1000.0,
                      static_cast<long long>(done), static_cast<long long>(total));
        link->log.Append("progress", std::string(buf).append(unit).append("\n"));
      };
}

ThreadRunner::ThreadRunner(Clock* clock, int max_threads)
    : clock_(clock), max_threads_(max_threads) {}

ThreadRunner::~ThreadRunner() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Completion ThreadRunner::Execute(Launch& l) {
  Completion c{l.id, Value()};
  c.result = l.op->Run(l.ctx);
  return c;
}

void ThreadRunner::Start(Launch launch) {
  ++outstanding_;
  if (launch.trivial) {
    Completion c = Execute(launch);
    std::lock_guard<std::mutex> lock(mu_);
    done_.push_back(std::move(c));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(launch));
    if (idle_ < static_cast<int>(queue_.size()) &&
        static_cast<int>(threads_.size()) < max_threads_) {
      threads_.emplace_back([this] { WorkerLoop(); });
    }
  }
  work_cv_.notify_one();
}

void ThreadRunner::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ++idle_;
    work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    --idle_;
    if (stop_ && queue_.empty()) return;
    Launch l = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Completion c = Execute(l);
    lock.lock();
    done_.push_back(std::move(c));
    done_cv_.notify_all();
  }
}

std::vector<Completion> ThreadRunner::Wait(int64_t deadline_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&] { return !done_.empty() || woken_; };
  if (!ready()) {
    if (deadline_ms == INT64_MAX) {
      done_cv_.wait(lock, ready);
    } else {
      int64_t wait = deadline_ms - clock_->NowMs();
      if (wait > 0) done_cv_.wait_for(lock, std::chrono::milliseconds(wait), ready);
    }
  }
  woken_ = false;
  std::vector<Completion> out;
  out.swap(done_);
  outstanding_ -= static_cast<int>(out.size());
  return out;
}

void ThreadRunner::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
  }
  done_cv_.notify_all();
}

}  // namespace dandori::engine
