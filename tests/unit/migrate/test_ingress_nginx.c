/* SPDX-License-Identifier: MIT */
/* The ingress-nginx emulation's nginx.conf: each ingress-nginx rendering rule appears as
 * ingress-nginx writes it (location modifiers and order, the exact location added to Prefix
 * paths, regex mode per host, rewrite, redirects, canary maps, 503 without endpoints), and the
 * whole configuration passes a real `nginx -t`. */
#include "gs_ingress_nginx.h"
#include "gs_alloc.h"
#include "gs_model.h"
#include "gs_test.h"
#include "gs_tls.h"
#include "nginx_cm.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char manifests[] =
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  namespace: shop\n"
    "  annotations: {nginx.ingress.kubernetes.io/use-regex: \"true\"}\n"
    "spec:\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n"
    "      - {path: \"/api/v[0-9]+\", pathType: ImplementationSpecific, backend: {service: {name: api, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: cart, namespace: shop}\n"
    "spec:\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n"
    "      - {path: /cart, pathType: Prefix, backend: {service: {name: cart, port: {number: 80}}}}\n"
    "      - {path: /checkout, pathType: Exact, backend: {service: {name: cart, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: plain, namespace: web}\n"
    "spec:\n  rules:\n"
    "  - host: web.example.com\n    http:\n      paths:\n"
    "      - {path: /docs, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}\n"
    "      - {path: /docs, pathType: Exact, backend: {service: {name: docs, port: {number: 80}}}}\n"
    "      - {path: /static, pathType: ImplementationSpecific, backend: {service: {name: gone, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: secure, namespace: web}\n"
    "spec:\n  tls: [{hosts: [secure.example.com], secretName: cert}]\n  rules:\n"
    "  - host: secure.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: rw\n  namespace: web\n"
    "  annotations:\n    nginx.ingress.kubernetes.io/rewrite-target: /$2\n"
    "    nginx.ingress.kubernetes.io/app-root: /app1\n"
    "    nginx.ingress.kubernetes.io/upstream-vhost: internal.web\n"
    "spec:\n  rules:\n  - host: rw.example.com\n    http:\n      paths:\n"
    "      - {path: \"/something(/|$)(.*)\", pathType: ImplementationSpecific, backend: {service: {name: docs, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: moved\n  namespace: web\n"
    "  annotations: {nginx.ingress.kubernetes.io/permanent-redirect: \"https://new.example.com/x\"}\n"
    "spec:\n  rules:\n  - host: old.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: docs, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: main, namespace: web}\n"
    "spec:\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: stable, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: beta\n  namespace: web\n"
    "  annotations:\n    nginx.ingress.kubernetes.io/canary: \"true\"\n"
    "    nginx.ingress.kubernetes.io/canary-by-header: X-Beta\n"
    "    nginx.ingress.kubernetes.io/canary-weight: \"25\"\n"
    "spec:\n  rules:\n  - host: app.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: beta, port: {number: 80}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: fallback, namespace: web}\n"
    "spec: {defaultBackend: {service: {name: fallback, port: {number: 8080}}}}\n";

/* One Ingress per backend-protocol (a second buffer: C11 bounds a string literal's length). */
static const char bp_manifests[] =
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: rpc\n  namespace: web\n"
    "  annotations: {nginx.ingress.kubernetes.io/backend-protocol: grpc}\n"
    "spec:\n  rules:\n  - host: rpc.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: rpc, port: {number: 50}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: tb\n  namespace: web\n"
    "  annotations: {nginx.ingress.kubernetes.io/backend-protocol: HTTPS}\n"
    "spec:\n  rules:\n  - host: tb.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: tb, port: {number: 443}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: rpcs\n  namespace: web\n"
    "  annotations: {nginx.ingress.kubernetes.io/backend-protocol: GRPCS}\n"
    "spec:\n  rules:\n  - host: rpcs.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: rpcs, port: {number: 51}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: auto\n  namespace: web\n"
    "  annotations: {nginx.ingress.kubernetes.io/backend-protocol: AUTO_HTTP}\n"
    "spec:\n  rules:\n  - host: auto.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: auto, port: {number: 52}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: fcgi\n  namespace: web\n"
    "  annotations: {nginx.ingress.kubernetes.io/backend-protocol: FCGI}\n"
    "spec:\n  rules:\n  - host: fcgi.example.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: fcgi, port: {number: 53}}}}\n";

