// Schema and migrations of the PostgreSQL store: see pg_schema.h.
#include "engine/pg/pg_schema.h"

#include <string>

namespace dandori::engine::pg {
namespace {

// migrations[i] takes the database from version i to i + 1. Never edit a released
// migration: append a new one and bump kPgSchemaVersion.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE SCHEMA IF NOT EXISTS dandori;
CREATE TABLE dandori.meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE dandori.jobs(
  id bigserial PRIMARY KEY,
  key text UNIQUE,
  workflow text NOT NULL,
  state smallint NOT NULL,
  table_pb bytea NOT NULL,
  params bytea NOT NULL,
  workdir text NOT NULL,
  error text NOT NULL DEFAULT '',
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL,
  owner text NOT NULL DEFAULT '',
  owner_until_ms bigint NOT NULL DEFAULT 0);
CREATE INDEX jobs_running ON dandori.jobs(id) WHERE state = 0;
CREATE TABLE dandori.tasks(
  job bigint NOT NULL REFERENCES dandori.jobs(id),
  key text NOT NULL,
  stage text NOT NULL,
  op text NOT NULL DEFAULT '',
  state smallint NOT NULL,
  attempts integer NOT NULL,
  not_before_ms bigint NOT NULL,
  owner text NOT NULL,
  lease_until_ms bigint NOT NULL,
  fence bigint NOT NULL,
  output bytea,
  error text NOT NULL,
  error_class smallint NOT NULL,
  updated_ms bigint NOT NULL,
  PRIMARY KEY(job, key));
CREATE INDEX tasks_ready ON dandori.tasks(not_before_ms) WHERE state = 0;
CREATE INDEX tasks_leased ON dandori.tasks(lease_until_ms) WHERE state = 1;
CREATE TABLE dandori.events(
  seq bigserial PRIMARY KEY,
  job bigint NOT NULL,
  at_ms bigint NOT NULL,
  who text NOT NULL,
  what text NOT NULL,
  task text NOT NULL,
  attempt integer NOT NULL,
  detail text NOT NULL);
CREATE INDEX events_job ON dandori.events(job, seq);
CREATE TABLE dandori.signals(
  job bigint NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  who text NOT NULL,
  at_ms bigint NOT NULL,
  PRIMARY KEY(job, kind, name));
INSERT INTO dandori.meta(key, value) VALUES('schema_version', '0');
)sql",
    // 2: attempts dispatched by engines (serve) to task executors (worker), and counters.
    R"sql(
CREATE TABLE dandori.dispatch(
  id bigserial PRIMARY KEY,
  engine text NOT NULL,
  job bigint NOT NULL,
  attempt_id bigint NOT NULL,
  task text NOT NULL,
  attempt integer NOT NULL,
  fence bigint NOT NULL,
  op text NOT NULL,
  args bytea NOT NULL,
  workdir text NOT NULL,
  scratch_dir text NOT NULL,
  deadline_ms bigint NOT NULL,
  state smallint NOT NULL DEFAULT 0,
  worker text NOT NULL DEFAULT '',
  wfence bigint NOT NULL DEFAULT 0,
  lease_until_ms bigint NOT NULL DEFAULT 0,
  beat_ms bigint NOT NULL DEFAULT 0,
  cancel boolean NOT NULL DEFAULT false,
  result bytea,
  error text NOT NULL DEFAULT '',
  error_class smallint NOT NULL DEFAULT 0,
  created_ms bigint NOT NULL,
  started_ms bigint NOT NULL DEFAULT 0,
  rescues integer NOT NULL DEFAULT 0);
CREATE INDEX dispatch_queued ON dandori.dispatch(id) WHERE state = 0;
CREATE INDEX dispatch_leased ON dandori.dispatch(lease_until_ms) WHERE state = 1;
CREATE INDEX dispatch_engine ON dandori.dispatch(engine, job, state);
CREATE TABLE dandori.counters(name text PRIMARY KEY, value bigint NOT NULL);
)sql",
    // 3: surviving database outages (commit markers; one dispatch row per task attempt)
    // and durable alerts (the outbox, filled in the transaction that fails the job).
    R"sql(
CREATE TABLE dandori.commit_marks(
  writer text PRIMARY KEY,
  seq bigint NOT NULL,
  at_ms bigint NOT NULL);
