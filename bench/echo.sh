#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark gatesim-echo against its peers, side by side on this machine (goals: README.md, Benchmarks):
#   HTTP/1.1: wrk -t1 -c64 against gatesim-echo and against nginx `return 200` (one worker);
#   h2c:      h2load -c16 -m16 against gatesim-echo and against nghttpd (--no-tls).
# Fairness: every comparison moves the same number of body bytes on both sides. The echo's JSON
# answer depends on the request (path, host, client headers), so the script first asks the echo
# what it answers to exactly what wrk / h2load send, then makes the peers answer a body of that
# size: nginx `return 200 "<N bytes>"`, nghttpd a file of N bytes in its htdocs. The empty-body
# pair (echo /status/200 vs nginx `return 200` / nghttpd's empty file) is measured as well.
# Body and header bytes per response are printed for every target.
# The machine is shared and noisy, so the runs alternate between the servers for ROUNDS rounds
# and the medians are compared. Prints median req/s, the ratios echo/peer (goal >= 1.0) and
# server CPU per request (user+system time of the server / requests).
# usage: bench/echo.sh [path/to/gatesim-echo] [seconds per run, default 3] [rounds, default 3]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
echo_bin=${1:-$here/build/backends/gatesim-echo}
secs=${2:-3}
rounds=${3:-3}
[ -f "$echo_bin" ] && [ -x "$echo_bin" ] || { echo "bench/echo.sh: $echo_bin not built (cmake --build build)" >&2; exit 2; }
for t in wrk h2load nghttpd nginx; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "bench/echo.sh: $t not installed" >&2; exit 2; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
nghttpd_bin=$(command -v nghttpd || echo /usr/sbin/nghttpd)

tmp=$(mktemp -d /tmp/gs-bench-echo.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU ticks (user+system) of a process and its threads.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# --- servers ---
"$echo_bin" --quiet --service bench/echo --replica 0 --listen 127.0.0.1:0 >"$tmp/ready" 2>"$tmp/echo.err" &
pids+=($!)
echo_pid=$!
for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.05; done
echo_port=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/ready")

# --- what the echo answers to exactly what the clients send ---
# HTTP/1.1: wrk sends "GET <path> HTTP/1.1" with only a Host field. Prints "head_bytes body_bytes".
probe_h1() { # port path
    /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys
port, path = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path.encode(), port))
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(65536)
head, _, body = buf.partition(b"\r\n\r\n")
clen = 0
for line in head.split(b"\r\n")[1:]:
    k, _, v = line.partition(b":")
    if k.strip().lower() == b"content-length":
        clen = int(v)
print(len(head) + 4, clen)
PY
}
# h2c: h2load's own request; prints "header_block_bytes body_bytes" per response (HPACK-compressed
# header blocks, as h2load counts them).
probe_h2() { # port path
    h2load -n16 -c1 -m1 "http://127.0.0.1:$1$2" 2>&1 |
        awk '/^traffic:/ {for (i = 1; i <= NF; i++) { if ($i == "headers") h = $(i-1); if ($i == "data") d = $(i-1) }
             gsub(/[()]/, "", h); gsub(/[()]/, "", d); print int(h / 16), int(d / 16)}'
}
read -r _ h1_json_size < <(probe_h1 "$echo_port" /)
read -r _ h2_json_size < <(probe_h2 "$echo_port" /)
[ "${h1_json_size:-0}" -gt 0 ] && [ "${h2_json_size:-0}" -gt 0 ] ||
    { echo "bench/echo.sh: could not read the echo's JSON size" >&2; exit 1; }
filler() { head -c "$1" /dev/zero | tr '\0' x; }

nginx_port=$(free_port)
mkdir -p "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log crit;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nginx_port;
        location = /empty { return 200; }
        location = /json { default_type application/json; return 200 "$(filler "$h1_json_size")"; }
    }
}
CONF
"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx.err" &
pids+=($!)
nginx_master=$!
wait_port "$nginx_port"
nginx_worker=$(pgrep -P "$nginx_master" | head -1)

nghttpd_port=$(free_port)
mkdir -p "$tmp/htdocs"
: >"$tmp/htdocs/empty"
filler "$h2_json_size" >"$tmp/htdocs/json"
"$nghttpd_bin" --no-tls -d "$tmp/htdocs" "$nghttpd_port" >/dev/null 2>"$tmp/nghttpd.err" &
pids+=($!)
nghttpd_pid=$!
wait_port "$nghttpd_port"

