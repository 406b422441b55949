#!/usr/bin/env bash
# Load benchmark: the gateway against nginx's bare proxy_pass and the mock upstream itself.
#
#   bench/run.sh            full run (15 s per point at 1,000 and 5,000 RPS, saturation, TTFB)
#   bench/run.sh --quick    smoke run (2 s per point, 1 s saturation, 100 TTFB requests)
#
# Every point is measured three times in a row: straight to the mock ("direct"), through nginx
# ("nginx", a bare proxy_pass with a keep-alive upstream) and through the gateway ("bifrost").
# Results (markdown table, raw oha JSON, per-point CPU/RSS) go to bench/results/<timestamp>/.
#
# Environment (defaults in brackets):
#   BENCH_RATES            open-loop rates in requests/s ["1000 5000"]
#   BENCH_DURATION         seconds per open-loop point [15; --quick: 2]
#   BENCH_WARMUP           seconds of warm-up per target before the first point [3; --quick: 1]
#   BENCH_CONNECTIONS      oha connections for the open-loop points [64]
#   BENCH_SAT_DURATION     seconds of the closed-loop saturation run [10; --quick: 1]
#   BENCH_SAT_CONNECTIONS  oha connections for the saturation run [64]
#   BENCH_TTFB_N           sequential streaming requests per target for TTFB [1000; --quick: 100]
#   BENCH_TARGETS          targets to measure ["direct nginx bifrost"]
#   BENCH_PIN              1: pin the mock to CPU 1 and oha to CPU 0; 0: no pinning [1]
#   BENCH_NICE             run every benchmark process at this nice value, e.g. -10 [unset]
#   BENCH_RT               run every benchmark process (mock, nginx, gateway, oha, TTFB probe)
#                          under SCHED_FIFO at this priority (chrt -f N, needs root), which
#                          shields the measurement from background jobs on a shared machine;
#                          the kernel's RT throttling still leaves 5% of CPU to others [unset]
#   BENCH_GATEWAY_EXTRA    extra top-level config.json members for the gateway, as JSON members
#                          without braces, e.g. '"plugins": [{"name": "telemetry", "enabled": false}]'
#                          or '"logs_store": {"enabled": false}' [unset: defaults]
#   BENCH_WORKERS          the gateway's --workers (0: one per core) [0]
#   BENCH_SKIP_BUILD       1: use the existing release binaries [0]
#   BENCH_RESULTS_DIR      where to write results [bench/results/<timestamp>]
#   OHA, NGINX             paths to the tools [oha or ~/.cargo/bin/oha; nginx or /usr/sbin/nginx]
#   CARGO_TARGET_DIR       honoured for building and locating the binaries
#
# Exit status: 0 when every request of every point succeeded (targets missed are reported, not
# fatal), 3 when any request failed, other non-zero values when the harness itself failed.
set -euo pipefail

usage() { sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; }

QUICK=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"
REPO=$(cd "$BENCH_DIR/.." && pwd)

if [[ $QUICK == 1 ]]; then
  DURATION=${BENCH_DURATION:-2}
  WARMUP=${BENCH_WARMUP:-1}
  SAT_DURATION=${BENCH_SAT_DURATION:-1}
  TTFB_N=${BENCH_TTFB_N:-100}
else
  DURATION=${BENCH_DURATION:-15}
  WARMUP=${BENCH_WARMUP:-3}
  SAT_DURATION=${BENCH_SAT_DURATION:-10}
  TTFB_N=${BENCH_TTFB_N:-1000}
fi
RATES=${BENCH_RATES:-"1000 5000"}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
SAT_CONNECTIONS=${BENCH_SAT_CONNECTIONS:-64}
TARGETS=${BENCH_TARGETS:-"direct nginx bifrost"}
PIN=${BENCH_PIN:-1}
NICE=()
if [[ -n ${BENCH_NICE:-} ]]; then NICE=(nice -n "$BENCH_NICE"); fi
if [[ -n ${BENCH_RT:-} ]]; then NICE+=(chrt -f "$BENCH_RT"); fi

