#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gateway under the bounded attacks of issue 20 items 2-4, with its default limits, while a
# normal client measures latency. Prints, per attack, the gateway's peak RSS (VmHWM, reset before
# each attack) against the stated bound of 256 MB and the normal client's p99 under attack
# divided by its unloaded p99 (goal <= 2x) with a 95% bootstrap interval, then one PASS/FAIL
# line per attack: PASS when the interval's upper end is within 2x (see "statistics"). All on loopback;
# attackers connect from 127.0.0.2 (the whole of 127/8 is loopback), the normal client from
# 127.0.0.1, so the per-address reset ban cannot hit the normal client.
#   bodies: 2 connections x 128 HTTP/2 streams sending request bodies they never end (up to
#           4 MiB each), held 2 s, then again with fresh connections
#   held:   10 connections x 128 streams announcing a zero window, each asking for 1 MiB
#           (served by nghttpd over h2c), held 8 s, then again
#   resets: connections opening and resetting 20 streams each, until GOAWAY, over and over;
#           while banned, a refused connection every 10 ms
# The normal client: `gatesim load -p h2c -c 4 -m 4` at a fixed rate (open loop, latency from
# the intended send time) for ATTACK_SECONDS - 5 seconds in each phase, every request's latency
# kept (--hdr-log: HdrHistogram, 3 significant digits).
#
# What the figure is about: the gateway, not the machine. The attackers stand for remote clients
# but run on the gateway's two cores; what they cost the machine (their CPU, the kernel's loopback
# work for their connections, done in their context) is not the gateway's doing. So:
#   - confinement: the attackers and their backend nghttpd run in a CPU budget, a cgroup with a
#     quota of ATTACK_CPU% of one core (cgroup v2 cpu.max, else cgroup v1 cpu.cfs_quota_us),
#     and, on a machine with two CPUs or more, pinned to the last CPU (with the control gateway,
#     below, outside the quota so that the attack runs at the same rate against both) while the
#     measured path (the gateway, its gatesim-echo and the normal client) is pinned to the others
#     (taskset) and, with a cgroup, weighted 10x over the machine's other work (cpu.weight /
#     cpu.shares: it only matters when other work competes). The second line says which of these
#     were used; HOSTILE_CONFINE=cgroup|taskset|none forces one (cgroup includes the pinning);
#   - rounds: ROUNDS interleaved rounds per attack, each of three phases, their order cycling
#     through all six (so each phase follows each other one equally often): unloaded, the attack
#     on the measured gateway, and the control: the same attack on a second gateway process
#     (same manifest, same backends, on the attackers' CPU) while the normal client still
#     measures the first. The control shows what the attack costs the measured path without the
#     gateway doing any of its work.
#   - statistics (tests/integration/hostile/latstats.py): per attack and phase, the latencies of
#     all rounds pooled; the figure is the pooled p99 under attack over the pooled unloaded p99,
#     and the excess (their difference, ms), each with a 95% percentile-bootstrap interval that
#     resamples whole rounds (a round's three phases together: rounds drift with the machine's
#     other work, requests within a phase are not independent). PASS needs the interval's upper
#     end within 2x, the peak RSS within the bound and no errors; the control is reported the
#     same way, so a reader sees how much of the figure is the machine, and a "service" row
#     gives both from the actual send time (the client's own waits for a CPU left out).
# The attack rates (streams, bytes, connections and resets per second, as the attackers counted
# them) are printed per phase: the quota bounds them, and the control rows show the same attack
# at the same rate against the other process.
#   - priority: by default the measured path runs at normal priority (HOSTILE_RT=0); the
#     confinement above keeps the attackers off its CPU. HOSTILE_RT=auto (where the privilege
#     allows it, chrt) or HOSTILE_RT=1 (insists) runs it at SCHED_FIFO priority 10, so that the
#     machine's other work cannot preempt it on its CPU (with a cgroup v1 that has real-time
#     groups, the measured group is allowed 40% of each CPU in that class). Opt-in only: the
#     gateway, its gatesim-echo and the normal client are then three FIFO processes of equal
#     priority on one CPU, which are not time-sliced, so a burst of one delays the other two
#     until it blocks; on a quiet machine that made the zero-window ratio 28.8x where normal
#     priority gives 2.4x (the control 1.07x), a figure about the bench rather than the gateway.
# Usage: bench/hostile.sh [BUILD_DIR] [ATTACK_SECONDS] [RATE] [ROUNDS]
#        (defaults: build, 9, 400, 12: about 5 minutes per attack; env HOSTILE_RESAMPLES (default
#        2000), HOSTILE_KEEP (a folder to keep the latency logs and results in), ATTACK_CPU
#        (default 50), ATTACK_NICE (default 0), HOSTILE_ATTACKS (default "bodies held resets"), HOSTILE_RT (default 0: normal priority;
#        auto or 1: SCHED_FIFO, see above), HOSTILE_CONFINE (default auto))
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
ATTACK_S=${2:-9}
RATE=${3:-400}
ROUNDS=${4:-12}
NORMAL=$((ATTACK_S - 5))
RESAMPLES=${HOSTILE_RESAMPLES:-2000}
[ "$NORMAL" -ge 3 ] || { echo "bench/hostile.sh: ATTACK_SECONDS must be 8 or more" >&2; exit 2; }
[ "$ROUNDS" -ge 2 ] || { echo "bench/hostile.sh: ROUNDS must be 2 or more" >&2; exit 2; }
GATESIM=$BUILD/harness/cli/gatesim
ECHO=$BUILD/backends/gatesim-echo
HOSTILE=$ROOT/tests/integration/hostile
PY=/usr/bin/python3
BOUND_MB=256
ATTACK_CPU=${ATTACK_CPU:-50}
ATTACK_NICE=${ATTACK_NICE:-0}
[ -x "$GATESIM" ] && [ -x "$ECHO" ] || { echo "bench/hostile.sh: build $BUILD first" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatesim-bench-hostile.XXXXXX")
PIDS=()
CGROUPS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    for g in "${CGROUPS[@]}"; do # what is left in them was started here (the attackers' children)
        for p in $(cat "$g/cgroup.procs" 2> /dev/null); do kill "$p" 2> /dev/null || true; done
        for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$g" 2> /dev/null && break; sleep 0.1; done
    done
    if [ -n "${HOSTILE_KEEP:-}" ]; then # the per-phase latencies and results, for a closer look
        mkdir -p "$HOSTILE_KEEP" && cp -r "$WORK/lat" "$WORK/results" "$HOSTILE_KEEP/" 2> /dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NAME=bench/hostile.sh
. "$ROOT/bench/hostile_lib.sh"

# --- confinement -------------------------------------------------------------------------------
# Sets MEAS=(prefix) and ATT=(prefix): commands that start a program in the measured path's or
# the attackers' confinement, and CONFINED (what was used, for the first line).
CPUS=$("$PY" -c "import os; print(' '.join(map(str, sorted(os.sched_getaffinity(0)))))")
read -r -a CPU_LIST <<< "$CPUS"
MODE=${HOSTILE_CONFINE:-auto}
CG_MEAS=
CG_ATT=
CG_KIND=
# cg_make PARENT KIND: creates the two groups under PARENT (cgroup v2 or v1's cpu hierarchy)
cg_make() {
    local parent=$1 kind=$2 m=$1/gatesim-hostile-$$-measured a=$1/gatesim-hostile-$$-attackers
    mkdir "$m" 2> /dev/null || return 1
    CGROUPS+=("$m")
    mkdir "$a" 2> /dev/null || return 1
    CGROUPS+=("$a")
    if [ "$kind" = v2 ]; then
        echo "$((ATTACK_CPU * 1000)) 100000" > "$a/cpu.max" 2> /dev/null || return 1
        echo 1000 > "$m/cpu.weight" 2> /dev/null || return 1 # 10x the default of 100
    else
        echo 100000 > "$a/cpu.cfs_period_us" 2> /dev/null || return 1
        echo "$((ATTACK_CPU * 1000))" > "$a/cpu.cfs_quota_us" 2> /dev/null || return 1
        echo 10240 > "$m/cpu.shares" 2> /dev/null || return 1 # 10x the default of 1024
    fi
    CG_MEAS=$m
    CG_ATT=$a
    CG_KIND=$kind
}
cg_setup() {
    local v2own
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then # cgroup v2 alone: under our own group
        v2own=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
        for parent in "$v2own" /sys/fs/cgroup; do
            grep -qw cpu "$parent/cgroup.controllers" 2> /dev/null || continue
            grep -qw cpu "$parent/cgroup.subtree_control" 2> /dev/null ||
                echo +cpu > "$parent/cgroup.subtree_control" 2> /dev/null || continue
            cg_make "$parent" v2 && return 0
            for g in "${CGROUPS[@]}"; do rmdir "$g" 2> /dev/null || true; done
            CGROUPS=()
        done
    fi
    for parent in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do # cgroup v1
        [ -f "$parent/cpu.cfs_quota_us" ] || continue
        cg_make "$parent" v1 && return 0
        for g in "${CGROUPS[@]}"; do rmdir "$g" 2> /dev/null || true; done
        CGROUPS=()
    done
    return 1
}
MEAS=()
ATT=()
CTLP=() # the control gateway's
CONFINED="none (measured path and attackers share every CPU)"
if [ "$MODE" != none ]; then
    if [ "$MODE" != taskset ] && cg_setup; then
        CONFINED="cgroup $CG_KIND: attackers and nghttpd at most ${ATTACK_CPU}% of one core ($([ "$CG_KIND" = v2 ] && echo cpu.max || echo cpu.cfs_quota_us)), measured path weighted 10x ($([ "$CG_KIND" = v2 ] && echo cpu.weight || echo cpu.shares))"
    elif [ "$MODE" = cgroup ]; then
        echo "bench/hostile.sh: no writable cgroup with a cpu controller" >&2
        exit 2
    else
        CONFINED="taskset only (no writable cgroup cpu controller: the attackers have no quota)"
    fi
    if [ "${#CPU_LIST[@]}" -ge 2 ]; then
        ACPU=${CPU_LIST[-1]}
        MCPUS=$(echo "${CPU_LIST[@]:0:${#CPU_LIST[@]}-1}" | tr ' ' ,)
        MEAS=(taskset -c "$MCPUS")
        ATT=(taskset -c "$ACPU")
        CTLP=(taskset -c "$ACPU")
        CONFINED="$CONFINED; pinned: measured path on CPU $MCPUS, attackers and the control gateway on CPU $ACPU"
    elif [ -z "$CG_KIND" ]; then
        CONFINED="none (one CPU and no writable cgroup)"
    fi
    if [ -n "$CG_KIND" ]; then
        # sh writes its own pid into the group, then execs the program there
        MEAS=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG_MEAS" "${MEAS[@]}")
        ATT=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG_ATT" "${ATT[@]}")
    fi
fi
RT=${HOSTILE_RT:-0}
case $RT in 0 | 1 | auto) ;; *) echo "bench/hostile.sh: HOSTILE_RT must be 0, 1 or auto" >&2; exit 2 ;; esac
if [ "$RT" = 0 ]; then
    CONFINED="$CONFINED; measured path at normal priority (HOSTILE_RT=0)"
