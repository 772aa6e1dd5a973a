/* SPDX-License-Identifier: MIT */
/* `gatesim explain PATH...`: computes status as a controller would and prints it like
 * `kubectl describe`, or as Kubernetes-shaped JSON/YAML. Plain manifests form one set of
 * objects; each scenario is explained on its own with its manifests, backends (Services),
 * namespaces and generated TLS secrets. Argument parsing, loading and printing only. */
#include "cli.h"
#include "gs_cliopt.h"
#include "gs_control.h"
#include "gs_explain.h"
#include "gs_explain_request.h"
#include "gs_objset.h"
#include "gs_scenario.h"

#include "gs_alloc.h"
#include "gs_json.h"
#include "gs_log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gs_cmd_explain_summary[] = "compute Gateway API status and show why routes attach";

typedef gs_cliopt_format explain_format;
#define EXPLAIN_TEXT GS_CLIOPT_FORMAT_TEXT
#define EXPLAIN_JSON GS_CLIOPT_FORMAT_JSON
#define EXPLAIN_YAML GS_CLIOPT_FORMAT_YAML
#define EXPLAIN_SHORTOPTS "f:o:H:h"
#define EXPLAIN_FORMATS                                                                            \
    (GS_CLIOPT_FMT_BIT(EXPLAIN_TEXT) | GS_CLIOPT_FMT_BIT(EXPLAIN_JSON) |                           \
     GS_CLIOPT_FMT_BIT(EXPLAIN_YAML))

typedef struct explain_world {
    const char *title; /* NULL for the plain manifests */
    const char *file;
    gs_control *ctl;
} explain_world;

static void explain_usage(FILE *f)
{
    fprintf(
        f, "usage: gatesim explain [OPTIONS] PATH...\n\n"
           "Computes what a Gateway API controller would report for the objects in PATH (files,\n"
           "directories searched recursively for *.yaml / *.yml, or - for standard input):\n"
           "GatewayClass, Gateway and listener conditions, attachedRoutes, which listeners each\n"
           "route attached to and why not, and the effective route table per listener.\n"
           "Scenario files are explained with their manifests, backends, namespaces and\n"
           "generated TLS secrets.\n\n"
           "Options:\n"
           "  -f, --filename PATH     a file or folder to explain (repeatable; as PATH)\n"
           "  -o, --output FORMAT     text (default), json or yaml\n"
           "      --controller-name NAME\n"
           "                          manage only GatewayClasses with this controllerName\n"
           "                          (repeatable; default: every class)\n"
           "      --no-hostname-fallthrough\n"
           "                          a request never falls through from its most specific\n"
           "                          route hostname to less specific ones\n"
           "      --strict            gatesim's judgements are errors: an object with a\n"
           "                          warning, or of a kind outside the model, is refused\n"
           "      --fail-on LIST      exit 1, naming each, when a route attaches nowhere\n"
           "                          (unattached) or a reference does not resolve\n"
           "                          (unresolved); LIST is one or both, comma-separated\n"
           "      --assume-services   a backendRef to a Service that is not among the objects\n"
           "                          resolves as if it existed (Services kept elsewhere)\n"
           "      --request '[METHOD] URL'\n"
           "                          instead of the status: what the builtin gateway does\n"
           "                          with this request (METHOD defaults to GET; URL is\n"
           "                          http:// or https://, its port picks the Gateway port,\n"
           "                          80/443 when absent): the normalised path or the 400\n"
           "                          reason, and per Gateway on that port the listener, the\n"
           "                          winning route, rule and match, and the backends\n"
           "  -H, --header 'NAME: VALUE'\n"
           "                          a request header for --request (repeatable)\n"
           "  -h, --help              this help\n\n"
           "Exit codes: 0 status computed, 1 some object is invalid (status is still printed\n"
           "for the valid ones) or a --fail-on finding, 2 usage error, unreadable path,\n"
           "malformed YAML or no *.yaml file found (no status is printed then).\n");
}

