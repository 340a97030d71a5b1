#!/usr/bin/env python3
"""200 concurrent `runas credential-process PROFILE` calls with the profile's cached
credentials expired: every caller must be answered with the same new key from exactly one
STS exchange. Prints one JSON object: latency percentiles (each caller's own spawn-to-exit
wall time), the STS calls counted by the AWS peer, how many answered, distinct keys, and the
lock files in the cache before and after (one per key, kept: a released flock on a kept file
is the lock, not a leftover).

usage: bench-concurrent.py RUNAS PROFILE CACHE_DIR AWS_PEER_URL [CALLERS]
Loopback only: the peer URL is the local AWS peer's."""
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

runas, profile, cache, peer = sys.argv[1:5]
callers = int(sys.argv[5]) if len(sys.argv) > 5 else 200


def sts_calls():
    with urllib.request.urlopen(f"{peer}/runas-peer/stats", timeout=10) as answer:
        stats = json.load(answer)
    return sum(v for k, v in stats.items() if k.startswith("sts:"))


def expire():
    past = lambda minutes: (datetime.datetime.now(datetime.timezone.utc)
                            - datetime.timedelta(minutes=minutes)).isoformat()
    for path in glob.glob(os.path.join(cache, "credentials", "*")):
        with open(path) as f:
            envelope = json.load(f)
        envelope["entry"]["credentials"]["expiration"] = past(1)
        envelope["entry"]["obtained_at"] = past(61)
        with open(path, "w") as f:
            json.dump(envelope, f)


locks_before = sorted(os.listdir(os.path.join(cache, "locks")))
expire()
before = sts_calls()
started = []
processes = []
for _ in range(callers):
    started.append(time.monotonic())
    processes.append(subprocess.Popen([runas, "credential-process", profile],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
latencies, keys, answered = [None] * callers, set(), 0
pending = set(range(callers))
while pending:
    for i in list(pending):
        if processes[i].poll() is not None:
            latencies[i] = (time.monotonic() - started[i]) * 1000
            out = processes[i].stdout.read()
            if processes[i].returncode == 0:
                answered += 1
                keys.add(json.loads(out)["AccessKeyId"])
            pending.discard(i)
    time.sleep(0.001)
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(json.dumps({
    "callers": callers, "answered": answered, "distinct_keys": len(keys),
    "sts_calls": sts_calls() - before,
    "p50_ms": statistics.median(latencies), "p99_ms": pick(0.99), "max_ms": latencies[-1],
    "locks_before": locks_before, "locks_after": sorted(os.listdir(os.path.join(cache, "locks"))),
}))
