// TempPostgres: a throwaway PostgreSQL server for tests and benchmarks.
//
// Start() runs initdb into a fresh temporary folder, starts `postgres` on a free
// loopback port (listen_addresses=127.0.0.1, its Unix socket inside the folder) and
// waits until it accepts connections. When the caller is root, the folder is handed
// to the `postgres` user and every server program runs as that user (fork + setuid +
// execv; never a shell). fsync is on unless the options say otherwise. Stop() (or the
// destructor) asks for a fast shutdown (SIGINT), waits, and removes the folder.
//
// The server gets PR_SET_PDEATHSIG, so it goes away with the thread that started it
// even if the test process is killed: start it from a long-lived thread (main).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace dandori::testing {

struct TempPostgresOptions {
  std::string bin_dir;  // empty: $DANDORI_PG_BIN, else /usr/lib/postgresql/15/bin
  bool fsync = true;
  int max_connections = 200;
  std::vector<std::string> settings;  // extra "name=value" server settings
  int start_timeout_ms = 60000;
};

class TempPostgres {
 public:
  static Result<std::unique_ptr<TempPostgres>> Start(TempPostgresOptions options = {});
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  // Fast shutdown and removal of the folder; idempotent.
  Status Stop();
  // Outage tests: `pg_ctl stop -m immediate` (SIGQUIT: sessions are cut, no checkpoint,
  // crash recovery at the next start), keeping the folder; then Restart() starts the
  // server again on the same port and waits until it accepts connections.
  Status StopImmediate();
  Status Restart();

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // postgres://postgres@127.0.0.1:PORT/DB
  std::string Url(const std::string& db = "postgres") const;
  // Creates an empty database (name: [a-z0-9_]+).
  Status CreateDatabase(const std::string& name);
  // Runs SQL through libpq on `db`; for test set-up only.
  Status Exec(const std::string& sql, const std::string& db = "postgres");

 private:
  TempPostgres() = default;
  Status Init(const TempPostgresOptions& options);
  Status Launch(const TempPostgresOptions& options, int port = 0);
  Status WaitReady(const TempPostgresOptions& options);

  std::string bin_dir_;
  std::string dir_;  // the temporary folder: data/, socket, server.log
  int port_ = 0;
  int pid_ = -1;  // the postmaster
  TempPostgresOptions options_;
};

// The first free TCP port on 127.0.0.1 that the kernel hands out.
Result<int> FreeLoopbackPort();

}  // namespace dandori::testing
