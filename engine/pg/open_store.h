// OpenStore: turns a --store argument into a Store (the CLI's OpenStoreArg, cli/driver.cc,
// checks the path first and calls it). A postgres:// or postgresql:// URL opens the
// PostgreSQL store, bringing its schema up to date when `migrate` (else a schema that is
// not current is refused); any other string is the path of an embedded SQLite file,
// created when missing. It lives in engine/pg because it links both stores.
#pragma once

#include <memory>
#include <string>

#include "engine/store.h"

namespace dandori::engine {

struct OpenStoreOptions {
  bool migrate = true;  // PostgreSQL only: apply migrations; false: require the current schema
};

Result<std::unique_ptr<Store>> OpenStore(const std::string& spec,
                                         const OpenStoreOptions& options = {});

}  // namespace dandori::engine
