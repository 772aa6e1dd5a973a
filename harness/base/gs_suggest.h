/* SPDX-License-Identifier: MIT */
/* "Did you mean": the nearest of a set of known words by edit distance, for commands, flags,
 * enum values and references (field names, sectionNames, Service and backend names). One rule
 * everywhere, so every part of gatesim suggests the same way. */
#ifndef GS_SUGGEST_H
#define GS_SUGGEST_H

#include <stddef.h>

/* Edit distance between |a| and |b|, case-insensitive: insertions, deletions, substitutions
 * and adjacent transpositions each count one ("sepc" -> "spec" is 1). Words over 64 bytes are
 * 255 apart. */
unsigned gs_suggest_distance(const char *a, const char *b);

/* The candidate nearest to |word| (NULL-terminated list), or NULL when none is near enough to be
 * a likely typo: at most 1 edit for words up to 4 characters, 2 up to 8, 3 beyond. A candidate
 * equal but for case wins at once; ties go to the earlier candidate. Protocol names come in a
 * long and a short spelling, so a leading "http" also counts as "h": "http2c" is "h2c" (0
 * edits), not "http2" (1 edit). */
const char *gs_suggest(const char *word, const char *const *candidates);

/* The same over an array of |n| candidates (NULL entries are skipped). */
const char *gs_suggest_n(const char *word, const char *const *candidates, size_t n);

struct option;

/* One line saying why getopt_long (with opterr = 0) refused an argument, into |out|:
 * `unknown option "--sed"; did you mean "--seed"?`, `option "--seed" needs a value` or
 * `unknown option "-Z"`. |bad| is argv[optind - 1] after the refusal, |bad_opt| getopt's optopt,
 * |longopts| and |shortopts| what getopt_long was given. */
void gs_suggest_option_error(char *out, size_t cap, const char *bad, int bad_opt,
                             const struct option *longopts, const char *shortopts);

#endif
