#!/usr/bin/env bash
# User and kernel CPU per request, nginx against the gateway, in alternating rounds.
#
#   bench/cpu-split.sh [ROUNDS]      default: 3 rounds
#
# Starts the mock upstream (pinned to CPU 1), nginx (bare proxy_pass, as in bench/run.sh) and
# the gateway (request logging off), all under SCHED_FIFO, then alternates 8 s points at
# 5,000 RPS (oha pinned to CPU 0): nginx, gateway, nginx, gateway... For each point it prints the
# server's user and system CPU time per successful request and its minor page faults per
# request, and the point's latency p50 and p99. Alternating rounds show how much of a
# difference is run-to-run noise. Needs root
# (chrt), oha and nginx; honours CARGO_TARGET_DIR (release binaries must exist), OHA, NGINX,
# BENCH_RATE (5000) and BENCH_GATEWAY_EXTRA (extra config.json members, default
# '"logs_store": {"enabled": false}').
set -euo pipefail

ROUNDS=${1:-3}
RATE=${BENCH_RATE:-5000}
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
REPO=$(cd "$BENCH_DIR/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
OHA=${OHA:-$(command -v oha || echo "$HOME/.cargo/bin/oha")}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
EXTRA=${BENCH_GATEWAY_EXTRA:-'"logs_store": {"enabled": false}'}
RT=(chrt -f 10)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bifrost-cpu-split.XXXXXX")
PIDS=()
cleanup() { bench_cleanup; }
trap cleanup EXIT


MOCK_PORT=$(free_port)
"${RT[@]}" taskset -c 1 "$TARGET_DIR/release/bifrost-mock-upstream" --host 127.0.0.1 \
  --port "$MOCK_PORT" --max-recorded 0 --workers 1 >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/v1/models"

NGINX_PORT=$(free_port)
mkdir -p "$WORK/app"
write_nginx_conf "$MOCK_PORT" "$NGINX_PORT"
start_nginx "$NGINX_PORT" "${RT[@]}"

GATEWAY_PORT=$(free_port)
cat >"$WORK/app/config.json" <<EOF
{$EXTRA, "providers": {"openai": {
  "keys": [{"name": "bench", "value": "sk-bench-0000", "models": ["*"], "weight": 1.0}],
  "network_config": {"base_url": "http://127.0.0.1:$MOCK_PORT", "default_request_timeout_in_seconds": 30,
                     "max_retries": 0, "max_conns_per_host": 5000},
  "concurrency_and_buffer_size": {"concurrency": 10000, "buffer_size": 50000}}}}
EOF
"${RT[@]}" "$TARGET_DIR/release/bifrost-http" --app-dir "$WORK/app" --port "$GATEWAY_PORT" \
  --host 127.0.0.1 --log-level warn >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
wait_http "http://127.0.0.1:$GATEWAY_PORT/health"

BODY='{"model":"MODEL","messages":[{"role":"system","content":"You are a concise assistant for an online bookshop. Answer in at most three sentences, cite the catalogue section when relevant, and never invent prices."},{"role":"user","content":"Do you have any books about distributed systems for beginners?"},{"role":"assistant","content":"Yes: the Computing section has several introductory titles on distributed systems, including a well-reviewed primer with exercises."},{"role":"user","content":"Great, which one would you recommend for someone who knows Python but has never worked with networks?"}],"temperature":0.7,"top_p":1,"max_tokens":256,"user":"bench-user-42"}'
echo "${BODY/MODEL/gpt-4o-mini}" >"$WORK/body-nginx.json"
echo "${BODY/MODEL/openai\/gpt-4o-mini}" >"$WORK/body-gateway.json"

# utime, stime (clock ticks) and minor faults summed over processes.
usage() {
  local u=0 s=0 f=0 pid
  for pid in "$@"; do
    read -r -a st < <(sed 's/.*) //' "/proc/$pid/stat")
    u=$((u + st[11])); s=$((s + st[12])); f=$((f + st[7]))
  done
  echo "$u $s $f"
}

load() { # port body seconds output
  "${RT[@]}" taskset -c 0 "$OHA" --worker-threads 1 --no-tui -z "$3s" -q "$RATE" -c 64 \
    --latency-correction -m POST -T application/json -H "Authorization: Bearer sk-bench-0000" \
    -D "$2" --output-format json -o "$4" "http://127.0.0.1:$1/v1/chat/completions" >/dev/null 2>&1
}

TICK_US=$((1000000 / $(getconf CLK_TCK)))
echo "| round | server | requests | user/req | system/req | total/req | minor faults/req | p50 | p99 |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
for round in $(seq 1 "$ROUNDS"); do
  for target in nginx gateway; do
    if [[ $target == nginx ]]; then
      read -r -a pids <<<"$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"
      port=$NGINX_PORT
    else
      pids=("$GATEWAY_PID")
      port=$GATEWAY_PORT
    fi
    load "$port" "$WORK/body-$target.json" 2 "$WORK/warm.json"
    read -r u0 s0 f0 < <(usage "${pids[@]}")
    load "$port" "$WORK/body-$target.json" 8 "$WORK/point.json"
    read -r u1 s1 f1 < <(usage "${pids[@]}")
    python3 - "$WORK/point.json" "$round" "$target" $((u1 - u0)) $((s1 - s0)) $((f1 - f0)) "$TICK_US" <<'PY'
import json, sys
path, rnd, target, du, ds, df, tick = sys.argv[1:]
point = json.load(open(path))
ok = point["statusCodeDistribution"].get("200", 0)
if not ok:
    print(f"| {rnd} | {target} | 0 | - | - | - | - | - | - |")
    sys.exit(0)
u, s = int(du) * int(tick) / ok, int(ds) * int(tick) / ok
pct = point.get("latencyPercentiles", {})
p50, p99 = (f"{pct[k] * 1e6:.0f} us" if pct.get(k) is not None else "-" for k in ("p50", "p99"))
print(f"| {rnd} | {target} | {ok} | {u:.1f} us | {s:.1f} us | {u + s:.1f} us | {int(df) / ok:.2f} | {p50} | {p99} |")
PY
  done
done