find_tool() { # name, fallback path
  if [[ -n ${!1:-} ]]; then echo "${!1}"; return; fi
  local lower; lower=$(tr '[:upper:]' '[:lower:]' <<<"$1")
  if command -v "$lower" >/dev/null 2>&1; then command -v "$lower"; return; fi
  if [[ -x $2 ]]; then echo "$2"; return; fi
  echo "bench/run.sh: $lower not found (set $1=/path/to/$lower)" >&2
  exit 2
}
OHA=$(find_tool OHA "$HOME/.cargo/bin/oha")
NGINX=$(find_tool NGINX /usr/sbin/nginx)
PYTHON=${PYTHON:-python3}

# --- build -------------------------------------------------------------------------------------
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  echo "==> building release binaries (target dir: $TARGET_DIR)" >&2
  (cd "$REPO" && cargo build --release --quiet -p bifrost-http -p bifrost-mock-upstream)
fi
GATEWAY_BIN=$TARGET_DIR/release/bifrost-http
MOCK_BIN=$TARGET_DIR/release/bifrost-mock-upstream
for b in "$GATEWAY_BIN" "$MOCK_BIN"; do
  [[ -x $b ]] || { echo "bench/run.sh: missing $b (build failed?)" >&2; exit 1; }
done

# --- results and scratch -----------------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${BENCH_RESULTS_DIR:-$BENCH_DIR/results/$STAMP}
mkdir -p "$OUT/raw"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bifrost-bench.XXXXXX")
PIDS=()
cleanup() { bench_cleanup; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $PIN == 1 ]]; then
  PIN_MOCK=("${NICE[@]}" taskset -c 1)
  PIN_LOAD=("${NICE[@]}" taskset -c 0)
  MOCK_WORKERS=(--workers 1)
  OHA_THREADS=(--worker-threads 1)
else
  PIN_MOCK=("${NICE[@]}")
  PIN_LOAD=("${NICE[@]}")
  MOCK_WORKERS=()
  OHA_THREADS=()
fi

# --- mock upstream -----------------------------------------------------------------------------
MOCK_PORT=$(free_port)
"${PIN_MOCK[@]}" "$MOCK_BIN" --host 127.0.0.1 --port "$MOCK_PORT" --max-recorded 0 \
  "${MOCK_WORKERS[@]}" >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_http "http://127.0.0.1:$MOCK_PORT/v1/models"

# --- nginx: bare proxy_pass to the mock with a keep-alive upstream -----------------------------
NGINX_PORT=$(free_port)
NGINX_STREAM_PORT=$(free_port)
write_nginx_conf "$MOCK_PORT" "$NGINX_PORT" "$NGINX_STREAM_PORT"
start_nginx "$NGINX_PORT" "${NICE[@]}"

# --- the gateway -------------------------------------------------------------------------------
GATEWAY_PORT=$(free_port)
mkdir -p "$WORK/app"
EXTRA=${BENCH_GATEWAY_EXTRA:-}
cat >"$WORK/app/config.json" <<EOF
{${EXTRA:+
  $EXTRA,}
  "providers": {
    "openai": {
      "keys": [{"name": "bench", "value": "sk-bench-0000", "models": ["*"], "weight": 1.0}],
      "network_config": {
        "base_url": "http://127.0.0.1:$MOCK_PORT",
        "default_request_timeout_in_seconds": 30,
        "max_retries": 0,
        "max_conns_per_host": 5000
      },
      "concurrency_and_buffer_size": {"concurrency": 10000, "buffer_size": 50000}
    }
  }
}
EOF
"${NICE[@]}" "$GATEWAY_BIN" --app-dir "$WORK/app" --port "$GATEWAY_PORT" --host 127.0.0.1 --log-level warn \
  --workers "${BENCH_WORKERS:-0}" \
  >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
wait_http "http://127.0.0.1:$GATEWAY_PORT/health"

