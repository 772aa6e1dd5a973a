/* SPDX-License-Identifier: MIT */
/* `gatesim run PATH...`: parses the command line, loads the scenarios and hands them to the
 * runner (gs_runner_run). Exit codes: 0 all passed, 1 a check failed or a scenario errored, 2
 * usage error or invalid/unreadable scenarios, 130 interrupted (reports still written). */
#include "gs_alloc.h"
#include "gs_cliopt.h"
#include "gs_log.h"
#include "gs_proc.h"
#include "gs_report.h"
#include "gs_runner.h"
#include "gs_scenario.h"
#include "gs_target.h"
#include "gs_time.h"
#include "gs_workdir.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char gs_cmd_run_summary[] = "run scenarios against a target and check what comes back";
int gs_cmd_run(int argc, char **argv);

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

/* -o and -f keep their old meanings here for one release (see run_aliases). */
#define RUN_SHORTOPTS "t:l:qh"

enum {
    RUN_OPT_FORMAT = GS_CLIOPT_OWN,
    RUN_OPT_TIMEOUT,
    RUN_OPT_KEEP_WORKDIR,
    RUN_OPT_ECHO,
    RUN_OPT_FAMILY_ALPHA,
    RUN_OPT_MAX_REQUESTS,
};

/* The spellings of the last release, read as before with a warning. */
static const gs_cliopt_alias run_aliases[] = {
    {"-o", "--report-dir", "-o is the output format in the other commands"},
    {"-f", "--format", "-f is --filename in the other commands"},
    {"--select", "--selector", NULL},
};

/* |cmd| is "run" or "rehearse" (the same options; rehearse requires a rollout step). */
static void run_usage(FILE *out, const char *cmd)
{
    fprintf(out, "usage: gatesim %s [OPTIONS] PATH...\n\n", cmd);
    if (strcmp(cmd, "rehearse") == 0)
        fprintf(out,
                "Rehearses canary rollouts (docs/rollout.md): `gatesim run` for scenarios that\n"
                "hold a rollout step. Every scenario loaded must hold one; a file that does not\n"
                "is named and nothing runs (exit 2), so it is not run as an ordinary scenario.\n\n");
    fprintf(out,
            "Runs the scenarios (gatesim.dev/v1alpha1) in PATH (files, or directories searched\n"
            "for *.yaml/*.yml; files holding no Scenario are skipped) against a target: starts an\n"
            "echo backend per declared Service replica, applies the objects, waits for them to\n"
            "take effect, then runs each step (apply/delete, expectStatus, send, expect).\n\n"
            "Options:\n"
            "  -t, --target KIND       the implementation to test (default %s):\n",
            gs_target_kind_at(0)->usage);
    for (size_t i = 0; i < gs_target_kind_count(); i++)
        fprintf(out, "                            %-14s %s\n", gs_target_kind_at(i)->usage,
                gs_target_kind_at(i)->help);
    fprintf(out,
            "      --filename PATH     a scenario file or folder (repeatable; the same as PATH)\n"
            "      --report-dir DIR    where reports go (default gatesim-results)\n"
            "      --format LIST       json,junit,html,md or all (default all); results.json is\n"
            "                          always written\n"
            "      --seed N            seed of the gateway's random choices (weighted backends,\n"
            "                          mirror sampling), for reproducible runs (default: drawn\n"
            "                          from the clock; the reports and the summary name it)\n"
            "  -l, --selector L=V      run only scenarios whose label L is V (repeatable: all\n"
            "                          must match)\n"
            "      --timeout D         bound on starting backends and the target and on each\n"
            "                          reload (default 20s)\n"
            "      --controller-name N the target manages only GatewayClasses with this\n"
            "                          controllerName (repeatable) in scenarios that do not\n"
            "                          set spec.controllerNames\n"
            "      --strict            gatesim's judgements are errors: an object with a warning,\n"
            "                          or of a kind outside the model, is refused (as validate)\n"
            "      --max-mirrors-in-flight N\n"
            "                          the builtin gateway's cap on RequestMirror copies in\n"
            "                          flight (default 1024; over it copies are dropped, and\n"
            "                          a failed mirror check says how many)\n"
            "      --family-alpha A    false-failure budget of the whole run: divided across\n"
            "                          every random check (split, mirror fraction) before\n"
            "                          planning; overrides spec.statistics.familyAlpha\n"
            "      --max-requests-per-step N\n"
            "                          a `requests: auto` plan above N is an error naming the\n"
            "                          minEffect N allows (default 1000000)\n"
            "      --keep-workdir      keep each scenario's temporary folder (objects, logs)\n"
            "      --echo PATH         the gatesim-echo binary (default: next to gatesim, or\n"
            "                          $GATESIM_ECHO, or on PATH)\n"
            "  -q, --quiet             print nothing but errors\n"
            "  -h, --help\n\n"
            "Exit codes: 0 all checks passed, 1 a check failed or a scenario errored, 2 usage\n"
            "error or invalid scenarios, 130 interrupted (reports are still complete).\n");
}

