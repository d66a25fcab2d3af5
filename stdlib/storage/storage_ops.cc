#include "stdlib/storage/storage_ops.h"

#include "stdlib/storage/place.h"

namespace dandori {

void RegisterStorageOperators(OperatorRegistry* registry) {
  registry->Register("storage.place", MakeOperator(RunPlace));
}

}  // namespace dandori
