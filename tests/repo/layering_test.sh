#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The layering of docs/architecture.md as an enforced invariant: a part includes only headers
# of the parts it may depend on (below it), never one of a part above or beside it. Every
# `#include "x.h"` of every .c/.h of a part is resolved to the part whose folder holds x.h.
# Usage: layering_test.sh SOURCE_DIR
#
# The check is run first on planted trees (an upward include must be caught), then on the source.
set -u
src=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# scan_tree ROOT: prints "file:line: part includes header of part" for each violation; exit 1
# when there is one. The table is the one docs/architecture.md draws.
scan_tree() {
    "$py" - "$1" <<'PY'
import os, re, sys

root = sys.argv[1]
FOLDERS = {
    "harness/base": "base", "harness/model": "model", "harness/control": "control",
    "harness/gateway": "gateway", "harness/traffic": "traffic", "harness/stats": "stats",
    "harness/targets": "targets", "reports": "reports", "harness/scenario": "scenario",
    "harness/conform": "conform", "harness/migrate": "migrate", "harness/cli": "cli",
    "backends": "backends",
}
BELOW = {
    "base": set(),
    "model": {"base"},
    "control": {"model", "base"},
    "gateway": {"control", "model", "base"},
    "traffic": {"base"},
    "stats": {"base"},
    "targets": {"migrate", "control", "model", "base"},
    "reports": {"base"},
    "scenario": {"migrate", "targets", "traffic", "stats", "reports", "control", "model", "base"},
    "conform": {"scenario", "migrate", "targets", "traffic", "stats", "reports", "control", "model", "base"},
    "migrate": {"model", "base"},
    "cli": {"migrate", "conform", "scenario", "gateway", "traffic", "stats", "targets", "reports", "control", "model",
            "base"},
    "backends": {"base"},
}
owner, sources = {}, []
for folder, part in FOLDERS.items():
    d = os.path.join(root, folder)
    if not os.path.isdir(d):
        continue
    for dirpath, _, files in os.walk(d):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                path = os.path.join(dirpath, f)
                sources.append((part, path))
                if f.endswith(".h"):
                    if f in owner and owner[f] != part:
                        print("%s: header name also used by part %s" % (path, owner[f]))
                    owner[f] = part
bad = 0
inc = re.compile(r'\s*#\s*include\s+"([^"]+)"')
for part, path in sources:
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            m = inc.match(line)
            if not m:
                continue
            other = owner.get(os.path.basename(m.group(1)))
            if other is None or other == part or other in BELOW[part]:
                continue
            print("%s:%d: %s includes %s, a header of %s" %
                  (os.path.relpath(path, root), n, part, m.group(1), other))
            bad += 1
print("%d sources scanned" % len(sources), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# 1. Planted trees: an upward include and a sideways include are caught; a downward one is not.
plant() { # plant NAME PART_FOLDER FILE TEXT
    mkdir -p "$tmp/$1/$2"
    printf '%s\n' "$4" >"$tmp/$1/$2/$3"
}
for t in up side down; do
    plant $t harness/base gs_low.h "int gs_low(void);"
    plant $t harness/scenario gs_top.h "int gs_top(void);"
    plant $t harness/stats gs_side.h "int gs_side(void);"
done
plant up harness/model gs_mid.c '#include "gs_top.h"'
plant side harness/traffic gs_mid.c '#include "gs_side.h"'
plant down harness/control gs_mid.c '#include "gs_low.h"'
for t in up side; do
    if scan_tree "$tmp/$t" >"$tmp/$t.out" 2>/dev/null; then
        fail "planted tree '$t' was not caught"
    elif ! grep -q 'gs_mid.c:1: ' "$tmp/$t.out"; then
        fail "planted tree '$t': no file:line in the report: $(cat "$tmp/$t.out")"
    fi
done
scan_tree "$tmp/down" >"$tmp/down.out" 2>/dev/null || fail "a downward include was flagged: $(cat "$tmp/down.out")"

# 2. The repository itself.
if ! scan_tree "$src" >"$tmp/repo.out" 2>"$tmp/repo.err"; then
    fail "includes against the layering of docs/architecture.md:"
    cat "$tmp/repo.out"
fi
grep -qE '^[0-9]{3,} sources scanned' "$tmp/repo.err" || fail "too few sources scanned: $(cat "$tmp/repo.err")"

[ $fails -eq 0 ] && echo "PASS: every include follows the layering ($(cat "$tmp/repo.err"))"
exit $((fails > 0))
