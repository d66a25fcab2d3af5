// JobRunner and Dispatcher: see dispatch.h.
#include <algorithm>
#include <set>

#include "engine/pg/pg_conn.h"
#include "proto/value_codec.h"
#include "server/dispatch.h"
#include "server/dispatch_sql.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)

using pg::Conn;
using pg::Params;

void JobRunner::Start(Launch launch) {
  ++outstanding_;
  if (launch.trivial && launch.op != nullptr) {
    Completion c{launch.id, launch.op->Run(launch.ctx)};
    d_->Complete(job_, std::move(c));
    return;
  }
  d_->Queue(job_, std::move(launch));
}

void JobRunner::Wake() { d_->WakeJob(job_); }

std::vector<Completion> JobRunner::Take() {
  auto out = d_->Take(job_);
  outstanding_ -= static_cast<int>(out.size());
  return out;
}

Dispatcher::Dispatcher(std::string engine, Clock* clock, std::function<void(int64_t)> ready)
    : engine_(std::move(engine)), clock_(clock), ready_(std::move(ready)) {}

void Dispatcher::Queue(int64_t job, Launch launch) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_.push_back({job, std::move(launch)});
}

void Dispatcher::Complete(int64_t job, Completion c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_[job].push_back(std::move(c));
  }
  ready_(job);
}

void Dispatcher::WakeJob(int64_t job) { ready_(job); }

std::vector<Completion> Dispatcher::Take(int64_t job) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = done_.find(job);
  if (it == done_.end()) return {};
  std::vector<Completion> out = std::move(it->second);
  done_.erase(it);
  return out;
}

void Dispatcher::Forget(int64_t job) {
  std::lock_guard<std::mutex> lock(mu_);
  done_.erase(job);
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&](const Pending& p) { return p.job == job; }),
                 pending_.end());
  out_.erase(out_.lower_bound({job, 0}), out_.lower_bound({job + 1, 0}));
  forget_.push_back(job);
}

bool Dispatcher::has_pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !pending_.empty() || !forget_.empty();
}

bool Dispatcher::has_remote() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !out_.empty();
}

void Dispatcher::Ready(const std::vector<int64_t>& jobs) {
  std::set<int64_t> once(jobs.begin(), jobs.end());
  for (int64_t j : once) ready_(j);
}

