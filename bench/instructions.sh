#!/usr/bin/env bash
# Instructions the gateway executes per request, counted by valgrind's callgrind.
#
#   bench/instructions.sh [REQUESTS]      default: 4000
#
# Starts the mock upstream and the gateway (one worker, request logging off) under
# `valgrind --tool=callgrind`, warms it with 200 requests, then counts the user-space
# instructions of REQUESTS chat completions (the bench body, 4 connections) and prints the
# total per request and the functions with the most instructions of their own
# (bench/callgrind_top.py). Unlike CPU time, instruction counts repeat exactly for the same
# binary and inputs whatever else the machine does, so two builds compare on a busy or noisy
# machine. They do not count the kernel, cache misses or stalls: confirm a change with
# bench/cpu-split.sh. Needs valgrind and oha; honours CARGO_TARGET_DIR (release binaries must
# exist) and OHA.
set -euo pipefail

N=${1:-4000}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
REPO=$(cd "$BENCH_DIR/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bifrost-instructions.XXXXXX")
PIDS=()
cleanup() { bench_cleanup; }
trap cleanup EXIT

MOCK_PORT=$(free_port)
"$TARGET_DIR/release/bifrost-mock-upstream" --host 127.0.0.1 --port "$MOCK_PORT" \
  --max-recorded 0 --workers 1 >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/v1/models"

GATEWAY_PORT=$(free_port)
mkdir -p "$WORK/app"
cat >"$WORK/app/config.json" <<JSON
{"logs_store": {"enabled": false}, "providers": {"openai": {
  "keys": [{"name": "bench", "value": "sk-bench-0000", "models": ["*"], "weight": 1.0}],
  "network_config": {"base_url": "http://127.0.0.1:$MOCK_PORT", "max_retries": 0},
  "concurrency_and_buffer_size": {"concurrency": 10000, "buffer_size": 50000}}}}
JSON
valgrind --tool=callgrind --callgrind-out-file="$WORK/callgrind.out" --dump-instr=no \
  "$TARGET_DIR/release/bifrost-http" --app-dir "$WORK/app" --port "$GATEWAY_PORT" \
  --host 127.0.0.1 --log-level warn --workers 1 >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 240); do
  curl -s -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/health" && break
  sleep 0.5
done

cat >"$WORK/body.json" <<'JSON'
{"model":"openai/gpt-4o-mini","messages":[{"role":"system","content":"You are a concise assistant for an online bookshop. Answer in at most three sentences, cite the catalogue section when relevant, and never invent prices."},{"role":"user","content":"Do you have any books about distributed systems for beginners?"},{"role":"assistant","content":"Yes: the Computing section has several introductory titles on distributed systems, including a well-reviewed primer with exercises."},{"role":"user","content":"Great, which one would you recommend for someone who knows Python but has never worked with networks?"}],"temperature":0.7,"top_p":1,"max_tokens":256,"user":"bench-user-42"}
JSON
load() { # requests
  "$OHA" --no-tui -n "$1" -c 4 -m POST -T application/json -D "$WORK/body.json" \
    --output-format json "http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions"
}
load 200 >/dev/null
callgrind_control -z >/dev/null 2>&1
load "$N" >"$WORK/oha.json"
callgrind_control -d >/dev/null 2>&1
sleep 1
python3 - "$WORK/oha.json" <<'PY'
import json, sys
rate = json.load(open(sys.argv[1]))["summary"]["successRate"]
print(f"success rate: {rate * 100:.1f}%")
PY
python3 "$BENCH_DIR/callgrind_top.py" "$N" "$WORK"/callgrind.out.*
