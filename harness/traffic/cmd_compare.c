/* SPDX-License-Identifier: MIT */
/* `gatesim compare BASE.json NEW.json`: compares two `gatesim bench` results (gs_compare.h) and
 * prints Markdown (a CI job summary) or JSON. Exit codes: 0 no regression, 1 a regression, 2
 * usage error or a bad input (file and field named). */
#include "gs_alloc.h"
#include "gs_compare.h"
#include "gs_cliopt.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gs_cmd_compare_summary[] =
    "compare two gatesim bench results: changes, verdicts, regressions";
int gs_cmd_compare(int argc, char **argv);

static void compare_usage(FILE *out)
{
    fprintf(
        out,
        "usage: gatesim compare [OPTIONS] BASE.json NEW.json\n\n"
        "Compares two `gatesim bench` results case by case: for rps, p50, p99, the error\n"
        "share and, in route cases, propagationMs (apply -> the new route answers), the\n"
        "change of the median over rounds with a 95%% bootstrap interval and a verdict. A\n"
        "significant change in the bad direction beyond the metric's limit is a regression.\n\n"
        "  --max-regression LIST   limits, e.g. p99=10%%,rps=5%% (defaults: rps 5%%, p50 10%%,\n"
        "                          p99 10%%, errors 0.1%% of requests, propagationMs 25%%)\n"
        "  -o, --output FMT        markdown (default) or json\n"
        "  -h, --help\n\n"
        "Exit codes: 0 no regression, 1 a regression, 2 usage error or a bad input file.\n");
}

int gs_cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        {"max-regression", required_argument, NULL, 'M'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    double limits[16];
    for (size_t m = 0; m < gs_compare_metric_count; m++)
        limits[m] = gs_compare_metrics[m].default_limit;
    bool json = false;
    gs_error err = {0};
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'M':
            if (gs_compare_parse_limits(optarg, limits, &err) != 0)
                return gs_cliopt_usage_error("compare", "%s", err.msg);
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "markdown") != 0)
                return gs_cliopt_usage_error("compare",
                                             "--output takes markdown or json, got "
                                             "\"%s\"",
                                             optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'h':
            compare_usage(stdout);
            return 0;
        default:
            return gs_cliopt_refused("compare", argv[optind - 1], optopt, opts, "o:h");
        }
    }
    if (argc - optind != 2)
        return gs_cliopt_usage_error("compare", "want two files, BASE.json and NEW.json");
    gs_buf base = {0}, next = {0}, report = {0};
    int rc = 2;
    for (int k = 0; k < 2; k++) {
        if (gs_buf_read_file(k ? &next : &base, argv[optind + k]) != 0) {
            fprintf(stderr, "gatesim compare: cannot read %s\n", argv[optind + k]);
            goto out;
        }
    }
    int regressions = gs_compare_documents(base.data ? base.data : "", base.len, argv[optind],
                                           next.data ? next.data : "", next.len, argv[optind + 1],
                                           limits, json, &report, &err);
    if (regressions < 0) {
        fprintf(stderr, "gatesim compare: %s\n", err.msg);
    } else {
        fwrite(report.data, 1, report.len, stdout);
        rc = regressions > 0 ? 1 : 0;
    }
out:
    gs_buf_clear(&report);
    gs_buf_clear(&base);
    gs_buf_clear(&next);
    return rc;
}
