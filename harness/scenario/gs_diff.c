/* SPDX-License-Identifier: MIT */
/* The engine of `gatesim diff` (cmd_diff.c) and of a scenario's `diff` step (gs_runner.c): does
 * the after side of a migration answer as the before side did? The Ingresses run on
 * ingress-nginx (a real nginx), their conversion (or given objects) on the target under test,
 * each Service an echo backend; probes derived from the rules (each path, beyond it, its other
 * letter case, with and without a trailing slash, the canary header and cookie, an unknown host,
 * HTTPS) go to both, and every answer that differs in status, backend Service, the path or Host
 * the backend saw, redirect Location or certificate is reported with its probe, grouped by cause
 * (docs/ingress.md, "gatesim diff"). Splits are sampled and compared with Fisher's exact test.
 * Gateway API input instead of Ingresses runs on two targets: two implementations compared.
 * Reads no files and parses no options. */
#include "gs_diff.h"

#include "gs_convert.h"
#include "gs_diff_grpc.h"
#include "gs_echo_fleet.h"
#include "gs_ingress.h"
#include "gs_ingress_nginx.h"
#include "gs_model.h"
#include "gs_nginx_annot.h"
#include "gs_regex_example.h"
#include "gs_scenario.h"
#include "gs_target.h"
#include "gs_twosample.h"
#include "gs_workdir.h"

#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_grpc.h"
#include "gs_json_parse.h"
#include "gs_tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define DIFF_TIMEOUT_NS (30 * (int64_t)1000000000)
#define DIFF_MAX_PROBES 512
#define DIFF_MAX_OUTCOMES 16 /* distinct answers of a weighted probe kept per comparison */
#define DIFF_UNKNOWN_HOST "gs-unknown.invalid" /* a host no configuration names (RFC 2606) */

/* The configuration with its defaults filled in, and the HTTPS probes' client. */
typedef struct diff_opts {
    const char *before_target; /* ingress-nginx for Ingresses; builtin for Gateway API input */
    const char *target;
    bool quiet;
    unsigned requests; /* per side, for a probe whose answer is a split */
    double alpha;
    bool no_normalization; /* leave out the percent-encoded and double-slash probes */
    bool strict;           /* count the known differences of the implementations too */
    FILE *out;
    SSL_CTX *tls; /* the HTTPS probes' client (no verification: the certificate is compared,
                     not trusted) */
} diff_opts;

/* One Service port an Ingress sends to: an echo backend of both sides. */
typedef struct diff_svc {
    char ns[64], name[256];
    unsigned ports[16];
    bool h2c[16]; /* a backend-protocol GRPC Ingress sends to the port: appProtocol h2c */
    size_t n_ports;
    /* a backend-protocol GRPCS Ingress sends to it: its echo serves gRPC over TLS only, with a
     * certificate of the diff's CA for |tls_host| (NAME.NS.svc) */
    bool tls;
    char tls_host[340];
    const char *tls_hosts[1];
} diff_svc;

static void diff_svc_add(diff_svc **v, size_t *n, const char *ns, const char *name, int64_t port)
{
    if (port <= 0 || port > 65535)
        return;
    diff_svc *s = NULL;
    for (size_t i = 0; i < *n && !s; i++)
        if (strcmp((*v)[i].ns, ns) == 0 && strcmp((*v)[i].name, name) == 0)
            s = &(*v)[i];
    if (s == NULL) {
        *v = gs_xrealloc(*v, (*n + 1) * sizeof(**v));
        s = &(*v)[(*n)++];
        memset(s, 0, sizeof(*s));
        snprintf(s->ns, sizeof s->ns, "%s", ns);
        snprintf(s->name, sizeof s->name, "%s", name);
    }
    for (size_t k = 0; k < s->n_ports; k++)
        if (s->ports[k] == (unsigned)port)
            return;
    if (s->n_ports < 16)
        s->ports[s->n_ports++] = (unsigned)port;
}

/* The backend-protocol of |ing| when it speaks gRPC to its backends ("GRPC", "GRPCS"), else
 * NULL. */
static const char *diff_ingress_grpc(const gs_ingress *ing)
{
    gs_nginx_annots a;
    gs_diags quiet = {0};
    gs_nginx_annots_read(ing, &quiet, &a);
    gs_diags_clear(&quiet);
    const char *p = a.backend_protocol;
    const char *grpc = NULL;
    if (p && (strcmp(p, "GRPC") == 0 || strcmp(p, "GRPCS") == 0))
        grpc = strcmp(p, "GRPC") == 0 ? "GRPC" : "GRPCS"; /* static: |a| is cleared below */
    gs_nginx_annots_clear(&a);
    return grpc;
}

static void diff_backend_svc(const gs_model *m, const gs_ingress *ing, const gs_ingress_backend *b,
                             bool h2c, bool tls, diff_svc **v, size_t *n)
{
    if (!b->set || !b->service_name.v)
        return;
    int64_t port = gs_ingress_backend_port(m, ing, b);
    diff_svc_add(v, n, ing->obj.metadata.namespace.v, b->service_name.v, port);
    for (size_t i = 0; i < *n && h2c; i++)
        if (strcmp((*v)[i].ns, ing->obj.metadata.namespace.v) == 0 &&
            strcmp((*v)[i].name, b->service_name.v) == 0) {
            for (size_t k = 0; k < (*v)[i].n_ports; k++)
                (*v)[i].h2c[k] |= (int64_t)(*v)[i].ports[k] == port;
            (*v)[i].tls |= tls;
        }
}

/* The Services the Ingresses send to; the ports of backend-protocol GRPC and GRPCS Ingresses
 * speak h2c, GRPCS ones over TLS only
 * (the appProtocol the conversion's warning asks for: the Gateway API side needs it to speak
 * HTTP/2 to them, ingress-nginx reads the annotation instead). */
static void diff_services(const gs_model *m, diff_svc **v, size_t *n)
{
    for (size_t i = 0; i < m->n_ingresses; i++) {
        const gs_ingress *ing = m->ingresses[i];
        const char *grpc = diff_ingress_grpc(ing);
        /* GRPCS too: the Gateway API side speaks HTTP/2 to the port only with appProtocol h2c,
         * over TLS (ALPN h2) under a BackendTLSPolicy */
        bool h2c = grpc != NULL, tls = grpc && strcmp(grpc, "GRPCS") == 0;
        diff_backend_svc(m, ing, &ing->spec.default_backend, h2c, tls, v, n);
        for (size_t r = 0; r < ing->spec.n_rules; r++)
            for (size_t p = 0; p < ing->spec.rules[r].n_paths; p++)
                diff_backend_svc(m, ing, &ing->spec.rules[r].paths[p].backend, h2c, tls, v, n);
    }
}

/* The Services of |nb| backendRefs of a route in namespace |ns|. */
static void diff_ref_services(const gs_route_backend_ref *refs, size_t nb, const char *ns,
                              diff_svc **v, size_t *n)
{
    for (size_t b = 0; b < nb; b++) {
        const gs_backend_ref *ref = &refs[b].ref;
        if ((ref->kind.v && strcmp(ref->kind.v, "Service") != 0) || !ref->name.v)
            continue;
        diff_svc_add(v, n, ref->namespace.v ? ref->namespace.v : ns, ref->name.v, ref->port.v);
    }
}

/* The Services the HTTPRoutes and GRPCRoutes send to (Gateway API input). */
static void diff_route_services(const gs_model *m, diff_svc **v, size_t *n)
{
    for (size_t i = 0; i < m->n_grpc_routes; i++) {
        const gs_grpc_route *r = m->grpc_routes[i];
        for (size_t k = 0; k < r->spec.n_rules; k++)
            diff_ref_services(r->spec.rules[k].backend_refs, r->spec.rules[k].n_backend_refs,
                              r->obj.metadata.namespace.v, v, n);
    }
    for (size_t i = 0; i < m->n_http_routes; i++) {
        const gs_http_route *r = m->http_routes[i];
        for (size_t k = 0; k < r->spec.n_rules; k++)
            for (size_t b = 0; b < r->spec.rules[k].n_backend_refs; b++) {
                const gs_backend_ref *ref = &r->spec.rules[k].backend_refs[b].ref;
                if ((ref->kind.v && strcmp(ref->kind.v, "Service") != 0) || !ref->name.v)
                    continue;
                diff_svc_add(v, n,
                             ref->namespace.v ? ref->namespace.v : r->obj.metadata.namespace.v,
                             ref->name.v, ref->port.v);
            }
    }
}

/* Namespaces and Services for the echo backends, written before the user's objects (which
 * replace them when they define the same). */
static void diff_synth(const diff_svc *v, size_t n, gs_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        bool first_ns = true;
        for (size_t k = 0; k < i && first_ns; k++)
            first_ns = strcmp(v[k].ns, v[i].ns) != 0;
        if (first_ns)
            gs_buf_printf(out, "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n",
                          v[i].ns);
        gs_buf_printf(out,
                      "---\napiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: %s}\n"
                      "spec:\n  ports:\n",
                      v[i].name, v[i].ns);
        for (size_t p = 0; p < v[i].n_ports; p++)
            gs_buf_printf(out, "  - {name: p%u, port: %u%s}\n", v[i].ports[p], v[i].ports[p],
                          v[i].h2c[p] ? ", appProtocol: kubernetes.io/h2c" : "");
    }
}

/* The certificate Secrets of the Ingress side (tls.crt and tls.key), for the Gateway API side's
 * HTTPS listeners: in a cluster both sides read the same Secrets. */
static void diff_synth_secrets(const gs_model *m, gs_buf *out)
{
    for (size_t i = 0; i < m->n_secrets; i++) {
        const gs_secret *sec = m->secrets[i];
        if (!gs_ingress_nginx_secret_usable(sec))
            continue;
        gs_buf_printf(out,
                      "---\napiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: %s}\n"
                      "type: kubernetes.io/tls\nstringData:\n",
                      sec->obj.metadata.name.v, sec->obj.metadata.namespace.v);
        const char *keys[] = {"tls.crt", "tls.key"};
        for (size_t k = 0; k < 2; k++) {
            size_t n;
            const char *pem = (const char *)gs_secret_get(sec, keys[k], &n);
            gs_buf_printf(out, "  %s: |\n", keys[k]);
            for (const char *l = pem; *l;) {
                size_t len = strcspn(l, "\n");
                if (len)
                    gs_buf_printf(out, "    %.*s\n", (int)len, l);
                l += len + (l[len] == '\n');
            }
        }
    }
}

/* PEM text |pem| as a YAML block scalar's lines, indented by |indent| spaces. */
static void diff_yaml_block(gs_buf *out, const char *pem, int indent)
{
    for (const char *l = pem; *l;) {
        size_t len = strcspn(l, "\n");
        if (len)
            gs_buf_printf(out, "%*s%.*s\n", indent, "", (int)len, l);
        l += len + (l[len] == '\n');
    }
}

/* The CA ConfigMaps the BackendTLSPolicies of the Gateway API side name and do not define,
 * holding the diff's CA (|ca_pem|), which signed the GRPCS backends' certificates: in a cluster
 * the policy names the CA of the backends both sides reach. */
static void diff_synth_ca(const char *yaml, const char *ca_pem, gs_buf *out)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "<after>", yaml, strlen(yaml), NULL, NULL);
    for (size_t i = 0; i < m->n_backend_tls_policies; i++) {
        const gs_backend_tls_policy *pol = m->backend_tls_policies[i];
        const char *ns = pol->obj.metadata.namespace.v;
        for (size_t k = 0; k < pol->spec.validation.n_ca_certificate_refs; k++) {
            const gs_local_ref *r = &pol->spec.validation.ca_certificate_refs[k];
            if (!r->name.v || !ns || (r->kind.v && strcmp(r->kind.v, "ConfigMap") != 0) ||
                gs_model_find(m, GS_KIND_CONFIG_MAP, ns, r->name.v) != NULL)
                continue;
            char head[400];
            snprintf(head, sizeof head, "kind: ConfigMap\nmetadata: {name: %s, namespace: %s}\n",
                     r->name.v, ns);
            if (out->data && strstr(out->data, head))
                continue; /* named by an earlier policy */
            gs_buf_printf(out, "---\napiVersion: v1\n%sdata:\n  ca.crt: |\n", head);
            diff_yaml_block(out, ca_pem, 4);
        }
    }
    gs_model_free(m);
}

/* A GatewayClass for every class the Gateway API side's Gateways name and do not define. */
static void diff_synth_classes(const char *yaml, gs_buf *out)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "<after>", yaml, strlen(yaml), NULL, NULL);
    for (size_t i = 0; i < m->n_gateways; i++) {
        const char *cls = m->gateways[i]->spec.gateway_class_name.v;
        bool seen = cls == NULL || gs_model_find(m, GS_KIND_GATEWAY_CLASS, NULL, cls) != NULL;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(m->gateways[k]->spec.gateway_class_name.v, cls) == 0;
        if (!seen)
            gs_buf_printf(out,
                          "---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
                          "metadata: {name: %s}\nspec: {controllerName: gatesim.dev/diff}\n",
                          cls);
    }
    gs_model_free(m);
}

/* ---- probes ------------------------------------------------------------------------------- */

/* What a probe tries (for the cause of a difference). */
typedef enum diff_kind {
    DIFF_K_PATH,    /* the path as written (its literal start) */
    DIFF_K_BEYOND,  /* one segment beyond */
    DIFF_K_SLASH,   /* with a trailing slash added */
    DIFF_K_NOSLASH, /* a path written with its slash, without it */
    DIFF_K_MID,     /* a prefix that stops mid-segment */
    DIFF_K_UPPER,   /* other letter case */
    DIFF_K_ROOT,    /* / of a host, or an unknown host */
    DIFF_K_ENCODED, /* a letter or the slash beyond percent-encoded */
    DIFF_K_DSLASH,  /* a double slash before or beyond the path */
    DIFF_K_REGEX,   /* a string a RegularExpression path matches in full */
    DIFF_K_REGEX_MISS,  /* one it does not match, sharing its literal start */
    DIFF_K_ANCHOR,      /* the matched string with more before or after it: a search matches */
    DIFF_K_REGEX_UPPER, /* the matched string in other letter case */
    DIFF_K_GRPC,        /* a gRPC call of the method a GRPCRoute matches */
    DIFF_K_GRPC_OTHER,  /* a neighbour: another method, service, letter case or header value */
    DIFF_K_QUERY,       /* the path with a query string */
} diff_kind;

typedef struct diff_probe {
    char host[256];
    char path[512];
    char header[512]; /* "Name: value" or "" */
    bool weighted;    /* its answer is a split: sampled, shares compared */
    bool https;       /* over TLS (SNI: the host) to the HTTPS listener */
    bool from_routes; /* derived from HTTPRoutes (Gateway API input), not from Ingresses */
    bool grpc;        /* a gRPC call of |path| ("/package.Service/Method"), |header| metadata */
    /* a gRPC call of an Ingress path with backend-protocol GRPC: over TLS to ingress-nginx (its
     * HTTP/2 listener), to the other side over TLS when a listener with protocol HTTPS on port
     * 443 takes the host (|after_tls|), else h2c */
    bool grpc_ingress;
    bool after_tls;
    bool grpcs; /* of a backend-protocol GRPCS Ingress: its backend speaks TLS only */
    diff_kind kind;
    bool regex_host;   /* ingress-nginx serves the host's paths as ~* regular expressions */
    bool char_prefix;  /* from an ImplementationSpecific path (a character prefix in nginx) */
    bool wildcard_deep; /* a host two labels under an Ingress's wildcard ("*.foo.com") */
    char written[480]; /* the path as the configuration wrote it ("" for / and unknown hosts) */
    char rewrite[256]; /* the rewrite-target of the Ingress it comes from, or "" */
} diff_probe;

typedef struct diff_probes {
    diff_probe items[DIFF_MAX_PROBES];
    size_t n;
    /* what the probes added now come from */
    bool weighting; /* they are (or meet) a split */
    bool char_prefix;
    bool wildcard_deep;
    bool no_normalization;
    bool https;
    bool from_routes;
    bool grpc;
    bool grpc_ingress;
    bool grpcs;
    const char *written, *rewrite;
    char notes[8][320]; /* expressions probed by their literal start only, and why */
    size_t n_notes;
} diff_probes;