/* Every Service has an endpoint but "gone"; ports are 10000 + the service port. */
static bool resolve(void *ctx, const char *ns, const char *name, int64_t port, char *out, size_t n)
{
    (void)ctx;
    (void)ns;
    if (strcmp(name, "gone") == 0)
        return false;
    snprintf(out, n, "127.0.0.1:%lld", (long long)(10000 + port));
    return true;
}

static char *render(const char *workdir, gs_diags *notes)
{
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "i.yaml", manifests, strlen(manifests), NULL, NULL);
    gs_model_load_buffer(m, "bp.yaml", bp_manifests, strlen(bp_manifests), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert_uint_eq(m->n_ingresses, 14);
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:18080", .workdir = workdir,
                              .resolve = resolve};
    gs_buf conf = {0};
    size_t servers = gs_ingress_nginx_render(&in, &conf, notes);
    /* shop, web, secure, rw, old, app, rpc, tb, rpcs, auto, fcgi and the catch-all; the canary
     * adds no server */
    ck_assert_uint_eq(servers, 12);
    gs_model_free(m);
    return gs_buf_take(&conf);
}

static const char *server_of(const char *conf, const char *host)
{
    char want[256];
    snprintf(want, sizeof want, "server_name %s;", host);
    const char *s = strstr(conf, want);
    ck_assert_msg(s != NULL, "no server %s in:\n%s", host, conf);
    return s;
}

/* The text of one server block (up to the next server or the end). */
static char *server_text(const char *conf, const char *host)
{
    const char *s = server_of(conf, host);
    const char *end = strstr(s, "    server {");
    return end ? strndup(s, (size_t)(end - s)) : strdup(s);
}

static void has(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) != NULL, "missing %s in:\n%s", needle, text);
}

START_TEST(ingress_nginx_locations)
{
    gs_diags notes = {0};
    char *conf = render("/tmp/unused", &notes);
    /* regex mode on shop.example.com: every path, the other Ingress's Exact one too */
    char *shop = server_text(conf, "shop.example.com");
    has(shop, "location ~* \"^/api/v[0-9]+\" {");
    has(shop, "location ~* \"^/cart/\" {");
    has(shop, "location ~* \"^/cart\" {");
    has(shop, "location ~* \"^/checkout\" {");
    ck_assert_ptr_null(strstr(shop, "location ="));
    /* the order: paths descending, so /checkout before /cart/ before /cart before /api */
    ck_assert(strstr(shop, "^/checkout") < strstr(shop, "^/cart/"));
    ck_assert(strstr(shop, "^/cart/") < strstr(shop, "^/cart\""));
    ck_assert(strstr(shop, "^/cart\"") < strstr(shop, "^/api"));
    free(shop);
    /* no regex: Prefix /docs is "/docs/" plus the Exact written by the user (not a second one);
     * ImplementationSpecific stays a plain prefix; no endpoint: 503 */
    char *au = server_text(conf, "auto.example.com");
    has(au, "            proxy_pass $scheme://gs_up_");
    free(au);
    char *fc = server_text(conf, "fcgi.example.com");
    has(fc, "            fastcgi_pass gs_up_");
    free(fc);
    char *web = server_text(conf, "web.example.com");
    has(web, "location \"/docs/\" {");
    has(web, "location = \"/docs\" {");
    const char *first = strstr(web, "location = \"/docs\"");
    ck_assert_ptr_null(strstr(first + 1, "location = \"/docs\""));
    has(web, "location \"/static\" {\n            proxy_set_header Host $host;\n"
             "            return 503;");
    has(web, "location \"/\" {\n            return 404;"); /* the controller's default backend */
    free(web);
    /* TLS for the host (ssl-redirect defaults to true): HTTP answers 308 */
    has(server_of(conf, "secure.example.com"),
        "location \"/\" {\n            return 308 https://$host$gs_ssl_uri;");
    char *rw = server_text(conf, "rw.example.com");
    has(rw, "if ($uri = /) {\n            return 302 $scheme://$http_host/app1;\n        }");
    has(rw, "location ~* \"^/something(/|$)(.*)\" {\n"
            "            rewrite \"(?i)/something(/|$)(.*)\" /$2 break;\n"
            "            proxy_set_header Host \"internal.web\";\n");
    free(rw);
    has(server_of(conf, "old.example.com"), "return 301 https://new.example.com/x;");
    /* canary: header, else weight, through maps, one proxy_pass */
    /* the keywords compared with letter case (Lua's ==), not as nginx's map strings are */
    has(conf, "map $http_x_beta $gs_cnh_0 {\n        \"~^always$\" gs_up_");
    has(conf, "split_clients \"${request_id}\" $gs_cnw_0 {\n        25.00% gs_up_");
    has(server_of(conf, "app.example.com"), "proxy_pass http://$gs_cn_0;");
    /* an Ingress with only a default backend serves the catch-all server */
    has(server_of(conf, "_"), "proxy_pass http://gs_up_");
    has(conf, "listen 127.0.0.1:18080 default_server;\n        server_name _;");
    has(conf, "upstream gs_up_0 { server 127.0.0.1:10080; }");
    ck_assert_ptr_null(strstr(conf, "gone"));
    free(conf);
    gs_diags_clear(&notes);
}
END_TEST

