/* SPDX-License-Identifier: MIT */
/* The ingress-nginx annotation reader (gs_nginx_annot.c): values, defaults and ranges as
 * ingress-nginx's annotation parsers take them, and the combinations its controller resolves:
 * temporal-redirect wins over permanent-redirect (its redirect parser returns the temporal one
 * first), temporal-redirect-code is 300-307 (308 falls back to 302), a code that is no integer
 * drops the redirect (the parser fails), canary-weight-total counts
 * only above 100 (its Lua balancer). Both readers of the result, the ingress-nginx rendering and
 * gatesim convert, are checked to follow. */
#include "gs_alloc.h"
#include "gs_convert.h"
#include "gs_ingress_nginx.h"
#include "gs_model.h"
#include "gs_nginx_annot.h"
#include "gs_test.h"
#include "nginx_cm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ING "apiVersion: networking.k8s.io/v1\nkind: Ingress\n"
#define RULE(host, path, svc)                                                                      \
    "spec:\n  ingressClassName: nginx\n  rules:\n  - host: " host "\n    http:\n      paths:\n"   \
    "      - {path: " path ", pathType: Prefix, backend: {service: {name: " svc                   \
    ", port: {number: 80}}}}\n"
#define A "    nginx.ingress.kubernetes.io/"

static const char manifests[] =
    /* both redirects: the temporal one (and its code) is taken */
    ING "metadata:\n  name: both\n  namespace: web\n  annotations:\n"
    A "permanent-redirect: \"https://perm.example.com/p\"\n"
    A "permanent-redirect-code: \"308\"\n"
    A "temporal-redirect: \"https://temp.example.com/t\"\n"
    A "temporal-redirect-code: \"307\"\n"
    RULE("both.example.com", "/both", "app") "---\n"
    /* 308 is no temporal code for ingress-nginx: 302 */
    ING "metadata:\n  name: tmp308\n  namespace: web\n  annotations:\n"
    A "temporal-redirect: \"https://temp.example.com/x\"\n"
    A "temporal-redirect-code: \"308\"\n"
    RULE("tmp.example.com", "/tmp", "app") "---\n"
    /* 308 is a permanent code */
    ING "metadata:\n  name: perm308\n  namespace: web\n  annotations:\n"
    A "permanent-redirect: \"https://perm.example.com/y\"\n"
    A "permanent-redirect-code: \"308\"\n"
    RULE("perm.example.com", "/perm", "app") "---\n"
    /* a code that is no integer: the redirect parser fails, no redirect at all */
    ING "metadata:\n  name: badcode\n  namespace: web\n  annotations:\n"
    A "permanent-redirect: \"https://bad.example.com/code\"\n"
    A "permanent-redirect-code: \" 301\"\n"
    RULE("badcode.example.com", "/bad", "app") "---\n"
    /* a malformed temporal code fails before the permanent redirect is looked at */
    ING "metadata:\n  name: badtmp\n  namespace: web\n  annotations:\n"
    A "temporal-redirect: \"https://bad.example.com/tmp\"\n"
    A "temporal-redirect-code: \"30x\"\n"
    A "permanent-redirect: \"https://bad.example.com/perm\"\n"
    RULE("badtmp.example.com", "/bad", "app") "---\n"
    /* a canary by weight 30 of a total of 50: the balancer takes 30 of 100 */
    ING "metadata: {name: main, namespace: web}\n"
    RULE("canary.example.com", "/", "stable") "---\n"
    ING "metadata:\n  name: canary\n  namespace: web\n  annotations:\n"
    A "canary: \"true\"\n"
    A "canary-weight: \"30\"\n"
    A "canary-weight-total: \"50\"\n"
    RULE("canary.example.com", "/", "beta") "---\n"
    /* a total above 100 counts: 30 of 300 */
    ING "metadata: {name: main2, namespace: web}\n"
    RULE("canary2.example.com", "/", "stable") "---\n"
    ING "metadata:\n  name: canary2\n  namespace: web\n  annotations:\n"
    A "canary: \"true\"\n"
    A "canary-weight: \"30\"\n"
    A "canary-weight-total: \"300\"\n"
    RULE("canary2.example.com", "/", "beta") "\n";