/* Loads one scenario's world: the object set `gatesim run` would apply at its start (its
 * manifests plus the synthesized Namespaces, Services and TLS Secrets, certificates generated
 * under |ca| as a run does), built by gs_objset. Returns the number of errors found. */
static size_t explain_scenario_world(const gs_scenario *sc, const gs_control_opts *copts,
                                     const gs_load_options *lo, gs_tls_pem *ca, explain_world *w,
                                     gs_model **mp, bool *unreadable)
{
    gs_model *m = NULL;
    gs_model_new(&m);
    gs_objset set = {0};
    gs_objset_tls tls = {0};
    gs_error err = {0};
    size_t errors = 0;
    int rc = 0;
    for (size_t i = 0; i < sc->n_manifests && rc == 0; i++)
        rc = gs_objset_add_source(&set, &sc->manifests[i], &err);
    if (rc == 0 && sc->n_tls && ca->cert == NULL)
        rc = gs_tls_ca_generate(ca, "gatesim explain CA", &err);
    if (rc == 0 && sc->n_tls)
        rc = gs_objset_tls_generate(&tls, sc, ca, &err);
    if (rc < 0) {
        fprintf(stderr, "gatesim explain: %s: %s\n", sc->name, err.msg);
        *unreadable |= rc == GS_ERR_IO || rc == GS_ERR_PARSE;
        errors++;
    } else {
        errors += gs_objset_load_model(&set, sc, tls.secrets, tls.n, lo, m);
    }
    gs_objset_tls_clear(&tls);
    gs_objset_clear(&set);
    gs_control_new(&w->ctl, copts);
    w->title = sc->name;
    w->file = sc->file;
    *mp = m;
    return errors;
}

static void explain_print_diags(gs_diags *d, bool quiet_notes)
{
    gs_diags_sort(d);
    gs_diags shown = {0};
    for (size_t i = 0; i < d->len; i++) {
        const gs_diag *g = &d->items[i];
        if (quiet_notes && g->severity == GS_DIAG_NOTE)
            continue;
        gs_diags_add(&shown, g->severity, g->pos, g->kind, g->ns, g->name, g->field, "%s",
                     g->message);
    }
    gs_diags_print(&shown, stderr, gs_term_colour(2));
    gs_diags_clear(&shown);
}

static void explain_world_json(const explain_world *w, gs_json *j)
{
    const gs_status_set *s = gs_control_status(w->ctl);
    gs_buf tmp = {0};
    gs_json inner;
    gs_json_init(&inner, &tmp, false);
    gs_status_write_json(s, &inner);
    gs_json_raw(j, tmp.data);
    gs_buf_clear(&tmp);
}

/* "scenarios":[{"name","file",KEY}] for several worlds: KEY "status" holds each world's
 * objects, KEY "request" what each world does with |rq|. */
static void explain_scenarios_json(const explain_world *worlds, size_t n, const char *key,
                                   const gs_explain_request *rq, gs_json *j)
{
    gs_json_key(j, "scenarios");
    gs_json_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        gs_json_object_begin(j);
        gs_json_key(j, "name");
        gs_json_string(j, worlds[i].title ? worlds[i].title : "");
        gs_json_key(j, "file");
        gs_json_string(j, worlds[i].file ? worlds[i].file : "");
        gs_json_key(j, key);
        if (rq != NULL)
            gs_explain_request_json(gs_control_table(worlds[i].ctl), rq, j);
        else
            explain_world_json(&worlds[i], j);
        gs_json_object_end(j);
    }
    gs_json_array_end(j);
}