/* A Secret |name| in namespace ns holding |pem| as YAML (block scalars). */
static void secret_yaml(gs_buf *b, const char *name, const gs_tls_pem *pem)
{
    gs_buf_printf(b, "---\napiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: ns}\n"
                     "type: kubernetes.io/tls\nstringData:\n", name);
    const char *keys[] = {"tls.crt", "tls.key"}, *vals[] = {pem->cert, pem->key};
    for (size_t k = 0; k < 2; k++) {
        gs_buf_printf(b, "  %s: |\n", keys[k]);
        for (const char *l = vals[k]; *l;) {
            size_t len = strcspn(l, "\n");
            if (len)
                gs_buf_printf(b, "    %.*s\n", (int)len, l);
            l += len + (l[len] == '\n');
        }
    }
}

static const char https_ingresses[] =
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, namespace: ns}\n"
    "spec:\n  tls:\n  - {hosts: [a.example.com], secretName: cert}\n"
    "  - {hosts: [b.example.com], secretName: missing}\n"
    "  - {hosts: [n.example.com], secretName: cert}\n"
    "  - {secretName: wild}\n  rules:\n"
    "  - host: a.example.com\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "  - host: b.example.com\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "  - host: c.example.com\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "  - host: d.other.org\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "  - host: n.example.com\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: e\n  namespace: ns\n"
    "  annotations: {nginx.ingress.kubernetes.io/preserve-trailing-slash: \"true\"}\n"
    "spec:\n  rules:\n"
    "  - host: e.example.com\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "  - host: x.w.example.com\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: r\n  namespace: ns\n"
    "  annotations: {nginx.ingress.kubernetes.io/temporal-redirect: \"https://new.example.com/\"}\n"
    "spec:\n  rules:\n"
    "  - host: r.example.com\n    http: {paths: [{path: /old, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
    "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: w, namespace: ns}\n"
    "spec:\n  tls: [{hosts: [\"*.w.example.com\"], secretName: wild}]\n  rules:\n"
    "  - host: \"*.w.example.com\"\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n";

/* The certificate file a server block names, and whether its "/" redirects HTTP to HTTPS. */
static void server_https(const char *conf, const char *host, const char *cert, bool redirect)
{
    char *t = server_text(conf, host);
    const char *name = server_of(conf, host), *head = name;
    while (head > conf && strncmp(head, "server {", 8) != 0)
        head--; /* the listen and certificate lines come before server_name */
    char want[256], *listen = strndup(head, (size_t)(name - head));
    snprintf(want, sizeof want, "ssl_certificate /w/certs/%s.crt;\n", cert);
    has(listen, want);
    free(listen);
    bool r = strstr(t, "if ($scheme = http) {\n                return 308 https://") != NULL;
    ck_assert_msg(r == redirect, "%s: redirect %d, want %d in:\n%s", host, r, redirect, t);
    free(t);
}

