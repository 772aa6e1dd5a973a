/* SPDX-License-Identifier: MIT */
/* precedence_diff: runs the precedence differential test for as long as asked.
 *   precedence_diff [--seed S] [--count N] [--per-set M] [--verbose]
 * Exit 0: every answer agreed with the spec; 1: a disagreement (its minimised manifest is on
 * stdout); 2: usage, or the target could not load a route set. */
#include "prec_diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int diff_usage(void)
{
    fprintf(stderr, "usage: precedence_diff [--seed S] [--count N] [--per-set M] [--verbose]\n");
    return 2;
}

static bool diff_number(const char *s, unsigned long long *out)
{
    char *end;
    *out = strtoull(s, &end, 10);
    return s[0] != '\0' && *end == '\0';
}

int main(int argc, char **argv)
{
    prec_diff_opts o = {.seed = 1, .count = 1000, .per_set = 100};
    for (int i = 1; i < argc; i++) {
        unsigned long long v = 0;
        bool has_value = i + 1 < argc && diff_number(argv[i + 1], &v);
        if (strcmp(argv[i], "--verbose") == 0)
            o.verbose = true;
        else if (strcmp(argv[i], "--seed") == 0 && has_value)
            o.seed = v, i++;
        else if (strcmp(argv[i], "--count") == 0 && has_value)
            o.count = (size_t)v, i++;
        else if (strcmp(argv[i], "--per-set") == 0 && has_value && v > 0)
            o.per_set = (size_t)v, i++;
        else
            return diff_usage();
    }
    prec_target t;
    prec_builtin_target(&t);
    prec_diff_stats st;
    int rc = prec_diff_run(&o, &t, stdout, &st);
    fprintf(stderr, "precedence_diff: seed %llu: %zu route sets, %zu requests: %s\n",
            (unsigned long long)o.seed, st.sets, st.requests,
            rc == 0  ? "every answer agrees with the spec"
            : rc > 0 ? "DISAGREEMENT (minimised manifest on stdout)"
                     : "a route set did not load");
    return rc == 0 ? 0 : rc > 0 ? 1 : 2;
}
