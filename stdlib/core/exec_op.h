// The `exec` operator: runs a program from an argv list (never through a shell) with
// extra environment variables and a working directory, and maps how it ended to an
// error class:
//   exit 0                         -> ok: {exit_code, stdout (last 4 KB), stdout_path, stderr_path}
//   exit code in transient_codes   -> kTransient
//   killed by a signal             -> kTransient (OOM killer, a crashed child)
//   any other exit code            -> kPermanent, with the tail of stderr in the message
//   program not found, bad cwd     -> kPermanent
//   cancelled                      -> kCancelled (the child's process group is stopped)
// stdout and stderr go to exec.<attempt>.stdout / .stderr in the attempt's scratch
// directory. The operator beats ctx.Heartbeat() every second while the child runs, from
// a helper thread (so the engine's heartbeat callback must be thread-safe). An attempt
// deadline (ctx.deadline_ms) stops the child and yields kTimeout.
#pragma once

#include "stdlib/operator.h"

namespace dandori {

Result<Value> RunExec(OperatorContext& ctx);

}  // namespace dandori
