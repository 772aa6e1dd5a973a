/* SPDX-License-Identifier: MIT */
/* `gatesim conform [PATH...]`: the conformance library (scenarios with spec.conformance) against
 * a target, with the upstream suite's flags, rules and report (docs/conformance.md).
 *
 * Every test runs as its own `gatesim run` child (fresh backends, fresh target, its own work
 * folder and reports under <report-dir>/tests/<ShortName>/), at most --jobs at a time. Tests
 * share nothing, and every one gets the same seed, so the outcome of a test does not depend on
 * which others run beside it: the report is the same for any --jobs. */
#include "gs_alloc.h"
#include "gs_cliopt.h"
#include "gs_conform.h"
#include "gs_conform_results.h"
#include "gs_json_parse.h"
#include "gs_log.h"
#include "gs_proc.h"
#include "gs_report.h"
#include "gs_scenario.h"
#include "gs_suggest.h"
#include "gs_target.h"
#include "gs_time.h"
#include "gs_workdir.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char gs_cmd_conform_summary[] =
    "run the Gateway API conformance library against a target and write a ConformanceReport";
int gs_cmd_conform(int argc, char **argv);

#ifndef GS_VERSION
#define GS_VERSION "dev"
#endif

/* The Gateway API release whose CRDs gatesim's model validates, and their channel (the
 * experimental one by default, docs/model.md). */
#define CONFORM_API_VERSION "v1.6.1"
#define CONFORM_API_CHANNEL "experimental"

#define CONFORM_SHORTOPTS "t:j:qh" /* -o is the output format (docs/cli.md) */

static void conform_usage(FILE *out)
{
    fprintf(out,
            "usage: gatesim conform [OPTIONS] [PATH...]\n\n"
            "Runs the conformance library (scenarios labelled with spec.conformance; default:\n"
            "%s) against a target and writes the upstream ConformanceReport.\n"
            "Each test runs alone as its own `gatesim run`, from fresh state.\n\n"
            "Upstream's flags:\n"
            "      --conformance-profiles LIST  GATEWAY-HTTP,GATEWAY-GRPC,GATEWAY-TLS (default\n"
            "                                   GATEWAY-HTTP)\n"
            "      --supported-features LIST    the features to claim (default: the target's own\n"
            "                                   list: builtin's, or `COMMAND features` for exec:)\n"
            "      --exempt-features LIST       features not to claim\n"
            "      --all-features               claim every feature\n"
            "      --run-test NAME              run this test only (the others are skipped)\n"
            "      --skip-tests LIST            tests to skip\n"
            "      --skip-provisional-tests[=BOOL]\n"
            "                                   do not run provisional tests (left out of the\n"
            "                                   report, as upstream)\n"
            "      --organization, --project, --url, --version TEXT, --contact LIST\n"
            "                                   the implementation, as the report names it\n"
            "      --mode MODE                  the report's mode (default \"default\")\n"
            "      --report-output FILE         the ConformanceReport (default\n"
            "                                   REPORT-DIR/conformance-report.yaml); README.md\n"
            "                                   is written beside it\n\n"
            "gatesim's options:\n"
            "  -t, --target KIND                the implementation (default %s; see\n"
            "                                   gatesim run --help)\n"
            "      --report-dir DIR             gatesim's reports: results.json, junit.xml,\n"
            "                                   report.html, and tests/NAME/ per test (default\n"
            "                                   gatesim-conformance)\n"
            "  -j, --jobs N                     tests run at once (default 1)\n"
            "      --list                       print the tests and what would become of each,\n"
            "                                   as JSON, and run nothing\n"
            "      --features                   print the features the target claims, as a JSON\n"
            "                                   list (what an exec adapter's `features` prints)\n"
            "      --seed N, --timeout D, --controller-name N, --strict, --echo PATH,\n"
            "      --max-mirrors-in-flight N, --family-alpha A, --max-requests-per-step N,\n"
            "      --keep-workdir               passed to each test's run (gatesim run --help)\n"
            "  -q, --quiet                      print nothing but errors\n"
            "  -h, --help\n\n"
            "Exit codes: 0 no test failed, 1 a test failed, 2 usage error or invalid library,\n"
            "130 interrupted.\n",
            gs_conform_default_library(), gs_target_kind_at(0)->usage);
}

/* A usage error: one line, the pointer to --help, exit status 2. */
#define conform_bad(...) gs_cliopt_usage_error("conform", __VA_ARGS__)

/* A comma-separated list, appended to |*items| (strings point into a copy kept in |*keep|). */
typedef struct conform_list {
    const char **items;
    size_t len;
    char **copies;
    size_t n_copies;
} conform_list;