static void diff_probe_add(diff_probes *ps, const char *host, const char *path, const char *header,
                           diff_kind kind)
{
    if (ps->n == DIFF_MAX_PROBES || path[0] != '/')
        return;
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->items[i].host, host) == 0 && strcmp(ps->items[i].path, path) == 0 &&
            strcmp(ps->items[i].header, header) == 0 && ps->items[i].https == ps->https &&
            ps->items[i].grpc == ps->grpc && ps->items[i].grpc_ingress == ps->grpc_ingress) {
            ps->items[i].weighted |= ps->weighting;
            return;
        }
    diff_probe *p = &ps->items[ps->n++];
    memset(p, 0, sizeof *p);
    p->weighted = ps->weighting;
    p->kind = kind;
    p->https = ps->https;
    p->from_routes = ps->from_routes;
    p->grpc = ps->grpc;
    p->grpc_ingress = ps->grpc_ingress;
    p->grpcs = ps->grpcs;
    p->char_prefix = ps->char_prefix;
    p->wildcard_deep = ps->wildcard_deep;
    snprintf(p->host, sizeof p->host, "%s", host);
    snprintf(p->path, sizeof p->path, "%s", path);
    snprintf(p->header, sizeof p->header, "%s", header);
    snprintf(p->written, sizeof p->written, "%s", ps->written ? ps->written : "");
    snprintf(p->rewrite, sizeof p->rewrite, "%s", ps->rewrite ? ps->rewrite : "");
}

/* The literal start of a path that may be a regular expression ("/api/(v[0-9]+)" -> "/api/"). */
static void diff_literal(const char *path, char *out, size_t n)
{
    size_t len = strcspn(path, "[](){}*+?|^$\\.");
    snprintf(out, n, "%.*s", (int)len, path);
}

/* The probes of one path of a host, with |header| (may be ""). */
static void diff_path_probes(diff_probes *ps, const char *host, const char *path,
                             const char *header)
{
    char lit[480], v[512];
    diff_literal(path, lit, sizeof lit);
    if (lit[0] == '\0')
        return;
    ps->written = path;
    size_t len = strlen(lit);
    bool slash = lit[len - 1] == '/';
    diff_probe_add(ps, host, lit, header, DIFF_K_PATH);
    snprintf(v, sizeof v, "%s%sgs-probe", lit, slash ? "" : "/"); /* one segment beyond */
    diff_probe_add(ps, host, v, header, DIFF_K_BEYOND);
    snprintf(v, sizeof v, "%s%s", lit, slash ? "" : "/");
    diff_probe_add(ps, host, v, header, DIFF_K_SLASH);
    if (slash && len > 1) {
        snprintf(v, sizeof v, "%.*s", (int)(len - 1), lit);
        diff_probe_add(ps, host, v, header, DIFF_K_NOSLASH);
    }
    snprintf(v, sizeof v, "%sx", lit); /* a prefix that stops mid-segment */
    diff_probe_add(ps, host, v, header, DIFF_K_MID);
    for (size_t i = 0; i < len; i++)
        v[i] = (char)toupper((unsigned char)lit[i]);
    snprintf(v + len, sizeof v - len, "%sgs-probe", slash ? "" : "/");
    diff_probe_add(ps, host, v, header, DIFF_K_UPPER);
    v[len] = '\0';
    diff_probe_add(ps, host, v, header, DIFF_K_UPPER);
    if (len > 1 && !ps->no_normalization && isalnum((unsigned char)lit[1])) { /* "/%63art" */
        snprintf(v, sizeof v, "/%%%02X%s", (unsigned char)lit[1], lit + 2);
        diff_probe_add(ps, host, v, header, DIFF_K_ENCODED);
    }
    if (len > 1 && !ps->no_normalization) {
        snprintf(v, sizeof v, "%.*s%%2Fgs-probe", (int)(len - slash), lit); /* "/cart%2Fgs-probe" */
        diff_probe_add(ps, host, v, header, DIFF_K_ENCODED);
        snprintf(v, sizeof v, "/%s", lit); /* "//cart" */
        diff_probe_add(ps, host, v, header, DIFF_K_DSLASH);
        snprintf(v, sizeof v, "%s%s/gs-probe", lit, slash ? "" : "/"); /* "/cart//gs-probe" */
        diff_probe_add(ps, host, v, header, DIFF_K_DSLASH);
    }
    ps->written = NULL;
}

/* The header that sends to the canary of |a| ("" when none): by header (value "always", the
 * value, or a pattern's literal start) or by cookie. */
static bool diff_canary_header(const gs_nginx_annots *a, char *out, size_t n)
{
    out[0] = '\0';
    if (!a->canary)
        return false;
    if (a->canary_by_header) {
        char lit[256] = "always";
        if (a->canary_by_header_value)
            snprintf(lit, sizeof lit, "%s", a->canary_by_header_value);
        else if (a->canary_by_header_pattern)
            diff_literal(a->canary_by_header_pattern, lit, sizeof lit);
        snprintf(out, n, "%s: %s", a->canary_by_header, lit);
    } else if (a->canary_by_cookie) {
        snprintf(out, n, "Cookie: %s=always", a->canary_by_cookie);
    }
    return out[0] != '\0';
}

#define DIFF_MAX_HOSTS 64

static void diff_host_set_add(char (*set)[256], size_t *n, const char *host)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(set[i], host) == 0)
            return;
    if (*n < DIFF_MAX_HOSTS)
        snprintf(set[(*n)++], 256, "%s", host);
}

/* The HTTPS probes of Ingress host |rule_host| (NULL: the rules without a host, probed as
 * example.com; "*.foo.com" as gs-probe.foo.com): each path of the rules naming it as written,
 * one segment beyond, and /. */
/* Whether Ingress rule host |rule_host| (NULL: rules without a host) is routed only by
 * Ingresses that speak gRPC to their backends: then HTTP/1.1 probes of it prove nothing (nginx
 * passes them to grpc_pass) and it gets gRPC calls only. */
static bool diff_host_grpc_only(const gs_model *m, const char *rule_host)
{
    bool any = false;
    for (size_t k = 0; k < m->n_ingresses; k++)
        for (size_t r = 0; r < m->ingresses[k]->spec.n_rules; r++) {
            const gs_ingress_rule *rule = &m->ingresses[k]->spec.rules[r];
            if ((rule->host.v == NULL) != (rule_host == NULL) ||
                (rule_host && strcmp(rule->host.v, rule_host) != 0))
                continue;
            if (diff_ingress_grpc(m->ingresses[k]) == NULL)
                return false;
            any = true;
        }
    return any;
}

static void diff_https_probes(const gs_model *m, diff_probes *ps, const char *rule_host)
{
    if (diff_host_grpc_only(m, rule_host))
        return;
    char host[256];
    if (rule_host == NULL)
        snprintf(host, sizeof host, "example.com");
    else
        snprintf(host, sizeof host, "%s%s", rule_host[0] == '*' ? "gs-probe" : "",
                 rule_host + (rule_host[0] == '*'));
    for (size_t k = 0; k < m->n_ingresses; k++)
        for (size_t r = 0; r < m->ingresses[k]->spec.n_rules; r++) {
            const gs_ingress_rule *rule = &m->ingresses[k]->spec.rules[r];
            if ((rule->host.v == NULL) != (rule_host == NULL) ||
                (rule_host && strcmp(rule->host.v, rule_host) != 0) ||
                diff_ingress_grpc(m->ingresses[k]))
                continue;
            for (size_t p = 0; p < rule->n_paths; p++) {
                const char *path = rule->paths[p].path.v;
                char lit[480], v[512];
                diff_literal(path && path[0] ? path : "/", lit, sizeof lit);
                if (lit[0] == '\0')
                    continue;
                ps->written = path;
                diff_probe_add(ps, host, lit, "", DIFF_K_PATH);
                size_t len = strlen(lit);
                snprintf(v, sizeof v, "%s%sgs-probe", lit, lit[len - 1] == '/' ? "" : "/");
                diff_probe_add(ps, host, v, "", DIFF_K_BEYOND);
                ps->written = NULL;
            }
        }
    diff_probe_add(ps, host, "/", "", DIFF_K_ROOT);
}

static void diff_regex_probes(diff_probes *ps, const char *host, const char *re,
                              const char *header);

/* |path|'s literal start with a query string: rewrites and redirects keep it or drop it. */
static void diff_query_probe(diff_probes *ps, const char *host, const char *path)
{
    char lit[480], v[512];
    diff_literal(path, lit, sizeof lit);
    if (lit[0] == '\0')
        return;
    snprintf(v, sizeof v, "%s?gs-probe=1", lit);
    ps->written = path;
    diff_probe_add(ps, host, v, "", DIFF_K_QUERY);
    ps->written = NULL;
}

/* The neighbours of a wildcard host ("*.foo.com"): a name two labels under it
 * (gs-probe.gs-probe.foo.com), which ingress-nginx's server_name regex (one label,
 * buildServerName) leaves to its default server and Gateway API's wildcard covers, with each
 * path's literal start and /; and the bare suffix (foo.com), which neither covers. */
static void diff_wildcard_probes(diff_probes *ps, const gs_ingress_rule *rule)
{
    char deep[256], lit[480];
    snprintf(deep, sizeof deep, "gs-probe.gs-probe%s", rule->host.v + 1);
    ps->wildcard_deep = true;
    for (size_t p = 0; p < rule->n_paths; p++) {
        const char *path = rule->paths[p].path.v;
        diff_literal(path && path[0] ? path : "/", lit, sizeof lit);
        ps->written = path;
        diff_probe_add(ps, deep, lit, "", DIFF_K_PATH);
        ps->written = NULL;
    }
    diff_probe_add(ps, deep, "/", "", DIFF_K_ROOT);
    ps->wildcard_deep = false;
    if (rule->host.v[1] == '.' && rule->host.v[2])
        diff_probe_add(ps, rule->host.v + 2, "/", "", DIFF_K_ROOT);
}

static void diff_grpc_ingress_probes(diff_probes *ps, const char *host, const char *path,
                                     bool exact, const char *header, bool neighbours);

/* The neighbours of a wildcard host of a gRPC Ingress, as diff_wildcard_probes for HTTP: each
 * path's method call to a name two labels under it, and a call to the bare suffix. */
static void diff_grpc_wildcard_probes(diff_probes *ps, const gs_ingress_rule *rule)
{
    char deep[256];
    snprintf(deep, sizeof deep, "gs-probe.gs-probe%s", rule->host.v + 1);
    ps->wildcard_deep = true;
    for (size_t p = 0; p < rule->n_paths; p++) {
        const char *path = rule->paths[p].path.v && rule->paths[p].path.v[0]
                               ? rule->paths[p].path.v
                               : "/";
        diff_grpc_ingress_probes(ps, deep, path, rule->paths[p].type == GS_INGRESS_PATH_EXACT, "",
                                 false);
    }
    ps->wildcard_deep = false;
    ps->grpc = ps->grpc_ingress = true;
    if (rule->host.v[1] == '.' && rule->host.v[2])
        diff_probe_add(ps, rule->host.v + 2, "/gs.probe.Any/GsProbe", "", DIFF_K_GRPC_OTHER);
    ps->grpc = ps->grpc_ingress = false;
}

static void diff_make_probes(const gs_model *m, diff_probes *ps)
{
    char regex_hosts[DIFF_MAX_HOSTS][256]; /* hosts whose locations are regular expressions */
    size_t n_regex = 0;
    /* a gRPC Ingress with a defaultBackend and no rules: ingress-nginx's catch-all server sends
     * every call no rule takes (an unknown host's) to that Service */
    bool grpc_default = false;
    gs_diags quiet_cm = {0};
    bool validation = gs_ingress_nginx_annotation_validation(m, &quiet_cm);
    gs_diags_clear(&quiet_cm);
    for (size_t i = 0; i < m->n_ingresses; i++) {
        const gs_ingress *ing = m->ingresses[i];
        gs_nginx_annots a;
        gs_diags quiet = {0};
        gs_nginx_annots_read_opt(ing, validation, &quiet, &a);
        gs_diags_clear(&quiet);
        char canary[512];
        bool has_canary = diff_canary_header(&a, canary, sizeof canary);
        const char *grpc = diff_ingress_grpc(ing);
        /* GRPCS: its Services' echoes serve gRPC over TLS only (diff_services) */
        ps->grpcs = grpc && strcmp(grpc, "GRPCS") == 0;
        grpc_default |= grpc && ing->spec.n_rules == 0 && ing->spec.default_backend.set;
        for (size_t r = 0; r < ing->spec.n_rules; r++) {
            const gs_ingress_rule *rule = &ing->spec.rules[r];
            char host[256];
            snprintf(host, sizeof host, "%s", rule->host.v ? rule->host.v : "example.com");
            if (host[0] == '*')
                snprintf(host, sizeof host, "gs-probe%s", rule->host.v + 1);
            if (gs_nginx_annots_regex(&a))
                diff_host_set_add(regex_hosts, &n_regex, host);
            ps->rewrite = a.rewrite_target;
            for (size_t p = 0; p < rule->n_paths && grpc; p++) {
                const char *path =
                    rule->paths[p].path.v && rule->paths[p].path.v[0] ? rule->paths[p].path.v : "/";
                ps->char_prefix = rule->paths[p].type == GS_INGRESS_PATH_IMPLEMENTATION_SPECIFIC;
                ps->weighting = a.canary && a.canary_weight > 0;
                bool exact = rule->paths[p].type == GS_INGRESS_PATH_EXACT;
                diff_grpc_ingress_probes(ps, host, path, exact, "", true);
                ps->weighting = false;
                if (has_canary)
                    diff_grpc_ingress_probes(ps, host, path, exact, canary, false);
                ps->char_prefix = false;
            }
            for (size_t p = 0; p < rule->n_paths && !grpc; p++) {
                const char *path =
                    rule->paths[p].path.v && rule->paths[p].path.v[0] ? rule->paths[p].path.v : "/";
                ps->char_prefix = rule->paths[p].type == GS_INGRESS_PATH_IMPLEMENTATION_SPECIFIC;
                /* a weighted canary splits its main Ingress's requests without the header */
                ps->weighting = a.canary && a.canary_weight > 0;
                diff_path_probes(ps, host, path, "");
                diff_query_probe(ps, host, path);
                if (gs_nginx_annots_regex(&a) && gs_regex_is_pattern(path))
                    diff_regex_probes(ps, host, path, ""); /* the location is ~* "^PATH" */
                ps->weighting = false;
                if (has_canary)
                    diff_path_probes(ps, host, path, canary);
                ps->char_prefix = false;
            }
            ps->rewrite = NULL;
            if (grpc) {
                /* another service: what the host's other locations (or its root) answer */
                ps->grpc = ps->grpc_ingress = true;
                diff_probe_add(ps, host, "/gs.probe.Other/GsProbe", "", DIFF_K_GRPC_OTHER);
                ps->grpc = ps->grpc_ingress = false;
            }
            if (!diff_host_grpc_only(m, rule->host.v))
                diff_probe_add(ps, host, "/", "", DIFF_K_ROOT);
            if (rule->host.v && rule->host.v[0] == '*' && !grpc)
                diff_wildcard_probes(ps, rule);
            else if (rule->host.v && rule->host.v[0] == '*')
                diff_grpc_wildcard_probes(ps, rule);
        }
        ps->grpcs = false;
        gs_nginx_annots_clear(&a);
    }
    diff_probe_add(ps, DIFF_UNKNOWN_HOST, "/", "", DIFF_K_ROOT);
    bool any_grpc = grpc_default;
    for (size_t i = 0; i < ps->n && !any_grpc; i++)
        any_grpc = ps->items[i].grpc_ingress;
    if (any_grpc) { /* a gRPC call to a host no Ingress names */
        ps->grpc = ps->grpc_ingress = true;
        diff_probe_add(ps, DIFF_UNKNOWN_HOST, "/gs.probe.Any/GsProbe", "", DIFF_K_GRPC_OTHER);
        if (grpc_default) /* any method: the catch-all's location / takes it */
            diff_probe_add(ps, DIFF_UNKNOWN_HOST, "/shop.v1.Cart/Get", "", DIFF_K_GRPC_OTHER);
        ps->grpc = ps->grpc_ingress = false;
    }
    /* HTTPS: every host, with TLS or without (ingress-nginx serves every server on its HTTPS
     * port, under its fake certificate when the host has none), and an unknown host */
    ps->https = true;
    for (size_t i = 0; i < m->n_ingresses; i++) {
        const gs_ingress *ing = m->ingresses[i];
        for (size_t t = 0; t < ing->spec.n_tls; t++)
            for (size_t h = 0; h < ing->spec.tls[t].n_hosts; h++)
                diff_https_probes(m, ps, ing->spec.tls[t].hosts[h].v);
    }
    for (size_t i = 0; i < m->n_ingresses; i++)
        for (size_t r = 0; r < m->ingresses[i]->spec.n_rules; r++)
            diff_https_probes(m, ps, m->ingresses[i]->spec.rules[r].host.v);
    diff_probe_add(ps, DIFF_UNKNOWN_HOST, "/", "", DIFF_K_ROOT);
    ps->https = false;
    for (size_t i = 0; i < ps->n; i++)
        for (size_t k = 0; k < n_regex && !ps->items[i].regex_host; k++)
            ps->items[i].regex_host = strcmp(regex_hosts[k], ps->items[i].host) == 0;
}

