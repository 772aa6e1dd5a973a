/* SPDX-License-Identifier: MIT */
/* `gatesim diff INGRESS_FILE... [--after FILE]... [--target T]`: the options and the input
 * files of a diff; the probes, both sides and the report are gs_diff.c's (docs/ingress.md,
 * "gatesim diff"). */
#include "gs_cliopt.h"
#include "gs_diff.h"
#include "gs_ingress_nginx.h"
#include "gs_log.h"
#include "gs_model.h"
#include "gs_target.h"

#include "gs_alloc.h"
#include "gs_buf.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gs_cmd_diff_summary[] =
    "send the same probes to Ingresses on ingress-nginx and to their Gateway API conversion, or "
    "to Gateway API objects on two targets";
int gs_cmd_diff(int argc, char **argv);

enum {
    DIFF_AFTER = GS_CLIOPT_OWN,
    DIFF_TARGET,
    DIFF_REQUESTS,
    DIFF_ALPHA,
    DIFF_NO_NORM,
    DIFF_BEFORE_TARGET,
    DIFF_STRICT
};

static void diff_usage(FILE *out)
{
    fprintf(out,
            "usage: gatesim diff [OPTIONS] INGRESS_FILE...\n"
            "       gatesim diff [OPTIONS] --before-target KIND [-t KIND] GATEWAY_API_FILE...\n\n"
            "Runs the Ingresses of INGRESS_FILE (with their Services) on ingress-nginx's\n"
            "rendering on a real nginx, and their conversion (`gatesim convert`), or the\n"
            "objects of --after, on --target; every Service is an echo backend. Probes derived\n"
            "from the Ingress rules go to both sides: each path as written, one segment beyond,\n"
            "in upper case, with and without a trailing slash, with the canary header or cookie,\n"
            "an unknown host, and HTTPS to every host. Each probe answered differently (status,\n"
            "backend Service, path or Host the backend saw, redirect Location, certificate) is\n"
            "printed with both answers.\n"
            "A probe whose answer is a split (a weighted canary, weighted backendRefs) is sent\n"
            "--requests times to each side and the shares of the answers are compared with\n"
            "Fisher's exact test (Holm-corrected) at --alpha.\n\n"
            "      --after FILE    the Gateway API side (repeatable); default: the conversion\n"
            "  -t, --target KIND   the implementation of the Gateway API side (default builtin;\n"
            "                      also --after-target)\n"
            "      --before-target KIND  the implementation of the before side: ingress-nginx\n"
            "                      (the default, and the only one, for Ingresses), or any target\n"
            "                      for Gateway API input (default builtin), whose objects then\n"
            "                      go to both sides unless --after is given\n"
            "      --requests N    requests per side for a split (default 1000, 20..100000)\n"
            "      --alpha A       false-difference rate of one split's comparison (default\n"
            "                      0.001, in [1e-12, 0.5])\n"
            "      --no-normalization  leave out the percent-encoded and double-slash probes\n"
            "                      (they test the request normalisation of the implementations,\n"
            "                      not the conversion)\n"
            "      --strict        count the known and the expected differences as\n"
            "                      differences (exit 1): a normalisation probe answered\n"
            "                      otherwise while its normalised path is answered alike, an\n"
            "                      HTTPS probe ingress-nginx answers under its fake certificate\n"
            "  -q, --quiet         only the differences and the summary\n"
            "  -h, --help\n\n"
            "Such known and expected differences are printed in their own groups and not\n"
            "counted unless --strict is given.\n\n"
            "Exit codes: 0 no difference, 1 differences, 2 usage error, unreadable or invalid\n"
            "input, or a side that could not run.\n");
}

#define diff_bad(...) gs_cliopt_usage_error("diff", __VA_ARGS__)

/* ---- inputs ------------------------------------------------------------------------------- */

static char *diff_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    gs_buf b = {0};
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        gs_buf_append(&b, chunk, n);
    fclose(f);
    gs_buf_putc(&b, '\n');
    return gs_buf_take(&b);
}

/* ---- the command -------------------------------------------------------------------------- */

/* Prints the errors of |m| on stderr at their file:line:col; whether there were any. */
static bool diff_print_errors(gs_model *m)
{
    gs_diags_sort(&m->diags);
    for (size_t i = 0; i < m->diags.len; i++)
        if (m->diags.items[i].severity == GS_DIAG_ERROR) {
            char line[4096];
            gs_diag_format(&m->diags.items[i], line, sizeof line);
            fprintf(stderr, "%s\n", line);
        }
    return m->diags.nerrors > 0;
}

/* Loads the Ingress files (their problems on stderr) and keeps their text. 0, or 2. */
static int diff_load(gs_model *m, char **paths, int n, gs_buf *text)
{
    for (int k = 0; k < n; k++) {
        char *t = diff_read(paths[k]);
        if (t == NULL) {
            fprintf(stderr, "gatesim diff: cannot read %s\n", paths[k]);
            return 2;
        }
        gs_buf_printf(text, "---\n%s", t);
        free(t);
        gs_model_load_path(m, paths[k], NULL, NULL);
    }
    if (diff_print_errors(m))
        return 2;
    if (m->n_ingresses == 0 && m->n_http_routes == 0 && m->n_grpc_routes == 0) {
        fprintf(stderr, "gatesim diff: no Ingress, no HTTPRoute and no GRPCRoute in the input\n");
        return 2;
    }
    return 0;
}