static void conform_list_add_csv(conform_list *l, const char *csv)
{
    char *copy = gs_xstrdup(csv);
    l->copies = gs_xrealloc(l->copies, (l->n_copies + 1) * sizeof(*l->copies));
    l->copies[l->n_copies++] = copy;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (*tok == '\0')
            continue;
        l->items = gs_xrealloc(l->items, (l->len + 2) * sizeof(*l->items));
        l->items[l->len++] = tok;
        l->items[l->len] = NULL;
    }
}

static void conform_list_free(conform_list *l)
{
    for (size_t i = 0; i < l->n_copies; i++)
        free(l->copies[i]);
    free(l->copies);
    free(l->items);
}

typedef struct conform_cli {
    gs_conform_options opts;
    gs_conform_meta meta;
    conform_list profiles, supported, exempt, skip, contact;
    bool has_supported;
    const char *target;
    const char *report_dir;
    const char *report_output;
    unsigned jobs;
    bool list_only;
    bool features_only; /* --features */
    bool quiet;
    bool has_seed;
    uint64_t seed;
    /* options passed on to every `gatesim run` */
    const char **run_args;
    size_t n_run_args;
    char **owned; /* the option names of run_args */
    size_t n_owned;
} conform_cli;

/* Passes `--NAME [VALUE]` on to each test's `gatesim run`. */
static void conform_run_arg(conform_cli *c, const char *name, const char *b)
{
    char *a = gs_xasprintf("--%s", name);
    c->owned = gs_xrealloc(c->owned, (c->n_owned + 1) * sizeof(*c->owned));
    c->owned[c->n_owned++] = a;
    c->run_args = gs_xrealloc(c->run_args, (c->n_run_args + 3) * sizeof(*c->run_args));
    c->run_args[c->n_run_args++] = a;
    if (b)
        c->run_args[c->n_run_args++] = b;
}

static int conform_profiles(conform_cli *c)
{
    if (c->profiles.len == 0)
        conform_list_add_csv(&c->profiles, "GATEWAY-HTTP");
    for (size_t i = 0; i < c->profiles.len; i++) {
        unsigned bit = gs_conf_profile_parse(c->profiles.items[i]);
        if (bit == 0) {
            const char *near = gs_suggest(c->profiles.items[i], gs_conf_profile_names());
            return conform_bad("--conformance-profiles: unknown profile \"%s\"%s%s%s (gatesim "
                               "judges GATEWAY-HTTP, GATEWAY-GRPC and GATEWAY-TLS)",
                               c->profiles.items[i], near ? "; did you mean \"" : "",
                               near ? near : "", near ? "\"?" : "");
        }
        c->opts.profiles |= bit;
    }
    return 0;
}