/* HTTPS: every server listens on the TLS address too, with the certificate ingress-nginx picks
 * for its host (controller.go createServers, certificate.lua): the Secret of the tls entry
 * listing the host when it holds a certificate covering it, else the fake default; a host an
 * Ingress with tls routes but does not list gets a Secret of that Ingress whose certificate
 * covers it, else the fake one, and is redirected either way; a host without tls gets the
 * certificate of its wildcard parent's server, or the fake one without a redirect. */
START_TEST(ingress_nginx_https)
{
    gs_tls_pem ca = {0}, cert = {0}, wild = {0};
    gs_error err = {0};
    const char *a_names[] = {"a.example.com"}, *w_names[] = {"*.example.com", "*.w.example.com"};
    ck_assert_int_eq(gs_tls_ca_generate(&ca, "test ca", &err), 0);
    ck_assert_int_eq(gs_tls_leaf_generate(&cert, &ca, a_names, 1, &err), 0);
    ck_assert_int_eq(gs_tls_leaf_generate(&wild, &ca, w_names, 2, &err), 0);
    gs_buf yaml = {0};
    gs_buf_puts(&yaml, https_ingresses);
    secret_yaml(&yaml, "cert", &cert);
    secret_yaml(&yaml, "wild", &wild);
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "t.yaml", yaml.data, yaml.len, NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    ck_assert(gs_ingress_nginx_secret_usable(m->secrets[0]));
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:18080", .listen_tls = "127.0.0.1:18443",
                              .workdir = "/w", .resolve = resolve};
    gs_buf conf = {0};
    gs_diags notes = {0};
    gs_ingress_nginx_render(&in, &conf, &notes);
    has(conf.data, "listen 127.0.0.1:18080;\n        listen 127.0.0.1:18443 ssl http2;\n"
                   "        ssl_certificate /w/certs/ns_cert.crt;\n"
                   "        ssl_certificate_key /w/certs/ns_cert.key;\n"
                   "        server_name a.example.com;");
    server_https(conf.data, "a.example.com", "ns_cert", true);   /* listed, covered */
    server_https(conf.data, "b.example.com", "default", true);   /* listed, Secret missing */
    server_https(conf.data, "n.example.com", "default", true);   /* listed, not covered */
    server_https(conf.data, "c.example.com", "ns_wild", true);   /* unlisted, a SAN covers it */
    server_https(conf.data, "d.other.org", "default", true);     /* unlisted, nothing covers it */
    server_https(conf.data, "e.example.com", "default", false);  /* no tls at all */
    server_https(conf.data, "x.w.example.com", "ns_wild", true); /* its wildcard parent's */
    has(conf.data, "listen 127.0.0.1:18443 ssl http2 default_server;\n"
                   "        ssl_certificate /w/certs/default.crt;");
    char *a = server_text(conf.data, "a.example.com");
    has(a, "location \"/\" {\n            if ($scheme = http) {\n"
           "                return 308 https://$host$gs_ssl_uri;\n            }\n"
           "            proxy_set_header Host $host;");
    free(a);
    /* the redirect drops a final "/" of the URI (a map), unless preserve-trailing-slash */
    has(conf.data, "map $request_uri $gs_ssl_uri {\n        \"~^(.*)/$\" $1;\n"
                   "        default $request_uri;\n    }\n");
    /* the root location of a host without a "/" path has its first Ingress's redirect */
    char *r = server_text(conf.data, "r.example.com");
    has(r, "location \"/\" {\n            return 302 https://new.example.com/;");
    free(r);
    char *x = server_text(conf.data, "x.w.example.com");
    has(x, "return 308 https://$host$request_uri;");
    free(x);
    gs_buf_clear(&conf);
    gs_buf_clear(&yaml);
    gs_diags_clear(&notes);
    gs_model_free(m);
    gs_tls_pem_clear(&ca);
    gs_tls_pem_clear(&cert);
    gs_tls_pem_clear(&wild);
}
END_TEST