#define run_bad(...) gs_cliopt_usage_error(cmd, __VA_ARGS__)


/* `gatesim rehearse`: every selected scenario holds a rollout step; the others are named. */
static bool run_all_rehearse(const gs_scenario_list *list, const char **select, size_t n_select)
{
    bool all = list->len > 0;
    for (size_t i = 0; i < list->len; i++) {
        if (!gs_runner_selected(list->items[i], select, n_select))
            continue;
        bool rollout = false;
        for (size_t k = 0; k < list->items[i]->n_steps; k++)
            rollout |= list->items[i]->steps[k].rollout != NULL;
        if (!rollout)
            fprintf(stderr,
                    "gatesim rehearse: %s (%s) holds no rollout step: run it with gatesim run\n",
                    list->items[i]->name, list->items[i]->file);
        all &= rollout;
    }
    return all;
}

int gs_cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        GS_CLIOPT_TARGET,
        GS_CLIOPT_FILENAME, /* long only while -f is --format's old spelling */
        GS_CLIOPT_REPORT_DIR,
        {"format", required_argument, NULL, RUN_OPT_FORMAT},
        GS_CLIOPT_SEED,
        GS_CLIOPT_SELECTOR,
        {"timeout", required_argument, NULL, RUN_OPT_TIMEOUT},
        {"keep-workdir", no_argument, NULL, RUN_OPT_KEEP_WORKDIR},
        GS_CLIOPT_STRICT,
        GS_CLIOPT_CONTROLLER_NAME,
        {"echo", required_argument, NULL, RUN_OPT_ECHO},
        GS_CLIOPT_MAX_MIRRORS,
        {"family-alpha", required_argument, NULL, RUN_OPT_FAMILY_ALPHA},
        {"max-requests-per-step", required_argument, NULL, RUN_OPT_MAX_REQUESTS},
        GS_CLIOPT_QUIET,
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    gs_runner_config cfg = {.target = gs_target_kind_at(0)->usage,
                            .report_dir = "gatesim-results",
                            .formats = GS_REPORT_ALL,
                            .start_timeout_ns = 20 * GS_NS_PER_S,
                            .version = GS_VERSION};
    const char **select = gs_xcalloc((size_t)argc + 1, sizeof(*select));
    size_t n_select = 0;
    const char **ctl = gs_xcalloc((size_t)argc + 1, sizeof(*ctl));
    size_t n_ctl = 0;
    const char **paths = gs_xcalloc((size_t)argc + 1, sizeof(*paths));
    size_t n_paths = 0;
    bool strict = false;
    bool quiet = false;
    char *echo = NULL;
    int rc = 2;
    gs_error err = {0};
    gs_cliopt_args args;
    const char *cmd = strcmp(argv[0], "rehearse") == 0 ? "rehearse" : "run";
    gs_cliopt_args_new(&args, cmd, argc, argv, run_aliases, GS_ARRAY_LEN(run_aliases), longopts,
                       RUN_SHORTOPTS);
    argc = args.argc;
    argv = args.argv;
    optind = 1;
    int opt;
    opterr = 0; /* one line of our own, with a suggestion, instead of getopt's */
    while ((opt = getopt_long(argc, argv, ":" RUN_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case 't':
            cfg.target = optarg;
            break;
        case 'f':
            paths[n_paths++] = optarg;
            break;
        case GS_CLIOPT_VAL_REPORT_DIR:
            cfg.report_dir = optarg;
            break;
        case RUN_OPT_FORMAT:
            if (gs_report_formats_parse(optarg, &cfg.formats, &err) < 0) {
                rc = run_bad("%s", err.msg);
                goto out;
            }
            cfg.formats |= GS_REPORT_JSON;
            break;
        case GS_CLIOPT_VAL_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || errno) {
                rc = run_bad("--seed: expected a whole number, got \"%s\"", optarg);
                goto out;
            }
            cfg.has_seed = true;
            cfg.seed = v;
            break;
        }
        case 'l':
            if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
                rc = run_bad("--selector: expected LABEL=VALUE, got \"%s\"", optarg);
                goto out;
            }
            select[n_select++] = optarg;
            break;
        case RUN_OPT_TIMEOUT:
            if (gs_duration_parse(optarg, &cfg.start_timeout_ns, &err) < 0 ||
                cfg.start_timeout_ns <= 0) {
                rc = run_bad("--timeout: %s", err.msg[0] ? err.msg : "must be positive");
                goto out;
            }
            break;
        case RUN_OPT_KEEP_WORKDIR:
            cfg.keep_workdir = true;
            break;
        case GS_CLIOPT_VAL_STRICT:
            strict = true;
            break;
        case GS_CLIOPT_VAL_CONTROLLER_NAME:
            ctl[n_ctl++] = optarg;
            break;
        case RUN_OPT_ECHO:
            free(echo);
            echo = gs_xstrdup(optarg);
            break;
        case GS_CLIOPT_VAL_MAX_MIRRORS: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || errno || v < 1 ||
                v > 1000000000ull) {
                rc = run_bad("--max-mirrors-in-flight: expected a number from 1 to 1000000000, "
                             "got \"%s\"",
                             optarg);
                goto out;
            }
            cfg.max_mirrors_in_flight = (size_t)v;
            break;
        }
        case RUN_OPT_FAMILY_ALPHA: {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(v >= 1e-12 && v <= 0.5)) {
                rc = run_bad("--family-alpha: expected a number from 1e-12 to 0.5, got \"%s\"",
                             optarg);
                goto out;
            }
            cfg.family_alpha = v;
            break;
        }
        case RUN_OPT_MAX_REQUESTS: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || errno || v < 1 ||
                v > 1000000000ull) {
                rc = run_bad("--max-requests-per-step: expected a number from 1 to 1000000000, "
                             "got \"%s\"",
                             optarg);
                goto out;
            }
            cfg.max_requests_per_step = v;
            break;
        }
        case 'q':
            quiet = true;
            break;
        case 'h':
            run_usage(stdout, cmd);
            rc = 0;
            goto out;
        default:
            rc = gs_cliopt_refused(cmd, argv[optind - 1], optopt, longopts, RUN_SHORTOPTS);
            goto out;
        }
    }
    for (int i = optind; i < argc; i++)
        paths[n_paths++] = argv[i];
    if (n_paths == 0) {
        rc = run_bad("no scenario given");
        goto out;
    }
    gs_error kind_err = {0};
    const gs_target_kind *kind = gs_target_kind_find(cfg.target, &kind_err);
    if (kind == NULL) {
        rc = run_bad("%s", kind_err.msg);
        goto out;
    }
    if (cfg.max_mirrors_in_flight && !(kind->caps & GS_TARGET_CAP_MIRROR_CAP)) {
        rc = run_bad("--max-mirrors-in-flight is a setting of the builtin gateway; the %s "
                     "target is configured by its own command",
                     kind->name);
        goto out;
    }

    gs_scenario_list list = {0};
    gs_diags diags = {0};
    int load_rc = 0;
    for (size_t i = 0; i < n_paths; i++) {
        int r = gs_scenario_list_load(&list, paths[i], &diags, &err);
        if (r < 0 && load_rc == 0)
            load_rc = r;
    }
    if (load_rc == 0 && diags.nerrors == 0)
        for (size_t i = 0; i < list.len; i++)
            if (gs_runner_selected(list.items[i], select, n_select))
                gs_scenario_check_objects_for(list.items[i], strict, kind->notes, &diags);
    gs_diags_sort(&diags);
    gs_diags_print(&diags, stderr, gs_term_colour(2));
    if (load_rc < 0 || diags.nerrors) {
        fprintf(stderr, "gatesim %s: %zu problem%s in the scenarios; nothing was run\n", cmd,
                diags.nerrors, diags.nerrors == 1 ? "" : "s");
        gs_diags_clear(&diags);
        gs_scenario_list_clear(&list);
        rc = 2;
        goto out;
    }
    gs_diags_clear(&diags);
    if (strcmp(cmd, "rehearse") == 0 && list.len > 0 && !run_all_rehearse(&list, select, n_select)) {
        gs_scenario_list_clear(&list);
        rc = 2;
        goto out;
    }
    /* An empty run is a usage error and touches nothing: the last real run's reports stay. */
    size_t n_selected = 0;
    for (size_t i = 0; i < list.len; i++)
        n_selected += gs_runner_selected(list.items[i], select, n_select);
    if (n_selected == 0) {
        if (list.len == 0)
            fprintf(stderr, "gatesim %s: no scenario found in %s%s; nothing was run\n", cmd,
                    paths[0], n_paths > 1 ? " ..." : "");
        else
            fprintf(stderr, "gatesim %s: no scenario matched the selection (%zu scenario%s "
                            "loaded); nothing was run\n", cmd, list.len, list.len == 1 ? "" : "s");
        gs_scenario_list_clear(&list);
        rc = 2;
        goto out;
    }

    char *self = gs_workdir_self_path();
    if (echo == NULL)
        echo = gs_workdir_find_echo(self);
    cfg.gatesim_path = self;
    cfg.echo_path = echo;
    cfg.select = select;
    cfg.n_select = n_select;
    cfg.controller_names = n_ctl ? ctl : NULL;
    cfg.out = quiet ? NULL : stdout;
    cfg.colour = gs_term_colour(1);
    cfg.progress = !quiet && gs_term_isatty(2);

    /* Every run has a seed, chosen from the clock when none is given, so the report names the
     * one that reproduces this run's weighted choices and mirror sampling (--seed N). */
    if (!cfg.has_seed) {
        cfg.seed = ((uint64_t)gs_wall_ns() ^ ((uint64_t)getpid() << 32)) % 1000000000u;
        cfg.has_seed = true;
    }

    gs_proc_install_cleanup();
    gs_results *results = NULL;
    gs_results_new(&results, cfg.target, gs_wall_ns(), cfg.seed);
    gs_results_set(&results->version, "%s", GS_VERSION);
    int outcome = gs_runner_run(&cfg, &list, results, &err);
    if (outcome < 0) {
        fprintf(stderr, "gatesim %s: %s\n", cmd, err.msg);
        rc = 2;
    } else {
        gs_results_summary sum;
        gs_results_summarize(results, &sum);
        if (!quiet) {
            bool c = cfg.colour;
            unsigned errors = sum.errors - sum.interrupted;
            printf("\n%s%u scenario%s: %u passed, %u failed, %u error%s", gs_term_bold(c),
                   sum.scenarios, sum.scenarios == 1 ? "" : "s", sum.passed, sum.failed, errors,
                   errors == 1 ? "" : "s");
            if (sum.interrupted)
                printf(", %u interrupted", sum.interrupted);
            if (sum.skipped)
                printf(", %u skipped", sum.skipped);
            printf("%s\n", gs_term_reset(c));
            if (cfg.report_dir)
                printf("reports in %s/\n", cfg.report_dir);
            printf("seed %llu (--seed %llu repeats this run's weighted choices and sampling)\n",
                   (unsigned long long)cfg.seed, (unsigned long long)cfg.seed);
        }
        if (outcome == GS_RUNNER_INTERRUPTED) {
            fprintf(stderr, "gatesim %s: interrupted; reports are complete up to here\n", cmd);
            rc = 128 + gs_proc_interrupted();
        } else {
            rc = outcome == GS_RUNNER_PASSED ? 0 : outcome == GS_RUNNER_EMPTY ? 2 : 1;
        }
    }
    gs_results_free(results);
    gs_scenario_list_clear(&list);
    free(self);
out:
    free(echo);
    free(select);
    free(ctl);
    free(paths);
    gs_cliopt_args_free(&args);
    return rc;
}