static int conform_parse(conform_cli *c, int argc, char **argv)
{
    enum {
        O_PROFILES = GS_CLIOPT_OWN, O_SUPPORTED, O_EXEMPT, O_ALL, O_RUN_TEST, O_SKIP, O_ORG, O_PROJECT,
        O_URL, O_VERSION, O_CONTACT, O_MODE, O_REPORT_OUTPUT, O_LIST, O_FEATURES, O_SEED,
        O_PASS1, O_PASS0, O_SKIP_PROVISIONAL,
    };
    static const struct option longopts[] = {
        {"conformance-profiles", required_argument, NULL, O_PROFILES},
        {"supported-features", required_argument, NULL, O_SUPPORTED},
        {"exempt-features", required_argument, NULL, O_EXEMPT},
        {"all-features", no_argument, NULL, O_ALL},
        {"run-test", required_argument, NULL, O_RUN_TEST},
        {"skip-tests", required_argument, NULL, O_SKIP},
        {"skip-provisional-tests", optional_argument, NULL, O_SKIP_PROVISIONAL},
        {"organization", required_argument, NULL, O_ORG},
        {"project", required_argument, NULL, O_PROJECT},
        {"url", required_argument, NULL, O_URL},
        {"version", required_argument, NULL, O_VERSION},
        {"contact", required_argument, NULL, O_CONTACT},
        {"mode", required_argument, NULL, O_MODE},
        {"report-output", required_argument, NULL, O_REPORT_OUTPUT},
        GS_CLIOPT_TARGET,
        GS_CLIOPT_REPORT_DIR,
        {"jobs", required_argument, NULL, 'j'},
        {"list", no_argument, NULL, O_LIST},
        {"features", no_argument, NULL, O_FEATURES},
        {"seed", required_argument, NULL, O_SEED},
        {"timeout", required_argument, NULL, O_PASS1},
        {"controller-name", required_argument, NULL, O_PASS1},
        {"echo", required_argument, NULL, O_PASS1},
        {"max-mirrors-in-flight", required_argument, NULL, O_PASS1},
        {"family-alpha", required_argument, NULL, O_PASS1},
        {"max-requests-per-step", required_argument, NULL, O_PASS1},
        {"strict", no_argument, NULL, O_PASS0},
        {"keep-workdir", no_argument, NULL, O_PASS0},
        GS_CLIOPT_QUIET,
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    optind = 1;
    opterr = 0;
    int opt, index = 0;
    while ((opt = getopt_long(argc, argv, ":" CONFORM_SHORTOPTS, longopts, &index)) != -1) {
        switch (opt) {
        case O_PROFILES:
            conform_list_add_csv(&c->profiles, optarg);
            break;
        case O_SUPPORTED:
            conform_list_add_csv(&c->supported, optarg);
            c->has_supported = true;
            break;
        case O_EXEMPT:
            conform_list_add_csv(&c->exempt, optarg);
            break;
        case O_ALL:
            c->opts.all_features = true;
            break;
        case O_RUN_TEST:
            c->opts.run_test = optarg;
            break;
        case O_SKIP:
            conform_list_add_csv(&c->skip, optarg);
            break;
        case O_SKIP_PROVISIONAL:
            /* a Go boolean flag: bare, or =true / =false */
            if (optarg == NULL || strcmp(optarg, "true") == 0)
                c->opts.skip_provisional = true;
            else if (strcmp(optarg, "false") == 0)
                c->opts.skip_provisional = false;
            else
                return conform_bad("--skip-provisional-tests: expected true or false, got \"%s\"",
                                   optarg);
            break;
        case O_ORG:
            c->meta.organization = optarg;
            break;
        case O_PROJECT:
            c->meta.project = optarg;
            break;
        case O_URL:
            c->meta.url = optarg;
            break;
        case O_VERSION:
            c->meta.version = optarg;
            break;
        case O_CONTACT:
            conform_list_add_csv(&c->contact, optarg);
            break;
        case O_MODE:
            c->meta.mode = optarg;
            break;
        case O_REPORT_OUTPUT:
            c->report_output = optarg;
            break;
        case 't':
            c->target = optarg;
            break;
        case GS_CLIOPT_VAL_REPORT_DIR:
            c->report_dir = optarg;
            break;
        case 'j': {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || v < 1 || v > 256)
                return conform_bad("--jobs: expected a number from 1 to 256, got \"%s\"",
                                   optarg);
            c->jobs = (unsigned)v;
            break;
        }
        case O_LIST:
            c->list_only = true;
            break;
        case O_FEATURES:
            c->features_only = true;
            break;
        case O_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || errno)
                return conform_bad("--seed: expected a whole number, got \"%s\"", optarg);
            c->has_seed = true;
            c->seed = v;
            break;
        }
        case O_PASS1:
            /* the option exactly as `gatesim run` spells it; run checks the value */
            conform_run_arg(c, longopts[index].name, optarg);
            break;
        case O_PASS0:
            conform_run_arg(c, longopts[index].name, NULL);
            break;
        case 'q':
            c->quiet = true;
            break;
        case 'h':
            conform_usage(stdout);
            return 1;
        default:
            return gs_cliopt_refused("conform", argv[optind - 1], optopt, longopts,
                                     CONFORM_SHORTOPTS);
        }
    }
    c->opts.exempt = c->exempt.items;
    c->opts.n_exempt = c->exempt.len;
    c->opts.skip_tests = c->skip.items;
    c->opts.n_skip_tests = c->skip.len;
    c->meta.contact = c->contact.items;
    c->meta.n_contact = c->contact.len;
    return conform_profiles(c);
}

static int conform_mkdirs(const char *path, gs_error *err)
{
    char *p = gs_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int rc = gs_error_set_errno(err, errno, "cannot create %s", p);
            free(p);
            return rc;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = gs_error_set_errno(err, errno, "cannot create %s", p);
    free(p);
    return rc;
}

/* The target's own feature list (builtin: its table; exec: `COMMAND features`), asked from a
 * target opened in a temporary work folder and never started. */
