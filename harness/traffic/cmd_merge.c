/* SPDX-License-Identifier: MIT */
/* `gatesim merge FILE...`: adds up `gatesim load -o json` results of runs that went on side by
 * side (shards of one run, or one run per machine) into one result: counts and histograms add
 * exactly, so percentiles come from the merged histogram, not from averaging percentiles.
 * Prints it like `gatesim load` (text or the same JSON), checks --threshold. Exit codes: 0, 1 a
 * threshold failed, 2 usage error or an unreadable or invalid input (with the file and field). */
#include "gs_alloc.h"
#include "gs_load_report.h"
#include "gs_cliopt.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

const char gs_cmd_merge_summary[] = "add up gatesim load results (shards, machines) exactly";
int gs_cmd_merge(int argc, char **argv);

static void merge_usage(FILE *out)
{
    fprintf(out,
            "usage: gatesim merge [OPTIONS] RESULT.json...\n\n"
            "Adds up results of `gatesim load -o json` that ran side by side (the shards of\n"
            "`gatesim load --shard I/N`, or one run per machine): counts and histograms add\n"
            "exactly, percentiles come from the merged histogram, rates add up.\n\n"
            "  -o, --output FMT        text (default) or json (the shape of gatesim load's)\n"
            "      --percentiles LIST  latency percentiles to report\n"
            "      --threshold EXPR    fail (exit 1) unless EXPR holds; repeatable\n"
            "  -h, --help\n\n"
            "Exit codes: 0 merged, 1 a threshold failed, 2 usage error or a bad input file.\n");
}

#define merge_bad(...) gs_cliopt_usage_error("merge", __VA_ARGS__)

/* Reads result file |path| into |*out|. Returns 0 or an error in |err|. */
static int merge_read(const char *path, gs_traffic_result **out, gs_load_settings *settings,
                      gs_error *err)
{
    gs_buf b = {0};
    int rc = gs_buf_read_file(&b, path) != 0
                 ? gs_error_set(err, GS_ERR_IO, "%s: cannot read", path)
                 : gs_load_result_read(b.data ? b.data : "", b.len, path, out, settings, err);
    gs_buf_clear(&b);
    return rc;
}

int gs_cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"percentiles", required_argument, NULL, 'P'},
        {"threshold", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    gs_load_report *rep = gs_xcalloc(1, sizeof(*rep));
    gs_load_report_init(rep, GS_VERSION, "merge");
    gs_traffic_result *total = NULL;
    bool json = false;
    gs_error err = {0};
    int rc = 2, ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o':
        {
            gs_cliopt_format fmt;
            if (gs_cliopt_output_parse("merge", optarg,
                                       GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_TEXT) |
                                           GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_JSON),
                                       &fmt) != 0)
                goto out;
            json = fmt == GS_CLIOPT_FORMAT_JSON;
            break;
        }
        case 'P':
            if (!gs_load_report_set_percentiles(rep, optarg)) {
                rc = merge_bad("bad --percentiles \"%s\": want e.g. 50,90,99,99.9", optarg);
                goto out;
            }
            break;
        case 'T':
            if (gs_load_report_add_threshold(rep, optarg, &err) != 0) {
                rc = merge_bad("%s", err.msg);
                goto out;
            }
            break;
        case 'h':
            merge_usage(stdout);
            rc = 0;
            goto out;
        default:
            rc = gs_cliopt_refused("merge", argv[optind - 1], optopt, opts, "o:h");
            goto out;
        }
    }
    if (optind >= argc) {
        rc = merge_bad("no result files");
        goto out;
    }
    total = gs_traffic_result_new();
    for (int k = optind; k < argc; k++) {
        gs_traffic_result *one = NULL;
        gs_load_settings settings;
        if (merge_read(argv[k], &one, &settings, &err) != 0) {
            fprintf(stderr, "gatesim merge: %s\n", err.msg); /* the input, not the usage */
            rc = 2;
            goto out;
        }
        gs_load_result_merge_parallel(total, &rep->settings, one, &settings);
        gs_traffic_result_free(one);
    }
    size_t failed = gs_load_report_check(rep, total);
    if (json) {
        gs_buf b = {0};
        gs_load_report_write_json(rep, total, &b);
        printf("%s\n", b.data);
        gs_buf_clear(&b);
    } else {
        gs_load_report_print_text(rep, total);
    }
    fflush(stdout);
    if (failed > 0)
        fprintf(stderr, "gatesim merge: %zu of %zu thresholds failed\n", failed, rep->nthresholds);
    rc = failed > 0 ? 1 : 0;
out:
    gs_traffic_result_free(total);
    free(rep);
    return rc;
}