/* backend-protocol picks the directive and scheme (buildProxyPass): grpc_pass grpc:// or
 * grpcs://, proxy_pass https:// or $scheme://, fastcgi_pass; plain HTTP stays proxy_pass
 * http://. The TLS listener offers HTTP/2 (gRPC clients need it); the cleartext one stays
 * HTTP/1.1. */
START_TEST(ingress_nginx_backend_protocol)
{
    gs_diags notes = {0};
    char *conf = render("/tmp/unused", &notes);
    char *rpc = server_text(conf, "rpc.example.com");
    /* grpc_set_header: proxy_set_header does not reach grpc_pass (proxySetHeader) */
    has(rpc, "location \"/\" {\n            grpc_set_header Host $host;\n"
             "            grpc_pass grpc://gs_up_");
    ck_assert_msg(strstr(rpc, "proxy_pass") == NULL, "%s", rpc);
    free(rpc);
    char *rpcs = server_text(conf, "rpcs.example.com");
    has(rpcs, "            grpc_set_header Host $host;\n            grpc_pass grpcs://gs_up_");
    free(rpcs);
    char *tb = server_text(conf, "tb.example.com");
    has(tb, "            proxy_pass https://gs_up_");
    free(tb);
    char *web = server_text(conf, "web.example.com");
    has(web, "            proxy_pass http://gs_up_");
    ck_assert_msg(strstr(web, "grpc_pass") == NULL, "%s", web);
    free(web);
    has(conf, "# web/rpc:50\n");
    has(conf, "server 127.0.0.1:10443; } # web/tb:443\n");
    ck_assert_msg(strstr(conf, "http2") == NULL, "no TLS listener, no http2:\n%s", conf);
    free(conf);
    gs_diags_clear(&notes);

    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "i.yaml", manifests, strlen(manifests), NULL, NULL);
    gs_model_load_buffer(m, "bp.yaml", bp_manifests, strlen(bp_manifests), NULL, NULL);
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:18080", .listen_tls = "127.0.0.1:18443",
                              .workdir = "/w", .resolve = resolve};
    gs_buf out = {0};
    gs_ingress_nginx_render(&in, &out, &notes);
    has(out.data, "listen 127.0.0.1:18080;\n        listen 127.0.0.1:18443 ssl http2;\n");
    has(out.data, "listen 127.0.0.1:18080 default_server;\n"
                  "        listen 127.0.0.1:18443 ssl http2 default_server;\n");
    gs_buf_clear(&out);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

/* An Ingress without rules configures the catch-all server with its defaultBackend and its
 * annotations but redirects and rewrites (createServers: locationApplyAnnotations, Redirect and
 * Rewrite restored): a gRPC default backend is grpc_pass, upstream-vhost sets Host, and its
 * rewrite-target and permanent-redirect are not applied. A host's root location (no path "/")
 * takes its first Ingress's backend-protocol and upstream-vhost alike. */
START_TEST(ingress_nginx_catch_all_annotations)
{
    static const char doc[] =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: fb\n"
        "  namespace: web\n  annotations:\n"
        "    nginx.ingress.kubernetes.io/backend-protocol: GRPC\n"
        "    nginx.ingress.kubernetes.io/upstream-vhost: v.internal\n"
        "    nginx.ingress.kubernetes.io/rewrite-target: /x\n"
        "    nginx.ingress.kubernetes.io/permanent-redirect: https://elsewhere.example.com\n"
        "spec: {defaultBackend: {service: {name: fb, port: {number: 50}}}}\n"
        /* a host's root location takes its first Ingress's annotations (its redirects too) */
        "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: hr\n"
        "  namespace: web\n  annotations:\n"
        "    nginx.ingress.kubernetes.io/backend-protocol: GRPC\n"
        "    nginx.ingress.kubernetes.io/upstream-vhost: w.internal\n"
        "spec:\n  defaultBackend: {service: {name: fb, port: {number: 51}}}\n"
        "  rules:\n  - host: h.example.com\n    http:\n      paths:\n"
        "      - {path: /a, pathType: Exact, backend: {service: {name: a, port: {number: 52}}}}\n";
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "fb.yaml", doc, strlen(doc), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:18080", .workdir = "/w",
                              .resolve = resolve};
    gs_buf out = {0};
    gs_diags notes = {0};
    ck_assert_uint_eq(gs_ingress_nginx_render(&in, &out, &notes), 2);
    char *host = server_text(out.data, "h.example.com");
    has(host, "location \"/\" {\n            grpc_set_header Host \"w.internal\";\n"
              "            grpc_pass grpc://gs_up_");
    free(host);
    char *all = server_text(out.data, "_");
    has(all, "location \"/\" {\n            grpc_set_header Host \"v.internal\";\n"
             "            grpc_pass grpc://gs_up_");
    ck_assert_msg(strstr(all, "rewrite") == NULL && strstr(all, "return") == NULL &&
                      strstr(all, "proxy_pass") == NULL,
                  "%s", all);
    free(all);
    gs_buf_clear(&out);
    gs_diags_clear(&notes);
    gs_model_free(m);
}
END_TEST

