#!/bin/sh
# SPDX-License-Identifier: MIT
# An exec adapter with a helper process of its own that does not handle SIGHUP (a `sleep`, whose
# default action on SIGHUP is to terminate), as a vendor's translator or sidecar would be. The
# gateway is exec'd, so the helper is its child, in the adapter's process group. `status` fails
# when the helper is gone: a reload that signalled the whole group would kill it.
set -eu
pidfile="$GATESIM_WORKDIR/helper.pid"
case "${1:-}" in
serve)
    sleep 600 &
    echo $! > "$pidfile"
    set --
    while IFS= read -r endpoint; do
        [ -n "$endpoint" ] && set -- "$@" --backend "$endpoint"
    done < "$GATESIM_BACKENDS_TXT"
    exec "$GATESIM" gateway "$GATESIM_OBJECTS" "$@"
    ;;
status)
    # a helper killed by a signal stays a zombie (the gateway does not reap it): look at its
    # state, not just whether the pid exists
    state=$(ps -o stat= -p "$(cat "$pidfile")" 2>/dev/null || true)
    case "$state" in
    "" | Z*)
        echo "the adapter's helper process is gone" >&2
        exit 1
        ;;
    esac
    exec "$GATESIM" explain "$GATESIM_OBJECTS" --output json
    ;;
features)
    echo '["Gateway", "HTTPRoute"]'
    ;;
*)
    echo "usage: $0 serve|status|features" >&2
    exit 2
    ;;
esac