static int conform_target_features(conform_cli *c, const char *self, gs_error *err)
{
    char *dir = NULL;
    int rc = gs_workdir_create(NULL, &dir, err);
    gs_target *t = NULL;
    gs_target_config cfg = {.workdir = dir, .gatesim_path = self,
                            .start_timeout_ns = 20 * GS_NS_PER_S};
    if (rc == 0)
        rc = gs_target_new(&t, c->target, &cfg, err);
    char **names = NULL;
    size_t n = 0;
    if (rc == 0)
        rc = gs_target_features(t, &names, &n, err);
    gs_target_free(t);
    if (dir)
        gs_workdir_remove(dir);
    free(dir);
    for (size_t i = 0; i < n; i++) {
        const gs_conf_feature *f = gs_conf_feature_find(names[i]);
        if (f == NULL) {
            rc = gs_error_set(err, GS_ERR_PROTOCOL,
                              "the target claims an unknown feature \"%s\" (upstream's "
                              "FeatureNames, e.g. HTTPRoute)",
                              names[i]);
            break;
        }
        c->supported.items = gs_xrealloc(c->supported.items,
                                         (c->supported.len + 2) * sizeof(char *));
        c->supported.items[c->supported.len++] = f->name; /* static storage */
        c->supported.items[c->supported.len] = NULL;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* --features: the target's claim as one JSON line. */
static int conform_print_features(conform_cli *c, const char *self)
{
    gs_error err = {0};
    if (conform_target_features(c, self, &err) < 0) {
        fprintf(stderr, "gatesim conform: cannot learn the target's features: %s\n", err.msg);
        return 2;
    }
    printf("[");
    for (size_t i = 0; i < c->supported.len; i++)
        printf("%s\"%s\"", i ? "," : "", c->supported.items[i]);
    printf("]\n");
    return 0;
}

/* ---- running the tests ---- */

typedef struct conform_slot {
    gs_proc *proc;
    size_t test;
    int64_t started;
} conform_slot;

typedef struct conform_run {
    conform_cli *cli;
    gs_conform_plan *plan;
    gs_results *results;
    gs_results_scenario **rows; /* per plan test */
    const char *self;
    size_t done, total;
    bool colour, progress;
} conform_run;

static char *conform_test_dir(const conform_run *r, size_t i)
{
    return gs_xasprintf("%s/tests/%s", r->cli->report_dir,
                        r->plan->tests[i].sc->conformance.short_name);
}

static int conform_spawn(conform_run *r, size_t i, conform_slot *slot, gs_error *err)
{
    char *dir = conform_test_dir(r, i);
    char *tests = gs_xasprintf("%s/tests", r->cli->report_dir);
    int rc = conform_mkdirs(tests, err);
    free(tests);
    /* beside the test's report folder: `gatesim run` owns that folder whole */
    char *log = gs_xasprintf("%s.log", dir);
    char seed[32];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->cli->seed);
    const char **argv = gs_xcalloc(r->cli->n_run_args + 16, sizeof(*argv));
    size_t k = 0;
    argv[k++] = r->self;
    argv[k++] = "run";
    argv[k++] = "--quiet";
    argv[k++] = "--target";
    argv[k++] = r->cli->target;
    argv[k++] = "--report-dir";
    argv[k++] = dir;
    argv[k++] = "--seed";
    argv[k++] = seed;
    for (size_t a = 0; a < r->cli->n_run_args; a++)
        argv[k++] = r->cli->run_args[a];
    argv[k++] = r->plan->tests[i].sc->file;
    argv[k] = NULL;
    gs_proc_opts opts = {.stderr_path = log};
    if (rc == 0)
        rc = gs_proc_spawn(&slot->proc, argv, &opts, err);
    slot->test = i;
    slot->started = gs_now_ns();
    free(argv);
    free(log);
    free(dir);
    return rc;
}

static void conform_print_test(const conform_run *r, const gs_conform_test *t)
{
    if (r->cli->quiet)
        return;
    bool c = r->colour;
    const char *name = t->sc->conformance.short_name;
    switch (t->outcome) {
    case GS_CONFORM_SUCCEEDED:
        if (t->unchecked_by)
            printf("%sPASS%s %s (not run: %s is supported, upstream's test checks nothing "
                   "then)\n",
                   gs_term_green(c), gs_term_reset(c), name, t->unchecked_by->name);
        else
            printf("%sPASS%s %s (%.1fs)\n", gs_term_green(c), gs_term_reset(c), name,
                   t->duration_ms / 1000);
        break;
    case GS_CONFORM_FAILED:
        printf("%sFAIL%s %s: %s\n", gs_term_red(c), gs_term_reset(c), name,
               t->message ? t->message : "failed");
        break;
    case GS_CONFORM_SKIPPED:
        printf("%sSKIP%s %s\n", gs_term_yellow(c), gs_term_reset(c), name);
        break;
    case GS_CONFORM_PROVISIONAL_SKIPPED:
        printf("%sSKIP%s %s (provisional)\n", gs_term_yellow(c), gs_term_reset(c), name);
        break;
    case GS_CONFORM_NOT_SUPPORTED:
        printf("%sUNSUPPORTED%s %s (needs %s)\n", gs_term_dim(c), gs_term_reset(c), name,
               t->missing ? t->missing->name : "?");
        break;
    case GS_CONFORM_PENDING:
        break;
    }
    fflush(stdout);
}

/* A finished child: read its results.json into the aggregate, decide the outcome. */
static void conform_collect(conform_run *r, conform_slot *slot, int status)
{
    gs_conform_test *t = &r->plan->tests[slot->test];
    gs_results_scenario *row = r->rows[slot->test];
    t->duration_ms = (double)(gs_now_ns() - slot->started) / 1e6;
    char *dir = conform_test_dir(r, slot->test);
    char *path = gs_xasprintf("%s/results.json", dir);
    FILE *f = fopen(path, "rb");
    gs_buf text = {0};
    char chunk[8192];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gs_buf_append(&text, chunk, n);
    if (f)
        fclose(f);
    gs_json_value *v = NULL;
    gs_error err = {0};
    if (f && gs_json_parse(text.data ? text.data : "", text.len, NULL, &v, &err) == 0) {
        gs_conform_results_read(row, v);
    } else {
        char desc[64], tail[512], *log = gs_xasprintf("%s.log", dir);
        gs_proc_describe_status(status, desc);
        gs_proc_log_tail(log, tail, sizeof(tail));
        row->result = GS_RESULT_ERROR;
        gs_results_set(&row->error, "gatesim run %s without results%s%s", desc,
                       tail[0] ? ": " : "", tail);
        free(log);
    }
    row->duration_ms = t->duration_ms;
    bool passed = status == 0 && row->result == GS_RESULT_PASSED;
    t->outcome = passed ? GS_CONFORM_SUCCEEDED : GS_CONFORM_FAILED;
    if (!passed) {
        if (row->result == GS_RESULT_PASSED)
            row->result = GS_RESULT_ERROR;
        t->message = gs_conform_results_why(row);
    }
    gs_json_value_free(v);
    gs_buf_clear(&text);
    free(path);
    free(dir);
    r->done++;
    conform_print_test(r, t);
}

static void conform_progress(const conform_run *r, const conform_slot *slots, size_t n_slots)
{
    if (!r->progress)
        return;
    gs_buf line = {0};
    gs_buf_printf(&line, "\r\033[K[%zu/%zu] running", r->done, r->total);
    for (size_t i = 0; i < n_slots; i++)
        if (slots[i].proc)
            gs_buf_printf(&line, " %s", r->plan->tests[slots[i].test].sc->conformance.short_name);
    fprintf(stderr, "%.*s", (int)(line.len > 200 ? 200 : line.len), line.data);
    fflush(stderr);
    gs_buf_clear(&line);
}

/* Runs the PENDING tests, at most --jobs at once, in ShortName order. Returns 0, or the
 * interrupting signal's number. */
static int conform_run_tests(conform_run *r, gs_error *err)
{
    size_t n_slots = r->cli->jobs ? r->cli->jobs : 1;
    conform_slot *slots = gs_xcalloc(n_slots, sizeof(*slots));
    size_t next = 0, running = 0;
    int interrupted = 0;
    for (;;) {
        while (!interrupted && running < n_slots && next < r->plan->n_tests) {
            size_t i = next++;
            if (r->plan->tests[i].outcome != GS_CONFORM_PENDING)
                continue;
            conform_slot *slot = NULL;
            for (size_t s = 0; slot == NULL && s < n_slots; s++)
                if (slots[s].proc == NULL)
                    slot = &slots[s];
            if (conform_spawn(r, i, slot, err) < 0) {
                r->plan->tests[i].outcome = GS_CONFORM_FAILED;
                r->plan->tests[i].message = gs_xstrdup(err->msg);
                r->rows[i]->result = GS_RESULT_ERROR;
                gs_results_set(&r->rows[i]->error, "%s", err->msg);
                r->done++;
                conform_print_test(r, &r->plan->tests[i]);
                continue;
            }
            running++;
        }
        if (running == 0)
            break;
        conform_progress(r, slots, n_slots);
        bool reaped = false;
        for (size_t s = 0; s < n_slots; s++) {
            int status;
            if (slots[s].proc == NULL || !gs_proc_exited(slots[s].proc, &status))
                continue;
            if (r->progress)
                fprintf(stderr, "\r\033[K");
            conform_collect(r, &slots[s], status);
            gs_proc_free(slots[s].proc);
            slots[s].proc = NULL;
            running--;
            reaped = true;
        }
        if (!interrupted && gs_proc_interrupted()) {
            interrupted = gs_proc_interrupted();
            for (size_t s = 0; s < n_slots; s++)
                if (slots[s].proc)
                    gs_proc_signal(slots[s].proc, SIGTERM);
        }
        if (!reaped)
            poll(NULL, 0, 20); /* children are few; a 20 ms poll costs nothing */
    }
    if (r->progress)
        fprintf(stderr, "\r\033[K");
    free(slots);
    return interrupted;
}

/* ---- reports ---- */

/* RFC 3339 with the local offset, as upstream's time.Now().Format(time.RFC3339). */
static void conform_date(char out[40])
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char off[8];
    strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(off, sizeof(off), "%z", &tm);
    if (strcmp(off, "+0000") == 0)
        strcat(out, "Z");
    else
        snprintf(out + strlen(out), 40 - strlen(out), "%.3s:%.2s", off, off + 3);
}