static void diff_note(diff_probes *ps, const char *what, const char *re, const char *host,
                      const char *why)
{
    if (ps->n_notes < sizeof ps->notes / sizeof ps->notes[0])
        snprintf(ps->notes[ps->n_notes++], sizeof ps->notes[0],
                 "%s \"%s\" on %s: probed by its literal start only (%s)", what, re, host, why);
}

/* The probes that exercise RegularExpression path |re| beyond its literal start: a string it
 * matches in full, one it does not that shares its literal start, the match with more before
 * and after it (a search matches these, a full match does not) and in other letter case. */
static void diff_regex_probes(diff_probes *ps, const char *host, const char *re, const char *header)
{
    gs_regex_example ex;
    char why[160], v[512];
    if (gs_regex_example_make(re, NULL, &ex, why, sizeof why) != 0) {
        if (header[0] == '\0')
            diff_note(ps, "path", re, host, why);
        return;
    }
    ps->written = re;
    diff_probe_add(ps, host, ex.match, header, DIFF_K_REGEX);
    if (ex.miss[0])
        diff_probe_add(ps, host, ex.miss, header, DIFF_K_REGEX_MISS);
    size_t len = strlen(ex.match);
    snprintf(v, sizeof v, "%s%sgs-probe", ex.match, len && ex.match[len - 1] == '/' ? "" : "/");
    if (!gs_regex_full_match(re, v))
        diff_probe_add(ps, host, v, header, DIFF_K_ANCHOR);
    snprintf(v, sizeof v, "/gs-probe%s", ex.match);
    if (!gs_regex_full_match(re, v))
        diff_probe_add(ps, host, v, header, DIFF_K_ANCHOR);
    for (size_t i = 0; i <= len; i++)
        v[i] = (char)toupper((unsigned char)ex.match[i]);
    if (strcmp(v, ex.match) != 0)
        diff_probe_add(ps, host, v, header, DIFF_K_REGEX_UPPER);
    ps->written = NULL;
}

/* ---- gRPC probes -------------------------------------------------------------------------- */

/* The gRPC calls of one path of a backend-protocol GRPC Ingress on |host|, with |header|
 * metadata ("" or a canary's): a method under the path (the path itself when it names a method,
 * "/svc/meth", or is Exact; "/gs.probe.Any/GsProbe" for "/"; else the method GsProbe under it:
 * "/shop.v1.Cart/GsProbe"); then, with |neighbours|, a neighbour that stops mid-segment (a longer
 * service or method: "/shop.v1.CartGsProbe/GsProbe", "/shop.v1.Catalog/ListGsProbe") and the call
 * in upper case (gRPC names are case-sensitive, nginx's ~* locations are not). */
static void diff_grpc_ingress_probes(diff_probes *ps, const char *host, const char *path,
                                     bool exact, const char *header, bool neighbours)
{
    char lit[480], trimmed[480], call[520], v[520];
    /* the literal start of a path written as an expression; "." is kept: gRPC names hold it
     * and, as a regex, it matches itself */
    snprintf(lit, sizeof lit, "%.*s", (int)strcspn(path, "[](){}*+?|^$\\"), path);
    if (lit[0] != '/')
        return;
    size_t tl = strlen(lit);
    while (tl > 1 && lit[tl - 1] == '/')
        tl--;
    snprintf(trimmed, sizeof trimmed, "%.*s", (int)(tl == 1 ? 0 : tl), lit);
    size_t segments = 0;
    for (const char *c = trimmed; *c; c++)
        segments += *c == '/';
    bool method = exact || (segments == 2 && strcmp(trimmed, lit) == 0);
    if (trimmed[0] == '\0')
        snprintf(call, sizeof call, "/gs.probe.Any/GsProbe");
    else if (method)
        snprintf(call, sizeof call, "%s", lit);
    else
        snprintf(call, sizeof call, "%s/GsProbe", trimmed);
    ps->grpc = ps->grpc_ingress = true;
    ps->written = path;
    diff_probe_add(ps, host, call, header, DIFF_K_GRPC);
    bool weighting = ps->weighting;
    ps->weighting = false; /* a canary's split meets the call of the path, not its neighbours */
    if (trimmed[0] && neighbours) {
        if (method)
            snprintf(v, sizeof v, "%sGsProbe", trimmed);
        else
            snprintf(v, sizeof v, "%sGsProbe/GsProbe", trimmed);
        diff_probe_add(ps, host, v, "", DIFF_K_MID);
        for (size_t i = 0; call[i]; i++)
            v[i] = (char)toupper((unsigned char)call[i]);
        v[strlen(call)] = '\0';
        diff_probe_add(ps, host, v, "", DIFF_K_UPPER);
    }
    ps->weighting = weighting;
    ps->written = NULL;
    ps->grpc = ps->grpc_ingress = false;
}

static const char diff_grpc_service_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789._";
static const char diff_grpc_method_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789_";

/* A name a GRPCRoute method match part asks for (|v| NULL: any, then |any|) and one it does not
 * take ("" when every name is taken or none could be made). False when a regular expression
 * could not be generated (then the note says why). */
static bool diff_grpc_name(diff_probes *ps, const char *host, gs_value_match_type type,
                           const char *v, const char *any, const char *chars, char *hit,
                           char *miss, size_t n)
{
    miss[0] = '\0';
    if (v == NULL) {
        snprintf(hit, n, "%s", any);
        return true;
    }
    if (type == GS_MATCH_EXACT) {
        snprintf(hit, n, "%s", v);
        snprintf(miss, n, "%sGsProbe", v); /* longer: a prefix match takes it */
        return true;
    }
    gs_regex_example ex;
    char why[160] = "";
    if (gs_regex_example_make(v, chars, &ex, why, sizeof why) != 0) {
        diff_note(ps, "gRPC name", v, host, why);
        return false;
    }
    if (ex.match[0] == '\0') { /* ".*": the shortest example is no name at all */
        if (!gs_regex_full_match(v, any)) {
            diff_note(ps, "gRPC name", v, host, "its shortest example is the empty name");
            return false;
        }
        snprintf(ex.match, sizeof ex.match, "%s", any);
    }
    snprintf(hit, n, "%s", ex.match);
    snprintf(miss, n, "%s", ex.miss);
    return true;
}

/* The calls of one GRPCRoute match |mt| (NULL: a rule without matches) on |host|: the method it
 * matches, a neighbour method of the same service, another service, the method in other letter
 * case; with its first header match, a value that matches and one that does not. */
static void diff_grpc_match_probes(diff_probes *ps, const char *host, const gs_grpc_route_match *mt)
{
    char svc[256], svc_miss[256], meth[256], meth_miss[256], path[520], v[520];
    const gs_grpc_method_match *mm = mt ? &mt->method : NULL;
    const char *sv = mm && mm->set ? mm->service.v : NULL, *mv = mm && mm->set ? mm->method.v : NULL;
    gs_value_match_type type = mm ? mm->type : GS_MATCH_EXACT;
    if (!diff_grpc_name(ps, host, type, sv, "gs.probe.Any", diff_grpc_service_chars, svc, svc_miss,
                        sizeof svc) ||
        !diff_grpc_name(ps, host, type, mv, "GsProbe", diff_grpc_method_chars, meth, meth_miss,
                        sizeof meth))
        return;
    snprintf(path, sizeof path, "/%s/%s", svc, meth);
    diff_probe_add(ps, host, path, "", DIFF_K_GRPC);
    snprintf(v, sizeof v, "/%s/%s", svc, mv ? (meth_miss[0] ? meth_miss : "GsProbe") : "GsProbeB");
    diff_probe_add(ps, host, v, "", DIFF_K_GRPC_OTHER);
    if (sv) {
        snprintf(v, sizeof v, "/gs.probe.Other/%s", meth);
        diff_probe_add(ps, host, v, "", DIFF_K_GRPC_OTHER);
        if (svc_miss[0]) {
            snprintf(v, sizeof v, "/%s/%s", svc_miss, meth);
            diff_probe_add(ps, host, v, "", DIFF_K_GRPC_OTHER);
        }
    }
    size_t l = (size_t)snprintf(v, sizeof v, "/%s/", svc);
    for (const char *c = meth; *c && l + 1 < sizeof v; c++)
        v[l++] = (char)toupper((unsigned char)*c); /* methods are matched case-sensitively */
    v[l] = '\0';
    if (strcmp(v, path) != 0)
        diff_probe_add(ps, host, v, "", DIFF_K_GRPC_OTHER);
    for (size_t j = 0; mt && j < mt->n_headers; j++) {
        const gs_http_value_match *h = &mt->headers[j];
        char hv[256], hmiss[256], header[512];
        if (h->type == GS_MATCH_EXACT) {
            snprintf(hv, sizeof hv, "%s", h->value.v);
            snprintf(hmiss, sizeof hmiss, "gs-probe-miss");
        } else {
            gs_regex_example ex;
            char why[160];
            if (gs_regex_example_make(h->value.v, NULL, &ex, why, sizeof why) != 0) {
                diff_note(ps, "header value", h->value.v, host, why);
                continue;
            }
            snprintf(hv, sizeof hv, "%s", ex.match);
            snprintf(hmiss, sizeof hmiss, "%s", ex.miss[0] ? ex.miss : "gs-probe-miss");
        }
        snprintf(header, sizeof header, "%s: %s", h->name.v, hv);
        diff_probe_add(ps, host, path, header, DIFF_K_GRPC);
        snprintf(header, sizeof header, "%s: %s", h->name.v, hmiss);
        diff_probe_add(ps, host, path, header, DIFF_K_GRPC_OTHER);
        break;
    }
}

/* A Gateway of |m| has an HTTPS listener: gRPC calls go over TLS too. */
static bool diff_has_https(const gs_model *m)
{
    for (size_t i = 0; i < m->n_gateways; i++)
        for (size_t l = 0; l < m->gateways[i]->spec.n_listeners; l++) {
            const char *pr = m->gateways[i]->spec.listeners[l].protocol.v;
            if (pr && strcmp(pr, "HTTPS") == 0)
                return true;
        }
    return false;
}

/* The host a probe of a route's |h|th hostname is sent with: the name as written, a wildcard's
 * "*" as "gs-probe", and example.com for a route without hostnames. */
static void diff_route_probe_host(const gs_sval *names, size_t n, size_t h, char *out,
                                  size_t out_len)
{
    const char *name = n ? names[h].v : "example.com";
    snprintf(out, out_len, "%s%s", name[0] == '*' ? "gs-probe" : "", name + (name[0] == '*'));
}

/* The gRPC calls of the GRPCRoutes: per hostname (as for HTTPRoutes), rule and match; the
 * calls that match over TLS too when a Gateway has an HTTPS listener; a call to an unknown
 * host. */
static void diff_make_grpc_probes(const gs_model *m, diff_probes *ps)
{
    if (m->n_grpc_routes == 0)
        return;
    ps->from_routes = true;
    ps->grpc = true;
    for (size_t i = 0; i < m->n_grpc_routes; i++) {
        const gs_grpc_route *r = m->grpc_routes[i];
        size_t nh = r->spec.n_hostnames ? r->spec.n_hostnames : 1;
        for (size_t h = 0; h < nh; h++) {
            char host[256];
            diff_route_probe_host(r->spec.hostnames, r->spec.n_hostnames, h, host, sizeof host);
            for (size_t k = 0; k < r->spec.n_rules; k++) {
                const gs_grpc_route_rule *rule = &r->spec.rules[k];
                for (size_t x = 0; x < rule->n_matches; x++)
                    diff_grpc_match_probes(ps, host, &rule->matches[x]);
                if (rule->n_matches == 0)
                    diff_grpc_match_probes(ps, host, NULL);
            }
        }
    }
    diff_probe_add(ps, "gs-unknown.invalid", "/gs.probe.Any/GsProbe", "", DIFF_K_GRPC_OTHER);
    if (diff_has_https(m)) {
        size_t n = ps->n;
        ps->https = true;
        for (size_t i = 0; i < n; i++)
            if (ps->items[i].grpc && ps->items[i].kind == DIFF_K_GRPC) {
                diff_probe tmp = ps->items[i];
                diff_probe_add(ps, tmp.host, tmp.path, tmp.header, DIFF_K_GRPC);
            }
        ps->https = false;
    }
    ps->grpc = false;
}

/* |path| ("/service/method") is one that GRPCRoute method match |mm| takes. */
static bool diff_grpc_takes(const gs_grpc_method_match *mm, const char *path)
{
    if (!mm->set)
        return true;
    char svc[256], meth[256];
    if (sscanf(path, "/%255[^/]/%255s", svc, meth) != 2)
        return false;
    const char *parts[2] = {svc, meth}, *want[2] = {mm->service.v, mm->method.v};
    for (int k = 0; k < 2; k++)
        if (want[k] && !(mm->type == GS_MATCH_EXACT ? strcmp(want[k], parts[k]) == 0
                                                    : gs_regex_full_match(want[k], parts[k])))
            return false;
    return true;
}

/* Whether a rule's backendRefs split its traffic: two or more of positive weight (a weight left
 * out is 1). */
static bool diff_rule_splits(const gs_route_backend_ref *refs, size_t n)
{
    size_t weighted = 0;
    for (size_t b = 0; b < n; b++)
        weighted += !refs[b].weight.has || refs[b].weight.v > 0;
    return weighted >= 2;
}

/* Whether a route's hostnames (none: every host) take |host|: equal, or under a wildcard. */
static bool diff_route_host(const gs_sval *names, size_t n, const char *host)
{
    if (n == 0)
        return true;
    size_t hl = strlen(host);
    for (size_t h = 0; h < n; h++) {
        const char *name = names[h].v;
        size_t nl = strlen(name);
        if (strcasecmp(name, host) == 0 ||
            (name[0] == '*' && hl > nl - 1 && strcasecmp(host + hl - (nl - 1), name + 1) == 0))
            return true;
    }
    return false;
}

/* Marks the gRPC calls a weighted GRPCRoute rule of |m| meets (two or more backendRefs of
 * positive weight): those of its hostnames whose method one of its matches takes. */
static void diff_mark_grpc_splits(const gs_model *m, diff_probes *ps)
{
    for (size_t i = 0; i < m->n_grpc_routes; i++) {
        const gs_grpc_route *r = m->grpc_routes[i];
        for (size_t k = 0; k < r->spec.n_rules; k++) {
            const gs_grpc_route_rule *rule = &r->spec.rules[k];
            if (!diff_rule_splits(rule->backend_refs, rule->n_backend_refs))
                continue;
            for (size_t j = 0; j < ps->n; j++) {
                diff_probe *p = &ps->items[j];
                bool host = diff_route_host(r->spec.hostnames, r->spec.n_hostnames, p->host);
                bool takes = p->grpc && host && rule->n_matches == 0;
                for (size_t x = 0; x < rule->n_matches && p->grpc && host && !takes; x++)
                    takes = diff_grpc_takes(&rule->matches[x].method, p->path);
                p->weighted |= takes;
            }
        }
    }
}

/* The probes of Gateway API input: per HTTPRoute hostname (as written; "*.foo.com" as
 * "gs-probe.foo.com"; none: example.com) and path match, those of an Ingress path; with the
 * first Exact header match of the match as its header; then / of every host and an unknown host. */
static void diff_make_route_probes(const gs_model *m, diff_probes *ps)
{
    ps->from_routes = true;
    for (size_t i = 0; i < m->n_http_routes; i++) {
        const gs_http_route *r = m->http_routes[i];
        size_t nh = r->spec.n_hostnames ? r->spec.n_hostnames : 1;
        for (size_t h = 0; h < nh; h++) {
            char host[256];
            diff_route_probe_host(r->spec.hostnames, r->spec.n_hostnames, h, host, sizeof host);
            for (size_t k = 0; k < r->spec.n_rules; k++)
                for (size_t x = 0; x < r->spec.rules[k].n_matches; x++) {
                    const gs_http_route_match *mt = &r->spec.rules[k].matches[x];
                    const char *path = mt->path.value.v ? mt->path.value.v : "/";
                    char header[512] = "";
                    for (size_t j = 0; j < mt->n_headers && !header[0]; j++)
                        if (mt->headers[j].type == GS_MATCH_EXACT)
                            snprintf(header, sizeof header, "%s: %s", mt->headers[j].name.v,
                                     mt->headers[j].value.v);
                    diff_path_probes(ps, host, path, "");
                    if (header[0])
                        diff_path_probes(ps, host, path, header);
                    if (mt->path.type == GS_PATH_REGULAR_EXPRESSION && gs_regex_is_pattern(path)) {
                        diff_regex_probes(ps, host, path, "");
                        if (header[0])
                            diff_regex_probes(ps, host, path, header);
                    }
                }
            diff_probe_add(ps, host, "/", "", DIFF_K_ROOT);
        }
    }
    if (m->n_http_routes)
        diff_probe_add(ps, "gs-unknown.invalid", "/", "", DIFF_K_ROOT);
    diff_make_grpc_probes(m, ps);
}

