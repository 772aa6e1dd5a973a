#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The repository stands alone: no comment, doc or script points at a document outside it (a
# design document, a digest of the specification, a sibling folder). What the code needs to
# say is said in the comment itself or in docs/. References to RFC sections are fine: RFCs are
# public standards, cited by number. Usage: standalone_test.sh SOURCE_DIR
#
# The check is run first on planted trees (each must be caught, or pass), then on the source.
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The files of a tree: tracked and untracked-but-not-ignored when it is a git checkout, else
# every text file outside build folders.
list_files() {
    if git -C "$1" rev-parse --show-toplevel >/dev/null 2>&1 &&
        [ "$(git -C "$1" rev-parse --show-toplevel)" = "$(cd "$1" && pwd -P)" ]; then
        git -C "$1" ls-files -z --cached --others --exclude-standard
    else
        (cd "$1" && find . -type f ! -path './build*' ! -path './.git/*' -print0 | sed -z 's|^\./||')
    fi
}

# Prints every offending line as path:line: text; exits 1 when there is one. The words are
# spelled in pieces so that this file does not match itself.
scan_tree() {
    local root=$1
    list_files "$root" |
        grep -zE '\.(c|h|in|md|sh|py|txt|cmake|yaml|yml|html)$|CMakeLists\.txt$' |
        (cd "$root" && xargs -0 -r perl -ne '
            BEGIN { $d = "DES" . "IGN"; $st = "STY" . "LE"; $s = chr(0xA7); $n = 0; }
            my $line = $_;
            utf8::decode($line);
            my $bad = 0;
            $bad = 1 if $line =~ /\b$d\b|\b$d\.md\b/;
            $bad = 1 if $line =~ /\bdigest(?:\x27s)?\s*$s|semantics\s+(?:digest|$s)/i;
            $bad = 1 if $line =~ m{(?:\.\./|/work/)shared\b|shar[e]d/reference|\b$st\.md\b};
            # A section sign that no RFC number precedes points at some other document.
            (my $rest = $line) =~ s/RFC\s?\d+\s+$s[\w.]+(?:(?:,\s*|\s+and\s+|\s*[\x{2013}-]\s*)$s[\w.]+)*//g;
            $bad = 1 if $rest =~ /$s/;
            if ($bad) { print "$ARGV:$.: $_"; $n++; }
            close ARGV if eof;
            END { exit($n ? 1 : 0); }')
}

# 1. The scanner catches each kind of outside reference, and lets RFC sections through.
plant() { # plant NAME FILE TEXT: a tree with one file holding TEXT
    mkdir -p "$tmp/$1"
    printf '%s\n' "$3" >"$tmp/$1/$2"
}
s=$(printf '\302\247')
dash=$(printf '\342\200\223')
plant design a.c "/* the ready line of DES""IGN ${s}2 */"
plant digest b.h "/* ReplacePrefixMatch (dig""est ${s}7.2) */"
plant bare c.md "Hostname intersection (${s}5.2) comes from the model."
plant sibling d.sh "# see ../sha""red/reference/x.md"
plant style CMakeLists.txt "# read from the link order (STY""LE.md)"
plant rfc e.c "/* RFC 9112 ${s}2${dash}${s}7, RFC 4648 ${s}4 and ${s}5, RFC 9112 ${s}4, ${s}5, ${s}6.3 */"
for t in design digest bare sibling style; do
    if scan_tree "$tmp/$t" >"$tmp/$t.out"; then
        fail "planted tree '$t' was not caught"
    elif ! grep -q ':1: ' "$tmp/$t.out"; then
        fail "planted tree '$t': no file:line in the report: $(cat "$tmp/$t.out")"
    fi
done
scan_tree "$tmp/rfc" >"$tmp/rfc.out" || fail "RFC section references were flagged: $(cat "$tmp/rfc.out")"

# 2. The repository itself.
if ! scan_tree "$src" >"$tmp/repo.out"; then
    fail "references to documents outside the repository (write what is needed here or in docs/):"
    cat "$tmp/repo.out"
fi
n=$(list_files "$src" | tr -cd '\0' | wc -c)
[ "$n" -gt 100 ] || fail "only $n files listed in $src: the scan looked at the wrong tree"

[ $fails -eq 0 ] && echo "PASS: the repository stands alone ($n files)"
exit $((fails > 0))
