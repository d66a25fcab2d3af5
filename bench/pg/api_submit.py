#!/usr/bin/env python3
"""api_submit.py URL TOKEN_FILE FLOW N INTERVAL_S: N jobs of FLOW POSTed to serve's HTTP API
(/v1/jobs, the .flow source) by this one process, one every INTERVAL_S seconds, on a
fixed schedule (a late POST does not push the later ones back). Exits 1 on any refused
submit. The latency is read from the database afterwards (bench/pg/run.sh)."""
import json
import sys
import time
import urllib.request

url, token_file, flow, n, interval = sys.argv[1:]
token = open(token_file).read().strip()
body = json.dumps({"source": {"path": "one.flow", "text": open(flow).read()}}).encode()
t0 = time.monotonic()
for i in range(int(n)):
    delay = t0 + i * float(interval) - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    req = urllib.request.Request(url + "/v1/jobs", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as res:
        if res.status >= 300:
            sys.exit(f"submit {i}: HTTP {res.status}")
        json.load(res)
