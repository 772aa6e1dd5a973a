/* SPDX-License-Identifier: MIT */
/* `gatesim bench PROFILE|FILE [--target T | --url URL] [--output-file result.json]`: runs a
 * benchmark profile (gs_bench.h) and writes the document `gatesim compare` reads; `gatesim bench
 * --render kubernetes --shards N -- LOAD-ARGS... URL` writes an Indexed Job running
 * `gatesim load --shard I/N` in N pods instead. Exit codes: 0, 1 the benchmark could not run
 * (target or backend down), 2 usage error, 130 interrupted (the partial result is written). */
#include "gs_alloc.h"
#include "gs_bench.h"
#include "gs_log.h"
#include "gs_cliopt.h"
#include "gs_target.h"
#include "gs_workdir.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

const char gs_cmd_bench_summary[] = "benchmark a target with a named profile; results for compare";
int gs_cmd_bench(int argc, char **argv);

static void bench_usage(FILE *out)
{
    fprintf(out,
            "usage: gatesim bench PROFILE|FILE [--target T | --url URL]\n"
            "                     [--output-file RESULT.json]\n"
            "       gatesim bench --render kubernetes --shards N [--image I] [--name N] --\n"
            "                     LOAD-ARGS... URL\n\n"
            "Runs a benchmark profile in interleaved rounds and writes the result (with the\n"
            "environment) for `gatesim compare`. PROFILE is one of %s; FILE is a\n"
            "JSON profile (docs/ci.md).\n\n"
            "  -t, --target T          deploy a Gateway, an HTTPRoute and a gatesim-echo backend\n"
            "                          on target T (default %s; %s)\n"
            "  -u, --url URL           benchmark URL as it is instead (nothing deployed)\n"
            "      --rounds N          rounds instead of the profile's\n"
            "      --output-file FILE  write the result to FILE (default stdout)\n"
            "  -q, --quiet             no progress lines\n"
            "      --render kubernetes write an Indexed Job running `gatesim load --shard I/N` in\n"
            "                          N pods (--shards N, --image, --name), not run here\n"
            "  -h, --help\n\n"
            "Exit codes: 0 done, 1 could not run (target or backend down), 2 usage error, 130\n"
            "interrupted (the rounds completed are written).\n",
            gs_bench_profile_names(), gs_target_kind_at(0)->usage, gs_target_kinds_usage());
}

#define bench_bad(...) gs_cliopt_usage_error("bench", __VA_ARGS__)

#define BENCH_SHORTOPTS "t:u:qh"

/* The spellings of the last release, read as before with a warning: bench has one output
 * format (JSON), so -o FILE and --output FILE can only mean the file. */
static const gs_cliopt_alias bench_aliases[] = {
    {"-o", "--output-file", "-o is the output format in the other commands"},
    {"--output", "--output-file", "--output is the output format in the other commands"},
};

/* A built-in profile by name, else a profile file. Returns 0 or 2 (message printed). */
static int bench_load_profile(const char *arg, gs_bench_profile *p)
{
    if (gs_bench_profile_named(arg, p) == 0)
        return 0;
    gs_buf b = {0};
    if (gs_buf_read_file(&b, arg) != 0) {
        gs_buf_clear(&b);
        return bench_bad("\"%s\" is neither a profile (%s) nor a readable file", arg,
                         gs_bench_profile_names());
    }
    gs_error err = {0};
    int rc = gs_bench_profile_parse(b.data ? b.data : "", b.len, arg, p, &err);
    gs_buf_clear(&b);
    if (rc != 0) {
        fprintf(stderr, "gatesim bench: %s\n", err.msg);
        return 2;
    }
    return 0;
}

static int bench_render(const char *what, unsigned shards, const char *image, const char *name,
                        char **args, int n)
{
    if (strcmp(what, "kubernetes") != 0)
        return bench_bad("bad --render \"%s\": want kubernetes", what);
    if (shards == 0)
        return bench_bad("--render kubernetes needs --shards N");
    if (n < 1)
        return bench_bad("--render kubernetes needs the load arguments and URL after --");
    gs_buf b = {0};
    gs_bench_render_kubernetes(&b, name, image, shards, (const char *const *)args, (size_t)n);
    fwrite(b.data, 1, b.len, stdout);
    gs_buf_clear(&b);
    return 0;
}

enum { OPT_ROUNDS = GS_CLIOPT_OWN, OPT_RENDER, OPT_SHARDS, OPT_IMAGE, OPT_NAME, OPT_OUTPUT_FILE };

static const struct option bench_opts[] = {
    GS_CLIOPT_TARGET,
    {"url", required_argument, NULL, 'u'},
    {"rounds", required_argument, NULL, OPT_ROUNDS},
    {"output-file", required_argument, NULL, OPT_OUTPUT_FILE},
    GS_CLIOPT_QUIET,
    {"render", required_argument, NULL, OPT_RENDER},
    {"shards", required_argument, NULL, OPT_SHARDS},
    {"image", required_argument, NULL, OPT_IMAGE},
    {"name", required_argument, NULL, OPT_NAME},
    GS_CLIOPT_HELP,
    GS_CLIOPT_END,
};

