// SQL of serve's retention (server/retention.h). Parameterized statements only.
#pragma once

#include "engine/pg/pg_conn.h"

namespace dandori::server::sql {

using engine::pg::Sql;

// Deletes up to $2 ended jobs last updated before $1 (ms), with every row they own
// (tasks, events, signals, dispatch rows, logs, delivered or failed alerts), in one
// statement; a job whose alert is still pending is kept until it is delivered. Returns
// the ids deleted.
inline constexpr Sql kDeleteEndedJobs{
    "delete_ended_jobs",
    "WITH old AS (SELECT j.id FROM dandori.jobs j WHERE j.state <> 0 AND j.updated_ms < $1 "
    "AND NOT EXISTS (SELECT 1 FROM dandori.alerts a WHERE a.job = j.id AND a.state = 0) "
    "ORDER BY j.id LIMIT $2 FOR UPDATE SKIP LOCKED), "
    "t AS (DELETE FROM dandori.tasks WHERE job IN (SELECT id FROM old)), "
    "e AS (DELETE FROM dandori.events WHERE job IN (SELECT id FROM old)), "
    "s AS (DELETE FROM dandori.signals WHERE job IN (SELECT id FROM old)), "
    "d AS (DELETE FROM dandori.dispatch WHERE job IN (SELECT id FROM old)), "
    "l AS (DELETE FROM dandori.logs WHERE job IN (SELECT id FROM old)), "
    "a AS (DELETE FROM dandori.alerts WHERE job IN (SELECT id FROM old)) "
    "DELETE FROM dandori.jobs WHERE id IN (SELECT id FROM old) RETURNING id"};

}  // namespace dandori::server::sql
