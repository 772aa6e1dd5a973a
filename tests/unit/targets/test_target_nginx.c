/* SPDX-License-Identifier: MIT */
/* The nginx target's process handling with the real nginx (through tests/data/targets/
 * nginx-wrapper.sh, which can make a start or `nginx -t` fail): start in the work folder,
 * listeners at nginx's ports, status from control, a reload that serves the new routes, counters
 * from stub_status, a port another process took (new ports, second try; also with the real nginx
 * still retrying its bind, for both nginx and ingress-nginx), a configuration nginx -t
 * refuses (its [emerg] line is the error), nginx dying, nothing left running after free, and
 * mirror copies counted by fate from nginx's mirror log (to a backend that answers, one that
 * refuses connections, one without endpoints). */
#include "gs_target.h"
#include "gs_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char workdir[256];

static void setup(void)
{
    snprintf(workdir, sizeof(workdir), "/tmp/gatesim-nginx-target-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(workdir));
    setenv("GATESIM_NGINX", gs_test_data("targets/nginx-wrapper.sh"), 1);
    setenv("NGINX_WRAPPER_DIR", workdir, 1);
    setenv("NGINX_WRAPPER_MODE", "", 1);
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *const docs_v1[] = {
    "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gs}\n"
    "spec: {controllerName: gatesim.dev/gateway-controller}",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
    "metadata: {name: gw, namespace: default}\n"
    "spec: {gatewayClassName: gs, listeners: [{name: http, port: 80, protocol: HTTP}]}",
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
    "metadata: {name: a, namespace: default}\n"
    "spec: {parentRefs: [{name: gw}], hostnames: [a.example.com],\n"
    "  rules: [{backendRefs: [{name: nowhere, port: 80}]}]}",
};

/* v2 adds a route whose rule has no backends: 500 on b.example.com. */
static const char *const docs_v2[] = {
    docs_v1[0], docs_v1[1], docs_v1[2],
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
    "metadata: {name: b, namespace: default}\n"
    "spec: {parentRefs: [{name: gw}], hostnames: [b.example.com],\n"
    "  rules: [{matches: [{path: {type: Exact, value: /x}}]}]}",
};

static gs_target *new_target(void)
{
    gs_target_config cfg = {.workdir = workdir, .start_timeout_ns = 20 * (int64_t)1000000000};
    gs_target *t = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_target_new(&t, "nginx", &cfg, &err), 0);
    return t;
}

static int apply(gs_target *t, const char *const *docs, size_t n, gs_error *err)
{
    gs_target_objects objs = {.documents = docs, .n_documents = n};
    return gs_target_apply(t, &objs, err);
}

/* The status code nginx answers GET |path| with Host |host| on 127.0.0.1:|port|, or -1. */
static int http_status(const char *address, const char *host, const char *path)
{
    unsigned port = (unsigned)atoi(strchr(address, ':') + 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int code = -1;
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
        char req[256];
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
        char buf[512] = {0};
        if (write(fd, req, (size_t)n) == n && read(fd, buf, sizeof(buf) - 1) > 12)
            code = atoi(buf + 9);
    }
    close(fd);
    return code;
}

/* The number in the work folder's file |name|, 0 when there is none. */
static int read_number(const char *name)
{
    char path[300];
    snprintf(path, sizeof(path), "%s/%s", workdir, name);
    FILE *f = fopen(path, "r");
    int n = 0;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        fclose(f);
    }
    return n;
}

static pid_t nginx_master(void)
{
    return read_number("nginx.pid");
}

/* How many times the wrapper started nginx. */
static int starts(void)
{
    return read_number("starts");
}

