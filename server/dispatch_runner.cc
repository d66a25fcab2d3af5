// DispatchRunner: see dispatch.h.
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "engine/pg/pg_conn.h"
#include "proto/value_codec.h"
#include "server/dispatch.h"
#include "server/dispatch_sql.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)

using pg::Conn;
using pg::Params;

Result<std::unique_ptr<DispatchRunner>> DispatchRunner::Open(const std::string& url,
                                                             const std::string& engine, int64_t job,
                                                             Clock* clock) {
  auto conn = Conn::Open(url);
  if (!conn.ok()) return conn.status();
  auto listen = Conn::Open(url);
  if (!listen.ok()) return listen.status();
  DANDORI_RETURN_IF_ERROR((*listen)->Exec("LISTEN dandori_done"));
  return std::unique_ptr<DispatchRunner>(
      new DispatchRunner(std::move(*conn), std::move(*listen), engine, job, clock));
}

DispatchRunner::DispatchRunner(std::unique_ptr<Conn> conn, std::unique_ptr<Conn> listen,
                               std::string engine, int64_t job, Clock* clock)
    : conn_(std::move(conn)),
      listen_(std::move(listen)),
      engine_(std::move(engine)),
      job_(job),
      clock_(clock),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

DispatchRunner::~DispatchRunner() {
  if (wake_fd_ >= 0) close(wake_fd_);
  // Attempts still queued belong to a scheduler that is gone.
  (void)conn_->Run(sql::kDispatchForget, Params().Text(engine_).Int(job_));
}

void DispatchRunner::Start(Launch launch) {
  ++outstanding_;
  if (launch.trivial && launch.op != nullptr) {
    local_.push_back({launch.id, launch.op->Run(launch.ctx)});
    return;
  }
  pending_.push_back(std::move(launch));
}

// Any thread: ends a Wait blocked on the LISTEN socket (through the eventfd it polls).
void DispatchRunner::Wake() {
  woken_ = true;
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
}

Status DispatchRunner::Flush() {
  if (pending_.empty()) return Status::Ok();
  std::vector<int64_t> ids, attempts, deadlines;
  std::vector<std::string> tasks, ops, args, workdirs, scratch;
  for (const Launch& l : pending_) {
    ids.push_back(static_cast<int64_t>(l.id));
    tasks.push_back(l.ctx.task_id);
    attempts.push_back(l.ctx.attempt);
    ops.push_back(l.op_name);
    args.push_back(EncodeValue(l.ctx.args));
    workdirs.push_back(l.ctx.workdir);
    scratch.push_back(l.ctx.scratch_dir);
    deadlines.push_back(l.ctx.deadline_ms);
  }
  std::vector<Conn::Step> steps;
  steps.push_back({&sql::kDispatchInsert, Params()
                                              .Text(engine_)
                                              .Int(job_)
                                              .Int(clock_->NowMs())
                                              .IntArray(ids)
                                              .TextArray(tasks)
                                              .IntArray(attempts)
                                              .TextArray(ops)
                                              .BytesArray(args)
                                              .TextArray(workdirs)
                                              .TextArray(scratch)
                                              .IntArray(deadlines)});
  steps.push_back({&sql::kDispatchNotify, Params()});
  std::vector<pg::PgResult> res;
  DANDORI_RETURN_IF_ERROR(conn_->RunTransaction(steps, &res));
  for (Launch& l : pending_) out_[l.id] = l.link;
  pending_.clear();
  return Status::Ok();
}

Status DispatchRunner::Poll(std::vector<Completion>* out) {
  // Cancelled attempts (job cancel, timeout): tell the executor, answer the scheduler.
  std::vector<int64_t> cancelled;
  for (auto it = out_.begin(); it != out_.end();) {
    if (it->second && it->second->cancel.cancelled()) {
      cancelled.push_back(static_cast<int64_t>(it->first));
      out->push_back({it->first, Status::Cancelled("cancelled")});
      it = out_.erase(it);
    } else {
      ++it;
    }
  }
  if (!cancelled.empty()) {
    DANDORI_RETURN_IF_ERROR(
        conn_->Run(sql::kDispatchCancel, Params().Text(engine_).Int(job_).IntArray(cancelled))
            .status());
  }
  if (out_.empty()) return Status::Ok();
  auto done = conn_->Run(sql::kDispatchCollect, Params().Text(engine_).Int(job_));
  if (!done.ok()) return done.status();
  std::vector<int64_t> collected;
  for (int i = 0; i < done->rows(); ++i) collected.push_back(done->Int(i, 0));
  if (!collected.empty()) {
    // Forgotten only now: if this answer is lost, the rows are collected again (and
    // ignored below: no longer outstanding).
    DANDORI_RETURN_IF_ERROR(
        conn_->Run(sql::kDispatchDrop, Params().Text(engine_).Int(job_).IntArray(collected))
            .status());
  }
  for (int i = 0; i < done->rows(); ++i) {
    uint64_t id = static_cast<uint64_t>(done->Int(i, 0));
    if (out_.erase(id) == 0) continue;  // already answered (cancelled, or collected before)
    Code code = static_cast<Code>(done->Int(i, 3));
    if (code == Code::kOk) {
      auto v = DecodeValue(done->Bytes(i, 1));
      out->push_back({id, v.ok() ? Result<Value>(*v) : Result<Value>(v.status())});
    } else {
      out->push_back({id, Status(code, done->Bytes(i, 2))});
    }
  }
  int64_t now = clock_->NowMs();
  if (now >= next_beat_sync_ms_ && !out_.empty()) {
    next_beat_sync_ms_ = now + 1000;
    auto beats = conn_->Run(sql::kDispatchBeats, Params().Text(engine_).Int(job_));
    if (!beats.ok()) return beats.status();
    for (int i = 0; i < beats->rows(); ++i) {
      auto it = out_.find(static_cast<uint64_t>(beats->Int(i, 0)));
      if (it != out_.end() && it->second) {
        int64_t b = beats->Int(i, 1);
        if (b > it->second->last_beat_ms) it->second->last_beat_ms = b;
      }
    }
  }
  return Status::Ok();
}

std::vector<Completion> DispatchRunner::Wait(int64_t deadline_ms) {
  std::vector<Completion> out;
  while (true) {
    Status st = Flush();
    if (st.ok()) st = Poll(&out);
    if (!st.ok()) {
      // The database is unreachable: answer nothing now and try again after a pause
      // (doubling to 1 s). Queued and finished attempts wait in the database; what
      // could not be queued yet stays in pending_.
      error_pause_ms_ = error_pause_ms_ == 0 ? 50 : std::min<int64_t>(error_pause_ms_ * 2, 1000);
      if (conn_->Broken()) (void)conn_->Reset();
    } else {
      error_pause_ms_ = 0;
    }
    if (!local_.empty()) {
      for (auto& c : local_) out.push_back(std::move(c));
      local_.clear();
    }
    outstanding_ -= static_cast<int>(out.size());
    if (!out.empty() || woken_.exchange(false)) return out;
    int64_t now = clock_->NowMs();
    if (now >= deadline_ms) return out;
    int wait = static_cast<int>(std::min<int64_t>(deadline_ms - now, 100));
    if (error_pause_ms_ > 0) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(deadline_ms - now, error_pause_ms_)));
      continue;
    }
    if (listen_->Broken()) {
      (void)listen_->Reset();
      (void)listen_->Exec("LISTEN dandori_done");
    }
    (void)listen_->WaitNotify(std::max(wait, 1), wake_fd_);
  }
}

}  // namespace dandori::server
