/* SPDX-License-Identifier: MIT */
/* Example strings for a regular expression, for `gatesim diff`'s probes of RegularExpression
 * paths, gRPC service and method matches and header values (docs/ingress.md, "The probe
 * corpus"): a string the expression matches in full (its literal parts, one character per class,
 * each atom repeated its minimum number of times, the first branch of an alternation), and a
 * string it does not match that shares the example's literal start (one character after that
 * start replaced). Both are checked with PCRE2 (anchored at both ends), so a wrong example is
 * never returned: an expression the generator cannot handle (back-references, lookaround, \b,
 * POSIX classes, a character that needs percent-encoding in a URL) gets a reason instead. */
#ifndef GS_REGEX_EXAMPLE_H
#define GS_REGEX_EXAMPLE_H

#include <stdbool.h>
#include <stddef.h>

#define GS_REGEX_EXAMPLE_MAX 256

typedef struct gs_regex_example {
    char match[GS_REGEX_EXAMPLE_MAX]; /* matched in full by the expression */
    size_t literal;                   /* bytes of |match| that are the expression's literal start */
    char miss[GS_REGEX_EXAMPLE_MAX];  /* not matched, |match| with one byte after |literal|
                                         replaced; "" when every replacement still matches */
    bool caseless;                    /* the expression starts with (?i) */
} gs_regex_example;

/* Fills |ex| for the PCRE2 expression |re|, whose examples must consist of |charset|'s
 * characters (NULL: those a URL path may hold unencoded). Returns 0, or -1 with the reason in
 * |why| (|ex| then holds nothing usable). */
int gs_regex_example_make(const char *re, const char *charset, gs_regex_example *ex, char *why,
                          size_t why_len);

/* |re| (PCRE2, anchored at both ends) matches |str| in full; false when |re| does not compile. */
bool gs_regex_full_match(const char *re, const char *str);

/* |re| holds a regular-expression metacharacter (else it is a literal string). */
bool gs_regex_is_pattern(const char *re);

#endif
