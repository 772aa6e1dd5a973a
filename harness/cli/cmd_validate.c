/* SPDX-License-Identifier: MIT */
/* `gatesim validate PATH...`: loads manifests and scenarios, applies defaults, validates, and
 * prints every problem as file:line:col: Kind ns/name: field.path: message (or JSON).
 * Argument parsing and output only; the work is gs_model_load_path. */
#include "cli.h"
#include "gs_cliopt.h"
#include "gs_control.h"
#include "gs_json.h"
#include "gs_log.h"
#include "gs_model.h"
#include "gs_scenario.h"

#include "gs_alloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gs_cmd_validate_summary[] = "check manifests and scenarios as the API server would";

/* Scenario documents found among the manifests are checked by the scenario part's decoder,
 * with the objects each applies: inline ones and the manifest files it names. */
static void validate_scenarios(gs_model *m)
{
    for (size_t i = 0; i < m->n_scenarios; i++) {
        bool ok = false;
        gs_scenario *sc = gs_scenario_decode(m->scenario_docs[i].stream, m->scenario_docs[i].doc,
                                             &m->diags, &ok);
        if (sc)
            gs_scenario_check_objects(sc, &m->diags);
    }
}

static void validate_usage(FILE *f)
{
    fprintf(f,
            "usage: gatesim validate [OPTIONS] PATH...\n\n"
            "Loads every object and scenario in PATH (files, directories searched recursively\n"
            "for *.yaml / *.yml, or - for standard input), applies the API server's defaults\n"
            "and checks what the Gateway API v1.6.1 CRDs enforce (schema and CEL rules). Errors are what the API server would\n"
            "reject; warnings are gatesim's judgements beyond it (what data planes tend to do).\n"
            "Each problem is printed as\n"
            "  file:line:col: Kind namespace/name: field.path: message\n\n"
            "Options:\n"
            "  -f, --filename PATH     a file or folder to validate (repeatable; as PATH)\n"
            "  -o, --output FORMAT     text (default), json or yaml\n"
            "      --strict            gatesim's judgements fail validation: warnings are\n"
            "                          errors, and so are objects of kinds gatesim does not model\n"
            "      --channel standard|experimental\n"
            "                          which v1.6.1 CRDs to enforce (default experimental, a\n"
            "                          superset: standard rejects experimental fields such as\n"
            "                          sessionPersistence)\n"
            "      --fail-on LIST      exit 1, naming each, when a route attaches nowhere\n"
            "                          (unattached) or a reference does not resolve\n"
            "                          (unresolved), as gatesim explain computes them; LIST is\n"
            "                          one or both, comma-separated\n"
            "      --assume-services   a backendRef to a Service that is not among the objects\n"
            "                          resolves as if it existed (Services kept elsewhere)\n"
            "  -q, --quiet             print errors only (no warnings or notes)\n"
            "  -h, --help              this help\n\n"
            "Exit codes: 0 all valid (warnings allowed), 1 some object is invalid or a --fail-on\n"
            "finding, 2 usage error, unreadable path, malformed YAML or no *.yaml file found.\n");
}

#define VALIDATE_SHORTOPTS "f:o:qh"
#define VALIDATE_FORMATS                                                                           \
    (GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_TEXT) | GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_JSON) |         \
     GS_CLIOPT_FMT_BIT(GS_CLIOPT_FORMAT_YAML))

/* --fail-on: the status a controller would compute for the objects, checked for the findings
 * CI refuses. Returns how many were printed. */
static size_t validate_fail_on(const gs_model *m, const gs_control_opts *copts, unsigned fail_on)
{
    gs_control *ctl = NULL;
    gs_error err = {0};
    size_t found = 0;
    gs_control_new(&ctl, copts);
    if (gs_control_compute(ctl, m, &err) < 0) {
        fprintf(stderr, "gatesim validate: %s\n", err.msg);
        found = 1;
    } else {
        found = gs_cli_fail_on_check("validate", NULL, gs_control_status(ctl), fail_on);
    }
    gs_control_free(ctl);
    return found;
}

