#include "stdlib/core/core_ops.h"

#include "stdlib/core/basic_ops.h"
#include "stdlib/core/exec_op.h"
#include "stdlib/core/http_ops.h"

namespace dandori {

void RegisterCoreOperators(OperatorRegistry* r) {
  r->Register("exec", MakeOperator(RunExec));
  r->Register("sleep", MakeOperator(RunSleep));
  r->Register("noop", MakeOperator(RunNoop));
  r->Register("fail", MakeOperator(RunFail));
  r->Register("http.request", MakeOperator(RunHttpRequest));
  r->Register("notify.webhook", MakeOperator(RunNotifyWebhook));
}

}  // namespace dandori
