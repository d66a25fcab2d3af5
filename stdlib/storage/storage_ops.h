// The storage operator family (stdlib/signatures.cc "storage.*"): storage.place.
#pragma once

#include "stdlib/operator.h"

namespace dandori {

void RegisterStorageOperators(OperatorRegistry* registry);

}  // namespace dandori