# --- request bodies ----------------------------------------------------------------------------
# A realistic small chat: system prompt, a short exchange, sampling parameters.
chat_body() { # model, stream
  cat <<EOF
{"model":"$1","messages":[{"role":"system","content":"You are a concise assistant for an online bookshop. Answer in at most three sentences, cite the catalogue section when relevant, and never invent prices."},{"role":"user","content":"Do you have any books about distributed systems for beginners?"},{"role":"assistant","content":"Yes: the Computing section has several introductory titles on distributed systems, including a well-reviewed primer with exercises."},{"role":"user","content":"Great, which one would you recommend for someone who knows Python but has never worked with networks?"}],"temperature":0.7,"top_p":1,"max_tokens":256,"user":"bench-user-42"$2}
EOF
}
chat_body gpt-4o-mini "" >"$WORK/body-direct.json"
chat_body openai/gpt-4o-mini "" >"$WORK/body-gateway.json"
chat_body gpt-4o-mini ',"stream":true,"stream_options":{"include_usage":true}' >"$WORK/stream-direct.json"
chat_body openai/gpt-4o-mini ',"stream":true,"stream_options":{"include_usage":true}' >"$WORK/stream-gateway.json"

target_port() {
  case "$1" in
    direct) echo "$MOCK_PORT" ;;
    nginx) echo "$NGINX_PORT" ;;
    bifrost) echo "$GATEWAY_PORT" ;;
  esac
}
target_body() { if [[ $1 == bifrost ]]; then echo "$WORK/body-gateway.json"; else echo "$WORK/body-direct.json"; fi; }
# Direct and nginx requests carry a caller key, as a client of the upstream would; the gateway
# adds its configured key itself.
target_auth() { if [[ $1 == bifrost ]]; then echo "x-bench: 1"; else echo "Authorization: Bearer sk-bench-0000"; fi; }

# Processes whose CPU and memory count for a target ("direct": the mock itself).
target_pids() {
  case "$1" in
    direct) echo "$MOCK_PID" ;;
    nginx) echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')" ;;
    bifrost) echo "$GATEWAY_PID" ;;
  esac
}

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # pids... -> utime+stime summed, in clock ticks
  local total=0 pid stat
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat")
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
hwm_kb() { # pids... -> summed VmHWM in kB
  local total=0 pid v
  for pid in "$@"; do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
    total=$((total + v))
  done
  echo "$total"
}
reset_hwm() { # pids... (writing 5 to clear_refs resets the peak RSS to the current RSS)
  local pid
  for pid in "$@"; do echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || true; done
}

# run_point NAME TARGET MODE RATE_OR_CONNECTIONS DURATION
run_point() {
  local name=$1 target=$2 mode=$3 arg=$4 secs=$5
  local port; port=$(target_port "$target")
  local -a pids; read -r -a pids <<<"$(target_pids "$target")"
  local -a load_args
  if [[ $mode == open ]]; then
    load_args=(-q "$arg" -c "$CONNECTIONS" --latency-correction)
  else
    load_args=(-c "$arg")
  fi
  reset_hwm "${pids[@]}"
  local load_before; load_before=$(cut -d' ' -f1 /proc/loadavg)
  local t0 c0 m0 t1 c1 m1
  t0=$(date +%s.%N); c0=$(cpu_ticks "${pids[@]}"); m0=$(cpu_ticks "$MOCK_PID")
  "${PIN_LOAD[@]}" "$OHA" "${OHA_THREADS[@]}" --no-tui -z "${secs}s" -w -t 10s "${load_args[@]}" \
    -m POST -T application/json -H "$(target_auth "$target")" -D "$(target_body "$target")" \
    --output-format json -o "$OUT/raw/$name.oha.json" \
    "http://127.0.0.1:$port/v1/chat/completions"
  t1=$(date +%s.%N); c1=$(cpu_ticks "${pids[@]}"); m1=$(cpu_ticks "$MOCK_PID")
  cat >"$OUT/raw/$name.meta.json" <<EOF
{"name":"$name","target":"$target","mode":"$mode","arg":$arg,"duration_s":$secs,
 "wall_s":$(awk "BEGIN{print $t1-$t0}"),"clk_tck":$CLK_TCK,
 "server_cpu_ticks":$((c1 - c0)),"mock_cpu_ticks":$((m1 - m0)),
 "server_pids":"${pids[*]}","peak_rss_kb":$(hwm_kb "${pids[@]}"),
 "load1_before":$load_before,"load1_after":$(cut -d' ' -f1 /proc/loadavg)}
EOF
}

