#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Harness memory (README.md, Benchmarks: a long `gatesim run` keeps memory flat: streaming statistics, no
# per-request storage). Generates one scenario in a temporary folder: a Gateway, one HTTPRoute
# splitting 70/30 over two backends with a RequestMirror of every request to a third (2 replicas),
# and one step sending N requests that checks status, the split (binomial test) and the mirror per
# request id (fraction 1.0). Runs it with N1 and N2 = 10 x N1 requests and prints the peak RSS of
# gatesim (GNU time %M, which folds in the peaks of children gatesim reaped, and gatesim's own
# VmHWM), of the gateway child and of the largest echo backend, with the ratios N2/N1 (goal ~1.0),
# and the gateway's count of mirrors sent and dropped.
# Why not 10M requests: the whole run (runner, gateway, four echo replicas) moves ~30-35k
# requests/s on this 2-core shared machine, so a 10M run alone takes 5+ minutes of both cores;
# 200k vs 2M (~70 s) shows the same slope. Override: bench/run_memory.sh [N1] [N2] [BUILD_DIR].
# Exit 1 when a run fails its checks (the memory figures are still printed): on a loaded machine
# the gateway drops mirror copies beyond 1024 in flight, and the mirror check then fails honestly.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N1=${1:-200000}
N2=${2:-$((N1 * 10))}
BUILD=${3:-$ROOT/build}
GATESIM=$BUILD/harness/cli/gatesim
[ -x "$GATESIM" ] || { echo "bench/run_memory.sh: $GATESIM not built (cmake --build build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/run_memory.sh: /usr/bin/time not installed (scripts/install-deps.sh)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/gs-bench-runmem.XXXXXX)
RUNPID=
cleanup() {
    [ -n "$RUNPID" ] && kill "$RUNPID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# scenario N: writes $WORK/mem-N.yaml
scenario() {
    cat >"$WORK/mem-$1.yaml" <<YAML
apiVersion: gatesim.dev/v1alpha1
kind: Scenario
metadata:
  name: run-memory-$1
  description: $1 requests over a 70/30 split with every request mirrored.
spec:
  manifests:
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: GatewayClass
      metadata: {name: gatesim}
      spec: {controllerName: gatesim.dev/builtin-controller}
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: gw, namespace: infra}
      spec:
        gatewayClassName: gatesim
        listeners:
        - {name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: split-mirror, namespace: default}
      spec:
        parentRefs: [{name: gw, namespace: infra}]
        hostnames: ["mem.example.com"]
        rules:
        - matches: [{path: {type: PathPrefix, value: /}}]
          filters:
          - type: RequestMirror
            requestMirror: {backendRef: {name: shadow, port: 80}}
          backendRefs:
          - {name: stable, port: 80, weight: 70}
          - {name: canary, port: 80, weight: 30}
  backends:
  - {service: default/stable}
  - {service: default/canary}
  - {service: default/shadow, replicas: 2}
  steps:
  - name: split and mirror
    send: {host: mem.example.com, path: /m, requests: $1, connections: 16}
    expect:
      status: 200
      split: {default/stable: 70, default/canary: 30}
      mirror: [{backend: default/shadow, fraction: 1.0}]
YAML
}

# hwm PID: peak RSS (KiB) of PID so far, or nothing
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }

# measure N: runs the scenario; sets RSS_TIME RSS_SELF RSS_GW RSS_ECHO SECS
measure() {
    local n=$1
    scenario "$n"
    local start end
    start=$(date +%s.%N)
    TMPDIR=$WORK /usr/bin/time -f %M -o "$WORK/time-$n" "$GATESIM" run --seed 1 --format json --keep-workdir \
        -o "$WORK/report-$n" "$WORK/mem-$n.yaml" >"$WORK/out-$n" 2>&1 &
    RUNPID=$!
    local gs="" self=0 gw=0 echo=0 v pid cmd
    # Sample VmHWM (a peak, so sampling late loses nothing) of gatesim and its children until
    # gatesim exits; /usr/bin/time's %M alone would be the largest of gatesim and its reaped
    # children (wait4 folds children's peaks in).
    while kill -0 "$RUNPID" 2>/dev/null; do
        [ -z "$gs" ] && gs=$(pgrep -P "$RUNPID" | head -n1 || true)
        if [ -n "$gs" ]; then
            v=$(hwm "$gs")
            [ -n "$v" ] && [ "$v" -gt "$self" ] && self=$v
            for pid in $(pgrep -P "$gs" || true); do
                v=$(hwm "$pid")
                [ -n "$v" ] || continue
                cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
                case "$cmd" in
                *gatesim-echo*) [ "$v" -gt "$echo" ] && echo=$v ;;
                *" gateway "*) [ "$v" -gt "$gw" ] && gw=$v ;;
                esac
            done
        fi
        sleep 0.25
    done
    local rc=0
    wait "$RUNPID" || rc=$?
    RUNPID=
    end=$(date +%s.%N)
    # The gateway's last log line counts mirrors sent and dropped (it drops a mirror rather than
    # queue more than 1024 in flight, so a mirror backend that falls behind loses copies).
    local kept mirrors=""
    kept=$(sed -n 's/.*work folder kept: //p' "$WORK/out-$n" | head -n1)
    if [ -n "$kept" ] && [ -d "$kept" ]; then
        mirrors=$(grep -o 'mirrors [0-9]* sent [0-9]* dropped' "$kept/gateway.log" | tail -n1 || true)
        rm -rf "$kept"
    fi
    if [ "$rc" -ne 0 ]; then
        echo "bench/run_memory.sh: gatesim run with $n requests exited $rc (gateway: ${mirrors:-?}):" >&2
        grep -E '^(PASS|FAIL|ERROR)|^    [a-z]+:|observed:' "$WORK/out-$n" >&2 || tail -n 20 "$WORK/out-$n" >&2
        FAILED=1
    fi
    RSS_TIME=$(tail -n1 "$WORK/time-$n")
    RSS_SELF=$self
    RSS_GW=$gw
    RSS_ECHO=$echo
    SECS=$(echo "$start $end" | awk '{printf "%.0f", $2 - $1}')
    printf '  %8d requests: %4ss  gatesim %6s KiB (own VmHWM %6s)  gateway %6s KiB  echo %6s KiB  (%s)\n' \
        "$n" "$SECS" "$RSS_TIME" "$RSS_SELF" "$RSS_GW" "$RSS_ECHO" "${mirrors:-mirrors ?}"
}

FAILED=0
echo "gatesim run, 70/30 split + mirror of every request, 16 connections (peak RSS):"
measure "$N1"
t1=$RSS_TIME s1=$RSS_SELF g1=$RSS_GW e1=$RSS_ECHO
measure "$N2"
t2=$RSS_TIME s2=$RSS_SELF g2=$RSS_GW e2=$RSS_ECHO
ratio() { echo "$1 $2" | awk '{ if ($1 > 0) printf "%.2f", $2 / $1; else printf "n/a" }'; }
echo
printf 'peak RSS ratio %d/%d requests: gatesim %s (own %s), gateway %s, echo %s  (goal ~1.0)\n' \
    "$N2" "$N1" "$(ratio "$t1" "$t2")" "$(ratio "$s1" "$s2")" "$(ratio "$g1" "$g2")" "$(ratio "$e1" "$e2")"
# What per-request state remains: the mirror check's bitmaps (one bit per request for "answered"
# and one per mirror, 2 bits here: 0.25 bytes per request).
echo "$s1 $s2 $N1 $N2" | awk '{printf "gatesim own growth: %d KiB for %d more requests = %.2f bytes/request (mirror-check bitmaps: 0.25)\n", $2 - $1, $4 - $3, ($2 - $1) * 1024 / ($4 - $3)}'
if [ "$FAILED" -ne 0 ]; then
    echo "a run failed its checks (above): the memory figures stand, the pass/fail does not" >&2
    exit 1
fi