/* Marks the probes a split of the Gateway API side meets: a rule of an HTTPRoute with two or
 * more backendRefs of positive weight, for the probes of its hostnames (all, without) whose path
 * starts with the literal start of one of its path matches. Marking too many costs requests
 * only: a sampled probe whose answers do not vary is compared as well. */
static void diff_mark_splits(const char *yaml, diff_probes *ps)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "<after>", yaml, strlen(yaml), NULL, NULL);
    for (size_t i = 0; i < m->n_http_routes; i++) {
        const gs_http_route *r = m->http_routes[i];
        for (size_t k = 0; k < r->spec.n_rules; k++) {
            const gs_http_route_rule *rule = &r->spec.rules[k];
            if (!diff_rule_splits(rule->backend_refs, rule->n_backend_refs))
                continue;
            for (size_t j = 0; j < ps->n; j++) {
                diff_probe *p = &ps->items[j];
                bool host = diff_route_host(r->spec.hostnames, r->spec.n_hostnames, p->host);
                for (size_t x = 0; x < rule->n_matches && host && !p->weighted; x++) {
                    char lit[512];
                    const char *v = rule->matches[x].path.value.v;
                    diff_literal(v ? v : "/", lit, sizeof lit);
                    p->weighted = !p->grpc && strncasecmp(p->path, lit, strlen(lit)) == 0;
                }
            }
        }
    }
    diff_mark_grpc_splits(m, ps);
    gs_model_free(m);
}

/* Adds the lower-case |name| to |names| ("\nname\n...") unless there. */
static void diff_req_name_add(gs_buf *names, const char *name)
{
    if (name == NULL || !*name)
        return;
    gs_buf key = {0};
    gs_buf_putc(&key, '\n');
    for (const char *c = name; *c; c++)
        gs_buf_putc(&key, (char)tolower((unsigned char)*c));
    gs_buf_putc(&key, '\n');
    if (names->data == NULL || strstr(names->data, key.data) == NULL) {
        if (names->len)
            names->len--; /* the last "\n" is the new key's first */
        gs_buf_puts(names, key.data);
    }
    gs_buf_clear(&key);
}

static void diff_req_names_of(const gs_route_filter *f, size_t n, gs_buf *names)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].type != GS_FILTER_REQUEST_HEADER_MODIFIER)
            continue;
        const gs_http_header_filter *h = &f[i].request_header_modifier;
        for (size_t k = 0; k < h->n_set; k++)
            diff_req_name_add(names, h->set[k].name.v);
        for (size_t k = 0; k < h->n_add; k++)
            diff_req_name_add(names, h->add[k].name.v);
        for (size_t k = 0; k < h->n_remove; k++)
            diff_req_name_add(names, h->remove[k].v);
    }
}

/* The request fields the backend saw that are compared (docs/ingress.md, "What is compared"):
 * X-Forwarded-Prefix, and every field a RequestHeaderModifier of |yaml|'s HTTPRoutes sets, adds
 * or removes (on a rule or a backendRef), added to |names| as "\nname\n..." in lower case.
 * Not the fields each proxy adds per hop or per request (X-Forwarded-For, X-Real-IP,
 * X-Request-ID, X-Forwarded-Host/-Port/-Proto...): they differ by implementation, not by route. */
static void diff_req_names(const char *yaml, gs_buf *names)
{
    diff_req_name_add(names, "X-Forwarded-Prefix");
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "<routes>", yaml, strlen(yaml), NULL, NULL);
    for (size_t i = 0; i < m->n_http_routes; i++) {
        const gs_http_route *r = m->http_routes[i];
        for (size_t k = 0; k < r->spec.n_rules; k++) {
            const gs_http_route_rule *rule = &r->spec.rules[k];
            diff_req_names_of(rule->filters, rule->n_filters, names);
            for (size_t b = 0; b < rule->n_backend_refs; b++)
                diff_req_names_of(rule->backend_refs[b].filters, rule->backend_refs[b].n_filters,
                                  names);
        }
    }
    gs_model_free(m);
}

/* Whether the tls host |entry| of an Ingress names |host| as a certificate's name does: the same
 * name in any letter case, or "*.foo.com" for exactly one label before ".foo.com" (not foo.com
 * itself, not a.b.foo.com). */
static bool diff_tls_entry_names(const char *entry, const char *host)
{
    if (entry == NULL)
        return false;
    if (entry[0] != '*' || entry[1] != '.')
        return strcasecmp(entry, host) == 0;
    size_t el = strlen(entry + 1), hl = strlen(host); /* ".foo.com" */
    if (hl <= el || strcasecmp(host + hl - el, entry + 1) != 0)
        return false;
    return memchr(host, '.', hl - el) == NULL;
}

/* Whether an Ingress of |m| lists |host| in its tls (a wildcard entry for one label under it):
 * its clients call it over TLS with a real certificate, and must keep doing so after the
 * migration. */
static bool diff_ingress_tls_host(const gs_model *m, const char *host)
{
    for (size_t i = 0; i < m->n_ingresses; i++)
        for (size_t t = 0; t < m->ingresses[i]->spec.n_tls; t++)
            for (size_t h = 0; h < m->ingresses[i]->spec.tls[t].n_hosts; h++)
                if (diff_tls_entry_names(m->ingresses[i]->spec.tls[t].hosts[h].v, host))
                    return true;
    return false;
}

/* Which gRPC calls of Ingress paths go over TLS to the after side: those to a host an Ingress of
 * |before| lists in its tls, and those whose host a listener of a Gateway of |yaml| with
 * protocol HTTPS on port 443 takes (its hostname, none, or a wildcard over it), as a client of
 * the migrated host would call it; the others go h2c to its HTTP listener (ingress-nginx has no
 * cleartext HTTP/2). */
static void diff_mark_grpc_tls(const gs_model *before, const char *yaml, diff_probes *ps)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "<after>", yaml, strlen(yaml), NULL, NULL);
    for (size_t j = 0; j < ps->n; j++) {
        diff_probe *p = &ps->items[j];
        p->after_tls = p->grpc_ingress && diff_ingress_tls_host(before, p->host);
        for (size_t i = 0; i < m->n_gateways && p->grpc_ingress && !p->after_tls; i++)
            for (size_t l = 0; l < m->gateways[i]->spec.n_listeners && !p->after_tls; l++) {
                const gs_listener *li = &m->gateways[i]->spec.listeners[l];
                p->after_tls = li->protocol.v && strcmp(li->protocol.v, "HTTPS") == 0 &&
                               li->port.v == 443 &&
                               diff_route_host(&li->hostname, li->hostname.v ? 1 : 0, p->host);
            }
    }
    gs_model_free(m);
}

/* ---- sending ------------------------------------------------------------------------------ */

typedef struct diff_answer {
    int status;        /* 0: no answer */
    int grpc_status;   /* a gRPC call's, -1 for HTTP probes (and a call without answer) */
    char backend[320]; /* ns/name, or "none" */
    char path[512], host[256], location[512];
    char cert[256];     /* HTTPS: the subject CN of the certificate served */
    char headers[1024]; /* the compared response fields, "name: value" sorted, a line each */
    char own[512];      /* the implementation's own fields (diff_header_own), the same way */
    /* the compared request fields the backend saw (diff_req_names), the same way */
    char req[1024];
} diff_answer;

static int diff_connect(const char *address)
{
    char host[64];
    const char *colon = strrchr(address, ':');
    if (colon == NULL || (size_t)(colon - address) >= sizeof host)
        return -1;
    snprintf(host, sizeof host, "%.*s", (int)(colon - address), address);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The value of header |name| in the response head |head|, into |out|. */
static void diff_header(const char *head, const char *name, char *out, size_t n)
{
    out[0] = '\0';
    size_t len = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, name, len) != 0 || l[2 + len] != ':')
            continue;
        const char *v = l + 3 + len;
        while (*v == ' ')
            v++;
        snprintf(out, n, "%.*s", (int)strcspn(v, "\r\n"), v);
        return;
    }
}

/* Response fields left out of the comparison (docs/ingress.md, "What is compared"): they vary
 * per request or per connection, or are compared on their own (location, the echo's backend). */
static const char *const diff_header_ignored[] = {
    "date",           "content-length",    "connection",        "keep-alive",
    "transfer-encoding", "location",       "x-gatesim-backend", "x-gatesim-request-id",
    "etag",           "last-modified",     "accept-ranges",     "alt-svc",
    "vary",
};

/* Fields an implementation sets of its own accord whatever the routes say, on every answer
 * (its own pages too), kept apart from the compared ones: `server` (each proxy names itself:
 * a count in a note), `strict-transport-security` (ingress-nginx's HSTS: an expected
 * difference, GS_DIFF_HSTS). */
static const char *const diff_header_own[] = {"server", "strict-transport-security"};

static bool diff_header_in(const char *const *list, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && strncasecmp(list[i], name, len) == 0)
            return true;
    return false;
}

static bool diff_header_is_ignored(const char *name, size_t len)
{
    return diff_header_in(diff_header_ignored, GS_ARRAY_LEN(diff_header_ignored), name, len);
}

static bool diff_header_is_own(const char *name, size_t len)
{
    return diff_header_in(diff_header_own, GS_ARRAY_LEN(diff_header_own), name, len);
}

static int diff_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* |fields| ("name: value", |nf| of them, freed here) sorted and joined by "\n" into |out|. */
static void diff_fields_join(char **fields, size_t nf, char *out, size_t n)
{
    qsort(fields, nf, sizeof *fields, diff_str_cmp);
    gs_buf b = {0};
    for (size_t i = 0; i < nf; i++) {
        gs_buf_printf(&b, "%s%s", i ? "\n" : "", fields[i]);
        free(fields[i]);
    }
    snprintf(out, n, "%s", b.data ? b.data : "");
    gs_buf_clear(&b);
}

/* The fields of the response head |head| (status line first), lower-case names, sorted, into
 * |out| as "name: value\nname: value" ("" when none): the compared ones, or with |own| the
 * implementation's own (diff_header_own). */
static void diff_response_headers(const char *head, bool own, char *out, size_t n)
{
    char *fields[64];
    size_t nf = 0;
    for (const char *l = strstr(head, "\r\n"); l && nf < 64; l = strstr(l + 2, "\r\n")) {
        const char *name = l + 2;
        size_t len = strcspn(name, ":\r\n");
        if (name[len] != ':' || len == 0 || diff_header_is_ignored(name, len) ||
            diff_header_is_own(name, len) != own)
            continue;
        const char *v = name + len + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *f = gs_xasprintf("%.*s: %.*s", (int)len, name, (int)strcspn(v, "\r\n"), v);
        for (size_t i = 0; i < len; i++)
            f[i] = (char)tolower((unsigned char)f[i]);
        fields[nf++] = f;
    }
    diff_fields_join(fields, nf, out, n);
}

/* The value of field |name| among |fields| (lines "name: value", names in lower case) into
 * |out| ("" when absent). */
static void diff_field(const char *fields, const char *name, char *out, size_t n)
{
    size_t len = strlen(name);
    out[0] = '\0';
    for (const char *f = fields; *f; f += strcspn(f, "\n") + (f[strcspn(f, "\n")] != 0))
        if (strncmp(f, name, len) == 0 && f[len] == ':') {
            const char *v = f + len + 1 + (f[len + 1] == ' ');
            snprintf(out, n, "%.*s", (int)strcspn(v, "\n"), v);
            return;
        }
}

/* The subject CN of |ssl|'s peer certificate into |out| ("none" without one). */
static void diff_peer_cn(SSL *ssl, char *out, size_t n)
{
    snprintf(out, n, "none");
    X509 *c = SSL_get1_peer_certificate(ssl);
    if (c == NULL)
        return;
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, cn, sizeof cn) > 0)
        snprintf(out, n, "%s", cn);
    X509_free(c);
}

/* The request fields the echo reports in |v|'s "headers" (Go's canonical names, each an array
 * of values) whose lower-case names |names| lists ("\nname\n..."), into |out| as the response
 * fields are: "name: value" lines, sorted, several values joined by ", ". */
static void diff_request_fields(const gs_json_value *v, const char *names, char *out, size_t n)
{
    out[0] = '\0';
    const gs_json_value *h = gs_json_get(v, "headers");
    if (h == NULL || h->type != GS_JSON_OBJECT || names == NULL)
        return;
    char *fields[64];
    size_t nf = 0;
    for (size_t i = 0; i < h->len && nf < 64; i++) {
        char key[160];
        size_t kl = strlen(h->keys[i]);
        if (kl == 0 || kl + 3 > sizeof key)
            continue;
        key[0] = '\n';
        for (size_t k = 0; k < kl; k++)
            key[k + 1] = (char)tolower((unsigned char)h->keys[i][k]);
        key[kl + 1] = '\n';
        key[kl + 2] = '\0';
        if (strstr(names, key) == NULL)
            continue;
        gs_buf f = {0};
        gs_buf_printf(&f, "%.*s: ", (int)kl, key + 1);
        const gs_json_value *vals = h->items[i];
        for (size_t k = 0; vals->type == GS_JSON_ARRAY && k < vals->len; k++)
            if (vals->items[k]->type == GS_JSON_STRING)
                gs_buf_printf(&f, "%s%s", k ? ", " : "", vals->items[k]->str);
        fields[nf++] = gs_buf_take(&f);
    }
    diff_fields_join(fields, nf, out, n);
}

static void diff_send_once(const char *address, const diff_probe *p, SSL_CTX *tls,
                           const char *req_names, diff_answer *ans)
{
    memset(ans, 0, sizeof *ans);
    snprintf(ans->backend, sizeof ans->backend, "none");
    int fd = address ? diff_connect(address) : -1;
    if (fd < 0)
        return;
    SSL *ssl = NULL;
    if (p->https) {
        gs_error err = {0};
        if (tls == NULL || gs_tls_client_ssl_new(&ssl, tls, p->host, &err) < 0 ||
            SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
            SSL_free(ssl);
            close(fd);
            ERR_clear_error(); /* the handshake's failure is "no answer", not a later error's */
            return; /* no handshake: no answer */
        }
        diff_peer_cn(ssl, ans->cert, sizeof ans->cert);
    }
    gs_buf req = {0};
    gs_buf_printf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", p->path, p->host);
    if (p->header[0])
        gs_buf_printf(&req, "%s\r\n", p->header);
    gs_buf_puts(&req, "\r\n");
    gs_buf resp = {0};
    bool sent = ssl ? SSL_write(ssl, req.data, (int)req.len) == (int)req.len
                    : write(fd, req.data, req.len) == (ssize_t)req.len;
    if (sent) {
        char chunk[8192];
        ssize_t got;
        while (resp.len < (1u << 20) &&
               (got = ssl ? SSL_read(ssl, chunk, sizeof chunk) : read(fd, chunk, sizeof chunk)) > 0)
            gs_buf_append(&resp, chunk, (size_t)got);
    }
    SSL_free(ssl);
    /* A peer's close without close_notify leaves SSL_R_UNEXPECTED_EOF_WHILE_READING queued,
     * which a later gs_error_set_ssl on this thread would report as its own. */
    ERR_clear_error();
    close(fd);
    gs_buf_clear(&req);
    const char *end = resp.data ? strstr(resp.data, "\r\n\r\n") : NULL;
    if (end && sscanf(resp.data, "HTTP/1.%*d %d", &ans->status) == 1) {
        char *head = gs_xasprintf("%.*s", (int)(end - resp.data + 2), resp.data);
        diff_header(head, "location", ans->location, sizeof ans->location);
        diff_response_headers(head, false, ans->headers, sizeof ans->headers);
        diff_response_headers(head, true, ans->own, sizeof ans->own);
        char be[320];
        diff_header(head, "x-gatesim-backend", be, sizeof be);
        char *last = strrchr(be, '/');
        if (be[0] && last) {
            *last = '\0'; /* ns/name/replica -> ns/name */
            snprintf(ans->backend, sizeof ans->backend, "%s", be);
            gs_json_value *v = NULL;
            gs_error e = {0};
            const char *body = end + 4;
            if (gs_json_parse(body, strlen(body), NULL, &v, &e) == 0) {
                snprintf(ans->path, sizeof ans->path, "%s", gs_json_get_string(v, "path", ""));
                snprintf(ans->host, sizeof ans->host, "%s", gs_json_get_string(v, "host", ""));
                diff_request_fields(v, req_names, ans->req, sizeof ans->req);
            }
            gs_json_value_free(v);
        }
        free(head);
    }
    gs_buf_clear(&resp);
}