/* The command line with shell quoting, for the README's Reproduce section. */
static char *conform_command_line(int argc, char **argv)
{
    gs_buf b = {0};
    gs_buf_puts(&b, "gatesim");
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a != '\0';
        for (const char *p = a; *p; p++)
            if (!(strchr("-_./:=,@+", *p) || (*p >= '0' && *p <= '9') ||
                  ((*p | 32) >= 'a' && (*p | 32) <= 'z')))
                plain = false;
        gs_buf_putc(&b, ' ');
        if (plain) {
            gs_buf_puts(&b, a);
            continue;
        }
        gs_buf_putc(&b, '\'');
        for (const char *p = a; *p; p++)
            gs_buf_puts(&b, *p == '\'' ? "'\\''" : (char[]){*p, 0});
        gs_buf_putc(&b, '\'');
    }
    return gs_buf_take(&b);
}

static char *conform_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return gs_xstrdup(".");
    return gs_xasprintf("%.*s", (int)(slash == path ? 1 : slash - path), path);
}

static int conform_write_reports(conform_run *r, int argc, char **argv, gs_error *err)
{
    conform_cli *c = r->cli;
    char date[40];
    conform_date(date);
    c->meta.date = date;
    c->meta.api_version = CONFORM_API_VERSION;
    c->meta.api_channel = CONFORM_API_CHANNEL;
    if (c->meta.mode == NULL)
        c->meta.mode = "default";
    char *cmd = conform_command_line(argc, argv);
    c->meta.command = cmd;
    char *report = c->report_output
                       ? gs_xstrdup(c->report_output)
                       : gs_xasprintf("%s/conformance-report.yaml", c->report_dir);
    char *dir = conform_dirname(report);
    const char *base = strrchr(report, '/') ? strrchr(report, '/') + 1 : report;
    gs_buf yaml = {0}, readme = {0};
    gs_conform_report_yaml(r->plan, &c->meta, &yaml);
    gs_conform_readme(&c->meta, base, &readme);
    char *readme_path = gs_xasprintf("%s/README.md", dir);
    int rc = conform_mkdirs(dir, err);
    if (rc == 0)
        rc = gs_report_write_file(report, yaml.data, yaml.len, err);
    if (rc == 0)
        rc = gs_report_write_file(readme_path, readme.data, readme.len, err);
    r->results->finished_at = gs_wall_ns();
    r->results->state = GS_RUN_COMPLETE;
    if (rc == 0)
        rc = gs_report_write_all(r->results, c->report_dir,
                                 GS_REPORT_JSON | GS_REPORT_JUNIT | GS_REPORT_HTML |
                                     GS_REPORT_MARKDOWN,
                                 err);
    if (rc == 0 && !c->quiet)
        printf("ConformanceReport: %s\ngatesim reports: %s/\n", report, c->report_dir);
    gs_buf_clear(&yaml);
    gs_buf_clear(&readme);
    free(readme_path);
    free(dir);
    free(report);
    free(cmd);
    return rc;
}