/* canary-by-header-value: matched exactly, its punctuation escaped in the map's regex (a second
 * buffer: C11 bounds a string literal's length) */
static const char canary_manifests[] =
    ING "metadata: {name: main3, namespace: web}\n"
    RULE("canary3.example.com", "/", "stable") "---\n"
    ING "metadata:\n  name: canary3\n  namespace: web\n  annotations:\n"
    A "canary: \"true\"\n"
    A "canary-by-header: X-Version\n"
    A "canary-by-header-value: \"v1.2+b\"\n"
    RULE("canary3.example.com", "/", "beta") "\n";

static gs_model *load(void)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "annot.yaml", manifests, strlen(manifests), NULL, NULL);
    gs_model_load_buffer(m, "canary.yaml", canary_manifests, strlen(canary_manifests), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_ingresses, 11);
    return m;
}

static const gs_ingress *find(const gs_model *m, const char *name)
{
    const gs_ingress *ing = (const gs_ingress *)gs_model_find(m, GS_KIND_INGRESS, "web", name);
    ck_assert_msg(ing != NULL, "no Ingress %s", name);
    return ing;
}

/* The warnings of |d| about Ingress |name| whose message holds |needle|. */
static size_t warnings(const gs_diags *d, const char *name, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < d->len; i++)
        if (d->items[i].severity == GS_DIAG_WARNING && strcmp(d->items[i].name, name) == 0 &&
            strstr(d->items[i].message, needle))
            n++;
    return n;
}

START_TEST(annot_redirect_precedence_and_codes)
{
    gs_model *m = load();
    gs_diags d = {0};
    gs_nginx_annots a;

    gs_nginx_annots_read(find(m, "both"), &d, &a);
    ck_assert_ptr_null(a.permanent_redirect);
    ck_assert_str_eq(a.temporal_redirect, "https://temp.example.com/t");
    ck_assert_int_eq(a.temporal_redirect_code, 307);
    ck_assert_uint_eq(warnings(&d, "both", "ingress-nginx applies temporal-redirect"), 1);
    gs_nginx_annots_clear(&a);

    gs_nginx_annots_read(find(m, "tmp308"), &d, &a);
    ck_assert_int_eq(a.temporal_redirect_code, 302);
    ck_assert_uint_eq(warnings(&d, "tmp308", "not a number in range"), 1);
    gs_nginx_annots_clear(&a);

    gs_nginx_annots_read(find(m, "perm308"), &d, &a);
    ck_assert_int_eq(a.permanent_redirect_code, 308);
    ck_assert_uint_eq(warnings(&d, "perm308", ""), 0);
    gs_nginx_annots_clear(&a);

    /* validation off: the redirect parser fails, no redirect */
    gs_nginx_annots_read_opt(find(m, "badcode"), false, &d, &a);
    ck_assert_ptr_null(a.permanent_redirect);
    ck_assert_uint_eq(warnings(&d, "badcode", "ingress-nginx's redirect parser fails, so the "
                                              "Ingress gets no redirect"),
                      1);
    gs_nginx_annots_clear(&a);

    gs_nginx_annots_read_opt(find(m, "badtmp"), false, &d, &a);
    ck_assert_ptr_null(a.temporal_redirect);
    ck_assert_ptr_null(a.permanent_redirect);
    ck_assert_uint_eq(warnings(&d, "badtmp", "ingress-nginx's redirect parser fails"), 1);
    ck_assert_uint_eq(warnings(&d, "badtmp", "applies temporal-redirect"), 0);
    gs_nginx_annots_clear(&a);

    /* validation on: no such warning, the Ingress is invalid (gs_nginx_annots_reject says so) */
    gs_diags_clear(&d);
    gs_nginx_annots_read(find(m, "badcode"), &d, &a);
    ck_assert_uint_eq(warnings(&d, "badcode", "redirect parser"), 0);
    ck_assert_str_eq(a.invalid_rule, "ValidateInt: an integer");
    gs_nginx_annots_clear(&a);
    gs_nginx_annots_read(find(m, "badtmp"), &d, &a);
    ck_assert_uint_eq(warnings(&d, "badtmp", "redirect parser"), 0);
    ck_assert_ptr_nonnull(a.invalid);
    gs_nginx_annots_clear(&a);
    gs_diags_clear(&d);
    gs_model_free(m);
}
END_TEST

