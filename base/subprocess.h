// Subprocess: runs a program from an argv list (never a shell string) in its own
// process group, with optional env, cwd, stdout/stderr files, a timeout and a
// CancelToken. Cancellation or timeout sends SIGTERM to the group, then SIGKILL after
// a grace period. Used by `exec`, the media operators (ffmpeg) and fleet argv hooks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/cancel.h"
#include "base/status.h"

namespace dandori {

struct SubprocessOptions {
  std::vector<std::string> argv;                 // argv[0] looked up in PATH if no '/'
  std::map<std::string, std::string> env_extra;  // added to (or overriding) our environment
  bool clear_env = false;                        // start from an empty environment
  std::string cwd;                               // empty: inherit
  std::string stdout_path;                       // empty: /dev/null (unless on_stdout_line)
  std::string stderr_path;                       // empty: /dev/null
  std::string stdin_path;                        // empty: /dev/null
  // Called for each line the child writes to stdout (stdout is then a pipe; the lines
  // are also appended to stdout_path if set).
  std::function<void(const std::string& line)> on_stdout_line;
  int64_t timeout_ms = 0;        // 0: none
  int64_t kill_grace_ms = 2000;  // SIGTERM -> SIGKILL
  CancelToken* cancel = nullptr;
};

struct SubprocessResult {
  int exit_code = -1;   // valid when !signaled
  int term_signal = 0;  // the signal that ended the child, if any
  bool timed_out = false;
  bool cancelled = false;
  int64_t wall_ms = 0;
  double cpu_seconds = 0;  // user + system of the child
};

// Fails only when the program could not be started (kNotFound for a missing program).
// A non-zero exit is a successful Run with result.exit_code set.
Result<SubprocessResult> RunSubprocess(const SubprocessOptions& options);

// Reads up to `max_bytes` from the end of a file (for error messages from stderr logs).
std::string TailOfFile(const std::string& path, size_t max_bytes = 2000);

}  // namespace dandori
