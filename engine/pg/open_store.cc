// OpenStore: see open_store.h.
#include "engine/pg/open_store.h"

#include "engine/pg/pg_store.h"
#include "engine/sqlite_store.h"

namespace dandori::engine {

Result<std::unique_ptr<Store>> OpenStore(const std::string& spec, const OpenStoreOptions& options) {
  if (IsPostgresUrl(spec)) {
    auto pg = OpenPgStore(spec, {.migrate = options.migrate});
    if (!pg.ok()) return pg.status();
    return std::unique_ptr<Store>(std::move(*pg));
  }
  return OpenSqliteStore(spec);
}

}  // namespace dandori::engine
