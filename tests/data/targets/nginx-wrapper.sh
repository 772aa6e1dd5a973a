#!/bin/sh
# SPDX-License-Identifier: MIT
# Stands in for nginx in unit/targets/target_nginx (GATESIM_NGINX): runs the real nginx, except
# as NGINX_WRAPPER_MODE asks, counting its starts in $NGINX_WRAPPER_DIR/starts:
#   port-taken-once  the first start fails as nginx does when its listen port is taken
#   refuse-test      `nginx -t` refuses every configuration with an [emerg] line
case " $* " in *" -t "*) is_test=1 ;; *) is_test=0 ;; esac
if [ "$is_test" = 1 ]; then
    if [ "$NGINX_WRAPPER_MODE" = refuse-test ]; then
        echo "nginx: [emerg] unknown directive \"gatesim_planted\" in /x/nginx.conf:3" >&2
        echo "nginx: configuration file /x/nginx.conf test failed" >&2
        exit 1
    fi
    exec nginx "$@"
fi
n=$(cat "$NGINX_WRAPPER_DIR/starts" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$NGINX_WRAPPER_DIR/starts"
if [ "$NGINX_WRAPPER_MODE" = port-taken-once ] && [ "$n" = 1 ]; then
    echo "2026/01/01 00:00:00 [emerg] 1#1: bind() to 127.0.0.1:1 failed (98: Address already in use)" >&2
    exit 1
fi
exec nginx "$@"
