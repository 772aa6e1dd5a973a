/* SPDX-License-Identifier: MIT */
/* The Ingress conformance features of kubernetes-sigs/ingress-controller-conformance
 * (features/path_rules.feature, host_rules.feature, default_backend.feature, release 1.19:
 * https://github.com/kubernetes-sigs/ingress-controller-conformance/tree/master/features), their
 * manifests and requests ported here, answered by a real nginx running the configuration
 * gs_ingress_nginx_render writes. Every Service is a server block of the same nginx answering
 * "SERVICE HOST URI"; everything listens on unix sockets in a temporary directory, so no port
 * is chosen. The expected answers are the features' own, except where ingress-nginx itself
 * answers otherwise (marked: the emulation must reproduce ingress-nginx, not the feature). */
#include "gs_ingress_nginx.h"
#include "gs_model.h"
#include "gs_proc.h"
#include "gs_test.h"
#include "gs_tls.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The three features' Ingresses (one namespace; path_rules' host names as written). */
static const char manifests[] =
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: path-rules}\nspec:\n"
    "  rules:\n"
    "  - host: exact-path-rules\n    http:\n      paths:\n"
    "      - {path: /foo, pathType: Exact, backend: {service: {name: foo-exact, port: {number: 8080}}}}\n"
    "  - host: prefix-path-rules\n    http:\n      paths:\n"
    "      - {path: /foo, pathType: Prefix, backend: {service: {name: foo-prefix, port: {number: 8080}}}}\n"
    "      - {path: /aaa/bbb, pathType: Prefix, backend: {service: {name: aaa-slash-bbb-prefix, port: {number: 8080}}}}\n"
    "      - {path: /aaa, pathType: Prefix, backend: {service: {name: aaa-prefix, port: {number: 8080}}}}\n"
    "  - host: mixed-path-rules\n    http:\n      paths:\n"
    "      - {path: /foo, pathType: Prefix, backend: {service: {name: foo-prefix, port: {number: 8080}}}}\n"
    "      - {path: /foo, pathType: Exact, backend: {service: {name: foo-exact, port: {number: 8080}}}}\n"
    "  - host: trailing-slash-path-rules\n    http:\n      paths:\n"
    "      - {path: /aaa/bbb/, pathType: Prefix, backend: {service: {name: aaa-slash-bbb-slash-prefix, port: {number: 8080}}}}\n"
    "      - {path: /foo/, pathType: Exact, backend: {service: {name: foo-slash-exact, port: {number: 8080}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: host-rules}\nspec:\n"
    "  rules:\n"
    "  - host: \"*.foo.com\"\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: wildcard-foo-com, port: {number: 8080}}}}\n"
    "  - host: foo.bar.com\n    http:\n      paths:\n"
    "      - {path: /, pathType: Prefix, backend: {service: {name: foo-bar-com, port: {number: 8080}}}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: default-backend}\n"
    "spec: {defaultBackend: {service: {name: echo-service, port: {number: 8080}}}}\n";

static char dir[64];
static gs_proc *nginx_proc;

static bool resolve(void *ctx, const char *ns, const char *name, int64_t port, char *out, size_t n)
{
    (void)ctx;
    (void)ns;
    (void)port;
    snprintf(out, n, "unix:%s/svc-%s.sock", dir, name);
    return true;
}

/* Connects to the front socket, sends one request, returns the whole answer (or NULL). */
static char *http_get(const char *method, const char *host, const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/front.sock", dir);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return NULL;
    }
    char req[1024];
    int len = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n"
                                        "Content-Length: 0\r\n\r\n", method, path, host);
    if (write(fd, req, (size_t)len) != len) {
        close(fd);
        return NULL;
    }
    gs_buf b = {0};
    char chunk[4096];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0)
        gs_buf_append(&b, chunk, (size_t)r);
    close(fd);
    return b.data ? gs_buf_take(&b) : NULL;
}