/* One probe, sent again once when it got no answer (a refused or reset connection on a loaded
 * machine), so that "no answer" is what the side does, not a transport hiccup. */
static void diff_send(const char *address, const diff_probe *p, bool https, SSL_CTX *tls,
                      const char *req_names, diff_answer *ans)
{
    if (p->grpc) {
        gs_diff_grpc_answer g;
        gs_diff_grpc_call(address, https, p->host, p->path, p->header, &g);
        memset(ans, 0, sizeof *ans);
        ans->status = g.http_status;
        ans->grpc_status = g.grpc_status;
        snprintf(ans->backend, sizeof ans->backend, "%s", g.backend);
        snprintf(ans->path, sizeof ans->path, "%s", g.path);
        snprintf(ans->host, sizeof ans->host, "%s", g.host);
        return;
    }
    diff_send_once(address, p, tls, req_names, ans);
    ans->grpc_status = -1;
    if (ans->status == 0 && address)
        diff_send_once(address, p, tls, req_names, ans);
    ans->grpc_status = -1;
}

/* |a| as text into |b|; its compared response fields too when |with_headers|, " | " between
 * them (a value may hold "; " or ", "). */
static void diff_answer_text(const diff_answer *a, bool with_headers, bool with_req, gs_buf *b)
{
    if (a->status == 0) {
        gs_buf_puts(b, "no answer");
        return;
    }
    if (a->grpc_status >= 0)
        gs_buf_printf(b, "grpc-status %d %s", a->grpc_status, gs_grpc_code_name(a->grpc_status));
    else
        gs_buf_printf(b, "%d", a->status);
    if (a->cert[0])
        gs_buf_printf(b, " [certificate %s]", a->cert);
    if (strcmp(a->backend, "none") != 0)
        gs_buf_printf(b, " from %s (saw %s%s)", a->backend, a->host, a->path);
    if (a->location[0])
        gs_buf_printf(b, " Location %s", a->location);
    if (with_headers) {
        gs_buf_puts(b, " [");
        for (const char *f = a->headers; *f; f += strcspn(f, "\n") + (f[strcspn(f, "\n")] != 0))
            gs_buf_printf(b, "%s%.*s", f == a->headers ? "" : " | ", (int)strcspn(f, "\n"), f);
        gs_buf_puts(b, a->headers[0] ? "]" : "no compared header fields]");
    }
    if (with_req) {
        gs_buf_puts(b, " [the backend got ");
        for (const char *f = a->req; *f; f += strcspn(f, "\n") + (f[strcspn(f, "\n")] != 0))
            gs_buf_printf(b, "%s%.*s", f == a->req ? "" : " | ", (int)strcspn(f, "\n"), f);
        gs_buf_puts(b, a->req[0] ? "]" : "no compared request fields]");
    }
}

/* |a| and |b| are the same path once percent-encoded unreserved characters are decoded (RFC 3986
 * section 6.2.2.2: "/%61pi" and "/api" are one URI); other escapes compare case-insensitively. */
static bool diff_same_path(const char *a, const char *b)
{
    for (;;) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        size_t la = 1, lb = 1;
        unsigned v;
        if (ca == '%' && sscanf(a + 1, "%2x", &v) == 1 && isxdigit((unsigned char)a[1]) &&
            isxdigit((unsigned char)a[2])) {
            la = 3;
            ca = isalnum((int)v) || strchr("-._~", (int)v) ? (int)v : 256 + (int)v;
        }
        if (cb == '%' && sscanf(b + 1, "%2x", &v) == 1 && isxdigit((unsigned char)b[1]) &&
            isxdigit((unsigned char)b[2])) {
            lb = 3;
            cb = isalnum((int)v) || strchr("-._~", (int)v) ? (int)v : 256 + (int)v;
        }
        if (ca != cb)
            return false;
        if (ca == 0)
            return true;
        a += la;
        b += lb;
    }
}

/* |loc| with an empty path as "/" ("https://a.example.com" -> "https://a.example.com/"): the
 * same URI for http and https (RFC 3986 section 6.2.3). */
static void diff_location_norm(const char *loc, char *out, size_t n)
{
    const char *auth = strstr(loc, "://");
    bool empty = auth && strcspn(auth + 3, "/?#") == strlen(auth + 3);
    snprintf(out, n, "%s%s", loc, empty ? "/" : "");
}

static bool diff_same_location(const char *a, const char *b)
{
    char na[520], nb[520];
    diff_location_norm(a, na, sizeof na);
    diff_location_norm(b, nb, sizeof nb);
    return strcmp(na, nb) == 0;
}

/* The differences of one probe's answers, as "status, backend, ..." into |what|. */
static bool diff_compare(const diff_answer *x, const diff_answer *y, gs_buf *what)
{
    if (x->grpc_status != y->grpc_status)
        gs_buf_puts(what, "grpc-status ");
    else if (x->grpc_status < 0 && x->status != y->status)
        gs_buf_puts(what, "status ");
    if (strcmp(x->backend, y->backend) != 0)
        gs_buf_puts(what, "backend ");
    else if (!diff_same_path(x->path, y->path))
        gs_buf_puts(what, "path-seen ");
    else if (strcmp(x->host, y->host) != 0)
        gs_buf_puts(what, "host-seen ");
    if (!diff_same_location(x->location, y->location))
        gs_buf_puts(what, "location ");
    if (strcmp(x->cert, y->cert) != 0)
        gs_buf_puts(what, "certificate ");
    /* the backend's answer as each side passes it on; the answers a proxy makes itself (404,
     * redirects, 400) carry each implementation's own fields */
    if (strcmp(x->backend, "none") != 0 && strcmp(x->backend, y->backend) == 0 &&
        strcmp(x->headers, y->headers) != 0)
        gs_buf_puts(what, "response-headers ");
    /* the compared request fields (diff_req_names) the same backend got from each side */
    if (strcmp(x->backend, "none") != 0 && strcmp(x->backend, y->backend) == 0 &&
        strcmp(x->req, y->req) != 0)
        gs_buf_puts(what, "request-headers ");
    return what->len > 0;
}

/* ---- the two sides ------------------------------------------------------------------------ */

typedef struct diff_side {
    const char *spec; /* --target */
    gs_target *t;
    char *workdir;
    char *self; /* the gatesim binary, borrowed by the target while it lives */
    const char *address;
    const char *address_tls; /* the HTTPS listener's, or NULL */
    const char *req_names;   /* the compared request fields (diff_req_names) */
} diff_side;

static int diff_side_start(diff_side *s, const char *root, const char *name, const char *yaml,
                           const gs_echo_fleet *fleet, gs_error *err)
{
    s->workdir = gs_xasprintf("%s/%s", root, name);
    if (mkdir(s->workdir, 0700) != 0)
        return gs_error_set_errno(err, errno, "mkdir %s", s->workdir);
    s->self = gs_workdir_self_path();
    gs_target_config cfg = {
        .workdir = s->workdir, .gatesim_path = s->self, .start_timeout_ns = DIFF_TIMEOUT_NS};
    int rc = gs_target_new(&s->t, s->spec, &cfg, err);
    const char *docs[] = {yaml};
    gs_target_objects objs = {.documents = docs,
                              .n_documents = 1,
                              .endpoints = fleet->endpoints,
                              .n_endpoints = fleet->n_endpoints};
    if (rc == 0)
        rc = gs_target_apply(s->t, &objs, err);
    if (rc == 0) {
        const gs_target_listener *l = NULL;
        for (size_t i = 0; i < s->t->n_listeners && !l; i++)
            if (strcmp(s->t->listeners[i].listener, "http") == 0)
                l = &s->t->listeners[i];
        if (l == NULL && s->t->n_listeners)
            l = &s->t->listeners[0];
        if (l == NULL)
            rc = gs_error_set(err, GS_ERR_INVALID, "the %s side serves no listener", name);
        else
            s->address = l->address;
        for (size_t i = 0; i < s->t->n_listeners && !s->address_tls; i++)
            if (s->t->listeners[i].port == 443)
                s->address_tls = s->t->listeners[i].address;
    }
    return rc;
}

/* Whether |p| goes over TLS to the |before| side or the other: an HTTPS probe, or a gRPC call of
 * an Ingress path (TLS to ingress-nginx, to the other side as its listeners say). */
static bool diff_probe_tls(const diff_probe *p, bool before)
{
    return p->grpc_ingress ? before || p->after_tls : p->https;
}

/* |p| sent to side |s| (|before|: the before side) into |ans|. */
static void diff_send_to(const diff_side *s, bool before, const diff_probe *p, SSL_CTX *tls,
                         diff_answer *ans)
{
    bool https = diff_probe_tls(p, before);
    diff_send(https ? s->address_tls : s->address, p, https, tls, s->req_names, ans);
}

static void diff_side_stop(diff_side *s)
{
    gs_target_free(s->t);
    free(s->workdir);
    free(s->self);
    memset(s, 0, sizeof *s);
}

/* The distinct answers of a sampled probe and how often each side got them. */
typedef struct diff_outcomes {
    char *text[DIFF_MAX_OUTCOMES + 1]; /* the last: every other answer */
    gs_twosample_cat cats[DIFF_MAX_OUTCOMES + 1];
    size_t n;
} diff_outcomes;

static void diff_outcome_count(diff_outcomes *o, const char *text, bool side_a)
{
    size_t i = 0;
    while (i < o->n && strcmp(o->text[i], text) != 0)
        i++;
    if (i == o->n) {
        if (o->n == DIFF_MAX_OUTCOMES)
            i = DIFF_MAX_OUTCOMES; /* "other answers" */
        else
            o->n++;
        if (o->text[i] == NULL)
            o->text[i] = gs_xstrdup(i == DIFF_MAX_OUTCOMES ? "other answers" : text);
    }
    if (side_a)
        o->cats[i].count_a++;
    else
        o->cats[i].count_b++;
}

static void diff_shares_text(const diff_outcomes *o, size_t n_total, bool side_a, gs_buf *b)
{
    bool first = true;
    for (size_t i = 0; i < n_total; i++) {
        uint64_t c = side_a ? o->cats[i].count_a : o->cats[i].count_b;
        if (c == 0)
            continue;
        gs_buf_printf(b, "%s%.1f%% %s", first ? "" : ", ",
                      100.0 * (side_a ? o->cats[i].share_a : o->cats[i].share_b), o->text[i]);
        first = false;
    }
    if (first)
        gs_buf_puts(b, "no answer");
}

/* ---- causes ------------------------------------------------------------------------------ */

typedef gs_diff_cause diff_cause;

