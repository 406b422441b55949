#!/usr/bin/env python3
"""Buckets `perf script` call stacks of the gateway into the stages of a proxied request.

Usage: perf script -F comm,tid,ip,sym,dso -i perf.data | perf_buckets.py

Each sample goes to the first rule (in the order below) that matches any frame of its stack,
so kernel socket work done on behalf of, say, the upstream call counts as socket I/O, and an
allocation inside the request parser counts as request parsing. A second table shows the
leaf functions (self time). Standard library only.
"""

import collections
import re
import sys

# (bucket, regex matched against every frame's symbol), first match wins.
RULES = [
    ("kernel: socket write + loopback delivery to the peer",
     r"tcp_sendmsg|sock_write_iter|do_writev|__x64_sys_write|__x64_sys_sendto|__x64_sys_sendmsg"),
    ("kernel: socket read", r"tcp_recvmsg|sock_read_iter|__x64_sys_read\b|__x64_sys_recvfrom"),
    ("kernel: accept/connect/close", r"__x64_sys_accept|__x64_sys_connect|__x64_sys_close|tcp_close"),
    ("idle/park: epoll_wait", r"epoll_wait"),
    ("thread wake/park: futex", r"futex|__x64_sys_sched_yield"),
    ("kernel: other (scheduler, interrupts, timers)", r"kernel\.kallsyms"),
    ("JSON: parse the client request", r"inference::parse_body|Deserialize for bifrost_core::schemas::chat::ChatRequest|ChatRequest as serde_core::de::Deserialize"),
    ("JSON: serialize the upstream request", r"OpenAiCompatible::serialize|Serialize for bifrost_core::schemas::chat::ChatRequest"),
    ("JSON: parse the upstream response", r"from_(json_)?slice<bifrost_core::schemas::chat::ChatResponse|Deserialize for bifrost_core::schemas::chat::ChatResponse|ChatResponse as serde_core::de::Deserialize|openai::parse_json_body"),
    ("JSON: serialize the client response", r"to_vec<bifrost_core::schemas::chat::ChatResponse|Serialize for bifrost_core::schemas::chat::ChatResponse|serde_json::ser"),
    ("URL parsing (per upstream request)", r"\burl::|idna::"),
    ("upstream client (lean hyper client or reqwest; HTTP/1.1, pool)", r"reqwest::|hyper_util::client|hyper::client|dispatch::Client|pool::Checkout|common::lean::"),
    ("engine (dispatch, keys, retries)", r"bifrost_core::engine"),
    ("hyper/axum server (client HTTP/1.1, routing, CORS)", r"hyper::proto::h1|axum::|tower_http::|hyper_util::server|TowerToHyper"),
    ("tokio runtime (scheduling, timers, io driver)", r"tokio::runtime"),
]
COMPILED = [(name, re.compile(rx)) for name, rx in RULES]


def samples(stream):
    frames = []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                yield frames
            frames = []
            continue
        if not line.startswith((" ", "\t")):
            # header line: comm tid
            if frames:
                yield frames
            frames = []
            continue
        parts = line.strip().split(None, 1)
        sym = parts[1] if len(parts) > 1 else "?"
        frames.append(sym)
    if frames:
        yield frames


def leaf_name(sym):
    sym = re.sub(r" \(.*\)$", "", sym)
    return sym[:110]


def main():
    buckets = collections.Counter()
    leaves = collections.Counter()
    total = 0
    for frames in samples(sys.stdin):
        total += 1
        leaves[leaf_name(frames[0])] += 1
        name = "other user space"
        for bucket, rx in COMPILED:
            if any(rx.search(f) for f in frames):
                name = bucket
                break
        buckets[name] += 1
    if not total:
        print("no samples")
        return
    print("| stage (inclusive, first matching rule) | share of gateway CPU |")
    print("|---|---:|")
    for name, n in buckets.most_common():
        print("| %s | %.1f%% |" % (name, 100.0 * n / total))
    print()
    print("| leaf function (self time) | share |")
    print("|---|---:|")
    for name, n in leaves.most_common(25):
        print("| `%s` | %.1f%% |" % (name.replace("|", "\\|"), 100.0 * n / total))
    print()
    print("%d samples" % total)


if __name__ == "__main__":
    main()