/* The aggregate has one scenario per test in scope; tests that are not run say why. */
static void conform_rows(conform_run *r)
{
    r->rows = gs_xcalloc(r->plan->n_tests + 1, sizeof(*r->rows));
    for (size_t i = 0; i < r->plan->n_tests; i++) {
        const gs_conform_test *t = &r->plan->tests[i];
        gs_results_scenario *row = gs_results_add_scenario(
            r->results, t->sc->conformance.short_name, t->sc->file);
        if (t->sc->description)
            gs_results_set(&row->description, "%s", t->sc->description);
        r->rows[i] = row;
        if (t->outcome == GS_CONFORM_NOT_SUPPORTED) {
            row->result = GS_RESULT_SKIPPED;
            gs_results_set(&row->error, "not run: needs feature %s, which is not supported",
                           t->missing->name);
        } else if (t->outcome == GS_CONFORM_SKIPPED) {
            row->result = GS_RESULT_SKIPPED;
            gs_results_set(&row->error, "skipped (--run-test / --skip-tests)");
        } else if (t->outcome == GS_CONFORM_PROVISIONAL_SKIPPED) {
            row->result = GS_RESULT_SKIPPED;
            gs_results_set(&row->error, "provisional: skipped (--skip-provisional-tests)");
        } else if (t->unchecked_by) {
            row->result = GS_RESULT_PASSED;
            gs_results_set(&row->description,
                           "passed without running: the run supports %s, and the upstream "
                           "test checks nothing then",
                           t->unchecked_by->name);
        } else {
            r->total++;
        }
    }
}