static const struct {
    const char *id;                /* stable: a scenario's diff step names causes by it */
    const char *title, *why, *fix; /* fix NULL: none known */
} diff_causes[GS_DIFF_CAUSE_COUNT] = {
    [GS_DIFF_CASE] =
        {"case-insensitive-regex", "case-insensitive regex matching",
         "use-regex or rewrite-target on any Ingress of the host makes every path of "
         "the host a case-insensitive regular expression (location ~*) in ingress-nginx",
         "match the host's paths with type RegularExpression and (?i), e.g. "
         "\"(?i)/cart.*\" (what gatesim convert writes), or accept that clients must "
         "use the case the Ingress spells"},
    [GS_DIFF_CHAR_PREFIX] =
        {"character-prefix", "character-prefix matching",
         "ingress-nginx's regular-expression locations are anchored at the start "
         "only and ImplementationSpecific paths are character prefixes, so /cart "
         "also matches /cartx; PathPrefix matches whole segments",
         "if such paths must keep working, match them with type "
         "RegularExpression \"PATH.*\"; otherwise nothing: the new answer is "
         "the stricter one"},
    [GS_DIFF_REGEX] =
        {"regex-match", "regular-expression path matching",
         "the sides match a RegularExpression path differently: in full (anchored at both "
         "ends, as the builtin gateway, the nginx target and RE2 do) or as a search (nginx's "
         "location ~ is anchored only where the expression says ^), with or without letter case "
         "(~ against ~*), or in another dialect",
         "write the expression for a full match and say what else it takes: \".*\" or "
         "\"(/.*)?\" at its end for longer paths, \"(?i)\" at its start for any letter case"},
    [GS_DIFF_GRPC] = {"grpc-method", "gRPC method matching",
                      "a gRPC call reaches another Service or gets another grpc-status: the "
                      "sides match the GRPCRoute's service and method differently (Exact, "
                      "RegularExpression, a service alone, letter case) or send the rule "
                      "elsewhere",
                      "check the rule's method match (service, method, type) and backendRefs on "
                      "both sides; gRPC names are matched in full and with their letter case"},
    [GS_DIFF_CAPTURE] =
        {"capture-group-rewrite", "capture-group rewrite",
         "rewrite-target places capture groups of the path's regular expression; a "
         "URLRewrite filter replaces a prefix or the full path only",
         "only the documented form \"P(/|$)(.*)\" -> \"T$2\" is expressible "
         "(PathPrefix P with ReplacePrefixMatch T); for any other use of the groups "
         "move the rewrite into the backend or change the paths it serves"},
    [GS_DIFF_REWRITE] = {"rewrite-target", "rewrite-target",
                         "the backend sees another path: ingress-nginx rewrites the whole URI to "
                         "rewrite-target",
                         "a URLRewrite filter with ReplaceFullPath TARGET (what gatesim convert "
                         "writes)"},
    [GS_DIFF_CANARY_HEADER] =
        {"canary-header", "canary header route missing",
         "the request carries the header a canary Ingress routes by "
         "(canary-by-header), and the Gateway API side does not send it to "
         "the canary",
         "add a rule with a headers match on that header (Exact value, or "
         "RegularExpression for canary-by-header-pattern) whose backendRef is "
         "the canary Service, on the same hostnames and path (what gatesim "
         "convert writes)"},
    [GS_DIFF_CANARY_COOKIE] =
        {"canary-cookie", "canary cookie route missing",
         "the request carries the cookie a canary Ingress routes by "
         "(canary-by-cookie = always), and the Gateway API side does not send "
         "it to the canary",
         "add a rule with a headers match on Cookie, type RegularExpression "
         "\"(^|.*; )NAME=always(;.*|$)\", to the canary Service (what "
         "gatesim convert writes)"},
    [GS_DIFF_HEADER_MATCH] = {"header-match", "header match",
                              "a request with the header a route matches on reaches another "
                              "backend",
                              "check the rule's headers match (name, value, type) and that it "
                              "comes before broader rules of the same path on the other side"},
    [GS_DIFF_SPLIT] = {"weighted-split", "weighted split differs",
                       "the shares of the backends differ beyond chance (Fisher's exact test)",
                       "give the after side's backendRefs the before side's ratio: its "
                       "backendRefs' weights, or for a canary Ingress the main Service "
                       "canary-weight-total - canary-weight and the canary canary-weight"},
    [GS_DIFF_SLASH_REDIRECT] = {"trailing-slash-redirect", "nginx's trailing-slash redirect",
                                "nginx answers 301 to PATH/ for PATH when the location is written "
                                "with a trailing slash (a proxying prefix location)",
                                "if clients rely on it, add an Exact match of PATH with a "
                                "RequestRedirect (statusCode 301) to PATH/; or write the Ingress "
                                "path without its trailing slash"},
    [GS_DIFF_HTTPS_SLASH] =
        {"https-redirect-slash", "ingress-nginx's HTTPS redirect drops the trailing slash",
         "ingress-nginx's redirect from HTTP to HTTPS (ssl-redirect) removes a final \"/\" of "
         "the request URI unless the Ingress sets preserve-trailing-slash: \"true\" "
         "(lua_ingress.lua); a RequestRedirect keeps the path as it is",
         "if clients depend on it, an Exact match of PATH/ on the HTTP listener with a "
         "RequestRedirect (scheme https, path ReplaceFullPath PATH, statusCode 308); or set "
         "preserve-trailing-slash: \"true\" on the Ingress before migrating, to see that "
         "nothing depends on the old answer"},
    [GS_DIFF_VHOST] = {"upstream-host", "Host seen by the backend",
                       "the backend receives another Host header (upstream-vhost)",
                       "a URLRewrite filter with hostname set to the upstream-vhost value (what "
                       "gatesim convert writes)"},
    [GS_DIFF_WILDCARD] =
        {"wildcard-depth", "wildcard host depth",
         "ingress-nginx writes a wildcard host *.foo.com as a server_name regular expression "
         "of exactly one label (buildServerName), so a.b.foo.com reaches its default server; a "
         "Gateway API wildcard hostname covers any number of labels",
         "none in the hostnames: a wildcard cannot be limited to one label. If names two "
         "labels deep must not reach these routes, list the one-label hosts instead of the "
         "wildcard, or give the deeper names a route of their own"},
    [GS_DIFF_TLS] =
        {"https", "HTTPS listener or certificate",
         "the host is served over HTTPS with another certificate, or not at all (the "
         "Ingress lists it under tls)",
         "a Gateway listener with protocol HTTPS, port 443, the host as hostname and "
         "the Ingress's secretName in tls.certificateRefs (what gatesim convert writes; "
         "a Secret in another namespace needs a ReferenceGrant)"},
    [GS_DIFF_BACKEND_TLS] =
        {"backend-tls", "TLS to the backend",
         "ingress-nginx speaks gRPC over TLS to the backend (backend-protocol GRPCS: grpc_pass "
         "grpcs://), whose port takes TLS only; the Gateway API side speaks TLS to a backend "
         "only under a BackendTLSPolicy",
         "a BackendTLSPolicy whose targetRefs name the Service, with the CA that signed the "
         "backend's certificate in validation.caCertificateRefs (a ConfigMap, key ca.crt) and "
         "the name the certificate carries in validation.hostname"},
    [GS_DIFF_FAKE_CERT] =
        {"fake-certificate", "ingress-nginx's fake certificate",
         "ingress-nginx serves every host on its HTTPS port, hosts without a certificate of "
         "their own and unknown hosts too, under the self-signed \"" GS_INGRESS_NGINX_FAKE_CN
         "\" it generates at start; no client that verifies certificates gets past that "
         "handshake, so only clients that skip verification (curl -k, InsecureSkipVerify) "
         "can depend on these answers, whatever the Gateway API side does instead",
         "if clients call the host over HTTPS, give it a real certificate: its name and a "
         "Secret in the Ingress's tls, and on the Gateway an HTTPS listener on port 443 for the "
         "host with that Secret; otherwise nothing: refusing is the honest answer"},
    [GS_DIFF_NORMALIZE] = {"path-normalization", "path normalization",
                           "the implementations normalise request paths differently: nginx "
                           "(ingress-nginx) decodes percent-encoding, %2F too, and merges double "
                           "slashes before it matches a location, and forwards the path as "
                           "received; the builtin gateway merges slashes, forwards the normalised "
                           "path and answers %2F with 400; the nginx target does not merge "
                           "slashes before its locations",
                           "nothing in the routes expresses it: check that the backends accept the "
                           "normalised path and that no client depends on // or %2F; "
                           "--no-normalization leaves these probes out to compare the conversion "
                           "alone"},
    [GS_DIFF_REDIRECT] = {"redirect", "redirect",
                          "one side redirects (or redirects elsewhere) and the other does not",
                          "a RequestRedirect filter with the same scheme, hostname, port, path and "
                          "statusCode (permanent-redirect, temporal-redirect, app-root, "
                          "ssl-redirect: what gatesim convert writes)"},
    [GS_DIFF_RESP_HEADER] = {"response-header", "response headers differ",
                             "the same status, backend and Location, but the response header "
                             "fields the client got differ: a ResponseHeaderModifier, CORS, or "
                             "a Set-Cookie one side's routes add and the other's lack (fields that "
                             "vary per request are not compared, an implementation's own server "
                             "and Strict-Transport-Security are apart: docs/ingress.md)",
                             "give the route the same response headers: a ResponseHeaderModifier "
                             "filter on the rule that sets (or removes) the fields the other side "
                             "sends"},
    [GS_DIFF_REQ_HEADER] = {"request-header", "request headers the backend saw differ",
                            "the same backend got the request with other compared fields: "
                            "X-Forwarded-Prefix (ingress-nginx's x-forwarded-prefix, set where it "
                            "rewrites), or a field a RequestHeaderModifier of the routes sets, "
                            "adds or removes (docs/ingress.md, \"What is compared\")",
                            "give the rule the same request headers: a RequestHeaderModifier "
                            "that sets (or removes) the fields the other side's backend got (for "
                            "x-forwarded-prefix: set X-Forwarded-Prefix, what gatesim convert "
                            "writes)"},
    [GS_DIFF_HSTS] = {"hsts", "Strict-Transport-Security added by one implementation",
                      "one side adds a Strict-Transport-Security field of its own accord, whatever "
                      "the routes say, and the other does not (or another value): ingress-nginx "
                      "does on every HTTPS answer of a host with a certificate (hsts in its "
                      "ConfigMap, on by default: max-age=31536000; includeSubDomains); a browser "
                      "that got it keeps to HTTPS for the host, and its subdomains, for max-age "
                      "seconds",
                      "to keep it, a ResponseHeaderModifier adding Strict-Transport-Security with "
                      "the same value on the host's HTTPS routes; to drop it, nothing on the "
                      "Gateway API side, but browsers keep the old one until max-age runs out "
                      "(hsts: \"false\" or a short hsts-max-age in ingress-nginx's ConfigMap "
                      "first)"},
    [GS_DIFF_DEFAULT_BACKEND] =
        {"default-backend", "a request no rule of its host takes",
         "one side answers a request that no path of its host, or no host, matches with 404 and "
         "the other sends it to a backend: ingress-nginx gives such a request to the "
         "defaultBackend of the first Ingress of its host (for that Ingress's own hosts), an "
         "unknown host to the defaultBackend of an Ingress without rules, and else answers 404 "
         "(createServers in its controller.go); on the Gateway API side a route without "
         "hostnames takes what the other routes leave, on every host",
         "a route without hostnames only for the defaultBackend of an Ingress without rules; "
         "an Ingress's defaultBackend beside rules as a PathPrefix \"/\" rule on the routes of "
         "its hosts (what gatesim convert writes); else check which side's rules are too wide"},
    [GS_DIFF_OTHER] = {"other", "other", "no known cause", NULL},
};

static bool diff_status_or_backend(const char *what)
{
    return strstr(what, "status") || strstr(what, "backend");
}

static bool diff_regex_kind(diff_kind k)
{
    return k == DIFF_K_REGEX || k == DIFF_K_REGEX_MISS || k == DIFF_K_ANCHOR ||
           k == DIFF_K_REGEX_UPPER;
}

/* Both redirect to https, ingress-nginx (|x|) to the other side's Location without its final
 * "/" ("https://h/a" for "https://h/a/"; "https://h" for "https://h/"). */
static bool diff_https_slash(const diff_answer *x, const diff_answer *y)
{
    size_t xl = strlen(x->location), yl = strlen(y->location);
    return x->status >= 300 && x->status < 400 && x->status == y->status &&
           strncmp(x->location, "https://", 8) == 0 && yl == xl + 1 &&
           y->location[xl] == '/' && strncmp(x->location, y->location, xl) == 0;
}

/* The cause of a difference of a gRPC call of an Ingress path (backend-protocol GRPC): by what
 * the call tries, as for the HTTP probes of the path; "gRPC method matching" otherwise. */
static diff_cause diff_grpc_ingress_cause(const diff_probe *p, const diff_answer *x,
                                          const diff_answer *y, const char *what)
{
    bool routed = diff_status_or_backend(what);
    if (p->header[0] && strstr(what, "backend"))
        return strncasecmp(p->header, "Cookie:", 7) == 0 ? GS_DIFF_CANARY_COOKIE
                                                         : GS_DIFF_CANARY_HEADER;
    if ((x->status == 0) || (y->status == 0 && p->after_tls))
        return GS_DIFF_TLS; /* a TLS side did not answer */
    if (p->grpcs && x->grpc_status == 0 && y->grpc_status != 0 && strcmp(y->backend, "none") == 0)
        return GS_DIFF_BACKEND_TLS; /* reached over TLS before, not reached after */
    if (p->kind == DIFF_K_UPPER && p->regex_host && routed)
        return GS_DIFF_CASE;
    if (p->kind == DIFF_K_MID && (p->regex_host || p->char_prefix) && routed)
        return GS_DIFF_CHAR_PREFIX;
    if (p->wildcard_deep && routed)
        return GS_DIFF_WILDCARD;
    if (strstr(what, "path-seen"))
        return strchr(p->rewrite, '$') ? GS_DIFF_CAPTURE : GS_DIFF_REWRITE;
    if (strstr(what, "host-seen"))
        return GS_DIFF_VHOST;
    return GS_DIFF_GRPC;
}

/* The cause of a difference of a single probe whose answers differ in |what|. */
static diff_cause diff_cause_of(const diff_probe *p, const diff_answer *x, const diff_answer *y,
                                const char *what)
{
    if (p->https && strcmp(x->cert, GS_INGRESS_NGINX_FAKE_CN) == 0)
        return GS_DIFF_FAKE_CERT; /* whatever the other side does: no verifying client got in */
    if (p->kind == DIFF_K_ENCODED || p->kind == DIFF_K_DSLASH)
        return GS_DIFF_NORMALIZE;
    if (p->grpc_ingress)
        return diff_grpc_ingress_cause(p, x, y, what);
    if (strcmp(what, "response-headers ") == 0)
        return GS_DIFF_RESP_HEADER; /* nothing else differs: the routes' response headers do */
    if (strcmp(what, "request-headers ") == 0 ||
        strcmp(what, "response-headers request-headers ") == 0)
        return GS_DIFF_REQ_HEADER; /* the same backend, told otherwise */
    if (p->header[0] && p->from_routes &&
        (strstr(what, "backend") || (p->grpc && diff_status_or_backend(what))))
        return GS_DIFF_HEADER_MATCH;
    if (p->grpc && p->https && (x->status == 0 || y->status == 0))
        return GS_DIFF_TLS;
    if (p->grpc)
        return GS_DIFF_GRPC;
    if (diff_regex_kind(p->kind) && diff_status_or_backend(what) && p->regex_host) {
        /* ingress-nginx: ~* "^PATH", case-insensitive and anchored at the start only */
        if (p->kind == DIFF_K_REGEX_UPPER)
            return GS_DIFF_CASE;
        if (p->kind == DIFF_K_ANCHOR && strncmp(p->path, "/gs-probe", 9) != 0)
            return GS_DIFF_CHAR_PREFIX;
    }
    if (diff_regex_kind(p->kind) && diff_status_or_backend(what))
        return GS_DIFF_REGEX;
    if (p->header[0] && strstr(what, "backend"))
        return strncasecmp(p->header, "Cookie:", 7) == 0 ? GS_DIFF_CANARY_COOKIE
                                                         : GS_DIFF_CANARY_HEADER;
    if (p->https && (strstr(what, "certificate") || x->status == 0 || y->status == 0))
        return GS_DIFF_TLS;
    if (p->kind == DIFF_K_UPPER && p->regex_host && diff_status_or_backend(what))
        return GS_DIFF_CASE;
    if (p->kind == DIFF_K_MID && (p->regex_host || p->char_prefix) && diff_status_or_backend(what))
        return GS_DIFF_CHAR_PREFIX;
    size_t pl = strlen(p->path), ll = strlen(x->location);
    if ((x->status == 301 || x->status == 308) && ll > pl && x->location[ll - 1] == '/' &&
        strncmp(x->location + ll - 1 - pl, p->path, pl) == 0)
        return GS_DIFF_SLASH_REDIRECT;
    if (diff_https_slash(x, y))
        return GS_DIFF_HTTPS_SLASH;
    if (strstr(what, "path-seen"))
        return strchr(p->rewrite, '$') ? GS_DIFF_CAPTURE : GS_DIFF_REWRITE;
    if (p->wildcard_deep && diff_status_or_backend(what))
        return GS_DIFF_WILDCARD;
    if (strstr(what, "host-seen"))
        return GS_DIFF_VHOST;
    if (strstr(what, "location") || (x->status >= 300 && x->status < 400) ||
        (y->status >= 300 && y->status < 400))
        return GS_DIFF_REDIRECT;
    bool x_none = x->status == 404 && strcmp(x->backend, "none") == 0;
    bool y_none = y->status == 404 && strcmp(y->backend, "none") == 0;
    if (diff_status_or_backend(what) && x_none != y_none && x->status && y->status)
        return GS_DIFF_DEFAULT_BACKEND;
    return GS_DIFF_OTHER;
}

/* The fields of |a| (lines "name: value") that |b| lacks, into |out| ("name: value | ..."); with
 * |names|, only the names of the fields whose name |b| lacks altogether. */
static void diff_header_delta(const char *a, const char *b, bool names, gs_buf *out)
{
    char bl[1040];
    snprintf(bl, sizeof bl, "\n%s\n", b);
    for (const char *f = a; *f;) {
        size_t len = strcspn(f, "\n"), nl = strcspn(f, ":");
        size_t key = names ? nl : len;
        char *needle = gs_xasprintf("\n%.*s%s", (int)key, f, names ? ":" : "\n");
        if (strstr(bl, needle) == NULL)
            gs_buf_printf(out, "%s%.*s", out->len ? (names ? ", " : " | ") : "", (int)key, f);
        free(needle);
        f += len + (f[len] != 0);
    }
}

/* The fix for header fields that differ (|x| the before side's, |y| the after side's): a
 * |kind|HeaderModifier ("Request" or "Response") on the rule of |lit| on |host|, into |b|. */
static void diff_fix_headers(const char *x, const char *y, const char *kind, const char *host,
                             const char *lit, gs_buf *b)
{
    gs_buf set = {0}, rm = {0};
    diff_header_delta(x, y, false, &set);
    diff_header_delta(y, x, true, &rm);
    gs_buf_printf(b, "on %s, a %sHeaderModifier on the rule of \"%s\"", host, kind, lit);
    if (set.len)
        gs_buf_printf(b, " that sets %s", set.data);
    if (rm.len)
        gs_buf_printf(b, "%s removes %s", set.len ? " and" : " that", rm.data);
    gs_buf_clear(&set);
    gs_buf_clear(&rm);
}

/* The suggested fix for this very probe (|x| the before side's answer, |y| the after side's),
 * in its own words: what to write for this host and path, into |b| ("" when none is known). */
