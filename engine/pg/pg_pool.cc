// ConnPool: see pg_pool.h.
#include "engine/pg/pg_pool.h"

namespace dandori::engine::pg {

ConnPool::ConnPool(std::string url, int size) : url_(std::move(url)) {
  if (size < 1) size = 1;
  conns_.resize(size);
  for (int i = size - 1; i >= 0; --i) free_.push_back(i);
}

ConnPool::Lease& ConnPool::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    Release();
    pool_ = o.pool_;
    slot_ = o.slot_;
    o.pool_ = nullptr;
  }
  return *this;
}

Conn* ConnPool::Lease::get() const { return pool_ ? pool_->conns_[slot_].get() : nullptr; }

void ConnPool::Lease::Release() {
  if (!pool_) return;
  {
    std::lock_guard<std::mutex> lock(pool_->mu_);
    pool_->free_.push_back(slot_);
  }
  pool_->cv_.notify_one();
  pool_ = nullptr;
}

ConnPool::Lease ConnPool::Acquire() {
  int slot;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    slot = free_.back();
    free_.pop_back();
  }
  Lease lease(this, slot);  // the slot is this thread's alone until released
  if (!conns_[slot]) conns_[slot] = Conn::OpenOrBroken(url_);
  return lease;
}

}  // namespace dandori::engine::pg
