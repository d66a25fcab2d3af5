// DispatchWorker: see dispatch.h. One claimer thread owns a connection: it claims into
// free slots, reports finished attempts and renews leases, all batched; executor threads
// only run operators. No poll: the claimer sleeps until a NOTIFY dandori_dispatch (new
// attempts), an executor's wake-up (a finished attempt) or its next lease renewal. A
// finished attempt is reported at once when nothing else runs, else when a batch of
// slots/8 has finished or the first of them waited kReportBatchMs; a report renews the
// leases and claims into the freed slots in the same transaction (one commit).
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>

#include "base/clock.h"
#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_pool.h"
#include "proto/value_codec.h"
#include "server/dispatch.h"
#include "server/dispatch_sql.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)

using pg::Conn;
using pg::Params;

// One claimed attempt. Its executor thread writes ctx and result, then sets `done` and
// moves it to finished_ under the worker's mu_ (so the claimer reads result only after
// taking it from finished_); `done` is read under mu_; `handed_back` is the claimer
// thread's alone (written under mu_ too, while it walks running_).
struct DispatchWorker::Running {
  int64_t id = 0;
  int64_t wfence = 0;
  std::string op;
  OperatorContext ctx;
  CancelToken cancel;
  std::shared_ptr<AttemptLink> link = std::make_shared<AttemptLink>();  // its log, progress
  Result<Value> result = Value();
  std::vector<LogText> logs;  // taken from link->log when reported
  bool done = false;          // guarded by the worker's mu_
  bool handed_back = false;
};

namespace {

int64_t WallMs() { return SystemClock()->NowMs(); }

constexpr int64_t kReportBatchMs = 2;  // the longest a finished attempt waits for others

}  // namespace

DispatchWorker::DispatchWorker(DispatchWorkerOptions options) : opt_(std::move(options)) {}

DispatchWorker::~DispatchWorker() {
  Stop(0);
  if (wake_fd_ >= 0) close(wake_fd_);
}

Status DispatchWorker::Start() {
  // Fail early when the database is unreachable.
  if (!opt_.pool) {
    auto probe = Conn::Open(opt_.url);
    if (!probe.ok()) return probe.status();
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return Status::Internal("eventfd failed");
  for (int i = 0; i < opt_.slots; ++i) {
    executors_.emplace_back([this] {
      while (true) {
        std::shared_ptr<Running> r;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [&] { return stopped_.load() || !queue_.empty(); });
          if (queue_.empty()) return;
          r = queue_.front();
          queue_.pop_front();
        }
        Execute(r);
      }
    });
  }
  claimer_ = std::thread([this] { ClaimLoop(); });
  return Status::Ok();
}