static void explain_output(explain_world *worlds, size_t n, explain_format fmt)
{
    if (fmt == EXPLAIN_TEXT) {
        bool colour = gs_term_colour(1);
        for (size_t i = 0; i < n; i++) {
            gs_buf out = {0};
            if (worlds[i].title)
                gs_buf_printf(&out, "%s=== Scenario %s (%s)%s\n\n", gs_term_bold(colour),
                              worlds[i].title, worlds[i].file, gs_term_reset(colour));
            gs_explain_describe(gs_control_status(worlds[i].ctl), gs_control_table(worlds[i].ctl),
                                colour, &out);
            fputs(out.data ? out.data : "", stdout);
            gs_buf_clear(&out);
        }
        return;
    }
    /* One world: its {"objects":[...]}. Several: the plain one's objects (if any) and
     * "scenarios":[{"name","file","objects"}]. */
    gs_buf b = {0};
    gs_json j;
    gs_json_init(&j, &b, fmt == EXPLAIN_JSON);
    if (n == 1) {
        explain_world_json(&worlds[0], &j);
    } else {
        gs_json_object_begin(&j);
        gs_json_key(&j, "objects");
        gs_json_array_begin(&j);
        gs_json_array_end(&j);
        explain_scenarios_json(worlds, n, "status", NULL, &j);
        gs_json_object_end(&j);
    }
    gs_cli_print_document(&b, fmt == EXPLAIN_YAML);
    gs_buf_clear(&b);
}

/* --request: "[METHOD] URL". Returns 0, or -1 with a message on stderr. */
static int explain_parse_request(const char *arg, gs_explain_request *rq, char **method)
{
    const char *sp = strchr(arg, ' ');
    rq->url = sp ? sp + 1 : arg;
    while (*rq->url == ' ')
        rq->url++;
    free(*method);
    *method = sp ? gs_xstrndup(arg, (size_t)(sp - arg)) : NULL;
    rq->method = *method;
    const char *why = gs_explain_request_check_url(rq->url);
    if (why) {
        fprintf(stderr, "gatesim explain: %s, got \"%s\"\n", why, arg);
        return -1;
    }
    return 0;
}

/* --header: "NAME: VALUE" into |h| (pointing into |arg|). Returns 0, or -1 with a message. */
static int explain_parse_header(const char *arg, gs_rt_header *h)
{
    const char *colon = strchr(arg, ':');
    if (colon == NULL || colon == arg) {
        fprintf(stderr, "gatesim explain: --header takes 'NAME: VALUE', got \"%s\"\n", arg);
        return -1;
    }
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    *h = (gs_rt_header){arg, (size_t)(colon - arg), v, strlen(v)};
    return 0;
}

/* --request mode: the request explained against each world's route table. */
static void explain_output_request(explain_world *worlds, size_t n, explain_format fmt,
                                   const gs_explain_request *rq)
{
    gs_buf b = {0};
    if (fmt == EXPLAIN_TEXT) {
        bool colour = gs_term_colour(1);
        for (size_t i = 0; i < n; i++) {
            if (worlds[i].title)
                gs_buf_printf(&b, "%s=== Scenario %s (%s)%s\n", gs_term_bold(colour),
                              worlds[i].title, worlds[i].file, gs_term_reset(colour));
            gs_explain_request_text(gs_control_table(worlds[i].ctl), rq, colour, &b);
        }
        fputs(b.data ? b.data : "", stdout);
        gs_buf_clear(&b);
        return;
    }
    /* One world: the request's object. Several: {"scenarios":[{"name","file","request"}]}. */
    gs_json j;
    gs_json_init(&j, &b, fmt == EXPLAIN_JSON);
    if (n == 1) {
        gs_explain_request_json(gs_control_table(worlds[0].ctl), rq, &j);
    } else {
        gs_json_object_begin(&j);
        explain_scenarios_json(worlds, n, "request", rq, &j);
        gs_json_object_end(&j);
    }
    gs_cli_print_document(&b, fmt == EXPLAIN_YAML);
    gs_buf_clear(&b);
}

