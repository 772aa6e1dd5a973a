#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The naming convention of docs/style.md as an enforced invariant: every extern symbol a part's
# library defines starts with gs_ (the linker sees every one of them, so a bare name can clash
# with any other library's). A bare name fails.
# Usage: symbols_test.sh LIBRARY.a...
set -u
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Names allowed without the prefix: none since issue 12's renames (docs/style.md). A name
# listed here would have to say why.
known='^$'

# Prints the extern symbols of |lib| that lack the prefix, one per line. Compiler-made names
# (a leading underscore or a dot) are not ours.
bare_symbols() {
    nm -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDBRVW]$/ {print $3}' |
        grep -vE '^(gs_|_|\.)' | sort -u
}

# 1. The check catches a bare name in a planted library, and accepts a prefixed one.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int gs_ok_fn(void);\nint gs_ok_fn(void) { return 1; }\nint bare_fn(void);\nint bare_fn(void) { return 2; }\n' >"$tmp/p.c"
if cc -c -o "$tmp/p.o" "$tmp/p.c" && ar rcs "$tmp/libp.a" "$tmp/p.o"; then
    [ "$(bare_symbols "$tmp/libp.a")" = "bare_fn" ] || fail "the planted bare_fn was not found: $(bare_symbols "$tmp/libp.a")"
else
    fail "could not build the planted library"
fi

# 2. The libraries.
n=0
for lib in "$@"; do
    [ -f "$lib" ] || { fail "no library $lib"; continue; }
    n=$((n + 1))
    while read -r sym; do
        [ -n "$sym" ] || continue
        if ! [[ $sym =~ $known ]]; then
            fail "$(basename "$lib"): extern symbol without the gs_ prefix: $sym"
        fi
    done < <(bare_symbols "$lib")
done
[ "$n" -ge 8 ] || fail "only $n libraries checked"

[ $fails -eq 0 ] && echo "PASS: every extern symbol of $n libraries is gs_-prefixed (or listed as known)"
exit $((fails > 0))