/* The TLS listener offers HTTP/2 whatever the backends speak, as ingress-nginx does with its
 * ConfigMap's use-http2 left at its default (true); "false" there turns it off, and a value that
 * is not a boolean is a warning at the ConfigMap with the default kept. */
static char *render_cm(const char *data, gs_diags *notes)
{
    static const char web[] =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: web}\n"
        "spec:\n  rules:\n  - host: web.example.com\n    http:\n      paths:\n"
        "      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n"
        "---\n"
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: sec, namespace: web}\n"
        "spec:\n  tls: [{hosts: [sec.example.com], secretName: sec}]\n"
        "  rules:\n  - host: sec.example.com\n    http:\n      paths:\n"
        "      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}\n";
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "web.yaml", web, strlen(web), NULL, NULL);
    if (data)
        load_nginx_cm(m, data);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    gs_ingress_nginx_in in = {.m = m, .listen = "127.0.0.1:18080", .listen_tls = "127.0.0.1:18443",
                              .workdir = "/w", .resolve = resolve};
    gs_buf out = {0};
    gs_ingress_nginx_render(&in, &out, notes);
    gs_model_free(m);
    return gs_buf_take(&out);
}

static char *render_h2(const char *configmap, gs_diags *notes)
{
    if (configmap == NULL)
        return render_cm(NULL, notes);
    char *data = gs_xasprintf("  use-http2: \"%s\"\n", configmap);
    char *conf = render_cm(data, notes);
    free(data);
    return conf;
}

START_TEST(ingress_nginx_use_http2)
{
    gs_diags notes = {0};
    char *conf = render_h2(NULL, &notes);
    has(conf, "listen 127.0.0.1:18080;\n        listen 127.0.0.1:18443 ssl http2;\n");
    has(conf, "listen 127.0.0.1:18443 ssl http2 default_server;\n");
    ck_assert_uint_eq(notes.len, 0);
    free(conf);
    conf = render_h2("false", &notes);
    has(conf, "listen 127.0.0.1:18080;\n        listen 127.0.0.1:18443 ssl;\n");
    ck_assert_msg(strstr(conf, "http2") == NULL, "use-http2 false:\n%s", conf);
    ck_assert_uint_eq(notes.len, 0);
    free(conf);
    conf = render_h2("True", &notes);
    has(conf, "listen 127.0.0.1:18443 ssl http2;\n");
    free(conf);
    conf = render_h2("yes", &notes);
    has(conf, "listen 127.0.0.1:18443 ssl http2;\n");
    ck_assert_uint_eq(notes.len, 1);
    ck_assert_str_eq(notes.items[0].message, "use-http2: \"yes\" is not a boolean: HTTP/2 stays on");
    ck_assert_int_eq(notes.items[0].pos.line, 7);
    ck_assert_int_eq(notes.items[0].pos.col, 14);
    ck_assert_str_eq(notes.items[0].field, "data.use-http2");
    free(conf);
    gs_diags_clear(&notes);
}
END_TEST

/* HSTS as ingress-nginx sends it (lua_ingress.lua's header()): on the HTTPS answers of a host
 * with a certificate configured, every location of its server, with the ConfigMap's hsts,
 * hsts-max-age, hsts-include-subdomains and hsts-preload (defaults true, 31536000, true,
 * false); nothing on HTTP ($gs_hsts is empty there), nor for a host without TLS or the
 * catch-all server. */
