// HandlerPool: see handler_pool.h.
#include "server/http/handler_pool.h"

#include <chrono>

namespace dandori::server::http {

HandlerPool::HandlerPool(int threads, size_t max_queued) : state_(std::make_shared<State>()) {
  state_->max_queued = max_queued;
  for (int i = 0; i < threads; ++i) threads_.emplace_back(Work, state_);
}

HandlerPool::~HandlerPool() { Stop(0, nullptr); }

bool HandlerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->stopping || state_->queue.size() >= state_->max_queued) return false;
    state_->queue.push_back(std::move(task));
  }
  state_->wake.notify_one();
  return true;
}

void HandlerPool::Work(std::shared_ptr<State> s) {
  std::unique_lock<std::mutex> lock(s->mu);
  for (;;) {
    s->wake.wait(lock, [&] { return s->stopping || !s->queue.empty(); });
    if (s->stopping) return;
    auto task = std::move(s->queue.front());
    s->queue.pop_front();
    ++s->running;
    lock.unlock();
    task();
    task = nullptr;  // release what the task holds before counting it done
    lock.lock();
    --s->running;
    s->idle.notify_all();
  }
}

size_t HandlerPool::Stop(int grace_ms, std::vector<std::function<void()>>* unstarted) {
  std::unique_lock<std::mutex> lock(state_->mu);
  if (!state_->stopping) {
    state_->stopping = true;
    for (auto& t : state_->queue) {
      if (unstarted) unstarted->push_back(std::move(t));
    }
    state_->queue.clear();
  }
  state_->wake.notify_all();
  state_->idle.wait_for(lock, std::chrono::milliseconds(grace_ms),
                        [&] { return state_->running == 0; });
  size_t abandoned = static_cast<size_t>(state_->running);
  lock.unlock();
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    if (abandoned > 0) {
      t.detach();  // some thread is stuck in a handler; joining could hang
    } else {
      t.join();
    }
  }
  threads_.clear();
  return abandoned;
}

}  // namespace dandori::server::http
