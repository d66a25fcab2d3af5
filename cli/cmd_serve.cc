// `dandori serve` and `dandori worker`: shared durable mode on PostgreSQL
// (server/serve.h).
#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

#include "base/literal.h"
#include "cli/driver.h"
#include "compiler/compile.h"
#include "engine/pg/pg_store.h"
#include "server/global_pools.h"
#include "server/serve.h"

namespace dandori::cli {
namespace {

struct ServeArgs {
  std::string store;
  std::string listen = "127.0.0.1:8480";
  std::string token_file;
  std::string alert_url;
  std::vector<std::string> ops;
  int slots = 4;
  int stop_grace_s = 10;
  int db_connections = 0;
  std::string scratch;
  std::string retain;
  std::vector<std::string> pools;  // NAME=N
};

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Invalid("cannot read --token-file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.size() < 16) return Status::Invalid("the token in " + path + " is shorter than 16 bytes");
  return t;
}

server::ServeOptions Options(const ServeArgs& a, const OperatorRegistry* reg) {
  server::ServeOptions o;
  o.url = a.store;
  o.listen = a.listen;
  o.alert_url = a.alert_url;
  o.slots = a.slots;
  o.db_connections = a.db_connections;
  o.scratch_root = a.scratch;
  o.ops = a.ops;
  o.stop_grace_ms = static_cast<int64_t>(a.stop_grace_s) * 1000;
  o.registry = reg;
  o.compile = compiler::CompileSubmitted;  // .flow submitted over the API, with its imports
  return o;
}

void CommonOptions(CLI::App* sub, ServeArgs* a) {
  sub->add_option("--store", a->store, "postgres://USER@HOST:PORT/DB")->required();
  sub->add_option("--ops", a->ops, "run only these operators (e.g. media.*; repeatable)")
      ->delimiter(',');
  sub->add_option("--slots", a->slots, "attempts run at once by this process")
      ->check(CLI::Range(0, 4096));
  sub->add_option("--db-connections", a->db_connections,
                  "PostgreSQL connections held at most, however many jobs (default: serve 8, "
                  "worker 2)")
      ->check(CLI::Range(1, 10000));
  sub->add_option("--stop-grace", a->stop_grace_s,
                  "seconds running attempts may finish after SIGTERM before being handed back")
      ->check(CLI::Range(0, 86400));
}

int Serve(const ServeArgs& a) {
  if (!engine::IsPostgresUrl(a.store)) {
    std::fprintf(stderr, "dandori serve: --store must be a postgres:// URL\n");
    return kExitBadInput;
  }
  int64_t retain_ms = 0;
  if (!a.retain.empty()) {
    auto d = ParseDurationLiteral(a.retain);
    if (!d.ok() || *d <= 0) {
      std::fprintf(stderr, "dandori serve: --retain %s: give a duration such as 30d or 12h\n",
                   a.retain.c_str());
      return kExitBadInput;
    }
    retain_ms = *d;
  }
  OperatorRegistry reg;
  RegisterOperators(&reg);
  server::ServeOptions o = Options(a, &reg);
  o.retain_ms = retain_ms;
  for (const std::string& spec : a.pools) {
    auto p = server::ParsePoolSpec(spec);
    if (!p.ok()) {
      std::fprintf(stderr, "dandori serve: %s\n", p.status().message().c_str());
      return kExitBadInput;
    }
    o.pools[p->first] = p->second;
  }
  if (!a.listen.empty()) {
    if (a.token_file.empty()) {
      std::fprintf(stderr, "dandori serve: --token-file is required for the HTTP API\n");
      return kExitBadInput;
    }
    auto t = ReadToken(a.token_file);
    if (!t.ok()) return Fail("serve", t.status());
    o.token = *t;
  }
  return server::RunServe(o);
}

int Worker(const ServeArgs& a) {
  if (!engine::IsPostgresUrl(a.store)) {
    std::fprintf(stderr, "dandori worker: --store must be a postgres:// URL\n");
    return kExitBadInput;
  }
  OperatorRegistry reg;
  RegisterOperators(&reg);
  return server::RunWorker(Options(a, &reg));
}

}  // namespace

DANDORI_COMMAND({"serve", "Run the engine daemon on PostgreSQL: HTTP API, /metrics, jobs and tasks",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<ServeArgs>();
                   CommonOptions(sub, a.get());
                   sub->add_option("--listen", a->listen,
                                   "HOST:PORT of the HTTP API (default 127.0.0.1:8480; "
                                   "empty: no API)");
                   sub->add_option("--token-file", a->token_file,
                                   "file holding the API's bearer token");
                   sub->add_option("--alert-url", a->alert_url,
                                   "webhook posted when a job fails (retried with backoff)");
                   sub->add_option("--retain", a->retain,
                                   "delete jobs (and their tasks, events, logs) that ended "
                                   "longer ago than this, e.g. 30d (default: keep them)");
                   sub->add_option("--pool", a->pools,
                                   "NAME=N: at most N attempts of pool NAME run at once "
                                   "across every job, serve and worker on this database "
                                   "(kept in the database; N=0 removes it; repeatable)");
                   sub->add_option("--scratch", a->scratch,
                                   "folder for attempts' scratch files (media chunks); every "
                                   "worker must see it at the same path (default: "
                                   ".dandori/scratch/ under the working folder)");
                   return [a] { return Serve(*a); };
                 },
                 60});

DANDORI_COMMAND({"worker", "Run tasks from a PostgreSQL store (no jobs driven, no API)",
                 [](CLI::App* sub) -> CommandMain {
                   auto a = std::make_shared<ServeArgs>();
                   CommonOptions(sub, a.get());
                   return [a] { return Worker(*a); };
                 },
                 61});

}  // namespace dandori::cli
