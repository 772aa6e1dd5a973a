#!/bin/sh
# SPDX-License-Identifier: MIT
# Stands in for nginx in unit/targets/target_nginx (GATESIM_NGINX): runs the real nginx, except
# as NGINX_WRAPPER_MODE asks, counting its starts in $NGINX_WRAPPER_DIR/starts:
#   port-taken-once  the first start fails as nginx does when its listen port is taken
#   refuse-test      `nginx -t` refuses every configuration with an [emerg] line
#   port-held-once   before the first start, another process (python3, for 30 s at most) listens
#                    on the first 127.0.0.1 port of the configuration: the real nginx then logs
#                    its bind() [emerg] and goes on trying for a while, as under a port race
case " $* " in *" -t "*) is_test=1 ;; *) is_test=0 ;; esac
if [ "$is_test" = 1 ]; then
    if [ "$NGINX_WRAPPER_MODE" = refuse-test ]; then
        echo "nginx: [emerg] unknown directive \"gatesim_planted\" in /x/nginx.conf:3" >&2
        echo "nginx: configuration file /x/nginx.conf test failed" >&2
        exit 1
    fi
    exec nginx "$@"
fi
conf=
prev=
for a in "$@"; do
    [ "$prev" = -c ] && conf=$a
    prev=$a
done
n=$(cat "$NGINX_WRAPPER_DIR/starts" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$NGINX_WRAPPER_DIR/starts"
if [ "$NGINX_WRAPPER_MODE" = port-taken-once ] && [ "$n" = 1 ]; then
    echo "2026/01/01 00:00:00 [emerg] 1#1: bind() to 127.0.0.1:1 failed (98: Address already in use)" >&2
    exit 1
fi
if [ "$NGINX_WRAPPER_MODE" = port-held-once ] && [ "$n" = 1 ]; then
    port=$(sed -n 's/^ *listen 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$conf" | head -n 1)
    ready="$NGINX_WRAPPER_DIR/held"
    # nginx's own process group holds it: it goes when the target stops nginx
    /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
open(sys.argv[2], "w").write(sys.argv[1])
time.sleep(30)' "$port" "$ready" &
    i=0
    while [ ! -s "$ready" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
fi
exec nginx "$@"
