#!/bin/sh
# SPDX-License-Identifier: MIT
# An annotated exec-target adapter: the shape of one for a real implementation (docs/targets/
# exec.md). gatesim runs it as `ADAPTER serve`, `ADAPTER status` and `ADAPTER features`.
#
# The "implementation" here is gatesim's own gateway standing in for a vendor's proxy, so the
# example runs anywhere gatesim does. Replace the three marked parts with your product's:
#   TRANSLATE  turn the Gateway API objects into your configuration
#   PROXY      start your data plane, and tell it to reload
#   STATUS     print what your controller wrote into the objects' status
set -eu

config="$GATESIM_WORKDIR/proxy-config.yaml"

# TRANSLATE: a real adapter renders $GATESIM_OBJECTS (every object, multi-document YAML) into
# its own configuration, using $GATESIM_BACKENDS ({"backends":[{namespace,name,port,address}]})
# for where each Service port's endpoints listen. gatesim's gateway reads Gateway API YAML
# itself, so here translating is copying.
translate() {
    cp "$GATESIM_OBJECTS" "$config.new"
    mv "$config.new" "$config"
}

case "${1:-}" in
serve)
    translate
    # PROXY: start the data plane as our child. It prints the ready line gatesim waits for,
    # {"ready":true,"listeners":[{"gateway","listener","port","address"}]}, on our stdout; a
    # real adapter prints it itself once its proxy listens (reading the ports from the proxy's
    # admin API or choosing them up front).
    set --
    while IFS= read -r endpoint; do
        [ -n "$endpoint" ] && set -- "$@" --backend "$endpoint"
    done < "$GATESIM_BACKENDS_TXT"
    "$GATESIM" gateway "$config" "$@" &
    proxy=$!
    # gatesim sends SIGHUP to this process alone (not to the proxy) when the objects changed:
    # translate again, then tell the proxy in its own way (here: SIGHUP; it prints a new ready
    # line when the new configuration is live, or one with "reloadError" when it kept the old).
    trap 'translate; kill -HUP "$proxy"' HUP
    # The final stop is SIGTERM to the whole process group: the proxy gets it too.
    trap 'kill -TERM "$proxy" 2>/dev/null; wait "$proxy"; exit 0' TERM INT
    # `wait` returns early whenever a trapped signal arrives: keep waiting while the proxy lives.
    while kill -0 "$proxy" 2>/dev/null; do
        wait "$proxy" || true
    done
    ;;
status)
    # STATUS: one JSON document, {"objects":[{"kind","namespace","name","status":{...}}]}, the
    # status your controller wrote (conditions, listeners with attachedRoutes, route parents
    # with their controllerName). A real adapter reads it from the controller; gatesim's
    # controller computes it from the objects.
    exec "$GATESIM" explain "$config" --output json
    ;;
features)
    # The upstream conformance features the implementation supports (FeatureNames), one JSON
    # list. `gatesim conform` runs only the tests whose features are all in it.
    echo '["Gateway", "ReferenceGrant", "HTTPRoute", "GRPCRoute", "HTTPRouteMethodMatching"]'
    ;;
*)
    echo "usage: $0 serve|status|features" >&2
    exit 2
    ;;
esac
