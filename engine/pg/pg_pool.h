// ConnPool: a fixed number of PostgreSQL connections shared by many users (the job
// stores, the dispatcher and the API of one `dandori serve`), so that a process holds
// at most `size` connections however many jobs it drives (docs/postgres.md,
// "Connections"). Connections are opened on first use and kept; a broken one is
// handed out as it is (its user reconnects it: Conn::Reset).
//
// Thread rules: any thread. A lease is used by one thread at a time; a thread must not
// take a second lease while it holds one (a pool of n serves n holders at once).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/thread_annotations.h"
#include "engine/pg/pg_conn.h"

namespace dandori::engine::pg {

class ConnPool {
 public:
  ConnPool(std::string url, int size);

  class Lease {
   public:
    Lease() = default;
    Lease(ConnPool* pool, int slot) : pool_(pool), slot_(slot) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), slot_(o.slot_) { o.pool_ = nullptr; }
    Lease& operator=(Lease&& o) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { Release(); }
    Conn* get() const;
    Conn* operator->() const { return get(); }
    void Release();

   private:
    ConnPool* pool_ = nullptr;
    int slot_ = -1;
  };

  // Waits until a connection is free (opened on first use; when the database cannot be
  // reached it is handed out broken: its user reconnects it with Conn::Reset).
  Lease Acquire();
  int size() const { return static_cast<int>(conns_.size()); }
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> conns_;  // slot -> connection (null: not open)
  std::vector<int> free_ GUARDED_BY(mu_);     // free slots
};

}  // namespace dandori::engine::pg
