#!/bin/sh
# SPDX-License-Identifier: MIT
# A deliberately wrong implementation for the exec target: gatesim's gateway serving the first
# configuration it was given for ever. Every reload is accepted (the gateway reloads and says it
# is ready) but reads a frozen copy of the first objects, so route updates never reach the data
# plane: a rollout against it must fail its first weighted step saying the data plane did not
# follow the route. Status is computed from the current objects, as a control plane that
# accepts the update would report it.
set -eu
frozen="$GATESIM_WORKDIR/frozen.yaml"
case "${1:-}" in
serve)
    cp "$GATESIM_OBJECTS" "$frozen"
    set --
    while IFS= read -r endpoint; do
        [ -n "$endpoint" ] && set -- "$@" --backend "$endpoint"
    done < "$GATESIM_BACKENDS_TXT"
    if [ -n "${GATESIM_SEED:-}" ]; then set -- "$@" --seed "$GATESIM_SEED"; fi
    "$GATESIM" gateway "$frozen" "$@" &
    gateway=$!
    trap 'kill -HUP "$gateway"' HUP
    trap 'kill -TERM "$gateway" 2>/dev/null; wait "$gateway"; exit 0' TERM INT
    while kill -0 "$gateway" 2>/dev/null; do
        wait "$gateway" || true
    done
    ;;
status)
    exec "$GATESIM" explain "$GATESIM_OBJECTS" --output json
    ;;
features)
    exec "$GATESIM" conform --target builtin --features
    ;;
*)
    echo "usage: $0 serve|status|features" >&2
    exit 2
    ;;
esac
