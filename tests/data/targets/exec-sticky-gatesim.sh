#!/bin/sh
# SPDX-License-Identifier: MIT
# A deliberately wrong implementation for the exec target: it picks the backend once per client
# connection, not per request (as a load balancer hashing the client, or a sticky upstream,
# does), and every request of that connection goes there. The data plane is sticky-proxy.py, a
# byte pipe from each client connection to one echo backend (round-robin over the backends, one
# per connection); gatesim's gateway runs beside it only to name the listeners of the ready line,
# and gatesim explain gives the status. A per-request split check must fail against it, and say
# that every connection went to one backend (integration/run/per-connection; docs/stats.md).
set -eu
case "${1:-}" in
serve)
    exec /usr/bin/python3 "$(dirname "$0")/sticky-proxy.py"
    ;;
status)
    exec "$GATESIM" explain "$GATESIM_OBJECTS" --output json
    ;;
*)
    echo "usage: $0 serve|status" >&2
    exit 2
    ;;
esac