int gs_cmd_explain(int argc, char **argv);
int gs_cmd_explain(int argc, char **argv)
{
    explain_format fmt = EXPLAIN_TEXT;
    gs_control_opts copts = {0};
    gs_load_options lo = {0};
    const char **names = gs_xcalloc((size_t)argc + 1, sizeof(*names));
    const char **paths = gs_xcalloc((size_t)argc + 1, sizeof(*paths));
    size_t n_names = 0, n_paths = 0;
    gs_explain_request rq = {0};
    gs_rt_header *rq_headers = gs_xcalloc((size_t)argc + 1, sizeof(*rq_headers));
    char *rq_method = NULL;
    int rc = GS_EXIT_OK;
    unsigned fail_on = 0;
    enum { EXPLAIN_OPT_REQUEST = GS_CLIOPT_OWN };
    static const struct option longopts[] = {
        GS_CLIOPT_FILENAME,
        GS_CLIOPT_OUTPUT,
        GS_CLIOPT_CONTROLLER_NAME,
        GS_CLIOPT_NO_FALLTHROUGH,
        GS_CLIOPT_STRICT,
        GS_CLIOPT_FAIL_ON,
        GS_CLIOPT_ASSUME_SERVICES,
        {"request", required_argument, NULL, EXPLAIN_OPT_REQUEST},
        GS_CLIOPT_HEADER,
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    int c;
    optind = 1;
    opterr = 0; /* one line of our own, with a suggestion, instead of getopt's */
    while ((c = getopt_long(argc, argv, ":" EXPLAIN_SHORTOPTS, longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            paths[n_paths++] = optarg;
            break;
        case 'o':
            if (gs_cliopt_output_parse("explain", optarg, EXPLAIN_FORMATS, &fmt) < 0) {
                rc = GS_EXIT_USAGE;
                goto out;
            }
            break;
        case GS_CLIOPT_VAL_CONTROLLER_NAME:
            names[n_names++] = optarg;
            break;
        case GS_CLIOPT_VAL_NO_FALLTHROUGH:
            copts.no_hostname_fallthrough = true;
            break;
        case GS_CLIOPT_VAL_STRICT:
            copts.strict = lo.strict = true;
            break;
        case GS_CLIOPT_VAL_FAIL_ON:
            if (gs_cli_fail_on_parse("explain", optarg, &fail_on) < 0) {
                rc = GS_EXIT_USAGE;
                goto out;
            }
            break;
        case GS_CLIOPT_VAL_ASSUME_SERVICES:
            copts.assume_services = true;
            break;
        case EXPLAIN_OPT_REQUEST:
            if (explain_parse_request(optarg, &rq, &rq_method) < 0) {
                rc = GS_EXIT_USAGE;
                goto out;
            }
            break;
        case 'H':
            if (explain_parse_header(optarg, &rq_headers[rq.n_headers++]) < 0) {
                rc = GS_EXIT_USAGE;
                goto out;
            }
            break;
        case 'h':
            explain_usage(stdout);
            goto out;
        default:
            rc = gs_cliopt_refused("explain", argv[optind - 1], optopt, longopts,
                                   EXPLAIN_SHORTOPTS);
            goto out;
        }
    }
    for (int i = optind; i < argc; i++)
        paths[n_paths++] = argv[i];
    if (n_paths == 0) {
        fprintf(stderr, "gatesim explain: no PATH given\n\n");
        explain_usage(stderr);
        rc = GS_EXIT_USAGE;
        goto out;
    }
    if (rq.n_headers && rq.url == NULL) {
        fprintf(stderr, "gatesim explain: --header needs --request\n");
        rc = GS_EXIT_USAGE;
        goto out;
    }
    rq.headers = rq_headers;
    copts.controller_names = names;
    copts.n_controller_names = n_names;

    /* Plain manifests in one model; scenarios found in the same paths each in their own. */
    gs_model *plain = NULL;
    gs_model_new(&plain);
    lo.scenarios_checked_by_caller = true; /* each scenario is explained on its own, below */
    gs_scenario_list scenarios = {0};
    gs_diags sdiags = {0};
    bool unreadable = false, malformed = false;
    for (size_t i = 0; i < n_paths; i++) {
        size_t scenarios_before = plain->n_scenarios;
        int lr = gs_cli_load_path(plain, paths[i], &lo);
        unreadable |= lr == GS_ERR_IO;
        malformed |= lr == GS_ERR_PARSE;
        if (lr == GS_ERR_IO || plain->n_scenarios == scenarios_before)
            continue;
        if (strcmp(paths[i], "-") == 0) {
            /* a scenario names its manifests relative to its own file */
            fprintf(stderr, "gatesim explain: <stdin>: a Scenario is explained from its file; "
                            "give its path instead of -\n");
            unreadable = true;
            continue;
        }
        int sr = gs_scenario_list_load(&scenarios, paths[i], &sdiags, NULL);
        malformed |= sr == GS_ERR_PARSE;
    }
    bool nothing = plain->n_files == 0 && !unreadable;
    size_t n_worlds = 0;
    gs_tls_pem ca = {0}; /* one CA for every scenario's certificates, as in a run */
    explain_world *worlds = gs_xcalloc(scenarios.len + 1, sizeof(*worlds));
    gs_model **models = gs_xcalloc(scenarios.len + 1, sizeof(*models));
    size_t errors = plain->diags.nerrors + sdiags.nerrors;
    explain_print_diags(&plain->diags, false);
    explain_print_diags(&sdiags, true);
    if (plain->n_objects || scenarios.len == 0) {
        gs_control_new(&worlds[0].ctl, &copts);
        models[0] = plain;
        n_worlds = 1;
    }
    for (size_t i = 0; i < scenarios.len; i++) {
        gs_model *m = NULL;
        errors += explain_scenario_world(scenarios.items[i], &copts, &lo, &ca, &worlds[n_worlds],
                                         &m, &unreadable);
        explain_print_diags(&m->diags, true);
        models[n_worlds++] = m;
    }
    for (size_t i = 0; i < n_worlds; i++) {
        gs_error err = {0};
        if (gs_control_compute(worlds[i].ctl, models[i], &err) < 0) {
            fprintf(stderr, "gatesim explain: %s\n", err.msg);
            errors++;
        }
    }
    /* A path that could not be read leaves nothing true to say ("No GatewayClass" would be
     * about the objects that were never read). */
    if (unreadable)
        fprintf(stderr, "gatesim explain: an input could not be read; no status computed\n");
    else if (malformed) /* a file read only up to its YAML error: the same partial set */
        fprintf(stderr, "gatesim explain: an input is not well-formed YAML; no status computed\n");
    else if (nothing) /* folders without a manifest: a --fail-on gate must not pass */
        fprintf(stderr, "gatesim explain: no *.yaml or *.yml file in %s%s; no status computed\n",
                paths[0], n_paths > 1 ? " ..." : "");
    else if (rq.url)
        explain_output_request(worlds, n_worlds, fmt, &rq);
    else
        explain_output(worlds, n_worlds, fmt);
    size_t findings = 0;
    for (size_t i = 0; i < n_worlds && fail_on && !unreadable && !malformed && !nothing; i++)
        findings += gs_cli_fail_on_check("explain", worlds[i].title,
                                         gs_control_status(worlds[i].ctl), fail_on);
    for (size_t i = 0; i < n_worlds; i++) {
        gs_control_free(worlds[i].ctl);
        if (models[i] != plain)
            gs_model_free(models[i]);
    }
    free(worlds);
    free(models);
    gs_model_free(plain);
    gs_tls_pem_clear(&ca);
    gs_scenario_list_clear(&scenarios);
    gs_diags_clear(&sdiags);
    rc = unreadable || malformed || nothing ? GS_EXIT_USAGE
         : errors || findings    ? GS_EXIT_FAILED
                                 : GS_EXIT_OK;
out:
    free(rq_headers);
    free(rq_method);
    free(names);
    free(paths);
    return rc;
}
