// OpenStore: the one place that turns a --store argument into a Store. A postgres://
// or postgresql:// URL opens the PostgreSQL store (migrating it when `migrate`); any
// other string is a path to the embedded SQLite file.
#pragma once

#include <memory>
#include <string>

#include "engine/store.h"

namespace dandori::engine {

struct OpenStoreOptions {
  bool migrate = true;  // PostgreSQL: apply migrations (serve, run); false: require current
};

Result<std::unique_ptr<Store>> OpenStore(const std::string& spec,
                                         const OpenStoreOptions& options = {});

}  // namespace dandori::engine
