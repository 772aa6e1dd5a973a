/* SPDX-License-Identifier: MIT */
/* The nginx target's configuration generator on a table of route sets (tests/data/targets/nginx/
 * <set>.yaml): each set goes through the model and control as an apply does, is rendered with
 * fixed ports, and must equal its golden files (<set>.conf, and <set>.js for the njs tables), with
 * the work folder written @WORKDIR@. Then the files are written to a real work folder and
 * `nginx -t` must accept them: a golden file nginx refuses is caught here, not in a run.
 * GS_UPDATE_GOLDEN=1 rewrites the golden files (review the diff). */
#include "gs_alloc.h"
#include "gs_buf.h"
#include "gs_control.h"
#include "gs_model.h"
#include "gs_target_child.h"
#include "gs_target.h"
#include "gs_target_nginx_conf.h"
#include "gs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define JS_MODULE "/usr/lib/nginx/modules/ngx_http_js_module.so"
#define MORE_MODULE "/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so"
#define STREAM_MODULE "/usr/lib/nginx/modules/ngx_stream_module.so"

static const char *const route_sets[] = {"hosts-paths", "matches",     "weights", "filters", "tls",
                                         "grpc",        "unsupported", "l4",      "mtls"};

static char workdir[256];

static void setup(void)
{
    snprintf(workdir, sizeof(workdir), "/tmp/gatesim-nginx-conf-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(workdir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    gs_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        gs_buf_append(&b, chunk, n);
    fclose(f);
    gs_buf_puts(&b, "");
    return gs_buf_take(&b);
}

/* |s| with every |from| replaced by |to|. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    gs_buf b = {0};
    size_t fl = strlen(from);
    for (const char *p = s;;) {
        const char *hit = strstr(p, from);
        if (hit == NULL) {
            gs_buf_puts(&b, p);
            break;
        }
        gs_buf_append(&b, p, (size_t)(hit - p));
        gs_buf_puts(&b, to);
        p = hit + fl;
    }
    gs_buf_puts(&b, "");
    return gs_buf_take(&b);
}

/* One endpoint per Service port of the set, 127.0.0.1:9001 upwards, in object order. */
static size_t set_endpoints(const gs_model *m, gs_target_endpoint *eps, char addrs[][32],
                            size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_services; i++) {
        const gs_service *s = m->services[i];
        for (size_t k = 0; k < s->spec.n_ports && n < cap; k++) {
            snprintf(addrs[n], 32, "127.0.0.1:%zu", 9001 + n);
            eps[n] = (gs_target_endpoint){s->obj.metadata.namespace.v, s->obj.metadata.name.v,
                                          (unsigned)s->spec.ports[k].port.v, addrs[n]};
            n++;
        }
    }
    return n;
}

/* Compares |got| with the golden file |name|, or writes it with GS_UPDATE_GOLDEN=1. */
static void golden(const char *name, const char *got)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "targets/nginx/%s", name);
    const char *path = gs_test_data(rel);
    const char *update = getenv("GS_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        gs_error err = {0};
        ck_assert_int_eq(gs_target_child_write_file(path, got, strlen(got), &err), 0);
        return;
    }
    char *want = slurp(path);
    ck_assert_msg(want != NULL, "no golden file %s (GS_UPDATE_GOLDEN=1 writes it)", path);
    if (strcmp(want, got) != 0) {
        char tmp[300];
        snprintf(tmp, sizeof(tmp), "%s/%s.got", workdir, name);
        FILE *f = fopen(tmp, "w");
        if (f) {
            fputs(got, f);
            fclose(f);
        }
        char cmd[700];
        snprintf(cmd, sizeof(cmd), "diff -u '%s' '%s' | head -40", path, tmp);
        ck_assert_int_ne(system(cmd), -1);
        ck_abort_msg("%s differs from its golden file (diff above)", name);
    }
    free(want);
}

static int nginx_t(const char *conf)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "nginx -t -q -p '%s/' -c '%s' 2>'%s/nginx-t.log'", workdir, conf,
             workdir);
    int st = system(cmd);
    if (st != 0) {
        char log[300];
        snprintf(log, sizeof(log), "%s/nginx-t.log", workdir);
        char *text = slurp(log);
        fprintf(stderr, "nginx -t: %s\n", text ? text : "");
        free(text);
    }
    return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static void write_all(const gs_nginx_conf_out *r, const char *js_path, const char *conf)
{
    gs_error err = {0};
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/certs", workdir);
    mkdir(dir, 0700);
    snprintf(dir, sizeof(dir), "%s/tmp", workdir);
    mkdir(dir, 0700);
    for (size_t i = 0; i < r->n_files; i++)
        ck_assert_int_eq(gs_target_child_write_file(r->files[i].path, r->files[i].data,
                                                    strlen(r->files[i].data), &err),
                         0);
    if (r->needs_js)
        ck_assert_int_eq(gs_target_child_write_file(js_path, r->js.data, r->js.len, &err), 0);
    ck_assert_int_eq(gs_target_child_write_file(conf, r->conf.data, r->conf.len, &err), 0);
}