# --- environment record ------------------------------------------------------------------------
{
  echo "{"
  echo "\"timestamp\":\"$STAMP\","
  echo "\"quick\":$QUICK,"
  echo "\"git_commit\":\"$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)\","
  echo "\"kernel\":\"$(uname -r)\","
  echo "\"cpu\":\"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\","
  echo "\"cores\":$(nproc),"
  echo "\"rustc\":\"$(rustc --version 2>/dev/null || echo unknown)\","
  echo "\"oha\":\"$("$OHA" --version)\","
  echo "\"nginx\":\"$("$NGINX" -v 2>&1 | sed 's/.*: //')\","
  echo "\"pinning\":$PIN,"
  echo "\"nice\":\"${BENCH_NICE:-0}\","
  echo "\"rt_priority\":\"${BENCH_RT:-}\","
  echo "\"gateway_workers\":\"${BENCH_WORKERS:-0}\","
  echo "\"gateway_extra\":$(printf '%s' "${BENCH_GATEWAY_EXTRA:-}" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'),"
  echo "\"rates\":\"$RATES\",\"duration_s\":$DURATION,\"warmup_s\":$WARMUP,"
  echo "\"connections\":$CONNECTIONS,\"sat_connections\":$SAT_CONNECTIONS,"
  echo "\"sat_duration_s\":$SAT_DURATION,\"ttfb_n\":$TTFB_N,"
  echo "\"targets\":\"$TARGETS\","
  echo "\"load_at_start\":\"$(cut -d' ' -f1-3 /proc/loadavg)\""
  echo "}"
} >"$OUT/env.json"

# --- warm-up -----------------------------------------------------------------------------------
FIRST_RATE=${RATES%% *}
for target in $TARGETS; do
  echo "==> warm-up: $target (${WARMUP}s at $FIRST_RATE RPS)" >&2
  run_point "warmup-$target" "$target" open "$FIRST_RATE" "$WARMUP"
done

# --- open-loop points: rate by rate, the three targets back to back ----------------------------
for rate in $RATES; do
  for target in $TARGETS; do
    echo "==> open loop: $target at $rate RPS for ${DURATION}s" >&2
    run_point "open-$rate-$target" "$target" open "$rate" "$DURATION"
  done
done

# --- saturation (closed loop) ------------------------------------------------------------------
for target in $TARGETS; do
  echo "==> saturation: $target, $SAT_CONNECTIONS connections for ${SAT_DURATION}s" >&2
  run_point "sat-$target" "$target" closed "$SAT_CONNECTIONS" "$SAT_DURATION"
done

# --- streaming time to first byte --------------------------------------------------------------
for target in $TARGETS; do
  echo "==> streaming TTFB: $target, $TTFB_N sequential requests" >&2
  case "$target" in
    direct) port=$MOCK_PORT; body=$WORK/stream-direct.json; auth="Bearer sk-bench-0000" ;;
    nginx) port=$NGINX_STREAM_PORT; body=$WORK/stream-direct.json; auth="Bearer sk-bench-0000" ;;
    bifrost) port=$GATEWAY_PORT; body=$WORK/stream-gateway.json; auth="" ;;
  esac
  "${PIN_LOAD[@]}" "$PYTHON" "$BENCH_DIR/ttfb.py" 127.0.0.1 "$port" /v1/chat/completions \
    "$body" "$TTFB_N" "$auth" >"$OUT/raw/ttfb-$target.json"
done

cp "$WORK/app/config.json" "$OUT/gateway-config.json"
cp "$WORK/nginx/nginx.conf" "$OUT/nginx.conf"
"$PYTHON" "$BENCH_DIR/report.py" "$OUT" | tee "$OUT/results.md"
echo >&2
echo "results: $OUT" >&2