void DispatchWorker::Execute(std::shared_ptr<Running> r) {
  Operator* op = opt_.registry ? opt_.registry->Find(r->op) : nullptr;
  if (op == nullptr) {
    r->result =
        Status::Transient("operator " + r->op + " is not available on executor " + opt_.name);
  } else {
    // The engine made the scratch dir (empty) when it started the attempt; on another
    // host it does not exist yet. (A lost attempt is not re-run here: the engine starts
    // a new attempt, with a new scratch dir.)
    if (!r->ctx.scratch_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(r->ctx.scratch_dir, ec);
    }
    r->ctx.cancel = &r->cancel;
    std::shared_ptr<AttemptLink> link = r->link;
    r->ctx.progress = ProgressToLink(link, SystemClock());
    r->ctx.log = [link](std::string_view stream, std::string_view text) {
      link->log.Append(stream, text);
    };
    int64_t t0 = WallMs();
    r->result = op->Run(r->ctx);
    stats_.attempt_ms.Observe(WallMs() - t0);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    r->done = true;
    if (finished_.empty()) first_finished_ms_ = WallMs();
    finished_.push_back(r);
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

int DispatchWorker::ReportWaitMs(int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_.empty()) return -1;
  size_t batch = static_cast<size_t>(std::max(1, opt_.slots / 8));
  if (stopping_ || finished_.size() >= batch || finished_.size() >= running_.size()) return 0;
  return static_cast<int>(std::max<int64_t>(0, first_finished_ms_ + kReportBatchMs - now));
}

// Reports finished attempts (fenced), renews the leases of the running ones and, with
// `claim`, claims attempts of uncapped pools into every slot free after the report: one
// transaction, one commit. *asked / *claimed: how many it asked for and got.
Status DispatchWorker::ReportAndRenew(Conn& conn, bool claim, const std::vector<std::string>& likes,
                                      int* asked, int* claimed) {
  std::vector<std::shared_ptr<Running>> fin;
  std::vector<int64_t> live_ids, live_fences;
  *asked = *claimed = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fin.swap(finished_);
    for (auto& [id, r] : running_) {
      if (!r->done) {
        live_ids.push_back(id);
        live_fences.push_back(r->wfence);
      }
    }
    // Every reported attempt frees its slot (a refused one too).
    if (claim)
      *asked = opt_.slots - static_cast<int>(running_.size()) + static_cast<int>(fin.size());
  }
  std::vector<Conn::Step> steps;
  std::vector<int64_t> ids, fences, classes;
  std::vector<std::string> results, errors;
  std::vector<int64_t> back_ids, back_fences;
  std::vector<Conn::Step> log_steps;  // after the finish step (res[0] reads its answer)
  for (auto& r : fin) {
    if (r->handed_back) {
      back_ids.push_back(r->id);
      back_fences.push_back(r->wfence);
      continue;
    }
    ids.push_back(r->id);
    fences.push_back(r->wfence);
    // The attempt's logs, in the same transaction as its result (a report that fails
    // keeps them for the next round: Take happens once, the chunks stay in r).
    for (LogText& l : r->link->log.Take()) {
      if (!l.text.empty()) r->logs.push_back(std::move(l));
    }
    for (const LogText& l : r->logs) {
      engine::LogChunk chunk{r->ctx.task_id, r->ctx.attempt, l.stream,
                             l.text,         l.truncated,    WallMs()};
      log_steps.push_back(
          {&pg::sql::kPutLog, pg::sql::LogParams(std::atoll(r->ctx.job_id.c_str()), chunk)});
    }
    if (r->result.ok()) {
      results.push_back(EncodeValue(*r->result));
      errors.emplace_back();
      classes.push_back(0);
    } else {
      results.emplace_back();
      errors.push_back(r->result.status().message());
      classes.push_back(static_cast<int>(r->result.status().code()));
    }
  }
  if (!ids.empty()) {
    steps.push_back(
        {&sql::kDispatchFinish,
         Params().IntArray(ids).IntArray(fences).BytesArray(results).TextArray(errors).IntArray(
             classes)});
  }
  for (auto& step : log_steps) steps.push_back(std::move(step));
  if (!back_ids.empty()) {
    steps.push_back({&sql::kDispatchRelease, Params().IntArray(back_ids).IntArray(back_fences)});
  }
  size_t renew_at = steps.size();
  if (!live_ids.empty()) {
    steps.push_back(
        {&sql::kDispatchRenew,
         Params().Int(WallMs()).Int(opt_.lease_ms).IntArray(live_ids).IntArray(live_fences)});
  }
  size_t claim_at = steps.size();
  if (*asked > 0) steps.push_back({&sql::kDispatchClaim, ClaimParams(*asked, likes)});
  if (steps.empty()) return Status::Ok();
  std::vector<pg::PgResult> res;
  Status st = conn.RunTransaction(steps, &res);
  if (!st.ok()) {
    // Not reported: keep them for the next round (the fence makes a retry safe).
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& r : fin) finished_.push_back(r);
    return st;
  }
  if (*asked > 0) {
    Adopt(res[claim_at]);
    *claimed = res[claim_at].rows();
  }
  std::set<int64_t> accepted;
  if (!ids.empty()) {
    for (int i = 0; i < res[0].rows(); ++i) accepted.insert(res[0].Int(i, 0));
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& r : fin) {
    running_.erase(r->id);
    if (r->handed_back) continue;
    if (!accepted.count(r->id)) {
      stats_.refused++;
    } else if (r->result.ok()) {
      stats_.succeeded++;
    } else {
      stats_.failed++;
    }
  }
  if (!live_ids.empty()) {
    std::set<int64_t> still;
    const auto& renew = res[renew_at];
    for (int i = 0; i < renew.rows(); ++i) {
      still.insert(renew.Int(i, 0));
      if (renew.Bool(i, 1)) {
        auto it = running_.find(renew.Int(i, 0));
        if (it != running_.end()) it->second->cancel.Cancel();
      }
    }
    // Lost leases (another executor rescued the attempt): stop ours.
    for (int64_t id : live_ids) {
      auto it = running_.find(id);
      if (!still.count(id) && it != running_.end()) it->second->cancel.Cancel();
    }
  }
  return Status::Ok();
}

