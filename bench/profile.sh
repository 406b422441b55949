#!/usr/bin/env bash
# CPU profile of the gateway under open-loop load, bucketed by request stage.
#
#   bench/profile.sh [RATE|sat] [SECONDS]     defaults: 5000 RPS for 10 s
#                                             ("sat": closed loop with 64 connections)
#
# Starts the mock upstream (pinned to CPU 1) and the gateway exactly as bench/run.sh does,
# drives the gateway with oha at RATE, samples it with `perf record --call-graph dwarf` in the
# middle of the run, and prints where its CPU time goes (bench/perf_buckets.py). perf.data and
# the report are kept in bench/results/profile-<timestamp>/. Needs `perf` (linux-perf).
# Honours CARGO_TARGET_DIR, OHA, BENCH_SKIP_BUILD, BENCH_RT and BENCH_GATEWAY_EXTRA like
# bench/run.sh.
set -euo pipefail

RATE=${1:-5000}
SECS=${2:-10}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
REPO=$(cd "$BENCH_DIR/.." && pwd)
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
PERF=${PERF:-perf}
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
RT=()
if [[ -n ${BENCH_RT:-} ]]; then RT=(chrt -f "$BENCH_RT"); fi
if [[ $RATE == sat ]]; then LOAD=(-c 64); else LOAD=(-q "$RATE" -c 64 --latency-correction); fi
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  (cd "$REPO" && cargo build --release --quiet -p bifrost-http -p bifrost-mock-upstream)
fi
OUT=$BENCH_DIR/results/profile-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bifrost-profile.XXXXXX")
PIDS=()
cleanup() { bench_cleanup; }
trap cleanup EXIT


MOCK_PORT=$(free_port)
"${RT[@]}" taskset -c 1 "$TARGET_DIR/release/bifrost-mock-upstream" --host 127.0.0.1 --port "$MOCK_PORT" \
  --max-recorded 0 --workers 1 >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/v1/models"

GATEWAY_PORT=$(free_port)
mkdir -p "$WORK/app"
EXTRA=${BENCH_GATEWAY_EXTRA:-}
cat >"$WORK/app/config.json" <<EOF
{${EXTRA:+$EXTRA,}"providers": {"openai": {
  "keys": [{"name": "bench", "value": "sk-bench-0000", "models": ["*"], "weight": 1.0}],
  "network_config": {"base_url": "http://127.0.0.1:$MOCK_PORT", "max_retries": 0, "max_conns_per_host": 5000},
  "concurrency_and_buffer_size": {"concurrency": 10000, "buffer_size": 50000}}}}
EOF
"${RT[@]}" "$TARGET_DIR/release/bifrost-http" --app-dir "$WORK/app" --port "$GATEWAY_PORT" --host 127.0.0.1 \
  --log-level warn >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
wait_http "http://127.0.0.1:$GATEWAY_PORT/health"

cat >"$WORK/body.json" <<'EOF'
{"model":"openai/gpt-4o-mini","messages":[{"role":"system","content":"You are a concise assistant for an online bookshop. Answer in at most three sentences, cite the catalogue section when relevant, and never invent prices."},{"role":"user","content":"Do you have any books about distributed systems for beginners?"},{"role":"assistant","content":"Yes: the Computing section has several introductory titles on distributed systems, including a well-reviewed primer with exercises."},{"role":"user","content":"Great, which one would you recommend for someone who knows Python but has never worked with networks?"}],"temperature":0.7,"top_p":1,"max_tokens":256,"user":"bench-user-42"}
EOF

"${RT[@]}" taskset -c 0 "$OHA" --worker-threads 1 --no-tui -z "${SECS}s" -w "${LOAD[@]}" \
  -m POST -T application/json -D "$WORK/body.json" --output-format json -o "$OUT/oha.json" \
  "http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions" &
OHA_PID=$!
sleep 1
"$PERF" record -q -F 499 --call-graph dwarf,32768 -p "$GATEWAY_PID" -o "$OUT/perf.data" \
  -- sleep $((SECS > 4 ? SECS - 3 : 1)) >/dev/null 2>&1
wait "$OHA_PID"
"$PERF" script -F comm,tid,ip,sym,dso -i "$OUT/perf.data" 2>/dev/null \
  | python3 "$BENCH_DIR/perf_buckets.py" | tee "$OUT/profile.md"
echo "profile: $OUT" >&2
