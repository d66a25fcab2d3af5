// `dandori ui`: the web view (server/web) and the API's read and steer routes over an
// embedded store (a SQLite file), for one person on their own machine. The same
// ApiServer as `dandori serve`, with these differences: it runs no jobs (submit is
// refused; the jobs are driven by the `dandori run` that started them, which picks up
// approvals and cancels from the store), it listens on loopback unless told otherwise,
// and its token is random per run unless a token file is given.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "engine/store.h"
#include "stdlib/operator.h"

namespace dandori::server {

struct UiOptions {
  std::string listen = "127.0.0.1:8481";
  bool allow_remote = false;  // a non-loopback --listen needs this
  std::string token;          // empty: a random one, printed
  std::string store_name;     // for the banner
  std::function<Result<std::unique_ptr<engine::Store>>()> open_store;
  const OperatorRegistry* registry = nullptr;
};

// Serves until SIGINT / SIGTERM; returns the exit code (2 for bad options).
int RunUi(const UiOptions& options);

// True for 127.0.0.0/8, ::1 and localhost.
bool IsLoopbackHost(const std::string& host);

}  // namespace dandori::server