void DispatchWorker::Adopt(const pg::PgResult& c) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < c.rows(); ++i) {
    auto r = std::make_shared<Running>();
    r->id = c.Int(i, 0);
    r->wfence = c.Int(i, 1);
    r->ctx.job_id = std::to_string(c.Int(i, 2));
    r->ctx.task_id = c.Bytes(i, 3);
    r->ctx.attempt = static_cast<int>(c.Int(i, 4));
    r->op = c.Bytes(i, 6);
    auto args = DecodeValue(c.Bytes(i, 7));
    r->ctx.args = args.ok() ? *args : Value();
    r->ctx.workdir = c.Bytes(i, 8);
    r->ctx.scratch_dir = c.Bytes(i, 9);
    r->ctx.deadline_ms = c.Int(i, 10);
    stats_.claimed++;
    stats_.claim_ms.Observe(WallMs() - c.Int(i, 12));
    running_[r->id] = r;
    queue_.push_back(r);
  }
  cv_.notify_all();
}

pg::Params DispatchWorker::ClaimParams(int n, const std::vector<std::string>& likes) const {
  return Params().Text(opt_.name).Int(WallMs()).Int(n).TextArray(likes).Int(opt_.lease_ms);
}

// Attempts of pools without a global capacity in one statement; then ClaimPooled.
Status DispatchWorker::Claim(Conn& conn, int free_slots, const std::vector<std::string>& likes,
                             int* claimed) {
  auto c = conn.Run(sql::kDispatchClaim, ClaimParams(free_slots, likes));
  if (!c.ok()) return c.status();
  Adopt(*c);
  *claimed = c->rows();
  return ClaimPooled(conn, free_slots, likes, claimed);
}

// When there are global pools (checked once a second) and slots are left after the
// uncapped claim (*claimed of free_slots), attempts of capped pools under the pools' lock.
Status DispatchWorker::ClaimPooled(Conn& conn, int free_slots,
                                   const std::vector<std::string>& likes, int* claimed) {
  if (WallMs() >= next_pools_check_ms_) {
    auto n = conn.Run(sql::kPoolsCount);
    if (!n.ok()) return n.status();
    global_pools_ = n->Int(0, 0);
    next_pools_check_ms_ = WallMs() + 1000;
  }
  if (global_pools_ == 0 || *claimed >= free_slots) return Status::Ok();
  std::vector<Conn::Step> steps;
  steps.push_back({&sql::kPoolsLock, Params()});
  steps.push_back({&sql::kDispatchClaimPooled, ClaimParams(free_slots - *claimed, likes)});
  std::vector<pg::PgResult> res;
  DANDORI_RETURN_IF_ERROR(conn.RunTransaction(steps, &res));
  Adopt(res[1]);
  *claimed += res[1].rows();
  return Status::Ok();
}

