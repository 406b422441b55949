# Helpers shared by bench/run.sh, bench/profile.sh, bench/cpu-split.sh and bench/instructions.sh (sourced, not run).
#
# The sourcing script sets WORK (a scratch directory) and PIDS (an array) before calling
# `bench_cleanup` or `start_nginx`.

# A free TCP port on 127.0.0.1.
free_port() {
  "${PYTHON:-python3}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits up to 5 s for URL to answer; exits the script when it does not.
wait_http() { # url
  local i
  for i in $(seq 1 100); do
    if curl -s -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "${0##*/}: $1 did not come up" >&2
  exit 1
}

# Stops every process in PIDS and removes WORK.
bench_cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}

# Writes WORK/nginx/nginx.conf: a bare proxy_pass to the mock with a keep-alive upstream on
# PORT, and, when STREAM_PORT is given, the same proxy passing Server-Sent Events through as
# they arrive (`proxy_buffering off`) on STREAM_PORT.
write_nginx_conf() { # mock_port port [stream_port]
  local stream=""
  if [[ -n ${3:-} ]]; then
    stream="
  # Same proxy, but passing Server-Sent Events through as they arrive.
  server {
    listen 127.0.0.1:$3;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_buffering off;
    }
  }"
  fi
  mkdir -p "$WORK/nginx/logs"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/client_body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  upstream mock {
    server 127.0.0.1:$1;
    keepalive 256;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$2;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }$stream
}
CONF
}

# Starts nginx on WORK/nginx/nginx.conf (see write_nginx_conf) through LAUNCHER (nothing,
# `nice -n N` or `chrt -f N`), records it in NGINX_PID and PIDS, and waits until it answers on
# PORT. Needs NGINX (the binary's path).
start_nginx() { # port [launcher...]
  local port=$1
  shift
  "$@" "$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" \
    >"$WORK/nginx.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_http "http://127.0.0.1:$port/v1/models"
}