static void diff_fix_for(const diff_probe *p, const diff_answer *x, const diff_answer *y,
                         diff_cause cause, gs_buf *b)
{
    char lit[480] = "";
    diff_literal(p->written[0] ? p->written : p->path, lit, sizeof lit);
    if (p->grpc_ingress && p->written[0]) /* gRPC names hold "." (a regex's "." matches it) */
        snprintf(lit, sizeof lit, "%.*s", (int)strcspn(p->written, "[](){}*+?|^$\\"), p->written);
    char hname[256], hval[512] = "";
    snprintf(hname, sizeof hname, "%.*s", (int)strcspn(p->header, ":"), p->header);
    if (strchr(p->header, ':'))
        snprintf(hval, sizeof hval, "%s",
                 strchr(p->header, ':') + 1 + (strchr(p->header, ':')[1] == ' '));
    switch (cause) {
    case GS_DIFF_CASE: {
        /* a path written as an expression keeps it: ingress-nginx's ~* "^PATH" */
        const char *w = p->written[0] && gs_regex_is_pattern(p->written) ? p->written : lit;
        gs_buf_printf(b, "on %s, match \"%s\" with type RegularExpression \"(?i)%s.*\"", p->host, w,
                      w);
        break;
    }
    case GS_DIFF_REGEX:
        if (p->kind == DIFF_K_ANCHOR)
            gs_buf_printf(b,
                          "one side matches \"%s\" in full, the other as a search (or with more "
                          "text allowed): to keep the before side's answer for %s (%s), match in "
                          "full on both sides, with \".*\" written where more text may follow",
                          p->written, p->path, x->backend);
        else if (p->kind == DIFF_K_REGEX_UPPER)
            gs_buf_printf(b,
                          "letter case: \"(?i)%s\" where any case must match, \"%s\" without "
                          "(?i) where it must not",
                          p->written, p->written);
        else
            gs_buf_printf(b, "the sides read \"%s\" differently for %s: compare their regex "
                             "dialects or rewrite it with plainer constructs",
                          p->written, p->path);
        break;
    case GS_DIFF_GRPC:
        gs_buf_printf(b, "on %s, %s must reach %s (grpc-status %d) as on the before side", p->host,
                      p->path, x->backend, x->grpc_status);
        if (p->grpc_ingress && y->status == 0)
            gs_buf_puts(b, ": the after side gave no answer over h2c: its HTTP listener must "
                           "take HTTP/2 with prior knowledge, or give the host an HTTPS listener "
                           "on port 443");
        else if (p->grpc_ingress && p->written[0])
            gs_buf_printf(b, ": check the rule matching the Ingress path \"%s\" (an HTTPRoute "
                             "path match, or a GRPCRoute method match) and its backendRef",
                          p->written);
        else if (p->grpc_ingress && strcmp(p->host, DIFF_UNKNOWN_HOST) == 0 &&
                 x->grpc_status == 0)
            gs_buf_printf(b, ": ingress-nginx's catch-all server sends any host's call to the "
                             "defaultBackend of the Ingress without rules; give the Gateway API "
                             "side a route without hostnames to %s",
                          x->backend);
        else if (p->grpc_ingress)
            gs_buf_puts(b, ": check that no rule of the host takes it that ingress-nginx "
                           "does not");
        if (p->https)
            gs_buf_puts(b, "; over TLS: check that the GRPCRoute attaches to the HTTPS listener "
                           "(parentRefs, sectionName) on both sides");
        break;
    case GS_DIFF_CHAR_PREFIX:
        gs_buf_printf(b,
                      "if %s must keep reaching %s, match \"%s\" on %s with type "
                      "RegularExpression \"%s.*\"",
                      p->path, x->backend, lit, p->host, lit);
        break;
    case GS_DIFF_CAPTURE:
    case GS_DIFF_REWRITE:
        gs_buf_printf(b, "%s must see %s for %s (it sees %s): ", x->backend, x->path, p->path,
                      y->path);
        if (cause == GS_DIFF_REWRITE)
            gs_buf_printf(b, "URLRewrite ReplaceFullPath \"%s\" on the rule of %s", x->path, lit);
        else
            gs_buf_puts(b, "not expressible with a URLRewrite; rewrite in the backend");
        break;
    case GS_DIFF_CANARY_HEADER:
    case GS_DIFF_HEADER_MATCH:
        if (p->grpc && p->kind == DIFF_K_GRPC_OTHER) {
            gs_buf_printf(b,
                          "on %s, %s with %s: \"%s\" (a value the header match does not take) "
                          "must reach %s as on the before side: check the match's header name, "
                          "value and type",
                          p->host, p->path, hname, hval, x->backend);
            break;
        }
        if (p->grpc) {
            gs_buf_printf(b,
                          "on %s, a rule matching method %s and header %s: \"%s\" with its "
                          "backendRef to %s, as on the before side",
                          p->host, p->path, hname, hval, x->backend);
            break;
        }
        gs_buf_printf(b,
                      "on %s, a rule matching path \"%s\" and header %s: \"%s\" with its "
                      "backendRef to %s",
                      p->host, lit, hname, hval, x->backend);
        break;
    case GS_DIFF_CANARY_COOKIE:
        gs_buf_printf(b,
                      "on %s, a rule matching path \"%s\" and header Cookie "
                      "(RegularExpression \"(^|.*; )%.*s(;.*|$)\") with its backendRef to %s",
                      p->host, lit, (int)strlen(hval), hval, x->backend);
        break;
    case GS_DIFF_SLASH_REDIRECT:
        gs_buf_printf(b,
                      "on %s, an Exact match of \"%s\" with a RequestRedirect (path "
                      "ReplaceFullPath \"%s/\", statusCode %d)",
                      p->host, p->path, p->path, x->status);
        break;
    case GS_DIFF_WILDCARD: {
        char answer[64];
        if (x->grpc_status >= 0)
            snprintf(answer, sizeof answer, "with grpc-status %d %s", x->grpc_status,
                     gs_grpc_code_name(x->grpc_status));
        else
            snprintf(answer, sizeof answer, "%d", x->status);
        gs_buf_printf(b,
                      "%s is two labels under the wildcard: ingress-nginx answers %s %s%s%s; "
                      "if it must, give %s a route of its own with that answer",
                      p->host, p->path, answer, strcmp(x->backend, "none") ? " from " : "",
                      strcmp(x->backend, "none") ? x->backend : " (its default server)", p->host);
        break;
    }
    case GS_DIFF_HTTPS_SLASH:
        gs_buf_printf(b,
                      "on %s, an Exact match of \"%s\" on the HTTP listener with a "
                      "RequestRedirect (scheme https, path ReplaceFullPath \"%.*s\", statusCode "
                      "%d), if clients depend on ingress-nginx's %s",
                      p->host, p->path, (int)(strlen(p->path) > 1 ? strlen(p->path) - 1 : 1),
                      p->path, x->status, x->location);
        break;
    case GS_DIFF_VHOST:
        gs_buf_printf(b, "a URLRewrite with hostname \"%s\" on the rule of %s on %s", x->host, lit,
                      p->host);
        break;
    case GS_DIFF_BACKEND_TLS:
        gs_buf_printf(b, "add a BackendTLSPolicy for %s with the backend's CA and hostname: "
                         "ingress-nginx reaches it over TLS (grpc-status 0), the after side does "
                         "not (grpc-status %d; with a policy, its CA or hostname does not verify "
                         "the backend's certificate)",
                      x->backend, y->grpc_status);
        break;
    case GS_DIFF_TLS:
        if (p->grpc_ingress)
            gs_buf_printf(b,
                          "ingress-nginx answers gRPC on its HTTPS listener (HTTP/2 by ALPN)%s: "
                          "%s",
                          p->after_tls ? ", and so must the after side's HTTPS listener for "
                                         "the host"
                                       : "",
                          x->status ? "the after side gave no answer" : "it gave no answer");
        else if (x->status && strcmp(x->cert, "none") != 0)
            gs_buf_printf(b,
                          "a listener with protocol HTTPS, port 443, hostname %s and the "
                          "certificate of the Ingress's secretName for it (ingress-nginx serves "
                          "\"%s\")",
                          p->host, x->cert);
        break;
    case GS_DIFF_FAKE_CERT:
        if (strcmp(p->host, DIFF_UNKNOWN_HOST) == 0)
            gs_buf_printf(b,
                          "nothing: ingress-nginx's default server answers an unknown host "
                          "(%d) under its fake certificate",
                          x->status);
        else
            gs_buf_printf(b,
                          "if clients call https://%s, list %s with a Secret in the Ingress's "
                          "tls and give the Gateway a listener with protocol HTTPS, port 443, "
                          "hostname %s and that Secret (ingress-nginx answers %s %d under its "
                          "fake certificate)",
                          p->host, p->host, p->host, p->path, x->status);
        break;
    case GS_DIFF_REDIRECT:
        if (p->kind == DIFF_K_QUERY && strchr(y->location, '?') && !strchr(x->location, '?') &&
            strncmp(x->location, y->location, strlen(x->location)) == 0)
            gs_buf_printf(b,
                          "ingress-nginx's redirect (return %d URL) drops the query string and "
                          "a RequestRedirect keeps it: no filter removes it, so check that %s "
                          "accepts the query",
                          x->status, x->location);
        else if (x->status >= 300 && x->status < 400 && x->location[0])
            gs_buf_printf(b, "on %s, a RequestRedirect of \"%s\" to %s with statusCode %d", p->host,
                          lit, x->location, x->status);
        else if (y->status >= 300 && y->status < 400)
            gs_buf_printf(b, "on %s, no redirect for %s: ingress-nginx answers it %d", p->host,
                          p->path, x->status);
        break;
    case GS_DIFF_RESP_HEADER:
        diff_fix_headers(x->headers, y->headers, "Response", p->host, lit, b);
        break;
    case GS_DIFF_REQ_HEADER:
        diff_fix_headers(x->req, y->req, "Request", p->host, lit, b);
        break;
    default:
        break;
    }
}

/* ---- running the probes ------------------------------------------------------------------- */

static void diff_probe_line(const diff_probe *p, const char *verdict, gs_buf *b)
{
    bool tls = diff_probe_tls(p, true), mixed = tls != diff_probe_tls(p, false);
    if (p->grpc)
        gs_buf_printf(b, "%s gRPC %s://%s%s%s%s%s", verdict, tls ? "https" : "h2c", p->host,
                      p->path, p->header[0] ? " with " : "", p->header,
                      mixed ? " (h2c to the after side)" : "");
    else
        gs_buf_printf(b, "%s GET http%s://%s%s%s%s", verdict, p->https ? "s" : "", p->host,
                      p->path, p->header[0] ? " with " : "", p->header);
}

/* Sends a split probe |opt->requests| times to each side (interleaved, so that both sides see the
 * same moments) and compares the shares of their answers into |out|; true when they differ. */
static bool diff_sampled(const diff_probe *p, const diff_side *before, const diff_side *after,
                         const diff_opts *opt, gs_buf *out, bool *fake)
{
    diff_outcomes o = {0};
    *fake = p->https;
    for (unsigned r = 0; r < opt->requests; r++) {
        diff_answer x, y;
        gs_buf tx = {0}, ty = {0};
        diff_send_to(before, true, p, opt->tls, &x);
        diff_send_to(after, false, p, opt->tls, &y);
        *fake = *fake && strcmp(x.cert, GS_INGRESS_NGINX_FAKE_CN) == 0;
        diff_answer_text(&x, false, false, &tx);
        diff_answer_text(&y, false, false, &ty);
        diff_outcome_count(&o, tx.data, true);
        diff_outcome_count(&o, ty.data, false);
        gs_buf_clear(&tx);
        gs_buf_clear(&ty);
    }
    /* the answers in text order, so that both lines list them alike whatever came first */
    for (size_t i = 1; i < o.n; i++)
        for (size_t j = i; j > 0 && strcmp(o.text[j - 1], o.text[j]) > 0; j--) {
            char *t = o.text[j];
            gs_twosample_cat c = o.cats[j];
            o.text[j] = o.text[j - 1];
            o.cats[j] = o.cats[j - 1];
            o.text[j - 1] = t;
            o.cats[j - 1] = c;
        }
    size_t n_total = o.text[DIFF_MAX_OUTCOMES] ? DIFF_MAX_OUTCOMES + 1 : o.n;
    gs_twosample_result res;
    gs_error err = {0};
    gs_twosample_compare(o.cats, n_total, opt->alpha, &res, &err); /* both samples have N */
    gs_buf ta = {0}, tb = {0};
    diff_shares_text(&o, n_total, true, &ta);
    diff_shares_text(&o, n_total, false, &tb);
    diff_probe_line(p, res.differs ? "DIFF" : "same", out);
    gs_buf_printf(out, " (%u requests a side)\n    %s: %s\n    %s: %s\n", opt->requests,
                  before->spec, ta.data, after->spec, tb.data);
    gs_buf_printf(out, "    %s in: shares (p = %.3g, alpha %g, Fisher's exact test%s)\n",
                  res.differs ? "differs" : "alike", res.p_value, opt->alpha,
                  res.active > 2 ? ", Holm" : "");
    gs_buf_clear(&ta);
    gs_buf_clear(&tb);
    for (size_t i = 0; i <= DIFF_MAX_OUTCOMES; i++)
        free(o.text[i]);
    return res.differs;
}

/* What the implementations' own fields of the probes came to (diff_header_own): how many
 * answers differ in `server`, and the first such pair. */
typedef struct diff_tally {
    size_t n_server;
    char server_a[128], server_b[128];
} diff_tally;

/* The fix line of a probe that differs in Strict-Transport-Security alone. */
static void diff_hsts_fix(const diff_probe *p, const diff_side *before, const char *hx,
                          const char *hy, gs_buf *b)
{
    char lit[480] = "";
    diff_literal(p->written[0] ? p->written : p->path, lit, sizeof lit);
    if (hx[0] == '\0') {
        gs_buf_printf(b, "%s sends no HSTS for %s: to match it, remove Strict-Transport-Security "
                         "(%s) with a ResponseHeaderModifier on the rule of \"%s\"",
                      before->spec, p->host, hy, lit);
        return;
    }
    if (strncmp(before->spec, "ingress-nginx", 13) == 0)
        gs_buf_puts(b, "ingress-nginx adds HSTS by default (hsts in its ConfigMap); ");
    gs_buf_printf(b, "on %s, a ResponseHeaderModifier on the rule of \"%s\" that sets "
                     "Strict-Transport-Security: %s%s%s%s, or turn HSTS off on %s first",
                  p->host, lit, hx, hy[0] ? " (it sends " : "", hy, hy[0] ? ")" : "",
                  before->spec);
}

/* An answer's text with its Strict-Transport-Security field (|v|, "" when absent). */
static void diff_hsts_text(const diff_answer *a, const char *v, gs_buf *b)
{
    diff_answer_text(a, false, false, b);
    if (v[0])
        gs_buf_printf(b, " [strict-transport-security: %s]", v);
    else
        gs_buf_puts(b, " [no strict-transport-security]");
}

/* Counts an answer pair whose `server` fields differ into |t|. */
static void diff_tally_server(const diff_answer *x, const diff_answer *y, diff_tally *t)
{
    char sx[128], sy[128];
    diff_field(x->own, "server", sx, sizeof sx);
    diff_field(y->own, "server", sy, sizeof sy);
    if (x->status == 0 || y->status == 0 || strcmp(sx, sy) == 0)
        return;
    if (t->n_server++ == 0) {
        snprintf(t->server_a, sizeof t->server_a, "%s", sx);
        snprintf(t->server_b, sizeof t->server_b, "%s", sy);
    }
}

/* Sends one probe to both sides into |out|; the cause when they differ (*differs). A probe
 * answered alike but for Strict-Transport-Security differs with cause GS_DIFF_HSTS. */
static diff_cause diff_single(const diff_probe *p, const diff_side *before, const diff_side *after,
                              const diff_opts *opt, diff_tally *tally, gs_buf *out,
                              bool *differs)
{
    diff_answer x, y;
    diff_send_to(before, true, p, opt->tls, &x);
    diff_send_to(after, false, p, opt->tls, &y);
    diff_tally_server(&x, &y, tally);
    gs_buf what = {0}, tx = {0}, ty = {0};
    *differs = diff_compare(&x, &y, &what);
    char hx[256], hy[256];
    diff_field(x.own, "strict-transport-security", hx, sizeof hx);
    diff_field(y.own, "strict-transport-security", hy, sizeof hy);
    bool hsts = !*differs && x.status && y.status && strcmp(hx, hy) != 0;
    bool hdrs = *differs && strstr(what.data, "response-headers") != NULL;
    bool reqs = *differs && strstr(what.data, "request-headers") != NULL;
    if (hsts) {
        *differs = true;
        gs_buf_puts(&what, "strict-transport-security ");
        diff_hsts_text(&x, hx, &tx);
        diff_hsts_text(&y, hy, &ty);
    } else {
        diff_answer_text(&x, hdrs, reqs, &tx);
        diff_answer_text(&y, hdrs, reqs, &ty);
    }
    diff_probe_line(p, *differs ? "DIFF" : "same", out);
    gs_buf_printf(out, "\n    %s: %s\n    %s: %s\n", before->spec, tx.data, after->spec, ty.data);
    diff_cause cause = GS_DIFF_OTHER;
    if (*differs) {
        gs_buf_printf(out, "    differs in: %.*s\n", (int)what.len - 1, what.data);
        cause = hsts ? GS_DIFF_HSTS : diff_cause_of(p, &x, &y, what.data);
        gs_buf fix = {0};
        if (hsts)
            diff_hsts_fix(p, before, hx, hy, &fix);
        else
            diff_fix_for(p, &x, &y, cause, &fix);
        if (fix.len)
            gs_buf_printf(out, "    fix: %s\n", fix.data);
        gs_buf_clear(&fix);
    }
    gs_buf_clear(&what);
    gs_buf_clear(&tx);
    gs_buf_clear(&ty);
    return cause;
}

/* |path| as nginx matches it: percent-encoding decoded (%2F too) and slashes merged. */
static void diff_normalized(const char *path, char *out, size_t n)
{
    size_t k = 0;
    for (const char *c = path; *c && k + 1 < n; c++) {
        char ch = *c;
        unsigned v;
        if (ch == '%' && isxdigit((unsigned char)c[1]) && isxdigit((unsigned char)c[2]) &&
            sscanf(c + 1, "%2x", &v) == 1 && v != 0) {
            ch = (char)v;
            c += 2;
        }
        if (ch == '/' && k > 0 && out[k - 1] == '/')
            continue;
        out[k++] = ch;
    }
    out[k] = '\0';
}

/* The probe that asks for |p|'s normalised path with the same host, header and scheme, or
 * SIZE_MAX when there is none. */
static size_t diff_twin(const diff_probes *ps, const diff_probe *p)
{
    char norm[512];
    diff_normalized(p->path, norm, sizeof norm);
    for (size_t i = 0; i < ps->n; i++) {
        const diff_probe *q = &ps->items[i];
        if (q != p && q->kind != DIFF_K_ENCODED && q->kind != DIFF_K_DSLASH &&
            q->https == p->https && strcmp(q->host, p->host) == 0 &&
            strcmp(q->header, p->header) == 0 && strcmp(q->path, norm) == 0)
            return i;
    }
    return SIZE_MAX;
}

