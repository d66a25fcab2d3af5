// The operator implementation contract (DESIGN §6). An operator gets its arguments
// (already bound against its signature in stdlib/signatures.h: defaults filled, types
// checked), an attempt-private scratch directory, a cancellation token and progress /
// heartbeat callbacks; it returns its output record or a classified error Status
// (kTransient, kTimeout, kPermanent, kCancelled). Operators must be idempotent: write
// under Scratch(), publish with write + fsync + rename.
//
// The scratch folder is made on first use: the engine only names it (scratch_dir), and
// the first Scratch() call of the attempt empties and creates it. An operator that never
// writes a file (most fleet steps) costs no mkdir / rmdir per attempt.
//
// Thread rules: Run() is called on a worker thread, possibly concurrently for
// different tasks; an Operator object must be safe for that (keep state in locals).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/cancel.h"
#include "base/status.h"
#include "base/value.h"

namespace dandori {

struct OperatorContext {
  Value args;  // a record matching the signature
  // This attempt's private folder (<root>/<job>/<task>/<attempt>), named by the engine
  // and not yet made: call Scratch(). "": the attempt has none.
  std::string scratch_dir;
  CancelToken* cancel = nullptr;
  // done / total in `unit` ("frames", "cameras", "bytes"); also counts as a heartbeat.
  std::function<void(int64_t done, int64_t total, std::string_view unit)> progress;
  std::function<void()> heartbeat;
  // What the attempt writes for people to read (`dandori logs`): a program's stdout and
  // stderr, an operator's own lines. Kept per stream with a size cap (base/capped_log.h).
  std::function<void(std::string_view stream, std::string_view text)> log;
  std::string job_id;
  std::string task_id;  // stable across attempts
  int attempt = 1;      // 1-based
  std::string workdir;  // the directory dandori runs in (relative paths resolve here)
  // The engine clock's NowMs() (SystemClock(): ms since the Unix epoch) at which this
  // attempt's `timeout` fires; 0: no timeout.
  // Operators that may finish early with a partial result (fleet.drain's stragglers)
  // read it; the engine still enforces the timeout itself.
  int64_t deadline_ms = 0;

  // scratch_dir, made empty on the first call of the attempt (a folder left by an
  // earlier process running the same attempt number is cleared), then as it is.
  // Thread-safe; "" when the attempt has no scratch folder.
  std::string Scratch() const;

  bool cancelled() const { return cancel && cancel->cancelled(); }
  void Progress(int64_t done, int64_t total, std::string_view unit) const {
    if (progress) progress(done, total, unit);
  }
  void Heartbeat() const {
    if (heartbeat) heartbeat();
  }
  void Log(std::string_view stream, std::string_view text) const {
    if (log) log(stream, text);
  }

 private:
  struct ScratchOnce {
    std::mutex mu;
    std::string made;  // the path made (guarded by mu)
  };
  std::shared_ptr<ScratchOnce> scratch_once_ = std::make_shared<ScratchOnce>();
};

class Operator {
 public:
  virtual ~Operator() = default;
  virtual Result<Value> Run(OperatorContext& ctx) = 0;
};

// Maps operator names to implementations. Each stdlib family has a
// Register...Operators(OperatorRegistry*) function; the binaries call the ones they link.
class OperatorRegistry {
 public:
  // Aborts if `name` has no signature in stdlib/signatures.h: a signature lives in one
  // place, and an implementation cannot invent one.
  void Register(std::string name, std::unique_ptr<Operator> op);
  Operator* Find(std::string_view name) const;
  bool Has(std::string_view name) const { return Find(name) != nullptr; }

 private:
  std::map<std::string, std::unique_ptr<Operator>, std::less<>> ops_;
};

// Convenience: wraps a function as an Operator.
std::unique_ptr<Operator> MakeOperator(std::function<Result<Value>(OperatorContext&)> fn);

}  // namespace dandori
