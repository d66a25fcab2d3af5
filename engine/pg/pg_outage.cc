// Waiting through database outages (PgStoreOptions::keep_waiting): see pg_store.h.
#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/pg/pg_store_impl.h"

namespace dandori::engine::pg {

Status PgStoreImpl::Ready() {
  if (!c_->Broken()) return Status::Ok();
  return c_->Reset();
}

bool PgStoreImpl::WaitAfter(const Status& st, int64_t* backoff_ms) {
  if (st.code() != Code::kUnavailable || !opt_.keep_waiting || !opt_.keep_waiting()) return false;
  if (!in_outage_) {
    in_outage_ = true;
    if (opt_.on_outage) {
      opt_.on_outage("the database is unreachable (" + st.message() +
                     "); waiting for it, reconnecting with backoff");
    }
  }
  int64_t most = std::max<int64_t>(10, opt_.max_backoff_ms);
  *backoff_ms =
      *backoff_ms == 0 ? std::min<int64_t>(100, most) : std::min<int64_t>(*backoff_ms * 2, most);
  // Sleep in short steps so that a stop request is seen quickly.
  for (int64_t slept = 0; slept < *backoff_ms; slept += 50) {
    if (!opt_.keep_waiting()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return opt_.keep_waiting();
}

void PgStoreImpl::OutageOver() {
  if (!in_outage_) return;
  in_outage_ = false;
  if (opt_.on_outage) opt_.on_outage("the database is reachable again");
}

}  // namespace dandori::engine::pg
