/* SPDX-License-Identifier: MIT */
/* gatesim convert's rule for a host's root location: ingress-nginx gives `location /` of a host
 * without a "/" path the permanent- or temporal-redirect of the host's first Ingress; the
 * conversion writes it as a PathPrefix "/" rule with the same RequestRedirect, only for such
 * hosts, only from the first non-canary Ingress of the host, with a note at the host. The same
 * manifests rendered by the ingress-nginx emulation must redirect at "/" exactly where the
 * conversion writes the rule. */
#include "gs_convert.h"
#include "gs_ingress_nginx.h"
#include "gs_model.h"
#include "gs_test.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ING "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
#define ANN(k, v) "  annotations: {nginx.ingress.kubernetes.io/" k ": \"" v "\"}\n"
#define RULE(host, path, type, svc)                                                                \
    "spec:\n  ingressClassName: nginx\n  rules:\n  - host: " host "\n    http:\n      paths:\n"   \
    "      - {path: " path ", pathType: " type ", backend: {service: {name: " svc                 \
    ", port: {number: 80}}}}\n"

static const char manifests[] =
    /* a.example.com: the first Ingress redirects (308), the second's redirect is not taken */
    ING "metadata:\n  name: moved\n  namespace: web\n"
    "  annotations:\n    nginx.ingress.kubernetes.io/permanent-redirect: "
    "\"https://new.example.com:8443/landing\"\n"
    "    nginx.ingress.kubernetes.io/permanent-redirect-code: \"308\"\n"
    RULE("a.example.com", "/docs", "Prefix", "docs") "---\n"
    ING "metadata:\n  name: later\n  namespace: web\n"
    ANN("temporal-redirect", "http://elsewhere.example.com/")
    RULE("a.example.com", "/later", "Prefix", "docs") "---\n"
    /* b.example.com: the first Ingress has no redirect: the root location answers 404 */
    ING "metadata: {name: plain, namespace: web}\n"
    RULE("b.example.com", "/app", "Prefix", "app") "---\n"
    ING "metadata:\n  name: tmp\n  namespace: web\n"
    ANN("temporal-redirect", "http://elsewhere.example.com/t")
    RULE("b.example.com", "/t", "Prefix", "app") "---\n"
    /* c.example.com: a later Ingress has "/": it is the root location, no redirect */
    ING "metadata:\n  name: old\n  namespace: web\n"
    ANN("temporal-redirect", "http://elsewhere.example.com/c")
    RULE("c.example.com", "/old", "Prefix", "app") "---\n"
    ING "metadata: {name: root, namespace: web}\n"
    RULE("c.example.com", "/", "Prefix", "app") "---\n"
    /* d.example.com: an Exact "/" is not the root location: the redirect (302) stays */
    ING "metadata:\n  name: exact\n  namespace: web\n"
    ANN("temporal-redirect", "http://elsewhere.example.com/d")
    RULE("d.example.com", "/", "Exact", "app") "---\n"
    /* e.example.com: a canary Ingress first is not the host's first Ingress */
    ING "metadata:\n  name: ecanary\n  namespace: web\n"
    "  annotations:\n    nginx.ingress.kubernetes.io/canary: \"true\"\n"
    "    nginx.ingress.kubernetes.io/canary-weight: \"10\"\n"
    "    nginx.ingress.kubernetes.io/permanent-redirect: \"http://elsewhere.example.com/e\"\n"
    RULE("e.example.com", "/e", "Prefix", "beta") "---\n"
    ING "metadata: {name: emain, namespace: web}\n"
    RULE("e.example.com", "/e", "Prefix", "app") "---\n"
    /* f.example.com: the first Ingress has a rule without paths: its redirect still takes the
     * root location, on a route of its own */
    ING "metadata:\n  name: fhost\n  namespace: web\n"
    ANN("permanent-redirect", "http://elsewhere.example.com/f")
    "spec:\n  ingressClassName: nginx\n  rules:\n  - host: f.example.com\n---\n"
    ING "metadata: {name: fapp, namespace: web}\n"
    RULE("f.example.com", "/app", "Prefix", "app") "---\n"
    /* no host: the catch-all server's root is the controller's default backend */
    ING "metadata:\n  name: nohost\n  namespace: web\n"
    ANN("permanent-redirect", "http://elsewhere.example.com/n")
    "spec:\n  ingressClassName: nginx\n  rules:\n  - http:\n      paths:\n"
    "      - {path: /n, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}\n";

