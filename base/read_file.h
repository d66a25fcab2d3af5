// ReadUserFile: the one way dandori reads a file a user named (a .flow source, an
// import, a .flowc, a params file). It refuses anything but a regular file (a device,
// FIFO, socket or directory, also behind a symlink) without blocking on it, and reads
// at most `max_bytes`, so /dev/zero or a FIFO can neither hang nor exhaust memory.
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"

namespace dandori {

// The default cap: the compiler's source limit (compiler/parse.h kMaxFileBytes).
inline constexpr size_t kMaxUserFileBytes = 10u << 20;  // 10 MiB

// The file's bytes. Errors name `path` and the cause: NotFound (missing), Invalid
// (not a regular file, or larger than max_bytes), Unavailable (a read error).
Result<std::string> ReadUserFile(const std::string& path, size_t max_bytes = kMaxUserFileBytes);

}  // namespace dandori
