// fleet.inventory: reads a fleet inventory (YAML, or JSON, which YAML also reads) into
// the {zones: list<zone>, servers: int} record. Side-effect free, so `dandori plan` can
// expand a deploy against it.
//
// Format:
//   defaults:                 # optional; also allowed per zone; {id} {zone} {host} expand
//     admin: "http://{host}:8080/admin"
//     metrics: "http://{host}:9100/metrics"
//     registry: "http://registry.example/zones/{zone}"
//     restart_argv: ["ssh", "{host}", "systemctl", "restart", "camera-server"]
//   zones:
//     - name: z01
//       servers:
//         - {id: z01-s001, host: cam1.example}        # URLs from defaults
//         - {id: z01-s002, admin: "...", metrics: "...", registry: "..."}
// `zones` may also be a map from zone name to its server list.
#pragma once

#include <string>

#include "base/status.h"
#include "base/value.h"

namespace dandori::fleet {

// kPermanent with "FILE:LINE:COL: message" on any problem (missing file, syntax,
// a server without id or URL, duplicate ids, no zones).
Result<Value> LoadInventory(const std::string& path);

}  // namespace dandori::fleet