else
    if [ -n "$CG_KIND" ] && [ -f "$CG_MEAS/cpu.rt_runtime_us" ]; then
        echo 400000 > "$CG_MEAS/cpu.rt_runtime_us" 2> /dev/null || true
    fi
    if "${MEAS[@]}" chrt -f 10 true 2> /dev/null; then
        MEAS+=(chrt -f 10)
        CONFINED="$CONFINED; measured path at SCHED_FIFO 10"
    elif [ "$RT" = 1 ]; then
        echo "bench/hostile.sh: HOSTILE_RT=1 needs chrt -f" >&2
        exit 1
    else
        CONFINED="$CONFINED; measured path at normal priority (no chrt -f here)"
    fi
fi
[ "$ATTACK_NICE" = 0 ] || ATT+=(nice -n "$ATTACK_NICE")

# --- backends and gateways ---------------------------------------------------------------------
"${MEAS[@]}" "$ECHO" --service default/v1 --quiet > "$WORK/echo.json" 2> /dev/null &
PIDS+=($!)
wait_file "$WORK/echo.json"
EPORT=$(jsonf "$WORK/echo.json" "d['port']")
hostile_big_backend "${ATT[@]}" # the large responses, in the attackers' confinement
# the control: attacked while the normal client measures the other one
hostile_gateway ctl "$GATESIM" "${CTLP[@]}"
CTL=$GW_ADDR
hostile_gateway gw "$GATESIM" "${MEAS[@]}"
GW=$GW_ADDR

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$GW_PID/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # PID → user + system ticks
HZ=$(getconf CLK_TCK)
loadavg() { cut -d' ' -f1 /proc/loadavg; }
# normal SECONDS [HDRLOG] → "p99-ms responses errors" of the normal client (its latencies in
# HDRLOG)
normal() {
    local log=()
    [ -z "${2:-}" ] || log=(--hdr-log "$2")
    "${MEAS[@]}" "$GATESIM" load -q -p h2c -c 4 -m 4 -r "$RATE" -d "${1}s" -o json --host example.com \
        "${log[@]}" "http://$GW/normal" > "$WORK/load.json" 2> /dev/null || true
    "$PY" -c "
import json,sys
try:
    d=json.load(open(sys.argv[1]))
    print('%.3f %d %d' % (d['latencyMs']['p99'], d['responses'], sum(d['errors'].values())))
except Exception:
    print('nan 0 1')" "$WORK/load.json"
}

