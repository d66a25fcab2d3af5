// The SQL statements of the PostgreSQL store, in one place. Each is a named prepared
// statement; values are always parameters ($1, $2, ...), never spliced into the text.
#pragma once

#include "engine/pg/pg_conn.h"
#include "engine/store.h"

namespace dandori::engine::pg::sql {

#define DANDORI_TASK_COLS                                                                     \
  "key, stage, state, attempts, not_before_ms, owner, lease_until_ms, fence, output, error, " \
  "error_class, updated_ms, label"
#define DANDORI_JOB_COLS                                                                   \
  "id, COALESCE(key, ''), workflow, state, table_pb, params, workdir, error, created_ms, " \
  "updated_ms, owner, owner_until_ms"

inline constexpr Sql kInsertJob{
    "insert_job",
    "INSERT INTO dandori.jobs(key, workflow, state, table_pb, params, workdir, created_ms, "
    "updated_ms) VALUES(NULLIF($1, ''), $2, 0, $3, $4, $5, $6, $6) ON CONFLICT (key) DO NOTHING "
    "RETURNING id"};
inline constexpr Sql kJobByKey{"job_by_key",
                               "SELECT " DANDORI_JOB_COLS " FROM dandori.jobs WHERE key = $1"};
inline constexpr Sql kJobById{"job_by_id",
                              "SELECT " DANDORI_JOB_COLS " FROM dandori.jobs WHERE id = $1"};
inline constexpr Sql kListJobsPage{
    "list_jobs_page",
    "SELECT " DANDORI_JOB_COLS
    " FROM dandori.jobs WHERE ($1 < 0 OR state = $1) AND "
    "($2 = '' OR workflow = $2) AND ($3 = 0 OR id < $3) ORDER BY id DESC LIMIT $4"};
// When the database restarted, its leases could not be renewed while it was down: a
// lease that ran out counts as expired only once the database has been up for a whole
// lease, so its holder has that long to reconnect and renew it (outages, docs/postgres.md).
// (A "now" before the database started is a test's fake clock: no restart to allow for.)
#define DANDORI_DB_UP_SINCE_MS "(extract(epoch from pg_postmaster_start_time()) * 1000)::bigint"
#define DANDORI_DB_UP_FOR_A_LEASE(now, lease) \
  "(" now " < " DANDORI_DB_UP_SINCE_MS " OR " now " - " DANDORI_DB_UP_SINCE_MS " > " lease ")"

// $1 job, $2 owner, $3 now, $4 until, $5 force.
inline constexpr Sql kAcquireJob{
    "acquire_job",
    "UPDATE dandori.jobs SET owner = $2, owner_until_ms = $4 WHERE id = $1 AND "
    "(owner = '' OR owner = $2 OR $5 OR (owner_until_ms < $3 AND " DANDORI_DB_UP_FOR_A_LEASE(
        "$3", "$4 - $3") ")) RETURNING id"};
inline constexpr Sql kReleaseJob{
    "release_job",
    "UPDATE dandori.jobs SET owner = '', owner_until_ms = 0 WHERE id = $1 AND owner = $2"};
inline constexpr Sql kSetJobState{
    "set_job_state",
    "UPDATE dandori.jobs SET state = $2, error = $3, updated_ms = $4 WHERE id = $1"};
inline constexpr Sql kTableOf{"table_of", "SELECT table_pb FROM dandori.jobs WHERE id = $1"};

// Starts, set-based (all of a commit's wave in one statement; RETURNING names the
// accepted ones). A first claim (fence 1) may insert the row; later ones need fence - 1
// stored. (The column lists are spelled out so that new task columns are one more array.)
inline constexpr Sql kStartFirstMany{
    "start_first_many",
    "INSERT INTO dandori.tasks(job, key, stage, op, state, attempts, not_before_ms, owner, "
    "lease_until_ms, fence, output, error, error_class, updated_ms, label) "
    "SELECT u.job, u.key, u.stage, u.op, 1, u.attempts, 0, u.owner, u.lease_until_ms, 1, NULL, "
    "'', 0, u.updated_ms, u.label "
    "FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], "
    "$7::int8[], $8::int8[], $9::text[]) AS u(job, key, stage, op, attempts, owner, "
    "lease_until_ms, updated_ms, label) "
    "ON CONFLICT (job, key) DO UPDATE SET state = 1, attempts = excluded.attempts, "
    "owner = excluded.owner, lease_until_ms = excluded.lease_until_ms, fence = 1, "
    "updated_ms = excluded.updated_ms WHERE dandori.tasks.fence = 0 "
    "RETURNING job, key"};
inline constexpr Sql kStartNextMany{
    "start_next_many",
    "UPDATE dandori.tasks t SET state = 1, attempts = u.attempts, owner = u.owner, "
    "lease_until_ms = u.lease_until_ms, fence = u.fence, updated_ms = u.updated_ms "
    "FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[], $5::int8[], $6::int8[], "
    "$7::int8[]) AS u(job, key, attempts, owner, lease_until_ms, fence, updated_ms) "
    "WHERE t.job = u.job AND t.key = u.key AND t.fence = u.fence - 1 RETURNING t.job, t.key"};
inline constexpr Sql kPut{
    "put_task",
    "INSERT INTO dandori.tasks(job, op, " DANDORI_TASK_COLS
    ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULLIF($11, ''::bytea), $12, $13, $14, "
    "$15) "
    "ON CONFLICT (job, key) DO UPDATE SET stage = excluded.stage, state = excluded.state, "
    "attempts = excluded.attempts, not_before_ms = excluded.not_before_ms, owner = "
    "excluded.owner, lease_until_ms = excluded.lease_until_ms, fence = excluded.fence, output = "
    "excluded.output, error = excluded.error, error_class = excluded.error_class, updated_ms = "
    "excluded.updated_ms, label = CASE WHEN excluded.label = '' THEN dandori.tasks.label ELSE "
    "excluded.label END"};
inline constexpr Sql kInsertEvent{
    "insert_event",
    "INSERT INTO dandori.events(job, at_ms, who, what, task, attempt, detail) "
    "VALUES($1, $2, $3, $4, $5, $6, $7)"};
// Event order: every transaction that appends events of a job first takes this lock
// (per job, held to commit), so a job's events commit in seq order and a reader that
// follows them by seq never skips one that commits later. $1: the jobs, ascending.
inline constexpr Sql kLockJobEvents{
    "lock_job_events",
    "SELECT count(pg_advisory_xact_lock(1684955497, (j % 2147483647)::int4)) FROM "
    "(SELECT DISTINCT unnest($1::int8[]) AS j ORDER BY 1) x"};
// Many Finish ops (distinct tasks) in one statement; RETURNING names the accepted ones.
inline constexpr Sql kFinishMany{
    "finish_many",
    "UPDATE dandori.tasks t SET state = u.state, output = NULLIF(u.output, ''::bytea), "
    "error = u.error, error_class = u.error_class, not_before_ms = u.not_before_ms, "
    "owner = '', lease_until_ms = 0, updated_ms = u.updated_ms "
    "FROM unnest($1::int8[], $2::text[], $3::int8[], $4::int8[], $5::bytea[], $6::text[], "
    "$7::int8[], $8::int8[], $9::int8[]) "
    "AS u(job, key, fence, state, output, error, error_class, not_before_ms, updated_ms) "
    "WHERE t.job = u.job AND t.key = u.key AND t.fence = u.fence AND t.state = 1 "
    "RETURNING t.job, t.key"};
// Many events in one statement, in their given order.
inline constexpr Sql kInsertEvents{
    "insert_events",
    "INSERT INTO dandori.events(job, at_ms, who, what, task, attempt, detail) "
    "SELECT job, at_ms, who, what, task, attempt, detail FROM unnest($1::int8[], $2::int8[], "
    "$3::text[], $4::text[], $5::text[], $6::int8[], $7::text[]) WITH ORDINALITY "
    "AS u(job, at_ms, who, what, task, attempt, detail, n) ORDER BY n"};
// The commit marker (one row per store object that waits through outages): written in
// every commit's transaction, read after a lost answer to learn whether it landed.
inline constexpr Sql kMarkCommit{
    "mark_commit",
    "INSERT INTO dandori.commit_marks(writer, seq, at_ms) VALUES($1, $2, $3) "
    "ON CONFLICT (writer) DO UPDATE SET seq = excluded.seq, at_ms = excluded.at_ms"};
inline constexpr Sql kCommitMark{"commit_mark",
                                 "SELECT seq FROM dandori.commit_marks WHERE writer = $1"};
inline constexpr Sql kForgetMark{"forget_mark",
                                 "DELETE FROM dandori.commit_marks WHERE writer = $1"};
inline constexpr Sql kNotify{"notify_work", "SELECT pg_notify('dandori_work', '')"};
// A new job: dandori_work as any commit that makes work due, and dandori_job, which serve's
// job drivers take at once (dandori_work they take at most every 10 ms: it is frequent).
inline constexpr Sql kNotifyJob{
    "notify_job", "SELECT pg_notify('dandori_work', ''), pg_notify('dandori_job', '')"};

// One statement claims: the rescue candidates (expired leases) first, then due ready
// tasks, each locked with SKIP LOCKED so concurrent claimers never pick the same row;
// the UPDATE bumps token, attempts and lease; the INSERT writes task.rescued /
// task.started. $1 job (0: any running job), $2 owner, $3 now, $4 lease ms, $5 max,
// $6 operator LIKE patterns (empty array: any).
inline constexpr Sql kClaim{
    "claim",
    "WITH r AS (SELECT t.job, t.key, t.state AS old_state, t.owner AS old_owner "
    "  FROM dandori.tasks t WHERE t.state = 1 AND t.lease_until_ms < $3 "
    "  AND ($1 = 0 OR t.job = $1) "
    "  AND (cardinality($6::text[]) = 0 OR t.op LIKE ANY($6)) "
    "  AND EXISTS (SELECT 1 FROM dandori.jobs j WHERE j.id = t.job AND j.state = 0) "
    "  ORDER BY t.lease_until_ms LIMIT $5 FOR UPDATE OF t SKIP LOCKED), "
    "a AS (SELECT t.job, t.key, t.state AS old_state, t.owner AS old_owner "
    "  FROM dandori.tasks t WHERE t.state = 0 AND t.not_before_ms <= $3 "
    "  AND ($1 = 0 OR t.job = $1) "
    "  AND (cardinality($6::text[]) = 0 OR t.op LIKE ANY($6)) "
    "  AND EXISTS (SELECT 1 FROM dandori.jobs j WHERE j.id = t.job AND j.state = 0) "
    "  ORDER BY t.not_before_ms LIMIT $5 FOR UPDATE OF t SKIP LOCKED), "
    "c AS (SELECT * FROM (SELECT * FROM r UNION ALL SELECT * FROM a) x LIMIT $5), "
    "u AS (UPDATE dandori.tasks t SET state = 1, attempts = t.attempts + 1, fence = t.fence + 1, "
    "  owner = $2, lease_until_ms = $3 + $4, updated_ms = $3 FROM c "
    "  WHERE t.job = c.job AND t.key = c.key "
    "  RETURNING t.job, t.key, t.stage, t.state, t.attempts, t.not_before_ms, t.owner, "
    "  t.lease_until_ms, t.fence, t.output, t.error, t.error_class, t.updated_ms, t.label, "
    "  c.old_state, c.old_owner), "
    // The claimed jobs' event locks (kLockJobEvents), ascending, before any event's seq
    // is drawn: the one-time filter below runs this first.
    "l AS (SELECT count(pg_advisory_xact_lock(1684955497, (x.j % 2147483647)::int4)) AS n "
    "  FROM (SELECT DISTINCT u.job AS j FROM u ORDER BY 1) x), "
    "e AS (INSERT INTO dandori.events(job, at_ms, who, what, task, attempt, detail) "
    "  SELECT u.job, $3, $2, v.what, u.key, "
    "  CASE v.n WHEN 1 THEN u.attempts - 1 ELSE u.attempts END, "
    "  CASE v.n WHEN 1 THEN 'lease of ' || u.old_owner || ' expired' ELSE '' END "
    "  FROM u CROSS JOIN (VALUES (1, 'task.rescued'), (2, 'task.started')) AS v(n, what) "
    "  WHERE (v.n = 2 OR u.old_state = 1) AND (SELECT n FROM l) >= 0 "
    "  ORDER BY u.job, u.key, v.n) "
    "SELECT * FROM u"};
inline constexpr Sql kHeartbeat{
    "heartbeat",
    "UPDATE dandori.tasks SET lease_until_ms = $4 WHERE job = $1 AND key = $2 AND fence = $3 "
    "AND state = 1"};
inline constexpr Sql kLoadTasks{"load_tasks",
                                "SELECT " DANDORI_TASK_COLS " FROM dandori.tasks WHERE job = $1"};
inline constexpr Sql kGetTask{
    "get_task", "SELECT " DANDORI_TASK_COLS " FROM dandori.tasks WHERE job = $1 AND key = $2"};
inline constexpr Sql kListEvents{
    "list_events",
    "SELECT seq, job, at_ms, who, what, task, attempt, detail FROM dandori.events "
    "WHERE job = $1 AND seq > $2 ORDER BY seq LIMIT $3"};
inline constexpr Sql kAddSignal{
    "add_signal",
    "INSERT INTO dandori.signals(job, kind, name, who, at_ms) VALUES($1, $2, $3, $4, $5) "
    "ON CONFLICT DO NOTHING"};
inline constexpr Sql kListSignals{"list_signals",
                                  "SELECT kind, name, who, at_ms FROM dandori.signals "
                                  "WHERE job = $1 ORDER BY at_ms, kind, name"};
inline constexpr Sql kClearSignal{
    "clear_signal", "DELETE FROM dandori.signals WHERE job = $1 AND kind = $2 AND name = $3"};
inline constexpr Sql kCountTasks{
    "count_tasks",
    "SELECT state, op, count(*) FROM dandori.tasks t WHERE ($1 = 0 OR t.job = $1) "
    "GROUP BY state, op"};
inline constexpr Sql kCountJobs{"count_jobs",
                                "SELECT state, count(*) FROM dandori.jobs GROUP BY state"};

// An attempt's log stream (Batch::AddLog), replacing one stored for the same attempt.
inline constexpr Sql kPutLog{
    "put_log",
    "INSERT INTO dandori.logs(job, task, attempt, stream, text, truncated, at_ms) "
    "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job, task, attempt, stream) DO UPDATE SET "
    "text = excluded.text, truncated = excluded.truncated, at_ms = excluded.at_ms"};
inline Params LogParams(int64_t job, const LogChunk& l) {
  return Params()
      .Int(job)
      .Text(l.task)
      .Int(l.attempt)
      .Text(l.stream)
      .Bytes(l.text)
      .Bool(l.truncated)
      .Int(l.at_ms);
}
// $1 job, $2 task ('' any), $3 attempt (0 any).
inline constexpr Sql kListLogs{
    "list_logs",
    "SELECT task, attempt, stream, text, truncated, at_ms FROM dandori.logs WHERE job = $1 "
    "AND ($2 = '' OR task = $2) AND ($3 = 0 OR attempt = $3) AND at_ms >= $4 "
    "ORDER BY task, attempt, stream"};

inline constexpr Sql kListAlerts{
    "list_alerts",
    "SELECT state, attempts, error, not_before_ms, created_ms FROM dandori.alerts WHERE job = $1 "
    "ORDER BY id"};

inline constexpr Sql kGauges{
    "gauges",
    "SELECT 'dispatch_queued', count(*) FROM dandori.dispatch WHERE state = 0 "
    "UNION ALL SELECT 'dispatch_running', count(*) FROM dandori.dispatch WHERE state = 1 "
    "UNION ALL SELECT 'tasks_due', count(*) FROM dandori.tasks WHERE state = 0 AND "
    "not_before_ms <= $1 "
    "UNION ALL SELECT 'retries_total', count(*) FROM dandori.events WHERE what = 'task.retrying' "
    "UNION ALL SELECT 'task_rescues_total', count(*) FROM dandori.events WHERE what = "
    "'task.rescued' "
    "UNION ALL SELECT 'alerts_pending', count(*) FROM dandori.alerts WHERE state = 0 "
    "UNION ALL SELECT 'alerts_failed', count(*) FROM dandori.alerts WHERE state = 2 "
    "UNION ALL SELECT name, value FROM dandori.counters"};

}  // namespace dandori::engine::pg::sql