START_TEST(annot_canary_weight_total)
{
    gs_model *m = load();
    gs_diags d = {0};
    gs_nginx_annots a;
    gs_nginx_annots_read(find(m, "canary"), &d, &a);
    ck_assert_int_eq(a.canary_weight, 30);
    ck_assert_int_eq(a.canary_weight_total, 100);
    ck_assert_uint_eq(warnings(&d, "canary", "below 100"), 1);
    gs_nginx_annots_clear(&a);
    gs_nginx_annots_read(find(m, "canary2"), &d, &a);
    ck_assert_int_eq(a.canary_weight_total, 300);
    ck_assert_uint_eq(warnings(&d, "canary2", ""), 0);
    gs_nginx_annots_clear(&a);
    gs_diags_clear(&d);
    gs_model_free(m);
}
END_TEST

static bool resolve(void *ctx, const char *ns, const char *name, int64_t port, char *out, size_t n)
{
    (void)ctx, (void)ns, (void)name, (void)port;
    snprintf(out, n, "127.0.0.1:9");
    return true;
}

/* The rendering redirects as ingress-nginx does and splits 30% / 10% to the canaries. */
START_TEST(annot_render_follows)
{
    gs_model *m = load();
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:8080", .workdir = "/tmp",
                              .resolve = resolve};
    gs_buf conf = {0};
    gs_diags notes = {0};
    gs_ingress_nginx_render(&in, &conf, &notes);
    const char *c = conf.data;
    ck_assert_ptr_nonnull(c);
    ck_assert_msg(strstr(c, "return 307 https://temp.example.com/t;") != NULL, "%s", c);
    ck_assert_ptr_null(strstr(c, "perm.example.com/p"));
    ck_assert_msg(strstr(c, "return 302 https://temp.example.com/x;") != NULL, "%s", c);
    ck_assert_msg(strstr(c, "return 308 https://perm.example.com/y;") != NULL, "%s", c);
    ck_assert_ptr_null(strstr(c, "bad.example.com")); /* malformed codes: no redirect */
    /* "v1.2+b" fails canary-by-header-value's validator (BasicCharsRegex: no "+"): with
     * validation on, the default, ingress-nginx reads the value as absent (annot_header_value_
     * validation renders it with validation off) */
    ck_assert_msg(strstr(c, "v1\\\\.2") == NULL, "%s", c);
    ck_assert_uint_eq(warnings(&notes, "canary3", "fails ingress-nginx's validation "
                                                  "(ValidateRegex(BasicCharsRegex)"),
                      1);
    ck_assert_msg(strstr(c, "30.00%") != NULL && strstr(c, "10.00%") != NULL &&
                      strstr(c, "60.00%") == NULL,
                  "%s", c);
    gs_buf_clear(&conf);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

/* With the controller ConfigMap's enable-annotation-validation "false", canary-by-header-value
 * "v1.2+b" is used: matched exactly, nginx's map compares strings without case, so the value is
 * a case-sensitive regex with its punctuation escaped. */
