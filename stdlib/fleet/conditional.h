// Conditional changes: every request that changes a server or its registry entry names
// the revision its sender read (`If-Match: "REV"`, the ETag of GET status / GET registry
// entry), so a request delivered late or twice changes nothing once the server has moved
// on: the peer answers 412 and the operator looks again. The case this guards: a client
// gives up on a DELETE at its timeout, its retry succeeds, the server is drained,
// restarted and registered again, and then the first DELETE arrives and would take a
// finished server out of service (below the zone's floor, unseen by the engine).
// Each change also reads first and does nothing when the target is already as wanted,
// so a step repeated after an engine was killed is a no-op. A peer that gives no
// revision (no ETag) gets plain requests.
#pragma once

#include <functional>
#include <optional>

#include "base/status.h"
#include "stdlib/fleet/fleet_http.h"
#include "stdlib/fleet/server_ref.h"
#include "stdlib/operator.h"

namespace dandori::fleet {

// Reads the target: the reply whose ETag the change names, or nullopt when the target
// is already as wanted (nothing to send).
using LookFn = std::function<Result<std::optional<HttpReply>>()>;

// Looks, then sends `change` on condition of the revision seen; on 412 looks again (a
// few rounds, then kTransient). The change's reply, or nullopt when there was nothing
// to do.
Result<std::optional<HttpReply>> ChangeIfCurrent(HttpRequest change, const LookFn& look);

// PUT / DELETE {registry}/servers/{id} as a conditional change: reads the entry first
// (GET: 200 registered, 404 not; a registry without GET gets a plain request); a
// DELETE of an entry already gone is done. True when it changed the entry.
Result<bool> SetRegistration(OperatorContext& ctx, const ServerRef& server, bool on);

}  // namespace dandori::fleet
