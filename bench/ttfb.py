#!/usr/bin/env python3
"""Streaming time-to-first-byte probe (standard library only).

Sends N sequential `stream: true` chat completions over one keep-alive connection and
measures, per request, the time from sending the request to (a) the response headers and
(b) the first SSE `data:` event, plus the time to the end of the stream (`data: [DONE]`).
Prints one JSON object with percentiles in microseconds.

Usage: ttfb.py HOST PORT PATH BODY_FILE N [AUTH_HEADER_VALUE]
"""

import http.client
import json
import sys
import time


def percentile(sorted_values, p):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def summarize(values_s):
    values = sorted(v * 1e6 for v in values_s)
    return {
        "p50_us": percentile(values, 50),
        "p90_us": percentile(values, 90),
        "p99_us": percentile(values, 99),
        "max_us": values[-1] if values else None,
        "mean_us": sum(values) / len(values) if values else None,
    }


def one(conn, path, body, headers):
    t0 = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    resp = conn.getresponse()
    t_headers = time.perf_counter()
    if resp.status != 200:
        resp.read()
        return resp.status, None
    buf = b""
    t_first = None
    while True:
        chunk = resp.read1(65536)
        if not chunk:
            break
        buf += chunk
        if t_first is None and b"data:" in buf:
            t_first = time.perf_counter()
    t_end = time.perf_counter()
    ok = b"[DONE]" in buf and t_first is not None
    return (200 if ok else 599), (t_headers - t0, t_first - t0 if t_first else None, t_end - t0)


def main():
    host, port, path, body_file, n = sys.argv[1:6]
    auth = sys.argv[6] if len(sys.argv) > 6 else ""
    n = int(n)
    with open(body_file, "rb") as f:
        body = f.read()
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if auth:
        headers["Authorization"] = auth
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    warmup = max(10, n // 20)
    for _ in range(warmup):
        one(conn, path, body, headers)
    heads, firsts, ends = [], [], []
    ok = 0
    for _ in range(n):
        try:
            status, t = one(conn, path, body, headers)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            continue
        if status == 200 and t is not None:
            ok += 1
            heads.append(t[0])
            firsts.append(t[1])
            ends.append(t[2])
    conn.close()
    print(json.dumps({
        "requests": n,
        "ok": ok,
        "success_rate": ok / n if n else 0.0,
        "headers": summarize(heads),
        "first_event": summarize(firsts),
        "complete": summarize(ends),
    }))


if __name__ == "__main__":
    main()
