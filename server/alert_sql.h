// SQL of the alert outbox (server/alerts.h). Parameterized statements only.
#pragma once

#include "engine/pg/pg_conn.h"

namespace dandori::server::sql {

using engine::pg::Sql;

// One due alert for this serve: $1 owner, $2 now, $3 lease ms.
inline constexpr Sql kAlertClaim{
    "alert_claim",
    "UPDATE dandori.alerts a SET owner = $1, lease_until_ms = $2 + $3, attempts = a.attempts + 1, "
    "updated_ms = $2 WHERE a.id = (SELECT id FROM dandori.alerts WHERE state = 0 AND "
    "not_before_ms <= $2 AND lease_until_ms < $2 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING a.id, a.job, a.text, a.attempts"};
// The outcome of a try: $1 id, $2 owner, $3 state (0 pending, 1 delivered, 2 failed),
// $4 not before (pending), $5 error, $6 now.
inline constexpr Sql kAlertRecord{
    "alert_record",
    "UPDATE dandori.alerts SET state = $3, not_before_ms = $4, error = $5, owner = '', "
    "lease_until_ms = 0, updated_ms = $6 WHERE id = $1 AND owner = $2"};

}  // namespace dandori::server::sql
