# SPDX-License-Identifier: MIT
# Shared by bench/hostile.sh and bench/hostile_held_cost.sh (sourced, not run): the gateway
# under attack, on tests/integration/hostile/manifests/budgets.yaml, with its large responses
# from nghttpd. The caller sets NAME (for messages), WORK, PY, HOSTILE and the array PIDS (what
# its cleanup stops).

wait_file() { for _ in $(seq 1 600); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
# jsonf FILE EXPR → the value of EXPR (Python, over `d`, the first JSON line of FILE)
jsonf() { "$PY" -c "import json,sys; d=json.loads(open(sys.argv[1]).readline()); print($2)" "$1"; }

# hostile_big_backend [PREFIX...]: starts nghttpd over h2c, under PREFIX (a confinement, or
# nothing), serving /big/1048576 (1 MiB) from $WORK/www: a C server, so the attack loads the
# gateway and not a Python backend's threads. Sets BIG (its port) and NG_PID (in PIDS).
hostile_big_backend() {
    mkdir -p "$WORK/www/big"
    head -c 1048576 /dev/zero > "$WORK/www/big/1048576"
    BIG=
    for attempt in 1 2 3 4 5; do # nghttpd cannot report a port it picked: retry when one was taken
        local p
        p=$("$PY" -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
        "$@" nghttpd --no-tls -a 127.0.0.1 -d "$WORK/www" "$p" > /dev/null 2>&1 &
        NG_PID=$!
        for _ in $(seq 1 100); do
            if curl -s -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$p/"; then BIG=$p; break; fi
            kill -0 "$NG_PID" 2> /dev/null || break
            sleep 0.05
        done
        if [ -n "$BIG" ]; then PIDS+=("$NG_PID"); break; fi
        kill "$NG_PID" 2> /dev/null || true
    done
    [ -n "$BIG" ] || { echo "$NAME: nghttpd did not start" >&2; exit 1; }
    # the manifest's Service default/big, marked h2c for nghttpd
    sed '/name: big, namespace/{n;s|{port: 8080}|{port: 8080, appProtocol: kubernetes.io/h2c}|}' \
        "$HOSTILE/manifests/budgets.yaml" > "$WORK/gw.yaml"
    grep -q "kubernetes.io/h2c" "$WORK/gw.yaml" || { echo "$NAME: manifest edit failed" >&2; exit 1; }
}

# hostile_gateway OUT GATESIM [PREFIX...]: starts GATESIM's gateway on $WORK/gw.yaml under PREFIX,
# with default/v1 at the echo on EPORT and default/big at nghttpd (BIG), its output in
# $WORK/OUT.out and .err. Sets GW_PID (in PIDS) and GW_ADDR (its first listener).
hostile_gateway() {
    local out=$1 gatesim=$2
    shift 2
    "$@" "$gatesim" gateway "$WORK/gw.yaml" --backend "default/v1:8080=127.0.0.1:$EPORT" \
        --backend "default/big:8080=127.0.0.1:$BIG" > "$WORK/$out.out" 2> "$WORK/$out.err" &
    GW_PID=$!
    PIDS+=("$GW_PID")
    wait_file "$WORK/$out.out" || { cat "$WORK/$out.err" >&2; exit 1; }
    GW_ADDR=$(jsonf "$WORK/$out.out" "d['listeners'][0]['address']")
}
