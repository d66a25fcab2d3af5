// The PostgreSQL store's schema (all tables in the `dandori` schema of the database)
// and its migrations. The schema version lives in dandori.meta; Migrate() applies the
// missing migrations in order under an advisory lock, so several `serve` processes
// starting at once migrate exactly once. A database whose version is newer than this
// binary's is refused (kFailedPrecondition naming both versions). Format: docs/store.md.
#pragma once

#include "base/status.h"
#include "engine/pg/pg_conn.h"

namespace dandori::engine::pg {

inline constexpr int kPgSchemaVersion = 5;

// The version stored in the database; 0 for a database without the dandori schema.
Result<int> SchemaVersion(Conn& conn);

// Brings the database up to kPgSchemaVersion (serve). Refuses a newer database.
Status Migrate(Conn& conn);

// Checks that the database is exactly at kPgSchemaVersion (workers do not migrate).
Status RequireCurrentSchema(Conn& conn);

}  // namespace dandori::engine::pg
