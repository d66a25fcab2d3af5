// The HTTP core operators, over stdlib/core/http_client.h:
//   http.request(url, method, body, headers, timeout, expect)
//       -> {status, body, json}; a record or list body is sent as JSON; `json` is the
//          parsed response body when it is JSON, else null. A status outside `expect`
//          (default: any 2xx) is an error classified like http_client.h.
//   notify.webhook(url, text, timeout)
//       -> {status}; POSTs the Slack-compatible body {"text": text}.
#pragma once

#include "stdlib/operator.h"

namespace dandori {

Result<Value> RunHttpRequest(OperatorContext& ctx);
Result<Value> RunNotifyWebhook(OperatorContext& ctx);

}  // namespace dandori
