// Global operator pools: a capacity per pool name, kept in dandori.pools, that caps the
// running attempts of that pool across every job, serve and worker sharing the database
// (`serve --pool media.encode=8`). A task's global pool is its stage's `pool NAME`
// policy, else its operator's name ("media.encode"). Executors enforce it when they claim
// (server/dispatch_sql.h, kDispatchClaimPooled); each job's scheduler still applies its
// own per-job pools first (engine/pool.h). docs/postgres.md, "Global pools".
#pragma once

#include <map>
#include <string>
#include <utility>

#include "base/status.h"

namespace dandori::engine::pg {
class Conn;
}  // namespace dandori::engine::pg

namespace dandori::server {

// "NAME=N" -> {NAME, N}: NAME of letters, digits, '.', '_', '-'; N from 0 (remove the
// global capacity) to 1,000,000.
Result<std::pair<std::string, int>> ParsePoolSpec(const std::string& spec);

// Sets (capacity > 0) or removes (0) each pool's global capacity, in one transaction.
Status SetGlobalPools(engine::pg::Conn& conn, const std::map<std::string, int>& pools,
                      int64_t now_ms);

// The global capacities now in the database, by name.
Result<std::map<std::string, int>> ListGlobalPools(engine::pg::Conn& conn);

}  // namespace dandori::server
