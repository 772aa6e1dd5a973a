#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lib.sh's sanitizer watch: a test whose gateway or gatesim-echo wrote an AddressSanitizer,
# LeakSanitizer or UBSan report to its stderr fails, with the report printed, even when all its
# checks passed; without a report it passes. Fake processes stand in for the binaries (they
# print a ready line, and the report when stopped, as LeakSanitizer does at exit).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# fake FILE LINE REPORT: a shell script printing LINE on stdout, then REPORT on stderr at SIGTERM.
fake() {
    cat > "$1" <<SH
#!/bin/sh
trap 'printf "%s\\n" "$3" >&2; exit 0' TERM
printf '%s\\n' '$2'
while :; do sleep 0.05; done
SH
    chmod +x "$1"
}

# inner GATESIM GATESIM_ECHO: a child test starting a fake gateway and a fake echo through
# lib.sh, with one passing check; its output goes to $WORK/inner.out, its exit code to RC.
inner() {
    cat > "$WORK/inner.sh" <<SH
HERE="$HERE"
. "$HERE/lib.sh"
start_echo default/a r0
start_gateway x.yaml
check "a passing check" eq 1 1
finish
SH
    RC=0
    GATESIM=$1 GATESIM_ECHO=$2 bash "$WORK/inner.sh" > "$WORK/inner.out" 2>&1 || RC=$?
    OUT=$(cat "$WORK/inner.out")
}

READY_GW='{"listeners":[]}'
READY_ECHO='{"port":1,"controlPort":2}'
fake "$WORK/gw-clean" "$READY_GW" "draining"
fake "$WORK/echo-clean" "$READY_ECHO" "draining"
fake "$WORK/gw-leak" "$READY_GW" "==12==ERROR: LeakSanitizer: detected memory leaks"
fake "$WORK/gw-asan" "$READY_GW" "==12==ERROR: AddressSanitizer: heap-use-after-free on address 0x1"
fake "$WORK/gw-lsanfail" "$READY_GW" "==12==LeakSanitizer has encountered a fatal error."
fake "$WORK/echo-ub" "$READY_ECHO" "backends/echo_h2.c:10:5: runtime error: signed integer overflow"

inner "$WORK/gw-clean" "$WORK/echo-clean"
check "no report: the test passes" eq "$RC" 0
check "no report: nothing said" lacks "$OUT" "sanitizer report"

inner "$WORK/gw-leak" "$WORK/echo-clean"
check "a gateway leak report fails the test" eq "$RC" 1
check "the leak report is printed" contains "$OUT" "ERROR: LeakSanitizer: detected memory leaks"
check "the passing checks were still counted" contains "$OUT" "1 passed, 0 failed"

inner "$WORK/gw-asan" "$WORK/echo-clean"
check "an AddressSanitizer report fails the test" eq "$RC" 1
check "it is printed" contains "$OUT" "heap-use-after-free"

inner "$WORK/gw-lsanfail" "$WORK/echo-clean"
check "a sanitizer that could not run fails the test" eq "$RC" 1

inner "$WORK/gw-clean" "$WORK/echo-ub"
check "an echo UBSan report fails the test" eq "$RC" 1
check "it is printed, naming the file" contains "$OUT" "echo-default_a-r0.json.err"
check "with its line" contains "$OUT" "runtime error: signed integer overflow"
finish
