/* SPDX-License-Identifier: MIT */
/* `gatesim convert PATH...`: Ingress manifests (with ingress-nginx's routing annotations) to
 * Gateway API objects on stdout, notes on stderr, and the result checked by gatesim's own
 * validator before it is printed (docs/ingress.md, "gatesim convert"). */
#include "gs_cliopt.h"
#include "gs_convert.h"
#include "gs_model.h"
#include "gs_schema.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char gs_cmd_convert_summary[] =
    "convert Ingress (+ ingress-nginx annotations) to Gateway API, with notes";
int gs_cmd_convert(int argc, char **argv);

enum { CONVERT_GATEWAY_NAMESPACE = GS_CLIOPT_OWN, CONVERT_GATEWAY_CLASS };

static void convert_usage(FILE *out)
{
    fprintf(out,
            "usage: gatesim convert [OPTIONS] PATH...\n\n"
            "Reads Ingress, IngressClass and Service manifests (files or directories) and\n"
            "prints Gateway API objects that route the same requests: a Gateway per Ingress\n"
            "class, HTTPRoutes per Ingress and host, ReferenceGrants for certificates in other\n"
            "namespaces. ingress-nginx's routing annotations are converted; whatever cannot be\n"
            "reproduced exactly is a note or warning on stderr at the Ingress field it comes\n"
            "from. The output is validated by gatesim's own validator before it is printed.\n\n"
            "      --gateway-namespace NS  where the Gateways go (default: the namespace the\n"
            "                              class's Ingresses share, else the first one's)\n"
            "      --gateway-class NAME    gatewayClassName of every Gateway (default: the\n"
            "                              IngressClass name)\n"
            "  -q, --quiet                 no notes, only warnings\n"
            "  -h, --help\n\n"
            "Exit codes: 0 converted, 1 an input is invalid or holds no Ingress, 2 usage error\n"
            "or unreadable input, 3 the output failed validation (a gatesim bug: please report).\n");
}

#define convert_bad(...) gs_cliopt_usage_error("convert", __VA_ARGS__)

/* The names the options give must be what the API server accepts where they land: a namespace
 * is an RFC 1123 label, a gatewayClassName an object name (an RFC 1123 subdomain). Returns 2
 * with a message naming the option and the rule, else 0. */
static int convert_check_names(const gs_convert_options *o)
{
    static const char label_re[] = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    static const char subdomain_re[] =
        "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    const char *ns = o->gateway_namespace, *cls = o->gateway_class;
    if (ns && (strlen(ns) > 63 || !gs_regex_match(label_re, ns, strlen(ns))))
        return convert_bad("--gateway-namespace \"%s\": a namespace must be a lowercase RFC 1123 "
                           "label: lower case alphanumeric characters or '-', starting and "
                           "ending with an alphanumeric character, at most 63 characters",
                           ns);
    if (cls && (strlen(cls) > 253 || !gs_regex_match(subdomain_re, cls, strlen(cls))))
        return convert_bad("--gateway-class \"%s\": a gatewayClassName must be a lowercase RFC "
                           "1123 subdomain: lower case alphanumeric characters, '-' or '.', "
                           "starting and ending with an alphanumeric character, at most 253 "
                           "characters",
                           cls);
    return 0;
}

/* Loads every PATH; prints the input's problems. Returns 0, 1 (invalid objects) or 2. */
static int convert_load(gs_model *m, int argc, char **argv, bool quiet)
{
    int rc = 0;
    for (int k = optind; k < argc; k++) {
        gs_error err = {0};
        int r = gs_model_load_path(m, argv[k], NULL, &err);
        if (r == GS_ERR_IO || r == GS_ERR_PARSE)
            rc = 2;
    }
    gs_diags_sort(&m->diags);
    for (size_t i = 0; i < m->diags.len; i++) {
        if (quiet && m->diags.items[i].severity == GS_DIAG_NOTE)
            continue;
        char line[4096];
        gs_diag_format(&m->diags.items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    if (rc == 0 && m->diags.nerrors)
        rc = 1;
    return rc;
}

/* The converted YAML loaded back: every object must validate. */
static bool convert_check_output(const char *yaml, size_t len)
{
    gs_model *out;
    gs_model_new(&out);
    gs_model_load_buffer(out, "<converted>", yaml, len, NULL, NULL);
    bool ok = out->diags.nerrors == 0;
    for (size_t i = 0; !ok && i < out->diags.len; i++) {
        char line[4096];
        gs_diag_format(&out->diags.items[i], line, sizeof line);
        fprintf(stderr, "gatesim convert: output: %s\n", line);
    }
    gs_model_free(out);
    return ok;
}

int gs_cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {
        {"gateway-namespace", required_argument, NULL, CONVERT_GATEWAY_NAMESPACE},
        {"gateway-class", required_argument, NULL, CONVERT_GATEWAY_CLASS},
        GS_CLIOPT_QUIET,
        GS_CLIOPT_HELP,
        GS_CLIOPT_END,
    };
    gs_convert_options copt = {0};
    bool quiet = false;
    int ch;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (ch) {
        case CONVERT_GATEWAY_NAMESPACE: copt.gateway_namespace = optarg; break;
        case CONVERT_GATEWAY_CLASS: copt.gateway_class = optarg; break;
        case 'q': quiet = true; break;
        case 'h': convert_usage(stdout); return 0;
        default: return gs_cliopt_refused("convert", argv[optind - 1], optopt, opts, "qh");
        }
    }
    if (optind >= argc)
        return convert_bad("no PATH: give Ingress manifests (files or directories)");
    if (convert_check_names(&copt) != 0)
        return 2;
    gs_model *m;
    gs_model_new(&m);
    gs_buf yaml = {0};
    gs_diags notes = {0};
    int rc = convert_load(m, argc, argv, quiet);
    if (rc != 0)
        goto out;
    if (m->n_ingresses == 0) {
        fprintf(stderr, "gatesim convert: no Ingress in the input\n");
        rc = 1;
        goto out;
    }
    size_t n = gs_convert_ingresses(m, &copt, &yaml, &notes);
    if (!convert_check_output(yaml.data ? yaml.data : "", yaml.len)) {
        rc = 3;
        goto out;
    }
    fputs(yaml.data ? yaml.data : "", stdout);
    fflush(stdout);
    gs_diags_sort(&notes);
    for (size_t i = 0; i < notes.len; i++) {
        if (quiet && notes.items[i].severity == GS_DIAG_NOTE)
            continue;
        char line[4096];
        gs_diag_format(&notes.items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    fprintf(stderr, "gatesim convert: %zu Ingress%s converted: %zu warnings, %zu notes\n", n,
            n == 1 ? "" : "es", notes.nwarnings, notes.len - notes.nwarnings - notes.nerrors);
out:
    gs_buf_clear(&yaml);
    gs_diags_clear(&notes);
    gs_model_free(m);
    return rc;
}