START_TEST(test_start_reload_stats_stop)
{
    gs_target *t = new_target();
    gs_error err = {0};
    ck_assert_msg(apply(t, docs_v1, 3, &err) == 0, "%s", err.msg);
    const gs_target_listener *l = gs_target_find_listener(t, "default/gw", "http");
    ck_assert_ptr_nonnull(l);
    ck_assert_uint_eq(l->port, 80);
    ck_assert_str_ne(l->address, "127.0.0.1:80");
    ck_assert_int_eq(http_status(l->address, "a.example.com", "/"), 500); /* no such Service */
    ck_assert_int_eq(http_status(l->address, "b.example.com", "/x"), 404);

    gs_json_value *st = NULL;
    ck_assert_int_eq(gs_target_status(t, &st, &err), 0);
    const gs_json_value *objs = gs_json_get(st, "objects");
    ck_assert_ptr_nonnull(objs);
    ck_assert_uint_ge(objs->len, 3);
    gs_json_value_free(st);

    /* A reload: the old port stays, the new route answers. */
    char before[64];
    snprintf(before, sizeof(before), "%s", l->address);
    pid_t master = nginx_master();
    ck_assert_int_gt(master, 0);
    ck_assert_msg(apply(t, docs_v2, 4, &err) == 0, "%s", err.msg);
    l = gs_target_find_listener(t, "default/gw", "http");
    ck_assert_str_eq(l->address, before);
    ck_assert_int_eq(http_status(l->address, "b.example.com", "/x"), 500);
    ck_assert_int_eq(nginx_master(), master); /* reloaded, not restarted */
    ck_assert_int_eq(starts(), 1);

    /* stub_status: the two requests after the reload, gatesim's probes not counted. */
    gs_target_stats s0 = {0}, s1 = {0};
    ck_assert_int_eq(gs_target_stats_read(t, &s0, &err), 0);
    ck_assert_int_eq(http_status(l->address, "a.example.com", "/"), 500);
    ck_assert_int_eq(http_status(l->address, "b.example.com", "/x"), 500);
    ck_assert_int_eq(gs_target_stats_read(t, &s1, &err), 0);
    uint64_t r0 = 0, r1 = 0;
    ck_assert(gs_target_stats_get(&s0, "requests", &r0));
    ck_assert(gs_target_stats_get(&s1, "requests", &r1));
    ck_assert_uint_eq(r1 - r0, 2);
    gs_target_stats_clear(&s0);
    gs_target_stats_clear(&s1);

    ck_assert_int_eq(gs_target_check(t, &err), 0);
    gs_target_free(t);
    /* The master (and its workers, its process group) are gone. */
    ck_assert_int_ne(kill(master, 0), 0);
}
END_TEST

