// Registration of the fleet family, plus the two small ones: fleet.inventory and the
// registry calls (fleet.register / fleet.deregister: conditional changes, conditional.h;
// registering a registered server or deregistering one already gone sends nothing).
#include "stdlib/fleet/fleet_ops.h"

#include <filesystem>

#include "stdlib/fleet/conditional.h"
#include "stdlib/fleet/inventory.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori {
namespace fleet {
namespace {

Result<Value> Registry(OperatorContext& ctx, bool on) {
  auto server = ServerArg(ctx.args);
  if (!server.ok()) return server.status();
  auto changed = SetRegistration(ctx, *server, on);
  if (!changed.ok()) return changed.status();
  return Value::MakeRecord({{"server", Value::String(server->id)}});
}

}  // namespace

Result<Value> RunInventory(OperatorContext& ctx) {
  const Value* p = ctx.args.Find("path");
  if (!p || p->kind() != Value::Kind::kString)
    return Status::Permanent("fleet.inventory needs a path");
  std::filesystem::path path = p->as_string();
  if (path.is_relative() && !ctx.workdir.empty()) path = std::filesystem::path(ctx.workdir) / path;
  return LoadInventory(path.string());
}

Result<Value> RunRegister(OperatorContext& ctx) { return Registry(ctx, true); }
Result<Value> RunDeregister(OperatorContext& ctx) { return Registry(ctx, false); }

}  // namespace fleet

void RegisterFleetOperators(OperatorRegistry* registry) {
  registry->Register("fleet.inventory", MakeOperator(fleet::RunInventory));
  registry->Register("fleet.distribute", MakeOperator(fleet::RunDistribute));
  registry->Register("fleet.register", MakeOperator(fleet::RunRegister));
  registry->Register("fleet.deregister", MakeOperator(fleet::RunDeregister));
  registry->Register("fleet.drain", MakeOperator(fleet::RunDrain));
  registry->Register("fleet.restart", MakeOperator(fleet::RunRestart));
  registry->Register("fleet.health", MakeOperator(fleet::RunHealth));
  registry->Register("fleet.restore", MakeOperator(fleet::RunRestore));
  registry->Register("fleet.sweep", MakeOperator(fleet::RunSweep));
}

}  // namespace dandori