# attack NAME TARGET: runs the attack on TARGET for ATTACK_S seconds in the background, in the
# attackers' confinement (sets ATTACK_PID); its JSON in attack.json, its CPU in times
attack() {
    local py=(env PYTHONPATH="$HOSTILE" "$PY" "$HOSTILE/attack.py")
    case $1 in
    bodies) py+=(bodies "$2" --conns 2 --streams 128 --bytes 4194304 --hold 2) ;;
    held) py+=(held "$2" --conns 10 --streams 128 --size 1048576 --hold 8) ;;
    resets) py+=(resets "$2" --conns 1000 --per-conn 20 --pause 0.01) ;;
    esac
    py+=(--source 127.0.0.2 --duration "$ATTACK_S")
    # `times` (its second line: the children's user and system time) gives the attackers' CPU.
    "${ATT[@]}" bash -c '"$@"; times > "$0"' "$WORK/times" "${py[@]}" > "$WORK/attack.json" 2> "$WORK/attack.err" &
    ATTACK_PID=$!
    PIDS+=($ATTACK_PID)
}
# attack_figures NAME WALL_S → "rate cpu%": what the attacker did per second, and its CPU share
attack_figures() {
    "$PY" - "$1" "$2" "$WORK/attack.json" "$WORK/times" << 'EOF' 2> /dev/null || echo "? ?"
import json, re, sys
name, wall = sys.argv[1], max(float(sys.argv[2]), 1.0)
try:
    d = json.loads(open(sys.argv[3]).read())
    if name == "bodies":
        rate = "%.0fst/s,%.1fMB/s" % (d["streams"] / wall, d["sent"] / wall / 1e6)
    elif name == "held":
        rate = "%.0fst/s" % (d["streams"] / wall)
    else:
        rate = "%.0fconn/s,%.0frst/s" % (d["conns"] / wall, d["resets"] / wall)
except Exception:
    rate = "?"
try:
    t = [float(m) * 60 + float(s) for m, s in
         re.findall(r"(\d+)m([\d.]+)s", open(sys.argv[4]).read().splitlines()[1])]
    cpu = "%.0f" % (100 * sum(t) / wall)
except Exception:
    cpu = "?"
print(rate, cpu)
EOF
}