void DispatchWorker::ClaimLoop() {
  std::unique_ptr<Conn> own, listen;
  pg::ConnPool::Lease lease;  // opt_.pool: this round's connection
  Conn* conn = nullptr;
  std::vector<std::string> likes;
  for (const auto& p : opt_.op_patterns) likes.push_back(pg::GlobToLike(p));
  int64_t next_renew = 0;
  int64_t stop_deadline = 0;
  int64_t backoff_ms = 0;
  int64_t next_lost_check = 0;
  // New attempts may be queued: a NOTIFY came, a wait timed out, the last claim was
  // full, or we (re)connected. Cleared by a claim that got fewer than it asked for.
  bool claim_due = true;
  while (true) {
    if (opt_.pool) {
      lease.Release();  // never two at once
      lease = opt_.pool->Acquire();
      conn = lease.get();
    } else {
      conn = own.get();
    }
    if (!conn || conn->Broken() || !listen || listen->Broken()) {
      // The database is unreachable (an outage, a restart): keep running attempts and
      // finished results, reconnect with backoff (100 ms doubling to a quarter lease),
      // then report them with their executor tokens. After a restart the database gives
      // every lease a full lease of grace (dispatch_sql.h), so nobody rescues them meanwhile.
      bool ok = true;
      if (opt_.pool) {
        ok = !conn->Broken() || conn->Reset().ok();
      } else if (!own || own->Broken()) {
        auto c = Conn::Open(opt_.url);
        ok = c.ok();
        if (ok) own = std::move(*c);
        conn = own.get();
      }
      if (ok && (!listen || listen->Broken())) {
        auto l = Conn::Open(opt_.url);
        ok = l.ok() && (*l)->Exec("LISTEN dandori_dispatch").ok();
        if (ok) listen = std::move(*l);
      }
      if (!ok) {
        lease.Release();
        if (stopping_ && stop_deadline == 0) stop_deadline = WallMs() + stop_grace_ms_.load();
        if (stopping_ && WallMs() >= stop_deadline) return;  // leases run out; others rescue
        int64_t most = std::max<int64_t>(10, std::min<int64_t>(2000, opt_.lease_ms / 4));
        backoff_ms = backoff_ms == 0 ? std::min<int64_t>(100, most)
                                     : std::min<int64_t>(backoff_ms * 2, most);
        std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
        continue;
      }
      backoff_ms = 0;
      next_renew = 0;  // renew at once: the leases may have run out during the outage
      claim_due = true;
    }
    int free_slots;
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_slots = opt_.slots - static_cast<int>(running_.size());
      if (stopping_ && running_.empty()) return;
    }
    if (stopping_ && stop_deadline == 0) stop_deadline = WallMs() + stop_grace_ms_.load();
    bool claimed_any = false;
    if (!stopping_ && WallMs() >= next_lost_check) {
      // Zombie rescue: attempts of executors that stopped renewing end as `lost`.
      next_lost_check = WallMs() + std::max<int64_t>(10, opt_.lease_ms / 4);
      auto lost =
          conn->Run(sql::kDispatchLost,
                    Params().Int(WallMs()).Int(opt_.lease_ms).Int(static_cast<int>(Code::kLost)));
      if (lost.ok()) stats_.rescued += lost->rows();
    }
    int64_t now = WallMs();
    int report_wait = ReportWaitMs(now);
    if (report_wait == 0 || now >= next_renew) {
      // Reported attempts free their slots: claim into them (and into the free ones) in
      // the report's transaction.
      int asked = 0, got = 0;
      if (ReportAndRenew(*conn, !stopping_, likes, &asked, &got).ok()) {
        if (asked > 0 && got < asked) (void)ClaimPooled(*conn, asked, likes, &got);
        claim_due = asked > 0 && got >= asked;
        claimed_any = got > 0;
      }
      next_renew = now + opt_.lease_ms / 4;
      report_wait = ReportWaitMs(now);
    } else if (!stopping_ && free_slots > 0 && claim_due) {
      int got = 0;
      if (Claim(*conn, free_slots, likes, &got).ok()) claim_due = got >= free_slots;
      claimed_any = got > 0;
    }
    if (stopping_ && stop_deadline > 0 && now >= stop_deadline) {
      // Past the grace period: cancel what still runs and hand it back.
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, r] : running_) {
        if (r->done) continue;
        r->handed_back = true;
        r->cancel.Cancel();
      }
      // The database is gone and nothing can be reported: give up after a while (the
      // leases expire and other executors rescue the attempts).
      if (now >= stop_deadline + 10'000) return;
    }
    if (claimed_any || report_wait == 0) continue;
    // Wait for a NOTIFY (new attempts), an executor's wake-up (a finished attempt), the
    // rest of the report batch's wait, the next renewal or lost check; at most 200 ms
    // (then claim anyway: attempts handed back or rescued send no NOTIFY).
    int64_t until = std::min(now + 200, next_renew);
    if (report_wait > 0) until = std::min(until, now + report_wait);
    until = stopping_ ? std::min(until, now + 10) : std::min(until, next_lost_check);
    lease.Release();
    auto notified =
        listen->WaitNotify(static_cast<int>(std::max<int64_t>(0, until - now)), wake_fd_);
    if (!notified.ok() || *notified || WallMs() >= now + 200) claim_due = true;
  }
}

void DispatchWorker::Stop(int64_t deadline_ms) {
  if (stopped_) return;
  stop_grace_ms_ = deadline_ms;
  stopping_ = true;
  if (claimer_.joinable()) claimer_.join();
  stopped_ = true;
  cv_.notify_all();
  for (auto& t : executors_) t.join();
  executors_.clear();
}

}  // namespace dandori::server
