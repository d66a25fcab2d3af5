// dandori_chaos_node: a `dandori serve` or `dandori worker` process for the chaos test
// (chaos_test.cc), with one test-only operator registered under the `noop` signature:
// it works for a while, then records its effect in chaos.effects under
// UNIQUE (job, task, fence) (the attempt number, which equals the task's fencing token
// while no `retry` resets it). A re-run of the same attempt (its executor was killed
// after recording) hits the constraint and is idempotent.
//
//   dandori_chaos_node serve|worker URL SLOTS WORK_MS
//   (serve: $DANDORI_CHAOS_ALERT_URL, when set, is its --alert-url;
//   $DANDORI_CHAOS_DB_CONNECTIONS, when set, its --db-connections)
// The operator's own connections are named application_name chaos_effect, so that a
// test counting a node's connections by the node's application_name sees only its own.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "engine/pg/pg_conn.h"
#include "server/serve.h"

using namespace dandori;
using namespace dandori::engine;
using namespace dandori::server;

namespace {

constexpr pg::Sql kEffect{
    "chaos_effect",
    "INSERT INTO chaos.effects(job, task, fence, executor) VALUES($1, $2, $3, $4) "
    "ON CONFLICT DO NOTHING"};

// The node's URL with its application_name replaced by chaos_effect, so that the effect
// connections are never counted as the node's, not even before a SET could run.
std::string EffectUrl(const std::string& url) {
  std::string base = url, query;
  if (size_t q = url.find('?'); q != std::string::npos) {
    base = url.substr(0, q);
    query = url.substr(q + 1);
  }
  std::string kept;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string part = query.substr(start, end - start);
    if (!part.empty() && part.rfind("application_name=", 0) != 0) kept += part + "&";
    start = end + 1;
  }
  return base + "?" + kept + "application_name=chaos_effect";
}

class EffectOp final : public Operator {
 public:
  EffectOp(const std::string& url, int work_ms) : url_(EffectUrl(url)), work_ms_(work_ms) {}
  Result<Value> Run(OperatorContext& ctx) override {
    thread_local std::unique_ptr<pg::Conn> conn;
    if (!conn || conn->Broken()) {
      auto c = pg::Conn::Open(url_);
      if (!c.ok()) return Status::Transient(c.status().message());
      conn = std::move(*c);
    }
    if (ctx.cancel && ctx.cancel->WaitFor(std::chrono::milliseconds(work_ms_))) {
      return Status::Cancelled("cancelled");
    }
    auto r = conn->Run(kEffect, pg::Params()
                                    .Text(ctx.job_id)
                                    .Text(ctx.task_id)
                                    .Int(ctx.attempt)
                                    .Text(std::to_string(getpid())));
    if (!r.ok()) return Status::Transient(r.status().message());
    return Value::MakeRecord({{"value", ctx.args.Get("value")}});
  }

 private:
  std::string url_;
  int work_ms_;
};

}  // namespace

int main(int argc, char** argv) {
  BlockStopSignals();
  if (argc != 5) {
    std::fprintf(stderr, "usage: dandori_chaos_node serve|worker URL SLOTS WORK_MS\n");
    return 2;
  }
  std::string role = argv[1];
  OperatorRegistry reg;
  reg.Register("noop", std::make_unique<EffectOp>(argv[2], std::atoi(argv[4])));
  ServeOptions o;
  o.url = argv[2];
  o.listen = "";
  o.slots = std::atoi(argv[3]);
  o.attempt_lease_ms = 1000;
  o.job_lease_ms = 3000;
  o.stop_grace_ms = 2000;
  o.dispatch_trivial = true;
  o.registry = &reg;
  if (const char* alert = std::getenv("DANDORI_CHAOS_ALERT_URL")) o.alert_url = alert;
  if (const char* n = std::getenv("DANDORI_CHAOS_DB_CONNECTIONS")) o.db_connections = std::atoi(n);
  o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  o.schema_poll_ms = 200;
  // A kill every 0.25-0.65 s: a task queued or running when its job's serve is killed is
  // interrupted each time (free, but capped at 5 by default to stop crash loops), and
  // under load the same tasks can be in flight at more than 5 kills. The cap itself is
  // tested in scheduler_test; here it must not end the job.
  o.max_interruptions = 1000;
  return role == "serve" ? RunServe(o) : RunWorker(o);
}
