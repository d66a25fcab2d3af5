// The core operator family (DESIGN §6): exec, sleep, noop, fail, http.request and
// notify.webhook. Their signatures live in stdlib/signatures.cc; RegisterCoreOperators
// adds the implementations to a registry (the engine and the CLI call it).
#pragma once

#include "stdlib/operator.h"

namespace dandori {

void RegisterCoreOperators(OperatorRegistry* r);

}  // namespace dandori