PHASE_S=$((NORMAL + 2 * ATTACK_S + 9)) # one round: the three phases, their pauses and start-ups
echo "bench/hostile.sh: gateway $GW (control $CTL), normal client ${RATE} req/s h2c (4 connections x 4 streams), $ROUNDS rounds of ${ATTACK_S} s phases (the client measures ${NORMAL} s of each), $(nproc) CPUs, about $((PHASE_S * ROUNDS * $(wc -w <<< "${HOSTILE_ATTACKS:-bodies held resets}") / 60 + 1)) minutes"
echo "confinement: $CONFINED"
normal 3 > /dev/null # warm-up
mkdir -p "$WORK/lat"
ROW='%-7s %5s %-8s %8s %6s %8s %6s %6s %-22s %6s %5s\n'
printf "$ROW" attack round phase "p99 ms" errors "RSS MB" "gw CPU" "at CPU" "attack rate" load responses
# phase ATTACK ROUND PHASE: one phase; appends "attack round phase p99 peak errors" to results,
# the normal client's latencies in lat/ATTACK.ROUND.PHASE.hlog
phase() {
    local a=$1 r=$2 ph=$3 t0 w0 p99 n err cpu peak=0 rate=- acpu=- log="$WORK/lat/$1.$2.$3.hlog"
    echo 5 > "/proc/$GW_PID/clear_refs" 2> /dev/null || true # resets VmHWM
    t0=$(cpu_ticks "$GW_PID")
    w0=$SECONDS
    if [ "$ph" = unloaded ]; then
        read -r p99 n err <<< "$(normal "$NORMAL" "$log")"
    else
        attack "$a" "$([ "$ph" = attack ] && echo "$GW" || echo "$CTL")"
        sleep 3
        read -r p99 n err <<< "$(normal "$NORMAL" "$log")"
        wait "$ATTACK_PID" 2> /dev/null || true
        read -r rate acpu <<< "$(attack_figures "$a" $((SECONDS - w0)))"
    fi
    cpu=$(awk -v t=$(($(cpu_ticks "$GW_PID") - t0)) -v hz="$HZ" -v w=$((SECONDS - w0)) 'BEGIN {printf "%.0f", 100 * t / hz / (w > 0 ? w : 1)}')
    peak=$(($(kib VmHWM) / 1024))
    echo "$a $r $ph $p99 $peak $err" >> "$WORK/results"
    printf "$ROW" "$a" "$r" "$ph" "$p99" "$err" "$peak" "$cpu%" "$acpu%" "$rate" "$(loadavg)" "$n"
    sleep 1
}
# round_line ATTACK ROUND: the round's own ratios, for the reader following along
round_line() {
    awk -v a="$1" -v r="$2" '$1 == a && $2 == r {p[$3] = $4}
        END {b = p["unloaded"] > 0 ? p["unloaded"] : 0.001
             printf "        round %s: attack %.2fx, control %.2fx its unloaded p99\n", r, p["attack"] / b, p["control"] / b}' "$WORK/results"
}
: > "$WORK/results"
ATTACKS=${HOSTILE_ATTACKS:-bodies held resets}
# The six orders of the three phases, one per round in turn: each phase comes first, second and
# third equally often, and follows each other phase equally often (what an attack leaves behind,
# a heap or sockets in TIME_WAIT, falls on the unloaded and the control phases alike).
ORDERS=("unloaded attack control" "attack control unloaded" "control unloaded attack"
    "unloaded control attack" "control attack unloaded" "attack unloaded control")