/* The --after files' text into |out|, checked first by the model so that a problem is named
 * at the user's file:line:col, not at the copy the target is given. 0, or 2. */
static int diff_after(char **after, size_t n_after, gs_buf *out)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    int rc = 0;
    for (size_t k = 0; k < n_after && rc == 0; k++) {
        char *t = diff_read(after[k]);
        if (t == NULL) {
            fprintf(stderr, "gatesim diff: cannot read %s\n", after[k]);
            rc = 2;
            break;
        }
        gs_buf_printf(out, "---\n%s", t);
        free(t);
        gs_model_load_path(m, after[k], NULL, NULL);
    }
    if (rc == 0 && diff_print_errors(m))
        rc = 2;
    gs_model_free(m);
    return rc;
}

/* What the ingress-nginx side's rendering says of the Ingresses (annotations it does not model,
 * ...) on stderr at the user's file:line:col, before the probes: the target has no channel of
 * its own to the user, and its copy of the objects has other positions. */
static void diff_target_notes(const gs_model *m, const char *before_target)
{
    if (m->n_ingresses == 0 || (before_target && strcmp(before_target, "ingress-nginx") != 0))
        return;
    gs_diags notes = {0};
    gs_ingress_nginx_notes(m, &notes);
    gs_diags_sort(&notes);
    gs_diags_print(&notes, stderr, gs_term_colour(2));
    gs_diags_clear(&notes);
}

int gs_cmd_diff(int argc, char **argv)
{
    static const struct option opts[] = {
        {"after", required_argument, NULL, DIFF_AFTER},
        {"target", required_argument, NULL, 't'},
        {"after-target", required_argument, NULL, 't'},
        {"before-target", required_argument, NULL, DIFF_BEFORE_TARGET},
        {"requests", required_argument, NULL, DIFF_REQUESTS},
        {"alpha", required_argument, NULL, DIFF_ALPHA},
        {"no-normalization", no_argument, NULL, DIFF_NO_NORM},
        {"strict", no_argument, NULL, DIFF_STRICT},
        GS_CLIOPT_QUIET,
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    char **after = gs_xcalloc((size_t)argc + 1, sizeof *after);
    size_t n_after = 0;
    gs_diff_config opt = {.target = "builtin", .requests = 1000, .alpha = 0.001, .out = stdout};
    const char *requests = NULL, *alpha = NULL;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":t:qh", opts, NULL)) != -1) {
        switch (ch) {
        case DIFF_AFTER:
            after[n_after++] = optarg;
            break;
        case 't':
            opt.target = optarg;
            break;
        case DIFF_REQUESTS:
            requests = optarg;
            break;
        case DIFF_ALPHA:
            alpha = optarg;
            break;
        case DIFF_NO_NORM:
            opt.no_normalization = true;
            break;
        case DIFF_STRICT:
            opt.strict = true;
            break;
        case DIFF_BEFORE_TARGET:
            opt.before_target = optarg;
            break;
        case 'q':
            opt.quiet = true;
            break;
        case 'h':
            diff_usage(stdout);
            free(after);
            return 0;
        default:
            free(after);
            return gs_cliopt_refused("diff", argv[optind - 1], optopt, opts, "t:qh");
        }
    }
    gs_error err = {0};
    if (optind >= argc) {
        free(after);
        return diff_bad("no INGRESS_FILE: give the Ingress manifests (with their Services)");
    }
    if (requests) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(requests, &end, 10);
        if (errno || *end || end == requests || requests[0] == '-' || v < 20 || v > 100000) {
            free(after);
            return diff_bad("--requests %s: give a whole number from 20 to 100000", requests);
        }
        opt.requests = (unsigned)v;
    }
    if (alpha) {
        char *end;
        double v = strtod(alpha, &end);
        if (*end || end == alpha || !(v >= 1e-12 && v <= 0.5)) {
            free(after);
            return diff_bad("--alpha %s: give a number in [1e-12, 0.5]", alpha);
        }
        opt.alpha = v;
    }
    if (opt.before_target && gs_target_kind_find(opt.before_target, &err) == NULL) {
        free(after);
        return diff_bad("--before-target: %s", err.msg);
    }
    if (gs_target_kind_find(opt.target, &err) == NULL) {
        free(after);
        return diff_bad("%s", err.msg);
    }
    gs_model *m;
    gs_model_new(&m);
    gs_buf ingress_yaml = {0}, after_yaml = {0};
    int rc = diff_load(m, argv + optind, argc - optind, &ingress_yaml);
    if (rc == 0)
        rc = diff_after(after, n_after, &after_yaml);
    if (rc == 0)
        diff_target_notes(m, opt.before_target);
    if (rc == 0) {
        gs_diff_result res;
        int drc =
            gs_diff_run(&opt, m, ingress_yaml.data, n_after ? after_yaml.data : NULL, &res, &err);
        if (drc < 0)
            fprintf(stderr, "gatesim diff: %s\n", err.msg);
        rc = drc < 0 ? 2 : res.n_differ ? 1 : 0;
    }
    gs_buf_clear(&ingress_yaml);
    gs_buf_clear(&after_yaml);
    gs_model_free(m);
    free(after);
    return rc;
}
