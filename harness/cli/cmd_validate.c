/* SPDX-License-Identifier: MIT */
/* `gatesim validate PATH...`: loads manifests and scenarios, applies defaults, validates, and
 * prints every problem as file:line:col: Kind ns/name: field.path: message (or JSON).
 * Argument parsing and output only; the work is gs_model_load_path. */
#include "gs_json.h"
#include "gs_log.h"
#include "gs_model.h"
#include "gs_scenario.h"

#include <stdio.h>
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
            "for *.yaml / *.yml, or - for standard input), applies the API server's defaults and checks what the Gateway API\n"
            "v1.6.1 CRDs enforce (schema and CEL rules). Errors are what the API server would\n"
            "reject; warnings are gatesim's judgements beyond it (what data planes tend to do).\n"
            "Each problem is printed as\n"
            "  file:line:col: Kind namespace/name: field.path: message\n\n"
            "Options:\n"
            "  --output text|json  output format (default text); -o is short for it\n"
            "  --strict            gatesim's judgements fail validation: warnings are errors,\n"
            "                      and so are objects of kinds gatesim does not model\n"
            "  --channel standard|experimental\n"
            "                      which v1.6.1 CRDs to enforce (default experimental, a superset:\n"
            "                      standard rejects experimental fields such as sessionPersistence)\n"
            "  --quiet, -q         print errors only (no warnings or notes)\n"
            "  --help, -h          this help\n\n"
            "Exit codes: 0 all valid (warnings allowed), 1 some object is invalid, 2 usage error,\n"
            "unreadable path or malformed YAML.\n");
}

int gs_cmd_validate(int argc, char **argv);
int gs_cmd_validate(int argc, char **argv)
{
    bool json = false, quiet = false;
    gs_load_options opt = {0};
    const char *paths[1024];
    int npaths = 0;
    bool end_of_options = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!end_of_options && a[0] == '-' && a[1]) {
            if (strcmp(a, "--") == 0) {
                end_of_options = true;
            } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                validate_usage(stdout);
                return 0;
            } else if (strcmp(a, "--strict") == 0) {
                opt.strict = true;
            } else if (strcmp(a, "--channel") == 0 || strncmp(a, "--channel=", 10) == 0) {
                const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
                if (!v || (strcmp(v, "standard") != 0 && strcmp(v, "experimental") != 0)) {
                    fprintf(stderr, "gatesim validate: --channel takes standard or experimental\n");
                    return 2;
                }
                opt.channel = v;
            } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
                quiet = true;
            } else if (strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0 ||
                       strncmp(a, "--output=", 9) == 0) {
                const char *v = a[2] == 'o' && a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
                if (!v || (strcmp(v, "json") != 0 && strcmp(v, "text") != 0)) {
                    fprintf(stderr, "gatesim validate: --output takes text or json\n");
                    return 2;
                }
                json = strcmp(v, "json") == 0;
            } else {
                fprintf(stderr, "gatesim validate: unknown option %s\n\n", a);
                validate_usage(stderr);
                return 2;
            }
            continue;
        }
        if (npaths >= (int)(sizeof paths / sizeof paths[0])) {
            fprintf(stderr, "gatesim validate: too many paths\n");
            return 2;
        }
        paths[npaths++] = a;
    }
    if (npaths == 0) {
        fprintf(stderr, "gatesim validate: no PATH given\n\n");
        validate_usage(stderr);
        return 2;
    }

    gs_model *m;
    gs_model_new(&m);
    opt.scenarios_checked_by_caller = true;
    bool unreadable = false;
    for (int i = 0; i < npaths; i++) {
        int rc;
        if (strcmp(paths[i], "-") == 0) { /* standard input, e.g. kubectl kustomize | gatesim validate - */
            gs_buf in = {0};
            char chunk[65536];
            size_t n;
            while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
                gs_buf_append(&in, chunk, n);
            rc = gs_model_load_buffer(m, "<stdin>", in.data ? in.data : "", in.len, &opt, NULL);
            gs_buf_free(&in);
        } else {
            rc = gs_model_load_path(m, paths[i], &opt, NULL);
        }
        if (rc != 0)
            unreadable = true;
    }
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
    size_t objects = m->n_objects + m->n_invalid;
    if (json) {
        gs_buf b = {0};
        gs_json j;
        gs_json_init(&j, &b, true);
        gs_json_object_begin(&j);
        gs_json_key(&j, "valid");
        gs_json_bool(&j, unique.nerrors == 0 && !unreadable);
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
        printf("%s\n", b.data);
        gs_buf_free(&b);
    } else {
        gs_diags_print(&shown, stdout, gs_term_colour(1));
        /* stdout may be a buffered file that stderr shares (2>&1): the summary must not land
         * inside a problem line */
        fflush(stdout);
        bool colour = gs_term_colour(2);
        fprintf(stderr, "%s%zu object%s in %zu file%s: %zu error%s, %zu warning%s",
                unique.nerrors ? gs_term_red(colour) : gs_term_green(colour), objects,
                objects == 1 ? "" : "s", m->n_files, m->n_files == 1 ? "" : "s",
                unique.nerrors, unique.nerrors == 1 ? "" : "s", unique.nwarnings,
                unique.nwarnings == 1 ? "" : "s");
        if (m->n_skipped)
            fprintf(stderr, ", %zu skipped", m->n_skipped);
        if (m->n_scenarios)
            fprintf(stderr, ", %zu scenario%s", m->n_scenarios, m->n_scenarios == 1 ? "" : "s");
        fprintf(stderr, "%s\n", gs_term_reset(colour));
    }
    int rc = unreadable ? 2 : (unique.nerrors ? 1 : 0);
    gs_diags_free(&shown);
    gs_diags_free(&unique);
    gs_model_free(m);
    return rc;
}
