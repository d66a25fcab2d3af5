// CancelToken: a one-way "stop now" signal shared by the engine and a running operator.
// Cancel() may be called from any thread; WaitFor() is an interruptible sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace dandori {

class CancelToken {
 public:
  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_.store(true);
    }
    cv_.notify_all();
  }
  bool cancelled() const { return cancelled_.load(); }
  // Sleeps up to `d`; returns true if cancelled meanwhile (or before).
  template <typename Rep, typename Period>
  bool WaitFor(std::chrono::duration<Rep, Period> d) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, d, [&] { return cancelled_.load(); });
  }

 private:
  std::atomic<bool> cancelled_{false};  // set once, with mu_ held (so WaitFor cannot miss it)
  std::mutex mu_;                       // pairs with cv_; guards no other field
  std::condition_variable cv_;
};

}  // namespace dandori
