#!/bin/sh
# SPDX-License-Identifier: MIT
# An exec-target adapter (docs/runner.md, "The exec target") around gatesim's own gateway: the
# reference for writing one for another implementation, and the test that the protocol works.
#   serve   run the implementation on $GATESIM_OBJECTS with the endpoints of
#           $GATESIM_BACKENDS_TXT; print the ready line; reload on SIGHUP
#   status  print the objects' status as {"objects":[...]} and exit
#   features  print the upstream conformance features it supports, as a JSON list
set -eu
case "${1:-}" in
serve)
    set --
    while IFS= read -r endpoint; do
        [ -n "$endpoint" ] && set -- "$@" --backend "$endpoint"
    done < "$GATESIM_BACKENDS_TXT"
    if [ -n "${GATESIM_SEED:-}" ]; then set -- "$@" --seed "$GATESIM_SEED"; fi
    old_ifs=$IFS; IFS=,
    for name in ${GATESIM_CONTROLLER_NAMES:-}; do set -- "$@" --controller-name "$name"; done
    IFS=$old_ifs
    exec "$GATESIM" gateway "$GATESIM_OBJECTS" "$@"
    ;;
status)
    set --
    old_ifs=$IFS; IFS=,
    for name in ${GATESIM_CONTROLLER_NAMES:-}; do set -- "$@" --controller-name "$name"; done
    IFS=$old_ifs
    exec "$GATESIM" explain "$GATESIM_OBJECTS" --output json "$@"
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