/* Loads the route set tests/data/targets/nginx/SET.yaml (it must be valid) and computes its
 * control state, whose route table the renderer takes. */
static gs_control *load_set(const char *set, gs_model **m)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "targets/nginx/%s.yaml", set);
    gs_model_new(m);
    gs_error err = {0};
    gs_load_options lo = {0};
    ck_assert_msg(gs_model_load_path(*m, gs_test_data(rel), &lo, &err) == 0, "%s: %s", set,
                  err.msg);
    ck_assert_msg((*m)->diags.nerrors == 0, "%s: invalid objects", set);
    gs_control *c = NULL;
    gs_control_new(&c, NULL);
    ck_assert_msg(gs_control_compute(c, *m, &err) == 0, "%s: %s", set, err.msg);
    return c;
}

START_TEST(test_route_set)
{
    const char *set = route_sets[_i];
    gs_model *m = NULL;
    gs_control *c = load_set(set, &m);
    gs_error err = {0};
    const gs_route_table *table = gs_control_table(c);
    ck_assert_uint_gt(gs_route_table_port_count(table), 0);

    gs_target_endpoint eps[32];
    char addrs[32][32];
    size_t n_eps = set_endpoints(m, eps, addrs, 32);
    uint16_t bound[8];
    for (size_t i = 0; i < 8; i++)
        bound[i] = (uint16_t)(18080 + i);
    char *js_path = gs_xasprintf("%s/gatesim-1.js", workdir);
    char *conf = gs_xasprintf("%s/nginx.conf", workdir);
    gs_nginx_conf_in in = {.table = table,
                           .endpoints = eps,
                           .n_endpoints = n_eps,
                           .bound_ports = bound,
                           .probe_port = 18999,
                           .generation = 1,
                           .workdir = workdir,
                           .js_path = js_path,
                           .js_module = JS_MODULE,
                           .headers_more_module = MORE_MODULE,
                           .stream_module = STREAM_MODULE};
    gs_nginx_conf_out r = {0};
    ck_assert_int_eq(gs_nginx_conf_render(&in, &r, &err), 0);

    char *text = replace_all(r.conf.data, workdir, "@WORKDIR@");
    char name[64];
    snprintf(name, sizeof(name), "%s.conf", set);
    golden(name, text);
    free(text);
    if (r.needs_js) {
        /* The tables only: the code after them is gatesim.js, compiled in as it is. */
        const char *code = strstr(r.js.data, gs_nginx_js_code);
        ck_assert_ptr_nonnull(code);
        char *tables = gs_xstrndup(r.js.data, (size_t)(code - r.js.data));
        snprintf(name, sizeof(name), "%s.js", set);
        golden(name, tables);
        free(tables);
    }
    if (strcmp(set, "unsupported") == 0) {
        /* Each left-out rule once, with its feature; the plain rule is the only one served. */
        static const char *const want[] = {"HTTPRouteCORS", "HTTPRouteRetry",
                                           "HTTPRouteBackendRequestHeaderModification",
                                           "HTTPRouteBackendProtocolH2C"};
        ck_assert_uint_eq(r.n_drops, 4);
        for (size_t i = 0; i < 4; i++) {
            const gs_nginx_drop *d = &r.drops[i];
            ck_assert_uint_lt(d->rule, 4); /* rule i needs want[i] */
            ck_assert_str_eq(d->feature, want[d->rule]);
            ck_assert_uint_eq(d->route_rules, 5);
            ck_assert_str_eq(d->name, "u");
            for (size_t k = 0; k < i; k++)
                ck_assert_uint_ne(r.drops[k].rule, d->rule);
        }
        ck_assert_ptr_null(strstr(r.conf.data, "/cors"));
        ck_assert_ptr_null(strstr(r.conf.data, "/retry"));
    } else {
        ck_assert_uint_eq(r.n_drops, 0);
    }
    write_all(&r, js_path, conf);
    ck_assert_msg(nginx_t(conf) == 0, "nginx -t refused the %s configuration", set);

    gs_nginx_conf_out_free(&r);
    free(js_path);
    free(conf);
    gs_control_free(c);
    gs_model_free(m);
}
END_TEST

/* Without njs, a set that needs it is refused with the package to install; one that does not
 * renders. */