static int validate_exit(const char **paths, int rc)
{
    free(paths);
    return rc;
}

int gs_cmd_validate(int argc, char **argv);
int gs_cmd_validate(int argc, char **argv)
{
    enum { VALIDATE_OPT_CHANNEL = GS_CLIOPT_OWN };
    static const struct option longopts[] = {
        GS_CLIOPT_FILENAME,
        GS_CLIOPT_OUTPUT,
        GS_CLIOPT_STRICT,
        GS_CLIOPT_FAIL_ON,
        GS_CLIOPT_ASSUME_SERVICES,
        {"channel", required_argument, NULL, VALIDATE_OPT_CHANNEL},
        GS_CLIOPT_QUIET,
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    gs_cliopt_format fmt = GS_CLIOPT_FORMAT_TEXT;
    bool quiet = false;
    unsigned fail_on = 0;
    gs_control_opts copts = {0};
    gs_load_options opt = {0};
    const char **paths = gs_xcalloc((size_t)argc + 1, sizeof(*paths));
    size_t npaths = 0;
    int opt_c;
    optind = 1;
    opterr = 0; /* one line of our own, with a suggestion, instead of getopt's */
    while ((opt_c = getopt_long(argc, argv, ":" VALIDATE_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt_c) {
        case 'f':
            paths[npaths++] = optarg;
            break;
        case 'o':
            if (gs_cliopt_output_parse("validate", optarg, VALIDATE_FORMATS, &fmt) < 0)
                return validate_exit(paths, GS_EXIT_USAGE);
            break;
        case GS_CLIOPT_VAL_FAIL_ON:
            if (gs_cli_fail_on_parse("validate", optarg, &fail_on) < 0)
                return validate_exit(paths, GS_EXIT_USAGE);
            break;
        case GS_CLIOPT_VAL_ASSUME_SERVICES:
            copts.assume_services = true;
            break;
        case GS_CLIOPT_VAL_STRICT:
            opt.strict = true;
            break;
        case VALIDATE_OPT_CHANNEL:
            if (strcmp(optarg, "standard") != 0 && strcmp(optarg, "experimental") != 0) {
                fprintf(stderr, "gatesim validate: --channel takes standard or experimental\n");
                return validate_exit(paths, GS_EXIT_USAGE);
            }
            opt.channel = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            validate_usage(stdout);
            return validate_exit(paths, GS_EXIT_OK);
        default:
            return validate_exit(paths, gs_cliopt_refused("validate", argv[optind - 1], optopt,
                                                          longopts, VALIDATE_SHORTOPTS));
        }
    }
    for (int i = optind; i < argc; i++)
        paths[npaths++] = argv[i];
    if (npaths == 0) {
        fprintf(stderr, "gatesim validate: no PATH given\n\n");
        validate_usage(stderr);
        return validate_exit(paths, GS_EXIT_USAGE);
    }

    gs_model *m;
    gs_model_new(&m);
    opt.scenarios_checked_by_caller = true;
    bool unreadable = false;
    for (size_t i = 0; i < npaths; i++)
        if (gs_cli_load_path(m, paths[i], &opt) != 0)
            unreadable = true;
    validate_scenarios(m);
    gs_model_check_cross(m);
    gs_diags_sort(&m->diags);

    /* A manifest file named by a scenario and also given on the command line (or found in the
     * same directory) is checked twice: print each problem once. */
    gs_diags unique = {0}, shown = {0};
    for (size_t i = 0; i < m->diags.len; i++) {
        const gs_diag *g = &m->diags.items[i];
        bool dup = false;
        for (size_t k = unique.len; k-- > 0 && !dup;) {
            const gs_diag *o = &unique.items[k];
            if (o->pos.line != g->pos.line || o->pos.col != g->pos.col ||
                strcmp(o->pos.file ? o->pos.file : "", g->pos.file ? g->pos.file : "") != 0)
                break;
            dup = o->severity == g->severity && strcmp(o->message, g->message) == 0 &&
                  strcmp(o->field, g->field) == 0;
        }
        if (dup)
            continue;
        gs_diags_add(&unique, g->severity, g->pos, g->kind, g->ns, g->name, g->field, "%s",
                     g->message);
        if (quiet && g->severity != GS_DIAG_ERROR)
            continue;
        gs_diags_add(&shown, g->severity, g->pos, g->kind, g->ns, g->name, g->field, "%s",
                     g->message);
    }
    /* Folders without a manifest validate nothing: a CI gate pointed at the wrong folder must
     * not pass (gatesim run refuses an empty run the same way). */
    bool nothing = m->n_files == 0 && !unreadable;
    size_t findings = fail_on && !unreadable ? validate_fail_on(m, &copts, fail_on) : 0;
    size_t objects = m->n_objects + m->n_invalid;
    if (fmt != GS_CLIOPT_FORMAT_TEXT) {
        gs_buf b = {0};
        gs_json j;
        gs_json_init(&j, &b, fmt == GS_CLIOPT_FORMAT_JSON);
        gs_json_object_begin(&j);
        gs_json_key(&j, "valid");
        gs_json_bool(&j, unique.nerrors == 0 && !unreadable && !nothing);
        gs_json_key(&j, "files");
        gs_json_uint(&j, m->n_files);
        gs_json_key(&j, "objects");
        gs_json_uint(&j, objects);
        gs_json_key(&j, "invalid");
        gs_json_uint(&j, m->n_invalid);
        gs_json_key(&j, "skipped");
        gs_json_uint(&j, m->n_skipped);
        gs_json_key(&j, "scenarios");
        gs_json_uint(&j, m->n_scenarios);
        gs_json_key(&j, "errors");
        gs_json_uint(&j, unique.nerrors);
        gs_json_key(&j, "warnings");
        gs_json_uint(&j, unique.nwarnings);
        gs_json_key(&j, "problems");
        gs_diags_json(&shown, &j);
        gs_json_object_end(&j);
        gs_cli_print_document(&b, fmt == GS_CLIOPT_FORMAT_YAML);
        gs_buf_clear(&b);
    } else {
        gs_diags_print(&shown, stdout, gs_term_colour(1));
        /* stdout may be a buffered file that stderr shares (2>&1): the summary must not land
         * inside a problem line */
        fflush(stdout);
        bool colour = gs_term_colour(2);
        /* what was validated: objects, scenarios (with their objects), or both */
        char what[96];
        size_t sc = m->n_scenarios;
        if (sc && objects)
            snprintf(what, sizeof(what), "%zu object%s and %zu scenario%s", objects,
                     objects == 1 ? "" : "s", sc, sc == 1 ? "" : "s");
        else if (sc)
            snprintf(what, sizeof(what), "%zu scenario%s", sc, sc == 1 ? "" : "s");
        else
            snprintf(what, sizeof(what), "%zu object%s", objects, objects == 1 ? "" : "s");
        fprintf(stderr, "%s%s in %zu file%s: %zu error%s, %zu warning%s",
                unique.nerrors ? gs_term_red(colour) : gs_term_green(colour), what, m->n_files,
                m->n_files == 1 ? "" : "s", unique.nerrors, unique.nerrors == 1 ? "" : "s",
                unique.nwarnings, unique.nwarnings == 1 ? "" : "s");
        if (m->n_skipped)
            fprintf(stderr, ", %zu skipped", m->n_skipped);
        if (findings)
            fprintf(stderr, ", %zu --fail-on finding%s", findings, findings == 1 ? "" : "s");
        fprintf(stderr, "%s\n", gs_term_reset(colour));
    }
    if (nothing)
        fprintf(stderr, "gatesim validate: no *.yaml or *.yml file in %s%s; nothing was "
                        "validated\n", paths[0], npaths > 1 ? " ..." : "");
    int rc = unreadable || nothing ? 2 : (unique.nerrors || findings ? 1 : 0);
    gs_diags_clear(&shown);
    gs_diags_clear(&unique);
    gs_model_free(m);
    return validate_exit(paths, rc);
}