START_TEST(test_port_taken_then_retried)
{
    setenv("NGINX_WRAPPER_MODE", "port-taken-once", 1);
    gs_target *t = new_target();
    gs_error err = {0};
    ck_assert_msg(apply(t, docs_v1, 3, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(starts(), 2);
    const gs_target_listener *l = gs_target_find_listener(t, "default/gw", "http");
    ck_assert_int_eq(http_status(l->address, "a.example.com", "/"), 500);
    gs_target_free(t);
}
END_TEST

/* As under a real port race: another process listens on a port the first start's configuration
 * names, and nginx (not a stand-in) logs its bind() [emerg] and keeps retrying. The failed
 * start is stopped, not reloaded (a SIGHUP before nginx has its handlers killed it: "nginx
 * killed by signal 1"), and the second start on fresh ports serves. */
static void port_held_then_retried(const char *kind, const char *const *docs, size_t n,
                                   const char *gateway, const char *host, int want)
{
    setenv("NGINX_WRAPPER_MODE", "port-held-once", 1);
    gs_target_config cfg = {.workdir = workdir, .start_timeout_ns = 20 * (int64_t)1000000000};
    gs_target *t = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_target_new(&t, kind, &cfg, &err), 0);
    ck_assert_msg(apply(t, docs, n, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(starts(), 2);
    int held = read_number("held");
    ck_assert_int_gt(held, 0);
    const gs_target_listener *l = gs_target_find_listener(t, gateway, "http");
    ck_assert_ptr_nonnull(l);
    char held_addr[32];
    snprintf(held_addr, sizeof(held_addr), "127.0.0.1:%d", held);
    ck_assert_str_ne(l->address, held_addr);
    ck_assert_int_eq(http_status(l->address, host, "/"), want);
    ck_assert_int_eq(gs_target_check(t, &err), 0);
    gs_target_free(t);
}

START_TEST(test_port_held_then_retried)
{
    port_held_then_retried("nginx", docs_v1, 3, "default/gw", "a.example.com", 500);
}
END_TEST

/* An Ingress whose backend has no endpoints: ingress-nginx answers 503. */
static const char *const ingress_docs[] = {
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, namespace: default}\n"
    "spec:\n  ingressClassName: nginx\n  rules:\n  - host: a.example.com\n    http:\n"
    "      paths: [{path: /, pathType: Prefix, backend: {service: {name: nowhere, port: "
    "{number: 80}}}}]",
};

START_TEST(test_ingress_port_held_then_retried)
{
    port_held_then_retried("ingress-nginx", ingress_docs, 1,
                           "ingress-nginx/ingress-nginx-controller", "a.example.com", 503);
}
END_TEST

START_TEST(test_nginx_t_refuses)
{
    setenv("NGINX_WRAPPER_MODE", "refuse-test", 1);
    gs_target *t = new_target();
    gs_error err = {0};
    ck_assert_int_eq(apply(t, docs_v1, 3, &err), GS_ERR_INVALID);
    ck_assert_msg(strstr(err.msg, "unknown directive \"gatesim_planted\""), "%s", err.msg);
    ck_assert_int_eq(starts(), 0);
    ck_assert_int_eq(gs_target_check(t, &err), GS_ERR_CLOSED);
    gs_target_free(t);
}
END_TEST

START_TEST(test_nginx_dies)
{
    gs_target *t = new_target();
    gs_error err = {0};
    ck_assert_msg(apply(t, docs_v1, 3, &err) == 0, "%s", err.msg);
    pid_t master = nginx_master();
    ck_assert_int_gt(master, 0);
    ck_assert_int_eq(kill(master, SIGKILL), 0);
    int rc = 0;
    for (int i = 0; i < 2000 && rc == 0; i++) { /* bounded: 20 s */
        rc = gs_target_check(t, &err);
        if (rc == 0)
            usleep(10000);
    }
    ck_assert_int_eq(rc, GS_ERR_CLOSED);
    ck_assert_msg(strstr(err.msg, "nginx"), "%s", err.msg);
    /* The next apply starts nginx again. */
    gs_error err2 = {0};
    ck_assert_msg(apply(t, docs_v2, 4, &err2) == 0, "%s", err2.msg);
    ck_assert_int_eq(starts(), 2);
    const gs_target_listener *l = gs_target_find_listener(t, "default/gw", "http");
    ck_assert_int_eq(http_status(l->address, "b.example.com", "/x"), 500);
    gs_target_free(t);
}
END_TEST

/* ---- mirror counters with real traffic ---------------------------------------------------- */

static pid_t responder_pid;

/* A 127.0.0.1 socket bound to a free port; listening when |listen_too|, else connections to it
 * are refused. Its port goes to |port|. */
static int bound_socket(bool listen_too, unsigned *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    if (listen_too)
        ck_assert_int_eq(listen(fd, 64), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A child answering every request on |fd| with 204 and closing (one connection at a time). It
 * dies with the test process, and by itself after 120 s at most. */
static void start_responder(int fd)
{
    responder_pid = fork();
    ck_assert_int_ge(responder_pid, 0);
    if (responder_pid > 0) {
        close(fd);
        return;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(120);
    for (;;) {
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            continue;
        char buf[4096];
        size_t have = 0;
        ssize_t got;
        while (have < sizeof(buf) - 1 && (got = read(c, buf + have, sizeof(buf) - 1 - have)) > 0) {
            have += (size_t)got;
            buf[have] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        static const char resp[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
        if (write(c, resp, sizeof(resp) - 1) < 0)
            _exit(1);
        close(c);
    }
}

static void stop_responder(void)
{
    if (responder_pid > 0) {
        kill(responder_pid, SIGKILL);
        waitpid(responder_pid, NULL, 0);
        responder_pid = 0;
    }
}

#define MIRROR_SERVICE(name)                                                                      \
    "apiVersion: v1\nkind: Service\nmetadata: {name: " name ", namespace: default}\n"           \
    "spec: {ports: [{port: 80}]}"
#define MIRROR_ROUTE(host, shadow)                                                                \
    "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"                                \
    "metadata: {name: " host ", namespace: default}\n"                                            \
    "spec: {parentRefs: [{name: gw}], hostnames: [" host ".example.com],\n"                       \
    "  rules: [{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: " shadow      \
    ", port: 80}}}],\n  backendRefs: [{name: ok, port: 80}]}]}"

static const char *const docs_mirrors[] = {
    docs_v1[0],
    docs_v1[1],
    MIRROR_SERVICE("ok"),
    MIRROR_SERVICE("dead"),
    MIRROR_SERVICE("empty"),
    MIRROR_ROUTE("answers", "ok"),
    MIRROR_ROUTE("refused", "dead"),
    MIRROR_ROUTE("nowhere", "empty"),
};

static uint64_t stat_of(const gs_target_stats *s, const char *name)
{
    uint64_t v = 0;
    ck_assert_msg(gs_target_stats_get(s, name, &v), "no counter %s", name);
    return v;
}

/* Reads the counters until |sent| copies went to an upstream (a copy is counted when its
 * exchange ends, just after the backend has it): bounded, 20 s. */
static void read_until_sent(gs_target *t, gs_target_stats *s, uint64_t sent)
{
    gs_error err = {0};
    for (int i = 0; i < 2000; i++) {
        ck_assert_msg(gs_target_stats_read(t, s, &err) == 0, "%s", err.msg);
        if (stat_of(s, "mirrorsSent") >= sent)
            return;
        usleep(10000);
    }
}

START_TEST(test_mirror_counters)
{
    unsigned ok_port, dead_port;
    int dead = bound_socket(false, &dead_port); /* held open: nobody else takes the port */
    start_responder(bound_socket(true, &ok_port));
    char ok_addr[32], dead_addr[32];
    snprintf(ok_addr, sizeof(ok_addr), "127.0.0.1:%u", ok_port);
    snprintf(dead_addr, sizeof(dead_addr), "127.0.0.1:%u", dead_port);
    gs_target_endpoint eps[] = {{"default", "ok", 80, ok_addr}, {"default", "dead", 80, dead_addr}};
    gs_target_objects objs = {.documents = docs_mirrors,
                              .n_documents = sizeof(docs_mirrors) / sizeof(docs_mirrors[0]),
                              .endpoints = eps,
                              .n_endpoints = 2};
    gs_target *t = new_target();
    gs_error err = {0};
    ck_assert_msg(gs_target_apply(t, &objs, &err) == 0, "%s", err.msg);
    const gs_target_listener *l = gs_target_find_listener(t, "default/gw", "http");
    ck_assert_ptr_nonnull(l);

    gs_target_stats s0 = {0}, s1 = {0};
    ck_assert_msg(gs_target_stats_read(t, &s0, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(stat_of(&s0, "mirrorsSent"), 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(http_status(l->address, "answers.example.com", "/"), 204);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(http_status(l->address, "refused.example.com", "/"), 204);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(http_status(l->address, "nowhere.example.com", "/"), 204);
    read_until_sent(t, &s1, 8);
    /* 5 answered, 3 refused (sent, then failed), 2 with nowhere to go; none timed out. */
    ck_assert_uint_eq(stat_of(&s1, "mirrorsSent"), 8);
    ck_assert_uint_eq(stat_of(&s1, "mirrorsFailed"), 3);
    ck_assert_uint_eq(stat_of(&s1, "mirrorsNoEndpoint"), 2);
    ck_assert_uint_eq(stat_of(&s1, "mirrorsTimedOut"), 0);
    /* The primaries: 10 requests, the mirrors' subrequests not among them. */
    ck_assert_uint_eq(stat_of(&s1, "requests") - stat_of(&s0, "requests"), 10);

    /* Counters grow across a reload (nginx reopens the log and appends). */
    ck_assert_msg(gs_target_apply(t, &objs, &err) == 0, "%s", err.msg);
    l = gs_target_find_listener(t, "default/gw", "http");
    ck_assert_int_eq(http_status(l->address, "answers.example.com", "/"), 204);
    read_until_sent(t, &s1, 9);
    ck_assert_uint_eq(stat_of(&s1, "mirrorsSent"), 9);
    ck_assert_uint_eq(stat_of(&s1, "mirrorsFailed"), 3);
    gs_target_stats_clear(&s0);
    gs_target_stats_clear(&s1);
    gs_target_free(t);
    stop_responder();
    close(dead);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("targets/nginx");
    TCase *tc = tcase_create("process");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_start_reload_stats_stop);
    tcase_add_test(tc, test_port_taken_then_retried);
    tcase_add_test(tc, test_port_held_then_retried);
    tcase_add_test(tc, test_ingress_port_held_then_retried);
    tcase_add_test(tc, test_nginx_t_refuses);
    tcase_add_test(tc, test_nginx_dies);
    tcase_add_test(tc, test_mirror_counters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(suite());
}