static void conform_print_unrun(const conform_run *r)
{
    for (size_t i = 0; i < r->plan->n_tests; i++)
        if (r->plan->tests[i].outcome == GS_CONFORM_NOT_SUPPORTED ||
            r->plan->tests[i].outcome == GS_CONFORM_SKIPPED ||
            r->plan->tests[i].outcome == GS_CONFORM_PROVISIONAL_SKIPPED ||
            r->plan->tests[i].unchecked_by)
            conform_print_test(r, &r->plan->tests[i]);
}

static void conform_print_summary(const conform_run *r)
{
    if (r->cli->quiet)
        return;
    unsigned n[GS_CONFORM_NOT_SUPPORTED + 1] = {0};
    for (size_t i = 0; i < r->plan->n_tests; i++)
        n[r->plan->tests[i].outcome]++;
    printf("\n%s%zu tests: %u passed, %u failed, %u skipped, %u not supported%s\n",
           gs_term_bold(r->colour), r->plan->n_tests, n[GS_CONFORM_SUCCEEDED],
           n[GS_CONFORM_FAILED], n[GS_CONFORM_SKIPPED] + n[GS_CONFORM_PROVISIONAL_SKIPPED],
           n[GS_CONFORM_NOT_SUPPORTED],
           gs_term_reset(r->colour));
    for (size_t i = 0; i < GS_CONF_PROFILE_COUNT; i++) {
        gs_conform_profile_report pr;
        gs_conform_profile_compute(r->plan, gs_conf_profile_at(i), &pr);
        if (pr.present && (r->plan->profiles & pr.profile))
            printf("%s: %s\n", gs_conf_profile_name(pr.profile), pr.summary);
        gs_conform_profile_free(&pr);
    }
}

/* --list: every test in scope and what would become of it, as JSON. */
static void conform_print_list(const gs_conform_plan *plan)
{
    printf("{\"tests\":[");
    for (size_t i = 0; i < plan->n_tests; i++) {
        const gs_conform_test *t = &plan->tests[i];
        const gs_scenario_conformance *c = &t->sc->conformance;
        printf("%s\n{\"shortName\":\"%s\",\"file\":\"%s\",\"level\":\"%s\",\"provisional\":%s,"
               "\"profiles\":[",
               i ? "," : "", c->short_name, t->sc->file, c->extended ? "extended" : "core",
               c->provisional ? "true" : "false");
        bool first = true;
        for (size_t p = 0; p < GS_CONF_PROFILE_COUNT; p++)
            if (c->profiles & gs_conf_profile_at(p)) {
                printf("%s\"%s\"", first ? "" : ",", gs_conf_profile_name(gs_conf_profile_at(p)));
                first = false;
            }
        printf("],\"features\":[");
        for (size_t f = 0; f < c->n_features; f++)
            printf("%s\"%s\"", f ? "," : "", c->features[f]->support_name);
        printf("],\"outcome\":\"%s\"",
               t->outcome == GS_CONFORM_PENDING ? "run" : gs_conform_outcome_name(t->outcome));
        if (t->missing)
            printf(",\"missingFeature\":\"%s\"", t->missing->name);
        printf("}");
    }
    printf("\n]}\n");
}