static gs_model *load(void)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "root.yaml", manifests, strlen(manifests), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_ingresses, 12);
    return m;
}

/* The YAML document of the HTTPRoute |name| (up to the next document). */
static char *route_doc(const char *out, const char *name)
{
    char want[256];
    snprintf(want, sizeof want, "kind: HTTPRoute\nmetadata: {name: \"%s\",", name);
    const char *s = strstr(out, want);
    ck_assert_msg(s != NULL, "no HTTPRoute %s in:\n%s", name, out);
    const char *end = strstr(s, "\n---\n");
    return end ? strndup(s, (size_t)(end - s)) : strdup(s);
}

static const char root_rule[] = "    - path: {type: PathPrefix, value: \"/\"}\n";

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The notes about a root location, by Ingress name. */
static size_t root_notes(const gs_diags *d, const char *ingress)
{
    size_t n = 0;
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].message, "has no path \"/\": ingress-nginx adds a root location") &&
            (!ingress || strcmp(d->items[i].name, ingress) == 0))
            n++;
    return n;
}

START_TEST(convert_root_redirect)
{
    gs_model *m = load();
    gs_buf out = {0};
    gs_diags notes = {0};
    ck_assert_uint_eq(gs_convert_ingresses(m, NULL, &out, &notes), 12);
    const char *y = out.data;

    /* the first Ingress of a.example.com: its redirect and code, after its own path */
    char *a = route_doc(y, "moved-a.example.com");
    const char *rule = strstr(a, root_rule);
    ck_assert_msg(rule != NULL, "no root rule in:\n%s", a);
    ck_assert(strstr(a, "value: \"/docs\"") < rule);
    ck_assert_ptr_nonnull(strstr(rule, "requestRedirect: {scheme: \"https\", hostname: "
                                       "\"new.example.com\", port: 8443, path: {type: "
                                       "ReplaceFullPath, replaceFullPath: \"/landing\"}, "
                                       "statusCode: 308}"));
    /* the YAML says why above the rule */
    ck_assert_ptr_nonnull(strstr(a, "  # no path \"/\" on this host: ingress-nginx redirects "
                                    "the rest as its first Ingress does\n  - matches:\n" ));
    free(a);
    /* a later Ingress of the host adds none */
    char *later = route_doc(y, "later-a.example.com");
    ck_assert_ptr_null(strstr(later, root_rule));
    free(later);

    /* the temporal-redirect's default code, with an Exact "/" on the host */
    char *d = route_doc(y, "exact-d.example.com");
    ck_assert_uint_eq(count(d, root_rule), 1);
    ck_assert_ptr_nonnull(strstr(d, "value: \"/\"}\n    filters:\n    - type: RequestRedirect\n"
                                    "      requestRedirect: {scheme: \"http\", hostname: "
                                    "\"elsewhere.example.com\", path: {type: ReplaceFullPath, "
                                    "replaceFullPath: \"/d\"}, statusCode: 302}"));
    ck_assert_ptr_nonnull(strstr(d, "{type: Exact, value: \"/\"}"));
    free(d);

    /* no root rule: the first Ingress does not redirect (b), the host has "/" (c), the
     * redirecting Ingress is a canary (e), no host */
    char *tmp = route_doc(y, "tmp-b.example.com");
    ck_assert_ptr_null(strstr(tmp, root_rule));
    free(tmp);
    char *old = route_doc(y, "old-c.example.com");
    ck_assert_ptr_null(strstr(old, root_rule));
    free(old);
    char *emain = route_doc(y, "emain-e.example.com");
    ck_assert_ptr_null(strstr(emain, root_rule));
    free(emain);
    char *nohost = route_doc(y, "nohost-all-hosts");
    ck_assert_ptr_null(strstr(nohost, root_rule));
    free(nohost);
    /* a rule without paths: a route for the root rule alone */
    char *f = route_doc(y, "fhost-f.example.com");
    ck_assert_ptr_nonnull(strstr(f, "  rules:\n  # no path"));
    ck_assert_uint_eq(count(f, "- matches:"), 1);
    ck_assert_ptr_nonnull(strstr(f, "replaceFullPath: \"/f\"}, statusCode: 301}"));
    free(f);
    char *fapp = route_doc(y, "fapp-f.example.com");
    ck_assert_ptr_null(strstr(fapp, root_rule));
    free(fapp);
    /* the only PathPrefix "/" rules: a, d, f, and c's own path */
    ck_assert_uint_eq(count(y, root_rule), 4);
    ck_assert_uint_eq(count(y, "# no path \"/\" on this host"), 3);

    /* one note per rule written, at the host of the Ingress it comes from */
    ck_assert_uint_eq(root_notes(&notes, NULL), 3);
    ck_assert_uint_eq(root_notes(&notes, "fhost"), 1);
    ck_assert_uint_eq(root_notes(&notes, "moved"), 1);
    ck_assert_uint_eq(root_notes(&notes, "exact"), 1);
    for (size_t i = 0; i < notes.len; i++)
        if (root_notes(&(gs_diags){.items = &notes.items[i], .len = 1}, NULL)) {
            ck_assert_int_eq(notes.items[i].severity, GS_DIAG_NOTE);
            ck_assert_str_eq(notes.items[i].pos.file, "root.yaml");
        }

    /* the output is valid Gateway API */
    gs_model *back;
    gs_model_new(&back);
    gs_model_load_buffer(back, "out.yaml", out.data, out.len, NULL, NULL);
    ck_assert_msg(back->diags.nerrors == 0, "%s", y);
    gs_model_free(back);

    gs_buf_clear(&out);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

static bool resolve(void *ctx, const char *ns, const char *name, int64_t port, char *out, size_t n)
{
    (void)ctx;
    (void)ns;
    (void)name;
    snprintf(out, n, "127.0.0.1:%lld", (long long)(10000 + port));
    return true;
}

/* The body of `location "/"` of |host|'s server in |conf|. */
static char *root_location(const char *conf, const char *host)
{
    char want[256];
    snprintf(want, sizeof want, "server_name %s;", host);
    const char *s = strstr(conf, want);
    ck_assert_msg(s != NULL, "no server %s in:\n%s", host, conf);
    const char *l = strstr(s, "location \"/\" {\n");
    const char *next = strstr(s, "    server {");
    ck_assert_msg(l && (!next || l < next), "no root location for %s in:\n%s", host, conf);
    const char *end = strstr(l, "        }\n");
    return strndup(l, (size_t)(end - l));
}

/* The emulation agrees: its root location redirects where the conversion writes the rule. */
START_TEST(convert_root_redirect_matches_target)
{
    gs_model *m = load();
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:18080", .workdir = "/tmp/unused",
                              .resolve = resolve};
    gs_buf conf = {0};
    gs_diags notes = {0};
    gs_ingress_nginx_render(&in, &conf, &notes);
    static const struct {
        const char *host, *want;
    } cases[] = {
        {"a.example.com", "return 308 https://new.example.com:8443/landing;"},
        {"b.example.com", "return 404;"},
        {"c.example.com", "proxy_pass http://"},
        {"d.example.com", "return 302 http://elsewhere.example.com/d;"},
        {"e.example.com", "return 404;"},
        {"f.example.com", "return 301 http://elsewhere.example.com/f;"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *root = root_location(conf.data, cases[i].host);
        ck_assert_msg(strstr(root, cases[i].want) != NULL, "%s: want %s in:\n%s", cases[i].host,
                      cases[i].want, root);
        free(root);
    }
    gs_buf_clear(&conf);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

/* An Ingress with backend-protocol and an annotation nothing models; line numbers from 1. */
static const char protocol_doc[] =
    "apiVersion: networking.k8s.io/v1\n"                             /* 1 */
    "kind: Ingress\n"                                                /* 2 */
    "metadata:\n"                                                    /* 3 */
    "  name: rpc\n"                                                  /* 4 */
    "  namespace: web\n"                                             /* 5 */
    "  annotations:\n"                                               /* 6 */
    "    nginx.ingress.kubernetes.io/auth-url: http://auth\n"        /* 7 */
    "    nginx.ingress.kubernetes.io/backend-protocol:   GRPC\n"     /* 8: value at col 53 */
    "spec:\n"
    "  ingressClassName: nginx\n"
    "  rules:\n  - host: rpc.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: app, port: {number: 80}}}}\n";

/* The one note of |d| whose message has |needle|. */
static const gs_diag *find_note(const gs_diags *d, const char *needle)
{
    const gs_diag *found = NULL;
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].message, needle)) {
            ck_assert_msg(found == NULL, "two notes with %s", needle);
            found = &d->items[i];
        }
    ck_assert_msg(found != NULL, "no note with %s", needle);
    return found;
}

