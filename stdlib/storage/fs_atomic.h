// Filesystem helpers for publishing operator outputs atomically (DESIGN §6): a reader
// sees either nothing or the whole file / folder, never half of it. Outputs are built
// under a temporary name, fsynced, then renamed into place; the parent directory is
// fsynced so the rename survives a crash. errno values map to operator error classes
// (ENOSPC / EDQUOT / EROFS / EACCES / ENOENT: permanent; EIO, EAGAIN, EINTR: transient).
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace dandori {

// Classifies an errno from an operation `what` on `path` ("write", "rename", ...).
Status ErrnoStatus(int err, const std::string& what, const std::string& path);

// Joins a path relative to `base` (absolute paths are returned unchanged).
std::string ResolvePath(const std::string& base, const std::string& path);

// fsyncs a file or a directory.
Status FsyncPath(const std::string& path);
// fsyncs every file and directory under `path` (and `path` itself).
Status FsyncTree(const std::string& path);

// fsync(tmp); rename(tmp, final); fsync(dirname(final)).
Status PublishFile(const std::string& tmp, const std::string& final_path);
// FsyncTree(tmp); rename into place. An existing `final_dir` (a retried attempt) is
// swapped out atomically with renameat2(RENAME_EXCHANGE), then removed.
Status PublishDir(const std::string& tmp_dir, const std::string& final_dir);

// Copies a file or a folder tree (regular files, directories; symlinks refused) with
// write errors classified; returns the bytes copied. Files are fsynced.
Result<int64_t> CopyTree(const std::string& src, const std::string& dst);
// Copies one regular file's bytes onto an already-open-able path (used by CopyTree; a
// test writes to /dev/full to see ENOSPC classified).
Result<int64_t> CopyFileBytes(const std::string& src, const std::string& dst, bool create);

// Total size of the regular files under `path` (or of the file).
int64_t TreeBytes(const std::string& path);

// Removes a path recursively; ignores errors (cleanup of partial output).
void RemoveTreeQuietly(const std::string& path);

}  // namespace dandori