CREATE UNIQUE INDEX dispatch_attempt ON dandori.dispatch(job, task, fence);
CREATE TABLE dandori.alerts(
  id bigserial PRIMARY KEY,
  job bigint NOT NULL,
  text text NOT NULL,
  state smallint NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  not_before_ms bigint NOT NULL DEFAULT 0,
  owner text NOT NULL DEFAULT '',
  lease_until_ms bigint NOT NULL DEFAULT 0,
  error text NOT NULL DEFAULT '',
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL);
CREATE INDEX alerts_pending ON dandori.alerts(not_before_ms) WHERE state = 0;
CREATE INDEX alerts_job ON dandori.alerts(job);
CREATE FUNCTION dandori.job_failed_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO dandori.alerts(job, text, created_ms, updated_ms)
  VALUES(NEW.id, 'dandori: job ' || NEW.id || ' failed: ' || NEW.error, NEW.updated_ms,
         NEW.updated_ms);
  PERFORM pg_notify('dandori_alert', '');
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_failed_alert AFTER UPDATE OF state ON dandori.jobs FOR EACH ROW
  WHEN (NEW.state = 2 AND OLD.state <> 2) EXECUTE FUNCTION dandori.job_failed_alert();
)sql",
    // 4: task labels (engine/task_label.h) and attempt logs (Store::ListLogs).
    R"sql(
ALTER TABLE dandori.tasks ADD COLUMN label text NOT NULL DEFAULT '';
CREATE TABLE dandori.logs(
  job bigint NOT NULL,
  task text NOT NULL,
  attempt integer NOT NULL,
  stream text NOT NULL,
  text bytea NOT NULL,
  truncated boolean NOT NULL,
  at_ms bigint NOT NULL,
  PRIMARY KEY(job, task, attempt, stream));
)sql",
    // 5: global operator pools (docs/postgres.md, "Global pools"): a capacity per pool
    // name that caps the running attempts of that pool across every job and engine.
    R"sql(
ALTER TABLE dandori.dispatch ADD COLUMN pool text NOT NULL DEFAULT '';
CREATE INDEX dispatch_pool_running ON dandori.dispatch(pool) WHERE state = 1;
CREATE TABLE dandori.pools(
  name text PRIMARY KEY,
  capacity integer NOT NULL CHECK (capacity > 0),
  updated_ms bigint NOT NULL);
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kPgSchemaVersion);

constexpr Sql kReadVersion{"schema_version",
                           "SELECT value::int FROM dandori.meta WHERE key = 'schema_version'"};
constexpr Sql kHasSchema{"schema_exists",
                         "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = "
                         "'dandori' AND tablename = 'meta'"};
constexpr Sql kSetVersion{"schema_set_version",
                          "UPDATE dandori.meta SET value = $1::text WHERE key = "
                          "'schema_version'"};

Status TooNew(int v) {
  return Status::FailedPrecondition("the database's dandori schema is version " +
                                    std::to_string(v) + ", newer than this dandori's (" +
                                    std::to_string(kPgSchemaVersion) + "); upgrade dandori");
}

}  // namespace

Result<int> SchemaVersion(Conn& conn) {
  auto has = conn.Run(kHasSchema);
  if (!has.ok()) return has.status();
  if (has->Int(0, 0) == 0) return 0;
  auto v = conn.Run(kReadVersion);
  if (!v.ok()) return v.status();
  return v->rows() == 0 ? 0 : static_cast<int>(v->Int(0, 0));
}

Status Migrate(Conn& conn) {
  Txn txn(conn);
  DANDORI_RETURN_IF_ERROR(txn.Begin());
  // One migrator at a time across all processes (key: "dandori" in ASCII).
  DANDORI_RETURN_IF_ERROR(conn.Exec("SELECT pg_advisory_xact_lock(7233174678024585577)"));
  auto v = SchemaVersion(conn);
  if (!v.ok()) return v.status();
  if (*v > kPgSchemaVersion) return TooNew(*v);
  for (int i = *v; i < kPgSchemaVersion; ++i) {
    DANDORI_RETURN_IF_ERROR(conn.Exec(kMigrations[i]));
    DANDORI_RETURN_IF_ERROR(conn.Run(kSetVersion, Params().Int(i + 1)).status());
  }
  // Commit markers of stores gone for a day (one row per store object; pg_store.h).
  DANDORI_RETURN_IF_ERROR(
      conn.Exec("DELETE FROM dandori.commit_marks WHERE at_ms < "
                "(extract(epoch from now()) * 1000)::bigint - 86400000"));
  return txn.Commit();
}

Status RequireCurrentSchema(Conn& conn) {
  auto v = SchemaVersion(conn);
  if (!v.ok()) return v.status();
  if (*v > kPgSchemaVersion) return TooNew(*v);
  if (*v < kPgSchemaVersion) {
    return Status::FailedPrecondition(
        "the database's dandori schema is version " + std::to_string(*v) + ", older than " +
        std::to_string(kPgSchemaVersion) + "; start `dandori serve` to migrate it");
  }
  return Status::Ok();
}

}  // namespace dandori::engine::pg