START_TEST(convert_backend_protocol_at_value)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "rpc.yaml", protocol_doc, strlen(protocol_doc), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_buf out = {0};
    gs_diags notes = {0};
    ck_assert_uint_eq(gs_convert_ingresses(m, NULL, &out, &notes), 1);
    const gs_diag *g = find_note(&notes, "backend-protocol GRPC: Gateway API takes");
    ck_assert_int_eq(g->severity, GS_DIAG_WARNING);
    ck_assert_str_eq(g->pos.file, "rpc.yaml");
    ck_assert_uint_eq(g->pos.line, 8);
    ck_assert_uint_eq(g->pos.col, 53);
    gs_buf_clear(&out);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

/* The ingress-nginx target's notes on the model alone: the annotation it does not model at the
 * annotation's key, once; the modelled backend-protocol gets none. */
START_TEST(target_notes_unmodelled_annotation)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "rpc.yaml", protocol_doc, strlen(protocol_doc), NULL, NULL);
    gs_diags notes = {0};
    gs_ingress_nginx_notes(m, &notes);
    const gs_diag *g = find_note(&notes, "annotation nginx.ingress.kubernetes.io/auth-url is not "
                                         "modelled: the ingress-nginx target serves the Ingress "
                                         "as if it were absent");
    ck_assert_int_eq(g->severity, GS_DIAG_WARNING);
    ck_assert_str_eq(g->name, "rpc");
    ck_assert_uint_eq(g->pos.line, 7);
    ck_assert_uint_eq(g->pos.col, 5);
    ck_assert_uint_eq(notes.len, 1);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

