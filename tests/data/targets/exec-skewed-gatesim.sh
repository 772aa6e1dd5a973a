#!/bin/sh
# SPDX-License-Identifier: MIT
# A deliberately wrong implementation for the exec target: gatesim's gateway, except that every
# backendRef weight of 70 is served as 75 and every 30 as 25 (docs/stats.md: the harness must be able
# to fail; a 70/30 route served 75/25 must fail its split check). Everything else is gatesim's
# gateway, reloads included: on SIGHUP the objects are skewed again and the gateway reloads.
set -eu
skewed="$GATESIM_WORKDIR/skewed.yaml"
skew() {
    sed -e 's/weight: 70\([,}]\)/weight: 75\1/g' -e 's/weight: 30\([,}]\)/weight: 25\1/g' \
        "$GATESIM_OBJECTS" > "$skewed"
}
case "${1:-}" in
serve)
    skew
    set --
    while IFS= read -r endpoint; do
        [ -n "$endpoint" ] && set -- "$@" --backend "$endpoint"
    done < "$GATESIM_BACKENDS_TXT"
    if [ -n "${GATESIM_SEED:-}" ]; then set -- "$@" --seed "$GATESIM_SEED"; fi
    "$GATESIM" gateway "$skewed" "$@" &
    gateway=$!
    trap 'skew; kill -HUP "$gateway"' HUP
    trap 'kill -TERM "$gateway" 2>/dev/null; wait "$gateway"; exit 0' TERM INT
    while kill -0 "$gateway" 2>/dev/null; do
        wait "$gateway" || true
    done
    ;;
status)
    skew
    exec "$GATESIM" explain "$skewed" --output json
    ;;
features)
    # the upstream conformance features this implementation supports: gatesim's own
    exec "$GATESIM" conform --target builtin --features
    ;;
*)
    echo "usage: $0 serve|status|features" >&2
    exit 2
    ;;
esac