/* How implementation |spec| normalises request paths, for the known-difference group. */
static const char *diff_norm_behaviour(const char *spec)
{
    if (strncmp(spec, "ingress-nginx", 13) == 0)
        return "ingress-nginx (nginx) decodes percent-encoding, %2F too, and merges double slashes "
               "before it matches a location, and forwards the path as received";
    if (strncmp(spec, "builtin", 7) == 0)
        return "the builtin gateway merges slashes, forwards the normalised path and answers an "
               "encoded slash (%2F) with 400 (docs/gateway.md, \"Path normalisation\")";
    if (strncmp(spec, "nginx", 5) == 0)
        return "the nginx target does not merge slashes before its locations, so //PATH is "
               "matched as written (docs/targets/nginx.md)";
    return NULL;
}

/* A probe answered differently: its cause and its report. */
typedef struct diff_found {
    diff_cause cause;
    bool known;    /* a normalisation probe whose normalised path both sides answer alike */
    bool expected; /* an HTTPS probe ingress-nginx answered under its fake certificate only, or
                      one differing in Strict-Transport-Security alone */
    char *text;
} diff_found;

/* True for the causes whose probes are expected differences, not counted unless --strict. */
static bool diff_cause_expected(diff_cause c)
{
    return c == GS_DIFF_FAKE_CERT || c == GS_DIFF_HSTS;
}

/* The groups of the expected differences (res->expected_by_cause of the |n_diff| in |found|),
 * after the causes. */
static void diff_print_expected(const diff_found *found, size_t n_diff, const gs_diff_result *res,
                                FILE *out)
{
    for (int c = 0; c < GS_DIFF_CAUSE_COUNT; c++) {
        size_t n = res->expected_by_cause[c];
        if (n == 0)
            continue;
        fprintf(out,
                "\n== expected difference: %s (%zu probe%s, not counted)\n   why: %s\n"
                "   suggested fix: %s\n   --strict counts these\n",
                diff_causes[c].title, n, n == 1 ? "" : "s", diff_causes[c].why,
                diff_causes[c].fix);
        for (size_t i = 0; i < n_diff; i++)
            if (found[i].expected && found[i].cause == (diff_cause)c)
                fputs(found[i].text, out);
    }
}

/* Sends every probe to both sides; prints the probes answered alike (unless quiet), then the
 * differences grouped by cause with the suggested fix, then the known differences of the
 * implementations (not counted unless --strict: *n_known). Returns how many probes differ,
 * the known ones left out. */
static size_t diff_run_probes(const diff_probes *ps, const diff_side *before,
                              const diff_side *after, const diff_opts *opt, gs_diff_result *res,
                              diff_tally *tally)
{
    size_t *n_causes = &res->n_causes, *n_known = &res->n_known;
    diff_found *found = gs_xcalloc(ps->n + 1, sizeof *found);
    size_t *found_probe = gs_xcalloc(ps->n + 1, sizeof *found_probe);
    bool *differs_v = gs_xcalloc(ps->n + 1, sizeof *differs_v);
    size_t n_diff = 0;
    for (size_t i = 0; i < ps->n; i++) {
        const diff_probe *p = &ps->items[i];
        gs_buf text = {0};
        bool differs;
        diff_cause cause = GS_DIFF_SPLIT;
        if (p->weighted) {
            bool fake;
            differs = diff_sampled(p, before, after, opt, &text, &fake);
            if (fake) /* every answer of ingress-nginx under its fake certificate */
                cause = GS_DIFF_FAKE_CERT;
        } else {
            cause = diff_single(p, before, after, opt, tally, &text, &differs);
        }
        differs_v[i] = differs;
        if (differs) {
            found_probe[n_diff] = i;
            found[n_diff].cause = cause;
            found[n_diff++].text = gs_buf_take(&text);
        } else {
            if (!opt->quiet)
                fputs(text.data, opt->out);
            gs_buf_clear(&text);
        }
    }
    /* a normalisation probe differs by the implementations alone when its normalised path is
     * answered alike: the routes agree there */
    for (size_t i = 0; i < n_diff && !opt->strict; i++) {
        if (found[i].cause != GS_DIFF_NORMALIZE)
            continue;
        size_t twin = diff_twin(ps, &ps->items[found_probe[i]]);
        if (twin != SIZE_MAX && !differs_v[twin]) {
            found[i].known = true;
            ++*n_known;
            char *t = gs_xasprintf("KNOWN%s", found[i].text + strlen("DIFF"));
            free(found[i].text);
            found[i].text = t;
        }
    }
    /* an HTTPS answer under ingress-nginx's fake certificate reached no verifying client; a
     * Strict-Transport-Security field is the implementation's own */
    for (size_t i = 0; i < n_diff && !opt->strict; i++) {
        if (!diff_cause_expected(found[i].cause))
            continue;
        found[i].expected = true;
        ++res->n_expected;
        ++res->expected_by_cause[found[i].cause];
        char *t = gs_xasprintf("EXPECTED%s", found[i].text + strlen("DIFF"));
        free(found[i].text);
        found[i].text = t;
    }
    for (int c = 0; c < GS_DIFF_CAUSE_COUNT; c++) {
        size_t k = 0;
        for (size_t i = 0; i < n_diff; i++)
            k += found[i].cause == (diff_cause)c && !found[i].known && !found[i].expected;
        res->by_cause[c] = k;
        if (k == 0)
            continue;
        ++*n_causes;
        fprintf(opt->out, "\n== cause: %s (%zu probe%s)\n   why: %s\n   suggested fix: %s\n",
                diff_causes[c].title, k, k == 1 ? "" : "s", diff_causes[c].why,
                diff_causes[c].fix ? diff_causes[c].fix : "none known");
        for (size_t i = 0; i < n_diff; i++)
            if (found[i].cause == (diff_cause)c && !found[i].known && !found[i].expected)
                fputs(found[i].text, opt->out);
    }
    diff_print_expected(found, n_diff, res, opt->out);
    if (*n_known) {
        const char *bw = diff_norm_behaviour(before->spec), *aw = diff_norm_behaviour(after->spec);
        fprintf(opt->out,
                "\n== known difference of the implementations: path normalization (%zu probe%s, "
                "not counted)\n   why: ",
                *n_known, *n_known == 1 ? "" : "s");
        if (bw || aw)
            fprintf(opt->out, "%s%s%s", bw ? bw : "", bw && aw ? "; " : "", aw ? aw : "");
        else
            fputs(diff_causes[GS_DIFF_NORMALIZE].why, opt->out);
        fprintf(opt->out,
                "\n   not a conversion defect: the normalised path of each of these probes is "
                "answered alike by %s and %s; no route can change it. Check that the backends "
                "accept the path they are given and that no client depends on // or %%2F "
                "(--strict counts these, --no-normalization leaves them out)\n",
                before->spec, after->spec);
        for (size_t i = 0; i < n_diff; i++)
            if (found[i].known)
                fputs(found[i].text, opt->out);
    }
    if (n_diff)
        fputc('\n', opt->out);
    for (size_t i = 0; i < n_diff; i++)
        free(found[i].text);
    free(found);
    free(found_probe);
    free(differs_v);
    return n_diff - *n_known - res->n_expected;
}

const char *gs_diff_cause_id(gs_diff_cause c)
{
    return c < GS_DIFF_CAUSE_COUNT ? diff_causes[c].id : "?";
}

int gs_diff_cause_find(const char *id)
{
    for (int c = 0; c < GS_DIFF_CAUSE_COUNT; c++)
        if (strcmp(diff_causes[c].id, id) == 0)
            return c;
    return -1;
}

/* Both sides started on their objects, the probes sent, the echo fleet and sides stopped. */
static int diff_compare_sides(const gs_model *m, const char *ingress_yaml, const char *after_yaml,
                              const diff_opts *opt, gs_diff_result *res, gs_error *err)
{
    const char *target = opt->target;
    diff_svc *svcs = NULL;
    size_t n_svcs = 0;
    diff_services(m, &svcs, &n_svcs);
    diff_route_services(m, &svcs, &n_svcs);
    gs_scenario sc = {0};
    size_t n_tls = 0;
    sc.backends = gs_xcalloc(n_svcs + 1, sizeof *sc.backends);
    sc.n_backends = n_svcs;
    for (size_t i = 0; i < n_svcs; i++) {
        sc.backends[i].ns = svcs[i].ns;
        sc.backends[i].name = svcs[i].name;
        sc.backends[i].ports = svcs[i].ports;
        sc.backends[i].n_ports = svcs[i].n_ports;
        sc.backends[i].replicas = 1;
        if (svcs[i].tls) {
            snprintf(svcs[i].tls_host, sizeof svcs[i].tls_host, "%s.%s.svc", svcs[i].name,
                     svcs[i].ns);
            svcs[i].tls_hosts[0] = svcs[i].tls_host;
            sc.backends[i].tls_hosts = svcs[i].tls_hosts;
            sc.backends[i].n_tls_hosts = 1;
            n_tls++;
        }
    }
    /* the GRPCS backends' CA, for their certificates and the after side's BackendTLSPolicies */
    gs_tls_pem ca = {0};
    int rc = n_tls ? gs_tls_ca_generate(&ca, "gatesim diff CA", err) : 0;
    gs_buf synth = {0}, before_objs = {0}, after_objs = {0};
    diff_synth(svcs, n_svcs, &synth);
    gs_buf_printf(&before_objs, "%s", synth.data ? synth.data : "");
    if (m->n_ingresses == 0)
        diff_synth_classes(ingress_yaml, &before_objs);
    gs_buf_puts(&before_objs, ingress_yaml);
    gs_buf_printf(&after_objs, "%s", synth.data ? synth.data : "");
    if (m->n_ingresses)
        diff_synth_secrets(m, &after_objs);
    diff_synth_classes(after_yaml, &after_objs);
    if (ca.cert)
        diff_synth_ca(after_yaml, ca.cert, &after_objs);
    gs_buf_puts(&after_objs, after_yaml);
    diff_probes *ps = gs_xcalloc(1, sizeof *ps);
    ps->no_normalization = opt->no_normalization;
    if (m->n_ingresses)
        diff_make_probes(m, ps);
    else
        diff_make_route_probes(m, ps); /* and the GRPCRoutes' calls */
    diff_mark_splits(after_yaml, ps);
    diff_mark_grpc_tls(m, after_yaml, ps);
    if (m->n_ingresses == 0)
        diff_mark_splits(ingress_yaml, ps);

    char *root = NULL;
    gs_echo_fleet fleet = {0};
    gs_buf req_names = {0};
    diff_req_names(after_yaml, &req_names);
    if (m->n_ingresses == 0)
        diff_req_names(ingress_yaml, &req_names); /* Gateway API on both sides */
    diff_side before = {.spec = opt->before_target, .req_names = req_names.data},
              after = {.spec = target, .req_names = req_names.data};
    char *self = gs_workdir_self_path();
    char *echo = gs_workdir_find_echo(self);
    if (rc == 0)
        rc = gs_workdir_create(NULL, &root, err);
    if (rc == 0 && ca.cert)
        rc = gs_echo_fleet_tls_write(root, &sc, &ca, err);
    if (rc == 0 && echo == NULL)
        rc = gs_error_set(err, GS_ERR_NOT_FOUND, "no gatesim-echo binary (set GATESIM_ECHO)");
    if (rc == 0)
        rc = gs_echo_fleet_start(&fleet, &sc, NULL, echo, root, NULL, DIFF_TIMEOUT_NS, err);
    if (rc == 0)
        rc = diff_side_start(&before, root, "before", before_objs.data, &fleet, err);
    if (rc == 0)
        rc = diff_side_start(&after, root, "after", after_objs.data, &fleet, err);
    if (rc == 0) {
        res->n_probes = ps->n;
        diff_tally tally = {0};
        size_t n = res->n_differ = diff_run_probes(ps, &before, &after, opt, res, &tally);
        for (size_t i = 0; i < ps->n_notes; i++)
            fprintf(opt->out, "note: %s\n", ps->notes[i]);
        if (tally.n_server)
            fprintf(opt->out,
                    "note: response field server differs on %zu probe%s (%s: %s%s%s, %s: %s%s%s): "
                    "each implementation names itself, not compared\n",
                    tally.n_server, tally.n_server == 1 ? "" : "s", before.spec,
                    tally.server_a[0] ? "\"" : "", tally.server_a[0] ? tally.server_a : "none",
                    tally.server_a[0] ? "\"" : "", target, tally.server_b[0] ? "\"" : "",
                    tally.server_b[0] ? tally.server_b : "none", tally.server_b[0] ? "\"" : "");
        fprintf(opt->out, "gatesim diff: %zu probe%s, %zu answered differently by %s and %s", ps->n,
                ps->n == 1 ? "" : "s", n, before.spec, target);
        if (n)
            fprintf(opt->out, ", %zu cause%s", res->n_causes, res->n_causes == 1 ? "" : "s");
        if (res->n_known)
            fprintf(opt->out,
                    "; %zu more by path normalization alone, a known difference of the "
                    "implementations (not counted)",
                    res->n_known);
        if (res->expected_by_cause[GS_DIFF_FAKE_CERT])
            fprintf(opt->out,
                    "; %zu more over HTTPS only under ingress-nginx's fake certificate, an "
                    "expected difference (not counted)",
                    res->expected_by_cause[GS_DIFF_FAKE_CERT]);
        if (res->expected_by_cause[GS_DIFF_HSTS])
            fprintf(opt->out,
                    "; %zu more by Strict-Transport-Security alone, an expected difference "
                    "(not counted)",
                    res->expected_by_cause[GS_DIFF_HSTS]);
        fputc('\n', opt->out);
    }
    diff_side_stop(&after);
    diff_side_stop(&before);
    gs_echo_fleet_stop(&fleet);
    if (root)
        gs_workdir_remove(root);
    free(root);
    free(self);
    free(echo);
    free(ps);
    gs_buf_clear(&synth);
    gs_buf_clear(&before_objs);
    gs_buf_clear(&after_objs);
    gs_buf_clear(&req_names);
    free(sc.backends);
    free(svcs);
    gs_tls_pem_clear(&ca);
    return rc;
}

int gs_diff_run(const gs_diff_config *cfg, const gs_model *m, const char *before_yaml,
                const char *after_yaml, gs_diff_result *res, gs_error *err)
{
    memset(res, 0, sizeof *res);
    diff_opts opt = {.before_target = cfg->before_target,
                     .target = cfg->target ? cfg->target : "builtin",
                     .quiet = cfg->quiet,
                     .requests = cfg->requests ? cfg->requests : 1000,
                     .alpha = cfg->alpha > 0 ? cfg->alpha : 0.001,
                     .no_normalization = cfg->no_normalization,
                     .strict = cfg->strict,
                     .out = cfg->out};
    if (m->n_ingresses == 0 && m->n_http_routes == 0 && m->n_grpc_routes == 0)
        return gs_error_set(err, GS_ERR_INVALID,
                            "no Ingress, no HTTPRoute and no GRPCRoute in the input");
    if (m->n_ingresses && opt.before_target && strcmp(opt.before_target, "ingress-nginx") != 0)
        return gs_error_set(err, GS_ERR_INVALID,
                            "Ingresses run on --before-target ingress-nginx only (the input has "
                            "%zu Ingress%s)",
                            m->n_ingresses, m->n_ingresses == 1 ? "" : "es");
    if (opt.before_target == NULL)
        opt.before_target = m->n_ingresses ? "ingress-nginx" : "builtin";
    if (gs_target_kind_find(opt.before_target, err) == NULL ||
        gs_target_kind_find(opt.target, err) == NULL)
        return GS_ERR_INVALID;
    gs_buf conv = {0};
    if (after_yaml == NULL && m->n_ingresses == 0) {
        after_yaml = before_yaml; /* Gateway API input: the same objects on the other target */
    } else if (after_yaml == NULL) {
        gs_diags notes = {0};
        gs_convert_options copt = {0};
        gs_convert_ingresses(m, &copt, &conv, &notes);
        gs_diags_clear(&notes);
        after_yaml = conv.data ? conv.data : "";
    }
    int rc = gs_tls_client_ctx_new(&opt.tls, gs_tls_alpn_http11, NULL, NULL, true, err);
    if (rc == 0)
        rc = diff_compare_sides(m, before_yaml, after_yaml, &opt, res, err);
    SSL_CTX_free(opt.tls);
    gs_buf_clear(&conv);
    return rc;
}
