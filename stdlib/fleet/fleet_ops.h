// The fleet operator family (DESIGN §6): inventory, distribute, deregister, drain,
// restart, health, register, restore, sweep, speaking the fleet control protocol over HTTP (or a
// configured argv). Signatures live in stdlib/signatures.cc; docs/fleet.md describes the
// behaviour and the error classes.
#pragma once

#include "stdlib/operator.h"

namespace dandori {

void RegisterFleetOperators(OperatorRegistry* registry);

namespace fleet {
// Each operator's entry point, for direct tests through the OperatorContext contract.
Result<Value> RunInventory(OperatorContext& ctx);
Result<Value> RunDistribute(OperatorContext& ctx);
Result<Value> RunRegister(OperatorContext& ctx);
Result<Value> RunDeregister(OperatorContext& ctx);
Result<Value> RunDrain(OperatorContext& ctx);
Result<Value> RunRestart(OperatorContext& ctx);
Result<Value> RunHealth(OperatorContext& ctx);
Result<Value> RunRestore(OperatorContext& ctx);
Result<Value> RunSweep(OperatorContext& ctx);
}  // namespace fleet

}  // namespace dandori