static void serve_setup(void)
{
    const char *nginx = getenv("GATESIM_NGINX") ? getenv("GATESIM_NGINX") : "/usr/sbin/nginx";
    ck_assert_msg(access(nginx, X_OK) == 0, "nginx is needed: %s", nginx);
    snprintf(dir, sizeof dir, "/tmp/gs-ing-serve-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    gs_model *m;
    gs_model_new(&m);
    gs_model_load_buffer(m, "features.yaml", manifests, strlen(manifests), NULL, NULL);
    ck_assert_uint_eq(m->diags.nerrors, 0);
    char listen[128], listen_tls[128], certs[128], crt[160], key[160];
    snprintf(listen, sizeof listen, "unix:%s/front.sock", dir);
    /* HTTPS too, under a fake certificate (no Ingress has tls): curl asks it for HTTP/2 */
    snprintf(listen_tls, sizeof listen_tls, "unix:%s/front-tls.sock", dir);
    snprintf(certs, sizeof certs, "%s/certs", dir);
    ck_assert_int_eq(mkdir(certs, 0700), 0);
    snprintf(crt, sizeof crt, "%s/default.crt", certs);
    snprintf(key, sizeof key, "%s/default.key", certs);
    gs_tls_pem fake = {0};
    gs_error cerr = {0};
    ck_assert_msg(gs_tls_ca_generate(&fake, GS_INGRESS_NGINX_FAKE_CN, &cerr) == 0 &&
                      gs_tls_pem_write(&fake, crt, key, &cerr) == 0,
                  "%s", cerr.msg);
    gs_tls_pem_clear(&fake);
    gs_ingress_nginx_in in = {.m = m, .listen = listen, .listen_tls = listen_tls, .workdir = dir,
                              .resolve = resolve};
    gs_buf conf = {0};
    gs_diags notes = {0};
    gs_ingress_nginx_render(&in, &conf, &notes);
    gs_diags_clear(&notes);
    gs_model_free(m);
    /* the Services: one server block each, inside the rendered http block */
    ck_assert(conf.len > 2 && strcmp(conf.data + conf.len - 2, "}\n") == 0);
    conf.len -= 2;
    static const char *const services[] = {
        "foo-exact", "foo-prefix", "aaa-slash-bbb-prefix", "aaa-prefix",
        "aaa-slash-bbb-slash-prefix", "foo-slash-exact", "wildcard-foo-com", "foo-bar-com",
        "echo-service"};
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        gs_buf_printf(&conf, "    server {\n        listen unix:%s/svc-%s.sock;\n"
                             "        location / { return 200 \"%s $http_host $request_uri\"; }\n"
                             "    }\n", dir, services[i], services[i]);
    gs_buf_puts(&conf, "}\n");
    char path[256];
    snprintf(path, sizeof path, "%s/nginx.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fwrite(conf.data, 1, conf.len, f);
    fclose(f);
    gs_buf_clear(&conf);
    char errlog[256];
    snprintf(errlog, sizeof errlog, "%s/error.log", dir);
    const char *argv[] = {nginx, "-e", errlog, "-p", dir, "-c", path, "-g",
                          "daemon off; master_process off;", NULL};
    gs_error err = {0};
    ck_assert_msg(gs_proc_spawn(&nginx_proc, argv, NULL, &err) == 0, "%s", err.msg);
    /* ready when the front socket answers; bounded: 60 s */
    for (int i = 0; i < 600; i++) {
        char *ans = http_get("GET", "probe", "/");
        if (ans) {
            free(ans);
            return;
        }
        int status;
        if (gs_proc_exited(nginx_proc, &status))
            break;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_abort_msg("nginx did not start: see %s", errlog);
}

static void serve_teardown(void)
{
    gs_proc_free(nginx_proc);
    nginx_proc = NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

typedef struct probe {
    const char *method, *host, *path;
    int status;
    const char *service; /* NULL when the answer is not a Service's */
} probe;

static const probe probes[] = {
    /* path_rules.feature */
    {"GET", "exact-path-rules", "/foo", 200, "foo-exact"},
    {"GET", "exact-path-rules", "/foo/", 404, NULL},
    {"GET", "exact-path-rules", "/FOO", 404, NULL},
    {"GET", "exact-path-rules", "/bar", 404, NULL},
    {"GET", "prefix-path-rules", "/foo", 200, "foo-prefix"},
    {"GET", "prefix-path-rules", "/foo/", 200, "foo-prefix"},
    {"GET", "prefix-path-rules", "/FOO", 404, NULL},
    {"GET", "prefix-path-rules", "/aaa/bbb", 200, "aaa-slash-bbb-prefix"},
    {"GET", "prefix-path-rules", "/aaa/bbb/ccc", 200, "aaa-slash-bbb-prefix"},
    {"GET", "prefix-path-rules", "/aaa/ccc", 200, "aaa-prefix"},
    {"GET", "prefix-path-rules", "/aaaccc", 404, NULL},
    {"GET", "mixed-path-rules", "/foo", 200, "foo-exact"},
    /* The feature wants aaa-slash-bbb-slash-prefix for /aaa/bbb and a 404 for /foo (Exact
     * /foo/). ingress-nginx writes `location /aaa/bbb/` and `= /aaa/bbb/`, and `= /foo/`: for a
     * location ending in "/" that proxies, nginx answers the URI without the slash with a 301
     * to the URI with it. The emulation must give ingress-nginx's answer, so: 301. */
    {"GET", "trailing-slash-path-rules", "/aaa/bbb", 301, NULL},
    {"GET", "trailing-slash-path-rules", "/aaa/bbb/", 200, "aaa-slash-bbb-slash-prefix"},
    {"GET", "trailing-slash-path-rules", "/foo", 301, NULL},
    /* host_rules.feature (plain HTTP scenarios) */
    {"GET", "foo.bar.com", "/", 200, "foo-bar-com"},
    {"GET", "subdomain.bar.com", "/", 200, "echo-service"}, /* see below */
    {"GET", "bar.foo.com", "/", 200, "wildcard-foo-com"},
    {"GET", "baz.bar.foo.com", "/", 200, "echo-service"},
    {"GET", "foo.com", "/", 200, "echo-service"},
    /* default_backend.feature: every method, host and path to the default backend */
    {"GET", "my-host", "/", 200, "echo-service"},
    {"GET", "my-host", "/sub-path", 200, "echo-service"},
    {"POST", "some-host", "/", 200, "echo-service"},
    {"PUT", "127.0.0.1", "/resource", 200, "echo-service"},
    {"DELETE", "some-host", "/resource", 200, "echo-service"},
    {"PATCH", "my-host", "/resource", 200, "echo-service"},
};
/* host_rules wants 404 for hosts no rule matches; here the default_backend feature's Ingress is
 * loaded too, and ingress-nginx sends such hosts to it (the catch-all server): 200 from
 * echo-service, which also shows the wildcard covering exactly one label. */

START_TEST(ingress_nginx_serves_conformance_features)
{
    const probe *p = &probes[_i];
    char *ans = http_get(p->method, p->host, p->path);
    ck_assert_msg(ans != NULL, "%s %s%s: no answer", p->method, p->host, p->path);
    int status = 0;
    sscanf(ans, "HTTP/1.1 %d", &status);
    ck_assert_msg(status == p->status, "%s %s%s: status %d, want %d:\n%s", p->method, p->host,
                  p->path, status, p->status, ans);
    if (p->status == 301) {
        char want[512];
        snprintf(want, sizeof want, "\r\nLocation: http://%s%s/\r\n", p->host, p->path);
        ck_assert_msg(strstr(ans, want) != NULL, "%s %s%s: want %s", p->method, p->host, p->path,
                      want + 2);
    }
    if (p->service) {
        char want[512];
        /* the backend saw the request's host and path unchanged */
        snprintf(want, sizeof want, "\r\n\r\n%s %s %s", p->service, p->host, p->path);
        ck_assert_msg(strstr(ans, want) != NULL, "%s %s%s: want \"%s\":\n%s", p->method, p->host,
                      p->path, want + 4, ans);
    }
    free(ans);
}
END_TEST

/* ingress-nginx offers HTTP/2 on its HTTPS listener by default (the ConfigMap's use-http2,
 * true unless set otherwise), whatever the backends speak: curl --http2 over TLS negotiates h2
 * by ALPN and gets the Service's answer over it. */
START_TEST(ingress_nginx_https_negotiates_h2)
{
    ck_assert_msg(access("/usr/bin/curl", X_OK) == 0, "curl is needed");
    char cmd[512], out[512] = "";
    snprintf(cmd, sizeof cmd,
             "/usr/bin/curl -sS -k --http2 --max-time 20 --unix-socket '%s/front-tls.sock' "
             "-w ' version=%%{http_version} status=%%{http_code}' https://foo.bar.com/x 2>&1",
             dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(strcmp(out, "foo-bar-com foo.bar.com /x version=2 status=200") == 0,
                  "curl --http2 over TLS: %s", out);
    /* HTTP/1.1 clients still get HTTP/1.1 there */
    snprintf(cmd, sizeof cmd,
             "/usr/bin/curl -sS -k --http1.1 --max-time 20 --unix-socket '%s/front-tls.sock' "
             "-w ' version=%%{http_version}' https://foo.bar.com/y 2>&1",
             dir);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(strcmp(out, "foo-bar-com foo.bar.com /y version=1.1") == 0, "curl --http1.1: %s",
                  out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ingress_nginx_serve");
    TCase *tc = tcase_create("features");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, serve_setup, serve_teardown);
    tcase_add_loop_test(tc, ingress_nginx_serves_conformance_features, 0,
                        (int)(sizeof probes / sizeof probes[0]));
    tcase_add_test(tc, ingress_nginx_https_negotiates_h2);
    suite_add_tcase(s, tc);
    return gs_test_run(s);
}