START_TEST(annot_header_value_validation)
{
    static const char cm[] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                             "  name: ingress-nginx-controller\n  namespace: ingress-nginx\n"
                             "data:\n  enable-annotation-validation: \"false\"\n";
    gs_model *m = load();
    gs_model_load_buffer(m, "cm.yaml", cm, strlen(cm), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:8080", .workdir = "/tmp",
                              .resolve = resolve};
    gs_buf conf = {0};
    gs_diags notes = {0};
    gs_ingress_nginx_render(&in, &conf, &notes);
    const char *c = conf.data;
    ck_assert_msg(strstr(c, "map $http_x_version $gs_cnh_") != NULL &&
                      strstr(c, "        \"~^v1\\\\.2\\\\+b$\" gs_up_") != NULL,
                  "%s", c);
    ck_assert_uint_eq(warnings(&notes, "canary3", "validation"), 0);
    gs_buf_clear(&conf);
    gs_diags_clear(&notes);
    gs_nginx_annots a;
    gs_nginx_annots_read_opt(find(m, "canary3"), false, NULL, &a);
    ck_assert_str_eq(a.canary_by_header_value, "v1.2+b");
    gs_nginx_annots_clear(&a);
    gs_nginx_annots_read_opt(find(m, "canary3"), true, NULL, &a);
    ck_assert_ptr_null(a.canary_by_header_value);
    ck_assert_str_eq(a.canary_by_header, "X-Version");
    gs_nginx_annots_clear(&a);
    gs_model_free(m);
}
END_TEST

/* gatesim convert writes the same: the temporal RequestRedirect, weights 70/30 and 270/30. */
START_TEST(annot_convert_follows)
{
    gs_model *m = load();
    gs_buf out = {0};
    gs_diags notes = {0};
    gs_convert_ingresses(m, NULL, &out, &notes);
    const char *y = out.data;
    ck_assert_ptr_nonnull(y);
    ck_assert_msg(strstr(y, "hostname: \"temp.example.com\", path: {type: ReplaceFullPath, "
                            "replaceFullPath: \"/t\"}, statusCode: 307}") != NULL,
                  "%s", y);
    ck_assert_ptr_null(strstr(y, "perm.example.com\", path: {type: ReplaceFullPath, "
                                 "replaceFullPath: \"/p\""));
    ck_assert_msg(strstr(y, "replaceFullPath: \"/x\"}, statusCode: 302}") != NULL, "%s", y);
    ck_assert_ptr_null(strstr(y, "bad.example.com"));
    ck_assert_msg(strstr(y, "weight: 70") != NULL && strstr(y, "weight: 270") != NULL &&
                      strstr(y, "weight: 20") == NULL,
                  "%s", y);
    gs_buf_clear(&out);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

/* Annotation validation (ingress-nginx v1.12+, on by default): a value that fails the validator
 * of an annotation whose parser passes the error up drops the whole Ingress; values whose
 * parsers fall back to a default (canary-weight, ssl-redirect, ...) do not. */
static const char validation_manifests[] =
    ING "metadata:\n  name: v-code\n  namespace: web\n  annotations:\n"
    A "permanent-redirect: \"https://v.example.com/code\"\n"
    A "permanent-redirect-code: \"30x\"\n"
    RULE("vcode.example.com", "/", "app") "---\n"
    ING "metadata:\n  name: v-bool\n  namespace: web\n  annotations:\n"
    A "from-to-www-redirect: \"yes\"\n"
    RULE("vbool.example.com", "/", "app") "---\n"
    ING "metadata:\n  name: v-vhost\n  namespace: web\n  annotations:\n"
    A "upstream-vhost: \"in ternal;\"\n"
    RULE("vvhost.example.com", "/", "app") "---\n"
    ING "metadata:\n  name: v-prefix\n  namespace: web\n  annotations:\n"
    A "x-forwarded-prefix: \"/a%20b\"\n"
    RULE("vprefix.example.com", "/", "app") "---\n"
    ING "metadata:\n  name: v-url\n  namespace: web\n  annotations:\n"
    A "temporal-redirect: \"https://v.example.com/#frag\"\n"
    RULE("vurl.example.com", "/", "app") "---\n"
    /* kept: the temporal redirect wins, so the permanent code is never read */
    ING "metadata:\n  name: k-unread\n  namespace: web\n  annotations:\n"
    A "temporal-redirect: \"https://k.example.com/t?x=1&y=2\"\n"
    A "permanent-redirect-code: \"30x\"\n"
    RULE("kunread.example.com", "/", "app") "---\n"
    /* kept: parsers that default (canary-weight 0, ssl-redirect true) */
    ING "metadata: {name: k-main, namespace: web}\n"
    RULE("kcanary.example.com", "/", "stable") "---\n"
    ING "metadata:\n  name: k-canary\n  namespace: web\n  annotations:\n"
    A "canary: \"true\"\n"
    A "canary-weight: \"ten\"\n"
    A "ssl-redirect: \"yes\"\n"
    A "upstream-vhost: \" internal.example.com \"\n"
    A "x-forwarded-prefix: \"/a b/$1\"\n"
    RULE("kcanary.example.com", "/", "beta") "---\n"
    /* parsers that read a failing value as absent: rewrite-target ("?"), canary-by-cookie (";") */
    ING "metadata:\n  name: d-defaults\n  namespace: web\n  annotations:\n"
    A "rewrite-target: \"/x?y=1\"\n"
    A "app-root: \"/app1\"\n"
    A "canary-by-cookie: \"a;b\"\n"
    A "canary-by-header-pattern: \"^v[0-9]+$\"\n"
    A "canary-by-header: \"X Beta\"\n"
    RULE("ddefaults.example.com", "/", "app") "\n";

static gs_model *load_validation(const char *cm_value)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "valid.yaml", validation_manifests, strlen(validation_manifests), NULL,
                         NULL);
    if (cm_value) {
        char *data = gs_xasprintf("  enable-annotation-validation: \"%s\"\n", cm_value);
        load_nginx_cm(m, data);
        free(data);
    }
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_ingresses, 9);
    return m;
}