# --- runs: each prints "rps cpu_us_per_request" ---
run_wrk() { # pid port path
    local t0 t1 out rps reqs
    t0=$(ticks "$1")
    out=$(wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$2$3")
    t1=$(ticks "$1")
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    awk -v r="$rps" -v n="$reqs" -v d=$((t1 - t0)) -v hz="$hz" \
        'BEGIN {printf "%.0f %.2f\n", r, (n > 0 ? d / hz * 1e6 / n : 0)}'
}
run_h2load() { # pid port path
    local t0 t1 out rps reqs
    t0=$(ticks "$1")
    out=$(h2load -c16 -m16 -D"$secs" "http://127.0.0.1:$2$3" 2>&1)
    t1=$(ticks "$1")
    rps=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' <<<"$out")
    reqs=$(awk '/^requests:/ {print $6}' <<<"$out")
    awk -v r="$rps" -v n="$reqs" -v d=$((t1 - t0)) -v hz="$hz" \
        'BEGIN {printf "%.0f %.2f\n", r, (n > 0 ? d / hz * 1e6 / n : 0)}'
}

echo "gatesim-echo benchmark: $rounds rounds x ${secs}s per run, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "bytes per response (what each side moves):"
sizes() { printf '  %-38s head %4s B  body %4s B\n' "$1" $2; }
sizes "HTTP/1.1 echo JSON /" "$(probe_h1 "$echo_port" /)"
sizes "HTTP/1.1 nginx return 200 <JSON size>" "$(probe_h1 "$nginx_port" /json)"
sizes "HTTP/1.1 echo /status/200" "$(probe_h1 "$echo_port" /status/200)"
sizes "HTTP/1.1 nginx return 200" "$(probe_h1 "$nginx_port" /empty)"
sizes "h2c echo JSON / (HPACK head)" "$(probe_h2 "$echo_port" /)"
sizes "h2c nghttpd file <JSON size>" "$(probe_h2 "$nghttpd_port" /json)"
sizes "h2c echo /status/200" "$(probe_h2 "$echo_port" /status/200)"
sizes "h2c nghttpd empty file" "$(probe_h2 "$nghttpd_port" /empty)"
declare -A res
for r in $(seq "$rounds"); do
    res[h1_echo]+="$(run_wrk "$echo_pid" "$echo_port" /)"$'\n'
    res[h1_nginx]+="$(run_wrk "$nginx_worker" "$nginx_port" /json)"$'\n'
    res[h1_echo_empty]+="$(run_wrk "$echo_pid" "$echo_port" /status/200)"$'\n'
    res[h1_nginx_empty]+="$(run_wrk "$nginx_worker" "$nginx_port" /empty)"$'\n'
    res[h2_echo]+="$(run_h2load "$echo_pid" "$echo_port" /)"$'\n'
    res[h2_nghttpd]+="$(run_h2load "$nghttpd_pid" "$nghttpd_port" /json)"$'\n'
    res[h2_echo_empty]+="$(run_h2load "$echo_pid" "$echo_port" /status/200)"$'\n'
    res[h2_nghttpd_empty]+="$(run_h2load "$nghttpd_pid" "$nghttpd_port" /empty)"$'\n'
done
# median of column $2 in the lines of $1
median() { awk -v c="$2" 'NF {print $c}' <<<"$1" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
row() { printf '%-46s %10s %12s   %s\n' "$1" "$(median "${res[$2]}" 1)" "$(median "${res[$2]}" 2)" "$(awk 'NF {printf "%s ", $1}' <<<"${res[$2]}")"; }
printf '%-46s %10s %12s   %s\n' "run (median of $rounds)" "req/s" "CPU us/req" "req/s per round"
row "HTTP/1.1 wrk -t1 -c64  echo JSON /" h1_echo
row "HTTP/1.1 wrk -t1 -c64  nginx return 200 ${h1_json_size} B" h1_nginx
row "HTTP/1.1 wrk -t1 -c64  echo /status/200" h1_echo_empty
row "HTTP/1.1 wrk -t1 -c64  nginx return 200 empty" h1_nginx_empty
row "h2c h2load -c16 -m16   echo JSON /" h2_echo
row "h2c h2load -c16 -m16   nghttpd file ${h2_json_size} B" h2_nghttpd
row "h2c h2load -c16 -m16   echo /status/200" h2_echo_empty
row "h2c h2load -c16 -m16   nghttpd empty file" h2_nghttpd_empty
# Median over the rounds of echo/peer in one round: the two runs of a round are seconds apart, so
# this cancels most of the load that drifts between rounds on a shared machine.
paired() { paste <(awk 'NF {print $1}' <<<"${res[$1]}") <(awk 'NF {print $1}' <<<"${res[$2]}") |
    awk '$2 > 0 {print $1 / $2}' | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$(median "${res[$1]}" 1)" -v b="$(median "${res[$2]}" 1)" -v ca="$(median "${res[$1]}" 2)" -v cb="$(median "${res[$2]}" 2)" -v p="$(paired "$1" "$2")" -v what="$3" \
    'BEGIN {printf "%-50s req/s %.2f (per round %.2f)   CPU/req %.2f (peer/echo)\n", what, (b > 0 ? a / b : 0), p, (ca > 0 ? cb / ca : 0)}'; }
echo "ratios echo/peer, same body size on both sides (goal >= 1.0): req/s of the medians, and the median of the"
echo "per-round ratios; the CPU ratio is peer CPU per request over echo's (>= 1.0 = echo cheaper):"
ratio h1_echo h1_nginx "HTTP/1.1 echo JSON vs nginx ${h1_json_size} B:"
ratio h1_echo_empty h1_nginx_empty "HTTP/1.1 echo /status/200 vs nginx empty:"
ratio h2_echo h2_nghttpd "h2c echo JSON vs nghttpd ${h2_json_size} B file:"
ratio h2_echo_empty h2_nghttpd_empty "h2c echo /status/200 vs nghttpd empty file:"
