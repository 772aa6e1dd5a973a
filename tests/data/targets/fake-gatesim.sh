#!/bin/sh
# SPDX-License-Identifier: MIT
# Stands in for the gatesim binary in the builtin target's unit tests: `gateway FILE --backend ...`
# prints a ready line naming its arguments and a new one on every SIGHUP, a stats line (after a
# line of noise) on every SIGUSR1; FAKE_GATEWAY_DIE=1
# makes it fail at start; `explain FILE --output json` prints a status document.
cmd=$1; shift
case "$cmd" in
gateway)
    file=$1; shift
    echo "pid: $$" >&2
    echo "args: $*" >&2
    if [ -n "$FAKE_GATEWAY_DIE" ]; then echo "gateway: cannot bind listener" >&2; exit 3; fi
    if [ -n "$FAKE_GATEWAY_SILENT" ]; then sleep 30; exit 0; fi
    n=$(grep -c '^---' "$file")
    gen=0
    ready() {
        echo "log line before ready"
        echo "{\"ready\":true,\"listeners\":[{\"gateway\":\"infra/gw\",\"listener\":\"http\",\"port\":80,\"address\":\"127.0.0.1:1$gen$n\"}],\"args\":\"$*\"}"
    }
    trap 'gen=$((gen+1)); n=$(grep -c "^---" "$file"); ready' HUP
    seq=0
    trap 'seq=$((seq+1)); echo "noise before stats"; echo "{\"stats\":{\"seq\":$seq,\"requests\":$((seq*10)),\"ratio\":0.5,\"name\":\"x\",\"negative\":-1}}"' USR1
    ready
    while :; do sleep 0.05; done
    ;;
explain)
    file=$1
    echo "{\"objects\":[{\"kind\":\"Gateway\",\"namespace\":\"infra\",\"name\":\"gw\","
    echo "\"status\":{\"conditions\":[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\"}]}}],"
    echo "\"documents\":$(grep -c '^---' "$file")}"
    ;;
*) echo "fake-gatesim: unknown command $cmd" >&2; exit 2 ;;
esac