START_TEST(annot_validation_rejects)
{
    gs_model *m = load_validation(NULL);
    static const struct {
        const char *name, *key, *rule;
        unsigned line;
    } rej[] = {
        {"v-code", "permanent-redirect-code", "ValidateInt", 8},
        {"v-bool", "from-to-www-redirect", "ValidateBool", 23},
        {"v-vhost", "upstream-vhost", "ValidateServerName", 38},
        {"v-prefix", "x-forwarded-prefix", "RegexPathWithCapture", 53},
        {"v-url", "temporal-redirect", "URLIsValidRegex", 68},
    };
    for (size_t i = 0; i < sizeof rej / sizeof rej[0]; i++) {
        gs_diags d = {0};
        gs_nginx_annots a;
        gs_nginx_annots_read(find(m, rej[i].name), NULL, &a);
        ck_assert_msg(a.invalid != NULL, "%s not invalid", rej[i].name);
        ck_assert_msg(strstr(a.invalid->key.v, rej[i].key) != NULL, "%s", a.invalid->key.v);
        ck_assert_msg(strstr(a.invalid_rule, rej[i].rule) != NULL, "%s", a.invalid_rule);
        /* validation off: served as before */
        ck_assert(!gs_nginx_annots_reject(find(m, rej[i].name), &a, false, &d));
        ck_assert(!a.rejected);
        ck_assert_uint_eq(d.len, 0);
        ck_assert(gs_nginx_annots_reject(find(m, rej[i].name), &a, true, &d));
        ck_assert(a.rejected);
        ck_assert_uint_eq(d.len, 1);
        ck_assert_msg(strncmp(d.items[0].message, "ingress-nginx rejects this Ingress: annotation "
                                                  "nginx.ingress.kubernetes.io/",
                              74) == 0 &&
                          strstr(d.items[0].message, "fails its validation (") &&
                          strstr(d.items[0].message, "); fix the value"),
                      "%s", d.items[0].message);
        ck_assert_str_eq(d.items[0].pos.file, "valid.yaml");
        ck_assert_uint_eq(d.items[0].pos.line, rej[i].line);
        ck_assert_uint_gt(d.items[0].pos.col, 0);
        gs_nginx_annots_clear(&a);
        gs_diags_clear(&d);
    }
    gs_nginx_annots a;
    gs_diags d = {0};
    gs_nginx_annots_read_opt(find(m, "d-defaults"), true, &d, &a);
    ck_assert_ptr_null(a.invalid);
    ck_assert_ptr_null(a.rewrite_target);
    ck_assert_ptr_null(a.canary_by_cookie);
    ck_assert_str_eq(a.app_root, "/app1");
    ck_assert_str_eq(a.canary_by_header_pattern, "^v[0-9]+$");
    ck_assert_str_eq(a.canary_by_header, "X Beta"); /* validated with its spaces removed */
    ck_assert_uint_eq(warnings(&d, "d-defaults", "RegexPathWithCapture): letters, digits and "
                                                 "-._~/:$ only): ingress-nginx reads the "
                                                 "annotation as absent"),
                      1);
    ck_assert_uint_eq(warnings(&d, "d-defaults", "(ValidateRegex(BasicCharsRegex)"), 1);
    ck_assert_uint_eq(d.len, 2);
    gs_nginx_annots_clear(&a);
    gs_diags_clear(&d);
    gs_nginx_annots_read_opt(find(m, "d-defaults"), false, &d, &a);
    ck_assert_str_eq(a.rewrite_target, "/x?y=1");
    ck_assert_str_eq(a.canary_by_cookie, "a;b");
    ck_assert_uint_eq(d.len, 0);
    gs_nginx_annots_clear(&a);
    gs_diags_clear(&d);
    gs_nginx_annots_read(find(m, "k-unread"), &d, &a);
    ck_assert_str_eq(a.temporal_redirect, "https://k.example.com/t?x=1&y=2");
    ck_assert_uint_eq(warnings(&d, "k-unread", "is not an integer: ignored (ingress-nginx's "
                                               "redirect parser does not read it next to "
                                               "temporal-redirect)"),
                      1);
    gs_nginx_annots_clear(&a);
    gs_diags_clear(&d);
    static const char *const kept[] = {"k-unread", "k-main", "k-canary"};
    for (size_t i = 0; i < 3; i++) {
        gs_nginx_annots_read(find(m, kept[i]), NULL, &a);
        ck_assert_msg(a.invalid == NULL, "%s: %s", kept[i], a.invalid ? a.invalid->key.v : "");
        ck_assert(!gs_nginx_annots_reject(find(m, kept[i]), &a, true, NULL));
        if (i == 2) {
            ck_assert_int_eq(a.canary_weight, -1);
            ck_assert(a.ssl_redirect);
        }
        gs_nginx_annots_clear(&a);
    }
    gs_model_free(m);
}
END_TEST

