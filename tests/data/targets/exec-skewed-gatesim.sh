#!/bin/sh
# SPDX-License-Identifier: MIT
# A deliberately wrong implementation for the exec target: gatesim's gateway, except that every
# backendRef weight of 70 is served as 75 and every 30 as 25 (docs/stats.md: the harness must be able
# to fail; a 70/30 route served 75/25 must fail its split check). No SIGHUP reload.
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
    exec "$GATESIM" gateway "$skewed" "$@"
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
