// The HTTP client side of the `--server URL` command forms (submit, status, events,
// approve, cancel, resume, retry) against `dandori serve`'s API. The server applies
// engine/job_control.h's rules; its answers are turned into the same structs and
// printed by cli/job_view.h, so `--server` and `--store` print alike. Implemented in
// api_client.cc (cpp-httplib stays in .cc files). Each function prints what the
// command prints and returns its exit code (0 ok, 1 the work failed, 2 bad input or
// an unreachable/refusing server).
#pragma once

#include <map>
#include <string>

#include "base/status.h"

namespace CLI {
class App;
}

namespace dandori::cli {

struct ApiTarget {
  std::string server;      // http://HOST:PORT
  std::string token_file;  // empty: $DANDORI_TOKEN
};

// A GET of the API with the token: the body of a 2xx, or the server's error (kNotFound
// for 404, kUnavailable when it cannot be reached). `plan --server` reads history so.
Result<std::string> ApiGet(const ApiTarget& t, const std::string& path);

// Declares a job command's --store, or --server with --token-file (they exclude each
// other), on `sub`.
void AddStoreOrServer(CLI::App* sub, std::string* store, ApiTarget* target);

// FILE is a .flow (sent as source, compiled by the server) or a .flowc (sent as bytes).
// wait: then waits for the job to end and returns its exit code (PrintEnd).
int RemoteSubmit(const ApiTarget& t, const std::string& file,
                 const std::map<std::string, std::string>& params, const std::string& key,
                 bool wait);
// job empty: list jobs.
int RemoteStatus(const ApiTarget& t, const std::string& job, bool json);
int RemoteEvents(const ApiTarget& t, const std::string& job, bool json, bool follow);
// `logs` (cli/cmd_logs.cc): task is a key or a label, attempt 0 every attempt.
int RemoteLogs(const ApiTarget& t, const std::string& job, const std::string& task, int attempt,
               bool json, bool follow);
// action: approve (gate required), cancel, resume, retry.
int RemoteAction(const ApiTarget& t, const std::string& job, const std::string& action,
                 const std::string& gate);

}  // namespace dandori::cli