// One round is one transaction (one round trip, one commit): cancellations, forgotten
// jobs' rows, the rows collected last round (deleted only now: if an answer is lost,
// they are collected again and ignored, as no longer outstanding), this round's
// launches of all jobs (+ NOTIFY dandori_dispatch), and, when `collect`, the finished
// attempts (read after the deletes, so each is routed once).
Status Dispatcher::Sync(Conn& conn, bool collect) {
  std::vector<int64_t> ready;
  std::vector<int64_t> cancel_jobs, cancel_ids, forget, drop_jobs, drop_ids;
  std::vector<Pending> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Cancelled attempts (job cancel, timeout): tell the executor, answer the scheduler.
    for (auto it = out_.begin(); it != out_.end();) {
      if (it->second && it->second->cancel.cancelled()) {
        cancel_jobs.push_back(it->first.first);
        cancel_ids.push_back(static_cast<int64_t>(it->first.second));
        done_[it->first.first].push_back({it->first.second, Status::Cancelled("cancelled")});
        ready.push_back(it->first.first);
        it = out_.erase(it);
      } else {
        ++it;
      }
    }
    forget = forget_;
    for (const Key& k : collected_) {
      drop_jobs.push_back(k.first);
      drop_ids.push_back(static_cast<int64_t>(k.second));
    }
    batch.swap(pending_);
    collect = collect && !out_.empty();
  }
  std::vector<Conn::Step> steps;
  // Lost with a failed round: the executor runs the attempt to its end and its result
  // is ignored (the scheduler was answered above).
  if (!cancel_jobs.empty()) {
    steps.push_back(
        {&sql::kDispatchCancel, Params().Text(engine_).IntArray(cancel_jobs).IntArray(cancel_ids)});
  }
  if (!forget.empty()) {
    steps.push_back({&sql::kDispatchForget, Params().Text(engine_).IntArray(forget)});
  }
  if (!drop_jobs.empty()) {
    steps.push_back(
        {&sql::kDispatchDrop, Params().Text(engine_).IntArray(drop_jobs).IntArray(drop_ids)});
  }
  if (!batch.empty()) {
    std::vector<int64_t> jobs, ids, attempts, deadlines;
    std::vector<std::string> tasks, ops, args, workdirs, scratch, pools;
    for (const Pending& p : batch) {
      const Launch& l = p.launch;
      jobs.push_back(p.job);
      ids.push_back(static_cast<int64_t>(l.id));
      tasks.push_back(l.ctx.task_id);
      attempts.push_back(l.ctx.attempt);
      ops.push_back(l.op_name);
      args.push_back(EncodeValue(l.ctx.args));
      workdirs.push_back(l.ctx.workdir);
      scratch.push_back(l.ctx.scratch_dir);
      deadlines.push_back(l.ctx.deadline_ms);
      pools.push_back(l.pool);
    }
    steps.push_back({&sql::kDispatchInsert, Params()
                                                .Text(engine_)
                                                .Int(clock_->NowMs())
                                                .IntArray(jobs)
                                                .IntArray(ids)
                                                .TextArray(tasks)
                                                .IntArray(attempts)
                                                .TextArray(ops)
                                                .BytesArray(args)
                                                .TextArray(workdirs)
                                                .TextArray(scratch)
                                                .IntArray(deadlines)
                                                .TextArray(pools)});
    steps.push_back({&sql::kDispatchNotify, Params()});
  }
  if (collect) steps.push_back({&sql::kDispatchCollect, Params().Text(engine_)});
  std::vector<pg::PgResult> res;
  Status st = steps.empty() ? Status::Ok() : conn.RunTransaction(steps, &res);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!st.ok()) {
      // Queued again next round (ON CONFLICT keeps a landed row from doubling).
      pending_.insert(pending_.begin(), std::make_move_iterator(batch.begin()),
                      std::make_move_iterator(batch.end()));
    } else {
      forget_.erase(forget_.begin(), forget_.begin() + static_cast<long>(forget.size()));
      collected_.erase(collected_.begin(),
                       collected_.begin() + static_cast<long>(drop_jobs.size()));
      for (Pending& p : batch) out_[{p.job, p.launch.id}] = p.launch.link;
      if (collect) Route(res.back(), &ready);
    }
  }
  int64_t now = clock_->NowMs();
  if (st.ok() && now >= next_beat_sync_ms_ && has_remote()) {
    next_beat_sync_ms_ = now + 1000;
    auto beats = conn.Run(sql::kDispatchBeats, Params().Text(engine_));
    if (beats.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      for (int i = 0; i < beats->rows(); ++i) {
        auto it = out_.find({beats->Int(i, 0), static_cast<uint64_t>(beats->Int(i, 1))});
        if (it != out_.end() && it->second) {
          int64_t b = beats->Int(i, 2);
          if (b > it->second->last_beat_ms) it->second->last_beat_ms = b;
        }
      }
    } else {
      st = beats.status();
    }
  }
  Ready(ready);
  return st;
}

// Finished attempts read by Sync -> their jobs' completions; each is deleted next round.
void Dispatcher::Route(const pg::PgResult& done, std::vector<int64_t>* ready) {
  for (int i = 0; i < done.rows(); ++i) {
    Key key{done.Int(i, 0), static_cast<uint64_t>(done.Int(i, 1))};
    collected_.push_back(key);
    if (out_.erase(key) == 0) continue;  // already answered (cancelled, or collected before)
    Code code = static_cast<Code>(done.Int(i, 4));
    Completion c{key.second, Value()};
    if (code == Code::kOk) {
      auto v = DecodeValue(done.Bytes(i, 2));
      c.result = v.ok() ? Result<Value>(*v) : Result<Value>(v.status());
    } else {
      c.result = Status(code, done.Bytes(i, 3));
    }
    done_[key.first].push_back(std::move(c));
    ready->push_back(key.first);
  }
}

Status Dispatcher::ForgetNow(Conn& conn) {
  std::vector<int64_t> forget;
  {
    std::lock_guard<std::mutex> lock(mu_);
    forget.swap(forget_);
  }
  if (forget.empty()) return Status::Ok();
  return conn.Run(sql::kDispatchForget, Params().Text(engine_).IntArray(forget)).status();
}

}  // namespace dandori::server