static int conform_load(conform_cli *c, int argc, char **argv, gs_scenario_list *list)
{
    gs_diags diags = {0};
    gs_error err = {0};
    int load_rc = 0;
    const char *deflt[] = {gs_conform_default_library()};
    const char *const *paths = optind < argc ? (const char *const *)argv + optind : deflt;
    size_t n_paths = optind < argc ? (size_t)(argc - optind) : 1;
    for (size_t i = 0; i < n_paths; i++) {
        int rc = gs_scenario_list_load(list, paths[i], &diags, &err);
        if (rc < 0 && load_rc == 0)
            load_rc = rc;
    }
    gs_diags_sort(&diags);
    gs_diags_print(&diags, stderr, gs_term_colour(2));
    size_t nerrors = diags.nerrors;
    gs_diags_clear(&diags);
    if (load_rc < 0 || nerrors) {
        fprintf(stderr, "gatesim conform: %zu problem%s in the library; nothing was run\n",
                nerrors, nerrors == 1 ? "" : "s");
        return 2;
    }
    (void)c;
    size_t tests = 0;
    for (size_t i = 0; i < list->len; i++)
        tests += list->items[i]->conformance.present;
    if (tests == 0) { /* an empty library is a wrong PATH, not a conformant target */
        fprintf(stderr, "gatesim conform: no conformance test (a scenario with "
                        "spec.conformance) in %s%s; nothing was run\n",
                paths[0], n_paths > 1 ? " ..." : "");
        return 2;
    }
    return 0;
}

int gs_cmd_conform(int argc, char **argv)
{
    conform_cli c = {.target = gs_target_kind_at(0)->name, .report_dir = "gatesim-conformance", .jobs = 1};
    gs_scenario_list list = {0};
    gs_conform_plan plan = {0};
    gs_results *results = NULL;
    conform_run run = {0};
    char *self = gs_workdir_self_path();
    if (self == NULL)
        self = gs_xstrdup("gatesim");
    gs_error err = {0};
    int rc = conform_parse(&c, argc, argv);
    if (rc != 0) {
        rc = rc == 1 ? 0 : rc;
        goto out;
    }
    gs_error kind_err = {0};
    if (gs_target_kind_find(c.target, &kind_err) == NULL) {
        rc = conform_bad("%s", kind_err.msg);
        goto out;
    }
    if (c.features_only) {
        rc = conform_print_features(&c, self);
        goto out;
    }
    rc = conform_load(&c, argc, argv, &list);
    if (rc != 0)
        goto out;
    if (!c.opts.all_features && !c.has_supported &&
        conform_target_features(&c, self, &err) < 0) {
        fprintf(stderr,
                "gatesim conform: cannot learn the target's features: %s\n(name them with "
                "--supported-features, or --all-features)\n",
                err.msg);
        rc = 2;
        goto out;
    }
    c.opts.supported = c.supported.items;
    c.opts.n_supported = c.supported.len;
    if (gs_conform_plan_build(&plan, &list, &c.opts, &err) < 0) {
        rc = conform_bad("%s", err.msg);
        goto out;
    }
    if (c.list_only) {
        conform_print_list(&plan);
        rc = 0;
        goto out;
    }
    if (!c.has_seed)
        c.seed = ((uint64_t)gs_wall_ns() ^ ((uint64_t)getpid() << 32)) % 1000000000u;
    gs_proc_install_cleanup();
    gs_results_new(&results, c.target, gs_wall_ns(), c.seed);
    gs_results_set(&results->version, "%s", GS_VERSION);
    run = (conform_run){.cli = &c, .plan = &plan, .results = results, .self = self,
                        .colour = gs_term_colour(1),
                        .progress = !c.quiet && gs_term_isatty(2)};
    conform_rows(&run);
    conform_print_unrun(&run);
    if (conform_mkdirs(c.report_dir, &err) < 0) {
        fprintf(stderr, "gatesim conform: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    int interrupted = conform_run_tests(&run, &err);
    if (conform_write_reports(&run, argc, argv, &err) < 0) {
        fprintf(stderr, "gatesim conform: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    conform_print_summary(&run);
    if (!c.quiet)
        printf("seed %llu (--seed %llu repeats every test's random choices)\n",
               (unsigned long long)c.seed, (unsigned long long)c.seed);
    rc = 0;
    for (size_t i = 0; i < plan.n_tests; i++)
        if (plan.tests[i].outcome == GS_CONFORM_FAILED)
            rc = 1;
    if (interrupted) {
        fprintf(stderr, "gatesim conform: interrupted; the report covers the tests that ran\n");
        rc = 128 + interrupted;
    }
out:
    free(run.rows);
    gs_results_free(results);
    gs_conform_plan_free(&plan);
    gs_scenario_list_clear(&list);
    for (size_t i = 0; i < c.n_owned; i++)
        free(c.owned[i]);
    free(c.owned);
    free(c.run_args);
    conform_list_free(&c.profiles);
    conform_list_free(&c.supported);
    conform_list_free(&c.exempt);
    conform_list_free(&c.skip);
    conform_list_free(&c.contact);
    free(self);
    return rc;
}