START_TEST(test_njs_missing)
{
    for (int k = 0; k < 2; k++) {
        gs_model *m = NULL;
        gs_control *c = load_set(k ? "matches" : "hosts-paths", &m);
        gs_error err = {0};
        uint16_t bound[4] = {18080, 18081, 18082, 18083};
        gs_nginx_conf_in in = {.table = gs_control_table(c),
                               .bound_ports = bound,
                               .probe_port = 18999,
                               .generation = 3,
                               .workdir = workdir,
                               .js_path = "/nonexistent.js"};
        gs_nginx_conf_out r = {0};
        int rc = gs_nginx_conf_render(&in, &r, &err);
        if (k) {
            ck_assert_int_eq(rc, GS_ERR_NOT_FOUND);
            ck_assert_ptr_nonnull(strstr(err.msg, "libnginx-mod-http-js"));
        } else {
            ck_assert_int_eq(rc, 0);
            ck_assert_ptr_null(strstr(r.conf.data, "js_"));
            ck_assert_ptr_nonnull(strstr(r.conf.data, "return 200 \"3\\n\";"));
            /* Services without endpoints: every share answers 500. */
            ck_assert_ptr_nonnull(strstr(r.conf.data, "return 500;"));
            ck_assert_ptr_null(strstr(r.conf.data, "upstream"));
        }
        gs_nginx_conf_out_free(&r);
        gs_control_free(c);
        gs_model_free(m);
    }
}
END_TEST

/* Without the stream module, a set with layer-4 listeners is refused with the package to
 * install; an HTTP-only set neither needs nor loads it. */
START_TEST(test_stream_missing)
{
    for (int k = 0; k < 2; k++) {
        gs_model *m = NULL;
        gs_control *c = load_set(k ? "l4" : "hosts-paths", &m);
        gs_error err = {0};
        uint16_t bound[4] = {18080, 18081, 18082, 18083};
        gs_nginx_conf_in in = {.table = gs_control_table(c),
                               .bound_ports = bound,
                               .probe_port = 18999,
                               .generation = 1,
                               .workdir = workdir,
                               .js_path = "/nonexistent.js",
                               .js_module = JS_MODULE};
        gs_nginx_conf_out r = {0};
        int rc = gs_nginx_conf_render(&in, &r, &err);
        if (k) {
            ck_assert_int_eq(rc, GS_ERR_NOT_FOUND);
            ck_assert_ptr_nonnull(strstr(err.msg, "libnginx-mod-stream"));
        } else {
            ck_assert_int_eq(rc, 0);
            ck_assert_ptr_null(strstr(r.conf.data, "stream"));
        }
        gs_nginx_conf_out_free(&r);
        gs_control_free(c);
        gs_model_free(m);
    }
}
END_TEST

/* The features the target claims for `gatesim conform` leave out everything it drops. */
START_TEST(test_features)
{
    gs_target_config cfg = {.workdir = workdir};
    gs_target *t = NULL;
    gs_error err = {0};
    ck_assert_int_eq(gs_target_new(&t, "nginx", &cfg, &err), 0);
    char **names = NULL;
    size_t n = 0;
    ck_assert_int_eq(gs_target_features(t, &names, &n, &err), 0);
    bool http = false, grpc = false;
    for (size_t i = 0; i < n; i++) {
        http |= strcmp(names[i], "HTTPRoute") == 0;
        grpc |= strcmp(names[i], "GRPCRoute") == 0;
        for (size_t k = 0; k < gs_nginx_n_unsupported_features; k++)
            ck_assert_str_ne(names[i], gs_nginx_unsupported_features[k].feature);
        free(names[i]);
    }
    free(names);
    ck_assert(http && grpc);
    ck_assert_uint_ge(gs_nginx_n_unsupported_features, 5);
    gs_target_free(t);
}
END_TEST

/* The mirror log's lines by fate: the last try decides; a line still being written waits. */
START_TEST(test_mirror_log_count)
{
    static const char log[] = "204|0.001\n"      /* answered */
                              "500|0.010\n"      /* answered, with an error: still delivered */
                              "502|-\n"          /* refused */
                              "504|-\n"          /* nginx's timeout */
                              "504|0.002\n"      /* the backend's own 504 */
                              "502, 200|-, 0.002\n" /* first endpoint refused, second answered */
                              "200, 504|0.001, -\n" /* ... and the other way round */
                              "-|-\n"            /* no endpoint */
                              "junk\n"
                              "204|0.0";          /* not finished */
    gs_nginx_mirror_counts c = {0};
    size_t used = gs_nginx_mirror_log_count(log, sizeof(log) - 1, &c);
    ck_assert_uint_eq(used, sizeof(log) - 1 - strlen("204|0.0"));
    ck_assert_uint_eq(c.sent, 7);
    ck_assert_uint_eq(c.failed, 1);
    ck_assert_uint_eq(c.timed_out, 2);
    ck_assert_uint_eq(c.no_endpoint, 1);
    /* The rest of the line arrives. */
    used = gs_nginx_mirror_log_count("204|0.001\n", 10, &c);
    ck_assert_uint_eq(used, 10);
    ck_assert_uint_eq(c.sent, 8);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("targets/nginx_conf");
    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_route_set, 0,
                        (int)(sizeof(route_sets) / sizeof(route_sets[0])));
    tcase_add_test(tc, test_njs_missing);
    tcase_add_test(tc, test_stream_missing);
    tcase_add_test(tc, test_features);
    tcase_add_test(tc, test_mirror_log_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return gs_test_run(suite());
}
