# SPDX-License-Identifier: MIT
# Shared by the benches that put gatesim next to nginx (sourced, not run): a work directory and
# child processes that go away on exit, one gatesim-echo, the gateway's manifests, the nginx
# reverse-proxy configuration the gateway is compared with (one worker, keep-alive upstream
# pool, the same X-Forwarded-* headers: bench/gateway.sh, gateway_cost.sh, l4.sh), and the
# nginx origin `gatesim load` is compared with its peers on, pinned apart from the clients
# (bench/load.sh, load_cost.sh).
# The caller sets NAME (for messages) and lists the tools it needs: proxy_setup TOOL...

proxy_setup() {
    for t in "$@"; do
        command -v "$t" > /dev/null || [ -x "/usr/sbin/$t" ] || { echo "$NAME: $t not found" >&2; exit 2; }
    done
    WORK=$(mktemp -d)
    PIDS=()
    trap proxy_cleanup EXIT
}

proxy_cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$WORK"
}

py() { /usr/bin/python3 -c "$@"; }
wait_file() { for _ in $(seq 1 600); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
free_port() { py "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }
wait_port() { for _ in $(seq 100); do (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0; sleep 0.05; done; return 1; }
# json_field FILE EXPR → the value of EXPR (Python, over `d`, the first JSON line of FILE)
json_field() { py "import json;d=json.loads(open('$1').readline());print($2)"; }

# Starts gatesim-echo (default/app, replica 0) and sets EPORT.
proxy_start_echo() {
    "$ECHO" --service default/app --replica 0 --quiet > "$WORK/echo.json" &
    PIDS+=($!)
    wait_file "$WORK/echo.json" || { echo "$NAME: gatesim-echo did not start" >&2; exit 1; }
    EPORT=$(json_field "$WORK/echo.json" "d['port']")
}

# Writes FILE: one Gateway (HTTP on 80), the Service default/app, and ROUTES HTTPRoutes: with
# ROUTES 0, one route for every host and path; otherwise route i takes hi.example.com/pi.
proxy_manifests() { # FILE [ROUTES]
    py "
n = ${2:-0}
out = open('$1', 'w')
out.write('''apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: gatesim
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default}
spec: {ports: [{port: 80}]}
''')
route = '---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: %s, namespace: default}\nspec:\n  parentRefs: [{name: bench}]\n%s  rules: [{%sbackendRefs: [{name: app, port: 80}]}]\n'
if n == 0:
    out.write(route % ('app', '', ''))
for i in range(n):
    out.write(route % ('r%d' % i, '  hostnames: [h%d.example.com]\n' % i,
                       'matches: [{path: {type: PathPrefix, value: /p%d}}], ' % i))
"
}

# nginx.conf on stdout for a proxy on 127.0.0.1:PORT to the echo; EXTRA goes at the top level
# (e.g. "master_process off;" so the one process is the worker).
proxy_nginx_conf() { # PORT [EXTRA]
    cat << CONF
worker_processes 1;
${2:-}
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$EPORT; keepalive 128; }
  server {
    listen 127.0.0.1:$1;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
CONF
}

# CPU placement of a client-against-server bench: with 2 or more CPUs the server on the last CPU
# and every client on CPU 0 (taskset), so no client shares a core with the server it drives or
# gets a better placement than its peer; LOAD_PIN=0 leaves placement to the scheduler. Sets
# NCPU and the arrays SERVER_PIN and CLIENT_PIN (empty: no pinning); expand them as
# ${CLIENT_PIN[@]+"${CLIENT_PIN[@]}"} (set -u).
bench_pin() {
    NCPU=$(nproc 2> /dev/null || echo 1)
    SERVER_PIN=()
    CLIENT_PIN=()
    if [ "${LOAD_PIN:-1}" != 0 ] && [ "$NCPU" -ge 2 ] && command -v taskset > /dev/null; then
        SERVER_PIN=(taskset -c "$((NCPU - 1))")
        CLIENT_PIN=(taskset -c 0)
    fi
}

# Starts the origin the load benches measure clients on: one nginx worker (pinned with
# SERVER_PIN) answering every request `200 "ok"`, keep-alive without limit, a server on
# 127.0.0.1 for each LISTEN ("PORT backlog=4096" for HTTP/1.1, "PORT http2" for h2c). Waits for
# every port; sets NGINX_MASTER (in PIDS) and NGINX_WORKER.
origin_nginx_start() { # LISTEN...
    mkdir -p "$WORK/nginx"
    {
        cat << CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log crit;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    http2_max_concurrent_streams 128;
CONF
        for l in "$@"; do printf '    server { listen 127.0.0.1:%s; location / { return 200 "ok"; } }\n' "$l"; done
        echo "}"
    } > "$WORK/nginx/nginx.conf"
    ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} "$(command -v nginx || echo /usr/sbin/nginx)" \
        -e "$WORK/nginx/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2> "$WORK/nginx.err" &
    NGINX_MASTER=$!
    PIDS+=("$NGINX_MASTER")
    for l in "$@"; do
        wait_port "${l%% *}" || { echo "$NAME: nginx did not listen on ${l%% *}" >&2; cat "$WORK/nginx.err" >&2; exit 1; }
    done
    NGINX_WORKER=
    for _ in $(seq 100); do
        NGINX_WORKER=$(pgrep -P "$NGINX_MASTER" | head -1 || true)
        [ -n "$NGINX_WORKER" ] && break
        sleep 0.05
    done
    [ -n "$NGINX_WORKER" ] || { echo "$NAME: nginx did not start" >&2; cat "$WORK/nginx.err" >&2; exit 1; }
}
