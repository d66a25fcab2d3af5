// Global operator pools: see global_pools.h.
#include "server/global_pools.h"

#include <vector>

#include "engine/pg/pg_conn.h"
#include "server/dispatch_sql.h"

namespace dandori::server {

using engine::pg::Conn;
using engine::pg::Params;

Result<std::pair<std::string, int>> ParsePoolSpec(const std::string& spec) {
  auto eq = spec.find('=');
  auto bad = [&](const std::string& why) {
    return Status::Invalid("--pool " + spec + ": " + why + " (give NAME=N, e.g. media.encode=8)");
  };
  if (eq == std::string::npos || eq == 0) return bad("no NAME=");
  std::string name = spec.substr(0, eq), n = spec.substr(eq + 1);
  if (name.size() > 128) return bad("the name is longer than 128 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return bad("the name may hold only letters, digits, '.', '_' and '-'");
  }
  if (n.empty() || n.size() > 7 || n.find_first_not_of("0123456789") != std::string::npos) {
    return bad("N must be a whole number from 0 to 1000000");
  }
  int cap = std::stoi(n);
  if (cap > 1'000'000) return bad("N must be a whole number from 0 to 1000000");
  return std::make_pair(name, cap);
}

Status SetGlobalPools(Conn& conn, const std::map<std::string, int>& pools, int64_t now_ms) {
  if (pools.empty()) return Status::Ok();
  std::vector<Conn::Step> steps;
  for (const auto& [name, cap] : pools) {
    if (cap > 0) {
      steps.push_back({&sql::kPoolSet, Params().Text(name).Int(cap).Int(now_ms)});
    } else {
      steps.push_back({&sql::kPoolDelete, Params().Text(name)});
    }
  }
  // Executors waiting on a full pool claim again (a capacity may have grown).
  steps.push_back({&sql::kDispatchNotify, Params()});
  std::vector<engine::pg::PgResult> res;
  return conn.RunTransaction(steps, &res);
}

Result<std::map<std::string, int>> ListGlobalPools(Conn& conn) {
  auto r = conn.Run(sql::kPoolsList);
  if (!r.ok()) return r.status();
  std::map<std::string, int> out;
  for (int i = 0; i < r->rows(); ++i) out[r->Bytes(i, 0)] = static_cast<int>(r->Int(i, 1));
  return out;
}

}  // namespace dandori::server