START_TEST(ingress_nginx_hsts)
{
    static const char add[] = "        add_header Strict-Transport-Security $gs_hsts always;\n";
    gs_diags notes = {0};
    char *conf = render_cm(NULL, &notes);
    has(conf, "    map $scheme $gs_hsts {\n        https \"max-age=31536000; includeSubDomains\";\n"
              "        default \"\";\n    }\n");
    char *sec = server_text(conf, "sec.example.com");
    has(sec, add);
    free(sec);
    char *web = server_text(conf, "web.example.com");
    ck_assert_ptr_null(strstr(web, "Strict-Transport-Security"));
    free(web);
    ck_assert_ptr_null(strstr(server_of(conf, "_"), "Strict-Transport-Security"));
    has(conf, "    server_tokens off;\n"); /* ingress-nginx's server-tokens: false */
    ck_assert_uint_eq(notes.len, 0);
    free(conf);

    conf = render_cm("  hsts: \"false\"\n", &notes);
    ck_assert_ptr_null(strstr(conf, "add_header Strict-Transport-Security"));
    ck_assert_uint_eq(notes.len, 0);
    free(conf);

    conf = render_cm("  hsts-max-age: \"600\"\n  hsts-include-subdomains: \"false\"\n"
                     "  hsts-preload: \"true\"\n", &notes);
    has(conf, "        https \"max-age=600; preload\";\n");
    has(conf, add);
    ck_assert_uint_eq(notes.len, 0);
    free(conf);

    conf = render_cm("  hsts-max-age: \"1y\"\n", &notes);
    has(conf, "        https \"max-age=31536000; includeSubDomains\";\n");
    ck_assert_uint_eq(notes.len, 1);
    ck_assert_str_eq(notes.items[0].message,
                     "hsts-max-age: \"1y\" is not a number of seconds: 31536000 is used");
    ck_assert_str_eq(notes.items[0].field, "data.hsts-max-age");
    ck_assert_int_eq(notes.items[0].pos.line, 7);
    free(conf);
    gs_diags_clear(&notes);

    conf = render_cm("  hsts: \"maybe\"\n", &notes);
    has(conf, add);
    ck_assert_uint_eq(notes.len, 1);
    ck_assert_str_eq(notes.items[0].message, "hsts: \"maybe\" is not a boolean: HSTS stays on");
    free(conf);
    gs_diags_clear(&notes);
}
END_TEST

/* The configuration is one nginx accepts: `nginx -t` on it. */
START_TEST(ingress_nginx_passes_nginx_t)
{
    const char *nginx = getenv("GATESIM_NGINX") ? getenv("GATESIM_NGINX") : "/usr/sbin/nginx";
    ck_assert_msg(access(nginx, X_OK) == 0, "nginx is needed: %s", nginx);
    char dir[] = "/tmp/gs-ingress-nginx-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    gs_diags notes = {0};
    char *conf = render(dir, &notes);
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(conf, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' -t -q -e '%s/error.log' -p '%s' -c '%s' > '%s/t.out' 2>&1",
             nginx, dir, dir, path, dir);
    int rc = system(cmd);
    char out[4096] = "";
    snprintf(path, sizeof path, "%s/t.out", dir);
    f = fopen(path, "r");
    if (f) {
        size_t n = fread(out, 1, sizeof out - 1, f);
        out[n] = '\0';
        fclose(f);
    }
    ck_assert_msg(rc == 0, "nginx -t refused it (%d): %s\n%s", rc, out, conf);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(conf);
    gs_diags_clear(&notes);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ingress_nginx");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, ingress_nginx_locations);
    tcase_add_test(tc, ingress_nginx_passes_nginx_t);
    tcase_add_test(tc, ingress_nginx_https);
    tcase_add_test(tc, ingress_nginx_backend_protocol);
    tcase_add_test(tc, ingress_nginx_catch_all_annotations);
    tcase_add_test(tc, ingress_nginx_hsts);
    tcase_add_test(tc, ingress_nginx_use_http2);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