/* A location two Ingresses define: the note is at the later Ingress's path, where the user
 * looks, not at its document's start. */
START_TEST(target_notes_duplicate_location_at_path)
{
    static const char doc[] =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"                        /* 1-2 */
        "metadata: {name: first, namespace: web}\nspec:\n  rules:\n"               /* 3-5 */
        "  - host: d.example.com\n    http:\n      paths:\n"                      /* 6-8 */
        "      - {path: /api, pathType: Exact, backend: {service: {name: a, port: {number: 80}}}}\n"
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n"                  /* 10-12 */
        "metadata: {name: second, namespace: web}\nspec:\n  rules:\n"              /* 13-15 */
        "  - host: d.example.com\n    http:\n      paths:\n"                      /* 16-18 */
        "      - {path: /api, pathType: Exact, backend: {service: {name: b, port: {number: 80}}}}\n";
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "dup.yaml", doc, strlen(doc), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_diags notes = {0};
    gs_ingress_nginx_notes(m, &notes);
    const gs_diag *g =
        find_note(&notes, "location /api of d.example.com is defined by an earlier Ingress");
    ck_assert_int_eq(g->severity, GS_DIAG_NOTE);
    ck_assert_str_eq(g->name, "second");
    ck_assert_uint_eq(g->pos.line, 19);
    ck_assert_uint_eq(g->pos.col, 16);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("convert");
    TCase *tc = tcase_create("root");
    tcase_add_test(tc, convert_root_redirect);
    tcase_add_test(tc, convert_root_redirect_matches_target);
    tcase_add_test(tc, convert_backend_protocol_at_value);
    tcase_add_test(tc, target_notes_unmodelled_annotation);
    tcase_add_test(tc, target_notes_duplicate_location_at_path);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
