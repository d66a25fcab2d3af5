// The embedded store: one SQLite file (default `.dandori/state.db` under the working
// directory), WAL mode, synchronous=FULL so a committed transaction survives a crash.
// Schema and versioning: docs/store.md. A file written by a newer dandori (higher
// schema version) is refused; a corrupt file is kCorruption; a file locked by another
// process past the busy timeout is kUnavailable. Opening never writes to a file that
// fails these checks.
#pragma once

#include <memory>
#include <string>

#include "engine/store.h"

namespace dandori::engine {

inline constexpr int kSqliteSchemaVersion = 2;  // 2: task labels, attempt logs

struct SqliteOptions {
  bool create = true;          // create the file (and its folder) when missing
  int busy_timeout_ms = 3000;  // wait this long for another process's write lock
  bool durable = true;         // synchronous=FULL (false: NORMAL, for throwaway stores)
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const SqliteOptions& options = {});

}  // namespace dandori::engine