/* The command once its deprecated spellings are rewritten (gs_cmd_bench). */
static int bench_main(int argc, char **argv)
{
    const struct option *opts = bench_opts;
    const char *target = gs_target_kind_at(0)->name, *url = NULL, *output = NULL, *render = NULL;
    const char *image = "gatesim:latest", *name = "gatesim-load";
    unsigned rounds = 0, shards = 0;
    bool quiet = false, target_given = false;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":" BENCH_SHORTOPTS, opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 't':
            target = optarg;
            target_given = true;
            break;
        case 'u':
            url = optarg;
            break;
        case OPT_OUTPUT_FILE:
            output = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case OPT_ROUNDS:
        case OPT_SHARDS: {
            errno = 0;
            unsigned long v = strtoul(optarg, &end, 10);
            if (errno || *end || end == optarg || v == 0 || v > 10000)
                return bench_bad("bad --%s \"%s\": want 1..10000",
                                 ch == OPT_ROUNDS ? "rounds" : "shards", optarg);
            *(ch == OPT_ROUNDS ? &rounds : &shards) = (unsigned)v;
            break;
        }
        case OPT_RENDER:
            render = optarg;
            break;
        case OPT_IMAGE:
            image = optarg;
            break;
        case OPT_NAME:
            name = optarg;
            break;
        case 'h':
            bench_usage(stdout);
            return 0;
        default:
            return gs_cliopt_refused("bench", argv[optind - 1], optopt, opts, BENCH_SHORTOPTS);
        }
    }
    if (render != NULL)
        return bench_render(render, shards, image, name, argv + optind, argc - optind);
    if (argc - optind != 1)
        return bench_bad(optind >= argc ? "missing PROFILE or FILE" : "one PROFILE or FILE, please");
    if (url != NULL && target_given) /* --url deploys nothing: a --target would be ignored */
        return bench_bad("--url and --target exclude each other: --url benchmarks a running "
                         "endpoint, --target deploys one");
    gs_bench_profile *profile = gs_xcalloc(1, sizeof(*profile));
    int rc = bench_load_profile(argv[optind], profile);
    if (rc != 0) {
        free(profile);
        return rc;
    }
    if (rounds)
        profile->rounds = rounds;
    gs_error err = {0};
    if (url == NULL && gs_target_kind_find(target, &err) == NULL) {
        free(profile);
        return bench_bad("%s", err.msg);
    }
    const gs_bench_case *routes = gs_bench_profile_route_case(profile);
    if (url != NULL && routes != NULL) {
        char route_case[sizeof(routes->name)];
        snprintf(route_case, sizeof(route_case), "%s", routes->name);
        free(profile);
        return bench_bad("case %s changes routes: it needs a target (--target), not --url",
                         route_case);
    }
    FILE *out = stdout;
    if (output != NULL && (out = fopen(output, "w")) == NULL) {
        free(profile);
        return bench_bad("cannot write \"%s\": %s", output, strerror(errno));
    }
    char *self = gs_workdir_self_path();
    char *echo = gs_workdir_find_echo(self);
    gs_bench_config cfg = {.profile = profile,
                           .url = url,
                           .target = target,
                           .gatesim_path = self,
                           .echo_path = echo,
                           .version = GS_VERSION,
                           .progress = !quiet,
                           .cancel = &gs_cliopt_cancelled};
    gs_cliopt_cancel cancel;
    gs_cliopt_cancel_begin(&cancel);
    gs_buf doc = {0};
    rc = gs_bench_run(&cfg, &doc, &err);
    gs_cliopt_cancel_end(&cancel);
    if (rc != 0) {
        fprintf(stderr, "gatesim bench: %s\n", err.msg);
        rc = 1;
    } else {
        fprintf(out, "%s\n", doc.data);
        rc = gs_cliopt_cancelled ? 130 : 0;
    }
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "gatesim bench: writing %s failed\n", output);
        rc = 1;
    }
    /* No result, no file: an empty one would pass for a baseline until compare reads it. */
    if (out != stdout && rc == 1)
        remove(output);
    gs_buf_clear(&doc);
    free(self);
    free(echo);
    free(profile);
    return rc;
}

int gs_cmd_bench(int argc, char **argv)
{
    gs_cliopt_args args;
    gs_cliopt_args_new(&args, "bench", argc, argv, bench_aliases, GS_ARRAY_LEN(bench_aliases),
                       bench_opts, BENCH_SHORTOPTS);
    int rc = bench_main(args.argc, args.argv);
    gs_cliopt_args_free(&args);
    return rc;
}
