// SQL of the dispatch queue (server/dispatch.h): attempts an engine hands to task
// executors. Parameterized statements only.
#pragma once

#include "engine/pg/pg_conn.h"
#include "engine/pg/pg_sql.h"

namespace dandori::server::sql {

using engine::pg::Sql;

// Engine side, for all jobs one engine drives at once (server/dispatch.h, Dispatcher).
// $1 engine, $2 now, then one array per column.
inline constexpr Sql kDispatchInsert{
    "dispatch_insert",
    "INSERT INTO dandori.dispatch(engine, job, attempt_id, task, attempt, fence, op, args, "
    "workdir, scratch_dir, deadline_ms, pool, created_ms) "
    "SELECT $1, u.job, u.attempt_id, u.task, u.attempt, COALESCE(t.fence, 0), u.op, u.args, "
    "u.workdir, u.scratch_dir, u.deadline_ms, u.pool, $2 "
    "FROM unnest($3::int8[], $4::int8[], $5::text[], $6::int8[], $7::text[], $8::bytea[], "
    "$9::text[], $10::text[], $11::int8[], $12::text[]) AS u(job, attempt_id, task, attempt, "
    "op, args, workdir, scratch_dir, deadline_ms, pool) LEFT JOIN dandori.tasks t ON "
    "t.job = u.job AND t.key = u.task "
    // Queued again after a lost answer (a database outage): one row per task attempt.
    "ON CONFLICT (job, task, fence) DO NOTHING"};
inline constexpr Sql kDispatchNotify{"dispatch_notify", "SELECT pg_notify('dandori_dispatch', '')"};

// Collect finished attempts, then forget the collected ones (two statements, so an
// answer lost in an outage is collected again, not lost).
inline constexpr Sql kDispatchCollect{
    "dispatch_collect",
    "SELECT job, attempt_id, result, error, error_class FROM dandori.dispatch WHERE engine = $1 "
    "AND state = 2"};
inline constexpr Sql kDispatchDrop{
    "dispatch_drop",
    "DELETE FROM dandori.dispatch d USING unnest($2::int8[], $3::int8[]) AS v(job, attempt_id) "
    "WHERE d.engine = $1 AND d.state = 2 AND d.job = v.job AND d.attempt_id = v.attempt_id"};
inline constexpr Sql kDispatchBeats{
    "dispatch_beats",
    "SELECT job, attempt_id, beat_ms FROM dandori.dispatch WHERE engine = $1 AND state = 1"};
inline constexpr Sql kDispatchCancel{
    "dispatch_cancel",
    "UPDATE dandori.dispatch d SET cancel = true FROM unnest($2::int8[], $3::int8[]) AS "
    "v(job, attempt_id) WHERE d.engine = $1 AND d.job = v.job AND d.attempt_id = v.attempt_id"};
// Attempts still queued for jobs this engine no longer drives.
inline constexpr Sql kDispatchForget{
    "dispatch_forget", "DELETE FROM dandori.dispatch WHERE engine = $1 AND job = ANY($2::int8[])"};
// Running jobs an engine may take: no owner, an expired lease, or another owner (whom
// the engine checks: a dead process on this host). $1 engine, $2 now, $3 limit.
inline constexpr Sql kFreeJobs{
    "free_jobs",
    "SELECT id, owner, owner_until_ms FROM dandori.jobs WHERE state = 0 AND (owner = '' OR "
    "owner_until_ms < $2 OR owner <> $1) ORDER BY id LIMIT $3"};
// Takes the leases of running jobs nobody holds (no owner, or a lease that ran out, with
// the restart grace of kAcquireJob) in the statement that finds them. $1 engine, $2 now,
// $3 limit, $4 lease ms.
inline constexpr Sql kTakeJobs{
    "take_jobs",
    "UPDATE dandori.jobs j SET owner = $1, owner_until_ms = $2 + $4 FROM (SELECT id FROM "
    "dandori.jobs WHERE state = 0 AND (owner = '' OR (owner_until_ms < $2 AND "
    DANDORI_DB_UP_FOR_A_LEASE("$2", "$4") ")) ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) f "
    "WHERE j.id = f.id RETURNING j.id"};
// Housekeeping: attempts of engines that no longer drive their job.
inline constexpr Sql kDispatchOrphans{
    "dispatch_orphans",
    "DELETE FROM dandori.dispatch d WHERE NOT EXISTS (SELECT 1 FROM dandori.jobs j WHERE "
    "j.id = d.job AND j.owner = d.engine AND j.state = 0)"};

// Worker side. Zombie rescue: a running attempt whose executor stopped renewing its
// lease (it died or stalled) ends as `lost` (a real attempt: the engine's retry policy
// decides, and retries it once even without one), counted with how long it went
// without a heartbeat. After a database restart no lease counts as expired until the
// database has been up for a whole lease: executors that lived through the outage
// renew theirs meanwhile. $1 now, $2 lease ms, $3 the lost error class.
inline constexpr Sql kDispatchLost{
    "dispatch_lost",
    "WITH c AS (SELECT d.id FROM dandori.dispatch d WHERE d.state = 1 AND d.lease_until_ms < $1 "
    "  AND " DANDORI_DB_UP_FOR_A_LEASE("$1", "$2") " AND NOT d.cancel "
    "  AND EXISTS (SELECT 1 FROM dandori.jobs j WHERE j.id = d.job AND j.owner = d.engine "
    "    AND j.state = 0) "
    "  ORDER BY d.id LIMIT 100 FOR UPDATE OF d SKIP LOCKED), "
    "u AS (UPDATE dandori.dispatch d SET state = 2, result = NULL, error_class = $3, "
    "  error = 'its executor ' || d.worker || ' stopped renewing its lease (it died or "
    "stalled)', rescues = d.rescues + 1 FROM c WHERE d.id = c.id "
    "  RETURNING d.id, d.job, $1 - d.beat_ms AS waited), "
    "r AS (INSERT INTO dandori.counters(name, value) "
    "  SELECT 'dispatch_rescues', count(*) FROM u HAVING count(*) > 0 "
    "  ON CONFLICT (name) DO UPDATE SET value = dandori.counters.value + excluded.value), "
    "w AS (INSERT INTO dandori.counters(name, value) "
    "  SELECT 'dispatch_max_rescue_wait_ms', max(waited) FROM u "
    "  HAVING count(*) > 0 ON CONFLICT (name) DO UPDATE SET value = "
    "  greatest(dandori.counters.value, excluded.value)) "
    "SELECT u.id, pg_notify('dandori_done', u.job::text) FROM u"};
// Claim queued attempts. $1 worker, $2 now, $3 max, $4 op LIKE patterns, $5 lease ms.
// kDispatchClaim takes attempts of pools without a global capacity (dandori.pools);
// kDispatchClaimPooled, in a transaction after kPoolsLock, the others: at most a
// pool's capacity minus its running attempts. kPoolsLock serializes pooled claims
// across all executors, and the claim's snapshot, taken after the lock, sees every
// earlier claim committed: a pool never runs more than its capacity. Slots free when an
// attempt ends (state 2), is handed back (0), or its row is deleted.
#define DANDORI_DISPATCH_CLAIMABLE(d)                                            \
  d ".state = 0 AND NOT " d ".cancel AND (cardinality($4::text[]) = 0 OR " d     \
    ".op LIKE ANY($4)) AND EXISTS (SELECT 1 FROM dandori.jobs j WHERE j.id = " d \
    ".job "                                                                      \
    "AND j.owner = " d ".engine AND j.state = 0) "
#define DANDORI_DISPATCH_CLAIM_TAIL                                                          \
  "u AS (UPDATE dandori.dispatch d SET state = 1, worker = $1, wfence = d.wfence + 1, "      \
  "  lease_until_ms = $2 + $5, beat_ms = $2, started_ms = $2 FROM c WHERE d.id = c.id "      \
  "  RETURNING d.id, d.wfence, d.job, d.task, d.attempt, d.fence, d.op, d.args, d.workdir, " \
  "  d.scratch_dir, d.deadline_ms, c.old_state, d.created_ms) "                              \
  "SELECT id, wfence, job, task, attempt, fence, op, args, workdir, scratch_dir, "           \
  "deadline_ms, old_state, created_ms FROM u"
inline constexpr Sql kDispatchClaim{
    "dispatch_claim",
    "WITH c AS (SELECT d.id, d.state AS old_state FROM dandori.dispatch d WHERE "
    DANDORI_DISPATCH_CLAIMABLE("d")
    "  AND NOT EXISTS (SELECT 1 FROM dandori.pools p WHERE p.name = d.pool) "
    "  ORDER BY d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED), " DANDORI_DISPATCH_CLAIM_TAIL};
inline constexpr Sql kPoolsLock{"pools_lock",
                                "SELECT name FROM dandori.pools ORDER BY name FOR UPDATE"};
inline constexpr Sql kDispatchClaimPooled{
    "dispatch_claim_pooled",
    "WITH p AS (SELECT pl.name, pl.capacity - (SELECT count(*) FROM dandori.dispatch r "
    "  WHERE r.state = 1 AND r.pool = pl.name) AS free FROM dandori.pools pl), "
    "q AS (SELECT d.id, p.free, row_number() OVER (PARTITION BY d.pool ORDER BY d.id) AS rn "
    "  FROM dandori.dispatch d JOIN p ON p.name = d.pool WHERE p.free > 0 AND "
    DANDORI_DISPATCH_CLAIMABLE("d") "), "
    "c AS (SELECT d.id, d.state AS old_state FROM dandori.dispatch d JOIN q ON q.id = d.id "
    "  WHERE q.rn <= q.free ORDER BY d.id LIMIT $3 FOR UPDATE OF d SKIP LOCKED), "
    DANDORI_DISPATCH_CLAIM_TAIL};
#undef DANDORI_DISPATCH_CLAIMABLE
#undef DANDORI_DISPATCH_CLAIM_TAIL
// How many global pools there are (executors skip the pooled claim without any).
inline constexpr Sql kPoolsCount{"pools_count", "SELECT count(*) FROM dandori.pools"};
// serve --pool NAME=N: set ($2 > 0) or remove ($2 = 0) a global capacity; wakes executors.
inline constexpr Sql kPoolSet{
    "pool_set",
    "INSERT INTO dandori.pools(name, capacity, updated_ms) VALUES($1, $2, $3) "
    "ON CONFLICT (name) DO UPDATE SET capacity = excluded.capacity, "
    "updated_ms = excluded.updated_ms"};
inline constexpr Sql kPoolDelete{"pool_delete", "DELETE FROM dandori.pools WHERE name = $1"};
inline constexpr Sql kPoolsList{"pools_list",
                                "SELECT name, capacity FROM dandori.pools ORDER BY name"};

// Results of many attempts, each fenced by the executor's token; wakes their engines.
inline constexpr Sql kDispatchFinish{
    "dispatch_finish",
    "WITH u AS (UPDATE dandori.dispatch d SET state = 2, result = v.result, error = v.error, "
    "  error_class = v.error_class FROM unnest($1::int8[], $2::int8[], $3::bytea[], $4::text[], "
    "  $5::int8[]) AS v(id, wfence, result, error, error_class) "
    "  WHERE d.id = v.id AND d.wfence = v.wfence AND d.state = 1 RETURNING d.id, d.job, d.pool) "
    // A freed slot of a global pool may let a queued attempt of that pool be claimed.
    "SELECT u.id, pg_notify('dandori_done', u.job::text), CASE WHEN EXISTS (SELECT 1 FROM "
    "dandori.pools p WHERE p.name = u.pool) THEN pg_notify('dandori_dispatch', '') END FROM u"};
// Lease renewal for many attempts; the returned rows are still ours (cancel flag).
inline constexpr Sql kDispatchRenew{
    "dispatch_renew",
    "UPDATE dandori.dispatch d SET lease_until_ms = $1 + $2, beat_ms = $1 "
    "FROM unnest($3::int8[], $4::int8[]) AS v(id, wfence) "
    "WHERE d.id = v.id AND d.wfence = v.wfence AND d.state = 1 RETURNING d.id, d.cancel"};
// Graceful stop: hand attempts back to the queue at once (no lease wait).
inline constexpr Sql kDispatchRelease{
    "dispatch_release",
    "UPDATE dandori.dispatch d SET state = 0, worker = '', lease_until_ms = 0 "
    "FROM unnest($1::int8[], $2::int8[]) AS v(id, wfence) "
    "WHERE d.id = v.id AND d.wfence = v.wfence AND d.state = 1"};
inline constexpr Sql kCounters{"counters", "SELECT name, value FROM dandori.counters"};

}  // namespace dandori::server::sql