for a in $ATTACKS; do
    for r in $(seq 1 "$ROUNDS"); do
        for ph in ${ORDERS[$(((r - 1) % 6))]}; do phase "$a" "$r" "$ph"; done
        round_line "$a" "$r"
    done
done
echo "(RSS and gw CPU are the measured gateway's; control: the same attack on a second gateway process"
echo " on the attackers' CPU, while the normal client measures the first)"
kill -USR1 "$GW_PID"
sleep 0.3
tail -n1 "$WORK/gw.out" | "$PY" -c "
import json,sys
s=json.load(sys.stdin)['stats']
keys=['bodyBudgetRefused','heldBudgetReset','stalledClosed','h2ResetsRefused','addrResetsRefused',
      'connectionsBanned','cancelledBeforeSend','upstreamDrained',
      'requestBodyBytesPeak','responseBytesPeak']
print('counters: ' + ', '.join('%s %d' % (k, s[k]) for k in keys))"
# The summary: per attack the pooled p99s, the ratio and the excess with their intervals, the
# control's, the peak RSS, PASS/FAIL (tests/integration/hostile/latstats.py).
PYTHONPATH="$HOSTILE" "$PY" "$ROOT/bench/hostile_summary.py" "$WORK" "$BOUND_MB" "$RESAMPLES" $ATTACKS