/* The rendering and convert leave a rejected Ingress out, and serve it as before (no redirect
 * for the malformed code) when the ConfigMap turns validation off. */
/* A code beyond int64 fails Go's strconv.Atoi (a range error) as "30x" does. */
START_TEST(annot_validation_int_out_of_range)
{
    static const char yaml[] =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: big\n"
        "  namespace: default\n  annotations:\n"
        "    nginx.ingress.kubernetes.io/permanent-redirect: https://example.com/\n"
        "    nginx.ingress.kubernetes.io/permanent-redirect-code: \"%s\"\n"
        "spec:\n  rules:\n  - host: big.example.com\n    http:\n      paths:\n"
        "      - {path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}\n";
    static const struct {
        const char *code;
        bool invalid;
    } cases[] = {
        {"9223372036854775807", false}, /* int64's largest: Atoi takes it */
        {"9223372036854775808", true},
        {"-99999999999999999999", true},
        {"301", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gs_model *m;
        gs_model_new(&m);
        char *text = gs_xasprintf(yaml, cases[i].code);
        gs_model_load_buffer(m, "big.yaml", text, strlen(text), NULL, NULL);
        free(text);
        ck_assert_uint_eq(m->n_ingresses, 1);
        gs_nginx_annots a;
        gs_nginx_annots_read(m->ingresses[0], NULL, &a);
        ck_assert_msg((a.invalid != NULL) == cases[i].invalid, "code %s: invalid %d", cases[i].code,
                      a.invalid != NULL);
        if (cases[i].invalid)
            ck_assert_str_eq(a.invalid_rule, "ValidateInt: an integer");
        gs_nginx_annots_clear(&a);
        gs_model_free(m);
    }
}
END_TEST

START_TEST(annot_validation_render_convert)
{
    for (int off = 0; off < 2; off++) {
        gs_model *m = load_validation(off ? "false" : NULL);
        gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:8080", .workdir = "/tmp",
                                  .resolve = resolve};
        gs_buf conf = {0};
        gs_diags notes = {0};
        gs_ingress_nginx_render(&in, &conf, &notes);
        const char *c = conf.data;
        static const char *const hosts[] = {"vcode.example.com", "vbool.example.com",
                                            "vvhost.example.com", "vprefix.example.com",
                                            "vurl.example.com"};
        for (size_t h = 0; h < 5; h++) {
            char sn[128];
            snprintf(sn, sizeof sn, "server_name %s", hosts[h]);
            ck_assert_msg((strstr(c, sn) != NULL) == (off == 1), "off=%d %s:\n%s", off, hosts[h], c);
        }
        ck_assert_msg(strstr(c, "server_name kunread.example.com") != NULL, "%s", c);
        ck_assert_msg(strstr(c, "server_name kcanary.example.com") != NULL, "%s", c);
        ck_assert_ptr_null(strstr(c, "v.example.com/code")); /* the old behaviour: dropped */
        ck_assert_uint_eq(warnings(&notes, "v-code", "ingress-nginx rejects this Ingress"),
                          off ? 0 : 1);
        gs_buf_clear(&conf);
        gs_diags_clear(&notes);

        gs_buf out = {0};
        gs_convert_ingresses(m, NULL, &out, &notes);
        const char *y = out.data ? out.data : "";
        for (size_t h = 0; h < 5; h++)
            ck_assert_msg((strstr(y, hosts[h]) != NULL) == (off == 1), "off=%d %s:\n%s", off,
                          hosts[h], y);
        ck_assert_msg(strstr(y, "kunread.example.com") != NULL, "%s", y);
        ck_assert_uint_eq(warnings(&notes, "v-prefix",
                                   "ingress-nginx rejects this Ingress: annotation "
                                   "nginx.ingress.kubernetes.io/x-forwarded-prefix value \"/a%20b\" "
                                   "fails its validation (ValidateRegex(RegexPathWithCapture): "
                                   "letters, digits and -._~/:$ only); fix the value"),
                          off ? 0 : 1);
        gs_buf_clear(&out);
        gs_diags_clear(&notes);
        gs_model_free(m);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nginx_annot");
    TCase *tc = tcase_create("nginx_annot");
    tcase_add_test(tc, annot_redirect_precedence_and_codes);
    tcase_add_test(tc, annot_canary_weight_total);
    tcase_add_test(tc, annot_render_follows);
    tcase_add_test(tc, annot_convert_follows);
    tcase_add_test(tc, annot_validation_rejects);
    tcase_add_test(tc, annot_header_value_validation);
    tcase_add_test(tc, annot_validation_render_convert);
    tcase_add_test(tc, annot_validation_int_out_of_range);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
